"""Classify associations into sote sectors and organisation types from names and purposes.

The knowledge is data, in the manner of UK-CAT: ``data/classification_rules.csv``
(code, sector, subsector, include regex, exclude regex, priority) and
``data/org_type_rules.csv``. A rule fires when its include pattern matches the
normalised text (name, plus purpose where given) and its exclude pattern does
not. Every fired rule gives a sector (multi-label); the primary sector is the
one of the fired rule with the lowest priority number (file order breaks
ties), so exclusions and priorities settle collisions: sport rules (priority
10) beat the pensioners' rule, the rheumatism rule (30) beats the child and
family rule (60).

Where no rule fires on the name, the condition lexicon (``data/conditions.csv``, built by
``scripts/build_conditions.py`` from the Finnish ICD-10, Orphanet and the Disease Ontology)
is read: condition words inside compounds, eponyms and organ words before an organisation
word ("Angelman-yhdistys", "Ihoyhdistys"), Latin names, and condition acronyms matched
case-sensitively as whole tokens ("Suomen CF-yhdistys"). Then the medical word shape. Known
organisations (``data/national_organisations.csv``, ``data/known_clubs.csv``) are matched by
the whole normalised name before anything else. Nothing: ``unclassified``.

Matching is vectorised with Arrow's RE2 engine over the distinct texts, so
100,000 names take seconds; every result names the rule that fired.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from io import StringIO

import numpy as np
import pandas as pd

from ..taxonomy import NOT_SOTE, UNCLASSIFIED
from ..text import normalize_text as _normalize

ORG_TYPES = ("local", "district", "national", "foundation")
#: Values of ``sector_source`` in the order the signals are tried.
#: After them (applied by the register sources, only to unclassified rows): ``tol`` (the YTJ main line of
#: business, rules TOL86-88, :mod:`.sources.ytj_register`) and ``stea`` (a STEA grant recipient, rules
#: STEA_PURPOSE and STEA, :mod:`.sources.stea`).
SECTOR_SOURCES = ("known_org", "source_category", "purpose", "name_rule", "name_lexicon", "name_shape", "tol",
                  "stea")
#: Medical word shapes (name_shape): a word part ending so, before a word end or a hyphen/compound tail.
#: A chromosome band ("22q11", "1p36"), the cytogenetic notation of Orphanet's names of chromosomal
#: syndromes, is a medical shape too.
MEDICAL_SHAPE = (r"[a-zåäö]{3,}(oosi|iitti|itis|osis|patia|emia|plasia|trofia|plegia|lepsia|fagia|iaasi|iasis|ooma"
                 r"|syndrooma|oireyhtymä)"
                 r"|(oireyhtymä|syndrooma|sairaat|sairaiden|sairaudet|sairauksien|potilaat|potilaiden|sairastavat|sairastavien)"
                 r"|(?:^|[^0-9a-zåäö])(?:[1-9]|1[0-9]|2[0-2]|x|y)[pq][1-9][0-9]?(?:\.[0-9]+)?(?:$|[^0-9a-zåäö]|ds)")
LEGAL_FORM = re.compile(r"\b(ry|rf|r\.y\.?|r\.f\.?|sr|rp|r\.p\.?)$")
WORD_BOUNDARY = r"(?:^|$|[^a-z0-9åäöéèüõšžæøçñ_])"
HEADQUARTERS = ("district", "national")
#: A source category that says social and health without saying which sector (``data/source_categories.csv``).
SOTE_CATEGORY = "sote"
#: A source category that is mostly not sote but yields to a sote name (PRH's defence class holds the
#: war veterans' associations).
LEAN_NOT_SOTE = "lean_not_sote"
OTHER_SOTE = "other_sote"


def _read_csv(name: str) -> pd.DataFrame:
    text = resources.files("sote_analytics").joinpath(f"data/{name}").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


@cache
def sector_rules() -> pd.DataFrame:
    """The sector rules, in file order, with integer priorities."""
    df = _read_csv("classification_rules.csv")
    df["priority"] = df["priority"].astype(int)
    return df


@cache
def org_type_rules() -> pd.DataFrame:
    """The organisation-type rules."""
    df = _read_csv("org_type_rules.csv")
    df["priority"] = df["priority"].astype(int)
    return df


@cache
def conditions() -> pd.DataFrame:
    """The condition lexicon (term, language, sector, subsector, icd10, source)."""
    return _read_csv("conditions.csv")


#: Tables of organisations known by name (name, aliases, sector, subsector, org_type, umbrella, source):
#: national sote organisations, and sports clubs known only by their name ("HJK", "Oulun Kärpät").
KNOWN_ORGANISATION_TABLES = ("national_organisations.csv", "known_clubs.csv")


@cache
def national_organisations() -> dict[str, tuple[str, str, str]]:
    """Normalised name or alias -> (sector, subsector, org_type), from :data:`KNOWN_ORGANISATION_TABLES`."""
    out: dict[str, tuple[str, str, str]] = {}
    for table in KNOWN_ORGANISATION_TABLES:
        for row in _read_csv(table).itertuples(index=False):
            for alias in [row.name, *[a for a in row.aliases.split(";") if a.strip()]]:
                out.setdefault(org_key(alias), (row.sector, row.subsector, row.org_type))
    return out


@cache
def source_categories() -> dict[str, str]:
    """Normalised source category -> sector."""
    return {normalize_text(r.category): r.sector for r in _read_csv("source_categories.csv").itertuples(index=False)}


def org_key(value: object) -> str:
    """Name key for known organisations: normalised, legal form (ry, rf, sr) dropped.

    Examples
    --------
    >>> org_key("Diabetesliitto  RY")
    'diabetesliitto'
    """
    s = normalize_text(value)
    return LEGAL_FORM.sub("", s).strip(" ,.-")


def normalize_text(value: object) -> str:
    """Lower-case, NFC, invisible characters removed, white space collapsed (see :mod:`.text`).

    Examples
    --------
    >>> normalize_text("  MLL:n  Keuruun\u200b paikallisyhdistys RY ")
    'mll:n keuruun paikallisyhdistys ry'
    """
    return _normalize(value, casefold=True)


def _fire(texts, rules: pd.DataFrame) -> np.ndarray:
    """Boolean matrix texts x rules: include matches and exclude does not (RE2 via Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(texts, type=pa.string())
    # RE2's \b is ASCII-only ("ik" would end at "ä" in "ikäihmiset"). A \pL class would be
    # right but makes RE2 ~500x slower, so the boundary is "not a letter of the (case-folded)
    # Finnish/Swedish alphabet".
    def re2(pattern: str) -> str:
        return pattern.replace(r"\b", WORD_BOUNDARY)

    out = np.zeros((len(texts), len(rules)), dtype=bool)
    for j, rule in enumerate(rules.itertuples(index=False)):
        # texts are case-folded already and the patterns are lower case
        hit = pc.match_substring_regex(arr, re2(rule.include)).to_numpy(zero_copy_only=False)
        if rule.exclude:
            hit &= ~pc.match_substring_regex(arr, re2(rule.exclude)).to_numpy(zero_copy_only=False)
        out[:, j] = hit
    return out


def _rules_pass(uniques: np.ndarray, rules: pd.DataFrame):
    """Primary sector, subsector, code, all codes, all sectors, agreement of the fired rules."""
    fired = _fire(uniques, rules)
    prio = np.where(fired, rules["priority"].to_numpy()[None, :], np.iinfo(np.int32).max)
    best = prio.argmin(axis=1)  # first minimum = file order on ties
    any_fired = fired.any(axis=1)
    sector = np.where(any_fired, rules["sector"].to_numpy()[best], "")
    subsector = np.where(any_fired, rules["subsector"].to_numpy()[best], "")
    code = np.where(any_fired, rules["code"].to_numpy()[best], "")
    codes = rules["code"].to_numpy()
    secs = rules["sector"].to_numpy()
    # the fired-rule patterns repeat: join once per distinct pattern
    patterns, pinv = np.unique(np.packbits(fired, axis=1), axis=0, return_inverse=True)
    pinv = pinv.reshape(-1)
    bits = np.unpackbits(patterns, axis=1, count=fired.shape[1]).astype(bool)
    p_rules = np.array([";".join(codes[row]) for row in bits], dtype=object)
    p_secs = np.array([";".join(dict.fromkeys(secs[row])) for row in bits], dtype=object)
    p_agree = np.array([len(set(secs[row])) <= 1 for row in bits], dtype=bool)
    return sector, subsector, code, p_rules[pinv], p_secs[pinv], p_agree[pinv]


#: Words that make a preceding condition, organ or acronym the subject of an organisation
#: ("sklerodermayhdistys", "CF-yhdistys", "ALS-tutkimuksen tuki", "Munuais- ja maksaliitto").
ORG_TAIL = (r"(?:yhdisty|liitto|liiton|säätiö|potilaat|potilaiden|potilasyhdistys|sairaat|sairaiden|sairastavat|"
            r"sairastavien|vammaiset|vammaisten|lapset|lasten|perheet|perheiden|tuki|tutkimu|verkosto|förening|"
            r"förbund|stiftelse|sällskap|patient|henkilö|association|society|foundation|network|support)")
ORG_CONTEXT = rf"(?:(?:\s?[-–]\s?|\s)?{ORG_TAIL}|\s?[-–]\s(?:ja|och|tai)\s)"
#: After an eponym: an organisation word, a condition word or the country ("Angelman-yhdistys",
#: "Touretten oireyhtymä", "Rett Suomi"); Finnish genitive endings allowed.
CONDITION_CONTEXT = r"(?:in|n|s)?(?:\s?[-–]\s?|\s)?(?:oireyhtymä|syndrooma|tauti|sairaus|syndrom|sjukdom)"
EPONYM_CONTEXT = rf"(?:{CONDITION_CONTEXT}|(?:in|n|s)?(?:{ORG_CONTEXT}|\s(?:suomi|finland)\b))"
#: Letters and digits of the (not case-folded) text, for acronym boundaries.
ALNUM = "A-Za-z0-9ÅÄÖåäöÉéÜüÕõŠšŽž"


#: Cheap tests run before the many-term patterns: a text without an organisation word cannot match
#: an ``org_tail`` term, and so on (most of a register's names are skipped by most patterns).
NEEDS_ORG = rf"{ORG_TAIL}|[-–]\s(?:ja|och|tai)\s"
NEEDS_CONDITION = r"oireyhtymä|syndrooma|tauti|sairaus|syndrom|sjukdom"
NEEDS_EPONYM = rf"{NEEDS_ORG}|{NEEDS_CONDITION}|suomi|finland"


def _alternation(terms) -> str:
    """Literal alternation, longest first (RE2 takes the leftmost, not the longest, alternative)."""
    return "|".join(sorted({re.escape(t).replace("\\ ", " ") for t in terms}, key=len, reverse=True))


#: Terms per RE2 pattern: one huge alternation outgrows RE2's DFA memory and falls back to a slow
#: engine (80,000 characters: 1.5 s for 5,000 names); chunks of a few hundred terms stay fast.
CHUNK = 400


def _chunks(terms) -> list[str]:
    terms = sorted(set(terms), key=len, reverse=True)
    return [_alternation(terms[i:i + CHUNK]) for i in range(0, len(terms), CHUNK)]


@cache
def _lexicon_rules() -> pd.DataFrame:
    """The condition lexicon as RE2 patterns per (sector, subsector) and match mode, specific groups first.

    Match modes (``conditions.csv`` column ``match``): ``anywhere`` (inside compounds),
    ``word_start``, ``word`` (a whole word), ``org_tail`` (an organisation word must follow:
    "ihoyhdistys"), ``eponym`` (an organisation or condition word or the country must follow,
    or the name is "Suomen <eponym>"), ``eponym_condition`` (a condition word must follow:
    "Turner-syndrooma"). ``acronym`` rows are matched on the original case by
    :func:`_acronym_rules`. Rows of one group share code, sector and priority.
    """
    lex = conditions()
    lex = lex[lex["match"] != "acronym"]
    rows = []
    for (sector, subsector), g in lex.groupby(["sector", "subsector"], sort=False):
        terms = {m: g.loc[g["match"] == m, "term"].str.casefold() for m in (
            "anywhere", "word_start", "word", "org_tail", "eponym", "eponym_condition")}
        # (pattern, the context word a text must have for the pattern to be tried at all)
        patterns = [(f"(?:{alt})", "") for alt in _chunks(terms["anywhere"])]
        patterns += [(rf"\b(?:{alt})", "") for alt in _chunks(terms["word_start"])]
        patterns += [(rf"\b(?:{alt})(?:$|[^a-z0-9åäö])", "") for alt in _chunks(terms["word"])]
        patterns += [(rf"\b(?:{alt}){ORG_CONTEXT}", NEEDS_ORG) for alt in _chunks(terms["org_tail"])]
        for alt in _chunks(terms["eponym"]):
            patterns += [(rf"\b(?:{alt}){EPONYM_CONTEXT}", NEEDS_EPONYM),
                         (rf"(?:^|\s)suomen\s(?:{alt})(?:in|n)?(?:\s(?:ry|rf))?$", "suomen")]
        patterns += [(rf"\b(?:{alt}){CONDITION_CONTEXT}", NEEDS_CONDITION)
                     for alt in _chunks(terms["eponym_condition"])]
        rows += [{"code": f"LEX:{subsector or sector}", "sector": sector, "subsector": subsector,
                  "include": p, "exclude": "", "priority": 50 if subsector == "patient_other" else 40,
                  "needs": needs} for p, needs in patterns]
    return pd.DataFrame(rows)


@cache
def _acronym_rules() -> pd.DataFrame:
    """Condition acronyms, case-sensitive on the original text, as whole tokens followed by an
    organisation word ("Suomen CF-yhdistys", "ALS-tutkimuksen tuki"), by the country ("ITP Suomi")
    or, for three letters or more, standing alone as the whole name ("AMC", "AMC ry")."""
    lex = conditions()
    lex = lex[lex["match"] == "acronym"]
    rows = []
    for (sector, subsector), g in lex.groupby(["sector", "subsector"], sort=False):
        patterns = [rf"(?:^|[^{ALNUM}])(?:{alt})(?i:{ORG_CONTEXT}|\s(?:suomi|finland)(?:$|[^{ALNUM}]))"
                    for alt in _chunks(g["term"])]
        patterns += [rf"^(?:{alt})(?i:\s(?:ry|rf))?$" for alt in _chunks(g.loc[g["term"].str.len() >= 3, "term"])]
        rows += [{"code": f"LEX:{subsector or sector}", "sector": sector, "subsector": subsector,
                  "include": p, "exclude": "", "priority": 50 if subsector == "patient_other" else 40}
                 for p in patterns]
    return pd.DataFrame(rows)


def _primary(uniques: np.ndarray, rules: pd.DataFrame):
    """Sector, subsector and code of the first fired rule of lowest priority ("" when none).

    A rule with a ``needs`` pattern is tried only on the texts that match it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if "needs" not in rules or not (rules["needs"] != "").any():
        fired = _fire(uniques, rules)
    else:
        fired = np.zeros((len(uniques), len(rules)), dtype=bool)
        arr = pa.array(uniques, type=pa.string())
        for needs, idx in rules.groupby("needs", sort=False).indices.items():
            rows = np.arange(len(uniques)) if not needs else np.flatnonzero(
                pc.match_substring_regex(arr, needs).to_numpy(zero_copy_only=False))
            if len(rows):
                fired[np.ix_(rows, idx)] = _fire(uniques[rows], rules.iloc[idx])
    prio = np.where(fired, rules["priority"].to_numpy()[None, :], np.iinfo(np.int32).max)
    best = prio.argmin(axis=1)
    hit = fired.any(axis=1)
    return tuple(np.where(hit, rules[c].to_numpy(dtype=object)[best], "").astype(object)
                 for c in ("sector", "subsector", "code"))


def _lexicon_pass(uniques: np.ndarray):
    """Sector, subsector and code of the condition terms found in each text ("" when none)."""
    return _primary(uniques, _lexicon_rules())


def _acronym_pass(uniques: np.ndarray):
    """Like :func:`_lexicon_pass` for the condition acronyms, on not case-folded texts."""
    rules = _acronym_rules()
    if rules.empty:
        empty = np.full(len(uniques), "", dtype=object)
        return empty, empty.copy(), empty.copy()
    return _primary(uniques, rules)


def _shape_pass(uniques: np.ndarray) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.match_substring_regex(pa.array(uniques, type=pa.string()), MEDICAL_SHAPE).to_numpy(
        zero_copy_only=False)


def _plain(values: pd.Series | list | str) -> pd.Series:
    """Text as plain Python strings ("" for a missing value) on an object Series, whatever came in:
    a str, a list, or a Series of pandas' ``string`` dtype (NA), ``object`` (None, NaN) or numbers."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, pd.Series):
        values = pd.Series(list(values), dtype=object)
    return pd.Series([v if isinstance(v, str) else ("" if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                                                    else str(v)) for v in values.to_numpy(dtype=object)],
                     index=values.index, dtype=object)


def _per_unique(values: pd.Series, fn):
    """Apply ``fn`` to the distinct normalised values; returns (inverse index, fn's results)."""
    inverse, uniques = pd.factorize(values.to_numpy(dtype=object).astype(str))  # hashing, not sorting
    return inverse, fn(np.asarray(uniques, dtype=object))


def classify(names: pd.Series, purposes: pd.Series | None = None,
             categories: pd.Series | None = None) -> pd.DataFrame:
    """Classify associations by known name, source category, purpose text and name.

    Parameters
    ----------
    names : Series of str
    purposes : Series of str, optional
        Aligned with ``names``; empty values are ignored.
    categories : Series of str, optional
        The source's own category column (e.g. "Potilasjärjestöt"), aligned with ``names``.

    Returns
    -------
    DataFrame
        ``sector`` (primary), ``subsector``, ``sectors`` (all fired name rules plus the
        decided sector, ``;``-separated), ``rule`` (code that gave the primary sector:
        a rule code, ``LEX:<group>``, ``SHAPE``, ``KNOWN`` or ``CATEGORY``), ``rules`` (all
        fired name rules), ``org_type`` (local, district, national, foundation),
        ``is_headquarters``, ``sector_source`` (one of :data:`SECTOR_SOURCES`, empty when
        unclassified) and ``confidence`` (high, medium, low).

    Examples
    --------
    >>> classify(pd.Series(["Eläkeläisten Golfkerho ry", "Reumaattisten lasten vanhemmat ry",
    ...                     "Keuruun Eläkkeensaajat ry", "Suomen Punainen Risti", "Kuokkalan Pursiseura"]))[
    ...     ["sector", "rule", "org_type"]].values.tolist()
    [['not_sote', 'NS01', 'local'], ['patient_health', 'PH04', 'local'], ['elderly', 'EL01', 'local'], \
['general_health', 'KNOWN', 'national'], ['unclassified', '', 'local']]
    >>> classify(pd.Series(["Suomen Sarkoidoosiyhdistys ry"]))[["sector", "sector_source", "confidence"]
    ...     ].values.tolist()
    [['patient_health', 'name_lexicon', 'medium']]
    """
    # plain Python strings whatever the dtype (pandas' string dtype gives NA for a missing value)
    names = _plain(names)
    purposes = None if purposes is None else _plain(purposes.reindex(names.index))
    n = len(names)
    text = names.map(normalize_text)
    inv, (r_sec, r_sub, r_code, r_all, r_secs, r_agree) = _per_unique(text, lambda u: _rules_pass(u, sector_rules()))
    sector, subsector, code = r_sec[inv].astype(object), r_sub[inv].astype(object), r_code[inv].astype(object)
    all_rules, all_secs = r_all[inv], r_secs[inv]
    source = np.where(sector != "", "name_rule", "").astype(object)
    confidence = np.where(sector != "", np.where(r_agree[inv], "high", "medium"), "").astype(object)

    def fill(mask, sec, sub, cod, src, conf):
        nonlocal sector, subsector, code, source, confidence
        sector = np.where(mask, sec, sector)
        subsector = np.where(mask, sub, subsector)
        code = np.where(mask, cod, code)
        source = np.where(mask, src, source)
        confidence = np.where(mask, conf, confidence)

    # name lexicon and shape only where no name rule fired
    open_ = sector == ""
    if open_.any():
        rest = text[open_]
        inv_l, (l_sec, l_sub, l_code) = _per_unique(rest, _lexicon_pass)
        l_sec, l_sub, l_code = (a[inv_l].astype(object) for a in (l_sec, l_sub, l_code))
        # condition acronyms on the original case ("CF-yhdistys" yes, "cf-yhdistys" no), only in
        # names without a lexicon hit that have two capitals in a row
        raw = names[open_].astype(str)
        caps = (l_sec == "") & raw.str.contains(r"[A-ZÅÄÖ][A-Z0-9ÅÄÖ]", regex=True).to_numpy()
        if caps.any():
            inv_a, (a_sec, a_sub, a_code) = _per_unique(raw[caps].map(_normalize), _acronym_pass)
            for arr, new in ((l_sec, a_sec), (l_sub, a_sub), (l_code, a_code)):
                arr[caps] = np.where(a_sec[inv_a] != "", new[inv_a], arr[caps])
        inv_s, shaped = _per_unique(rest, _shape_pass)
        lex = np.full(n, "", dtype=object)
        lex_sub, lex_code = lex.copy(), lex.copy()
        shp = np.zeros(n, dtype=bool)
        lex[open_], lex_sub[open_], lex_code[open_] = l_sec, l_sub, l_code
        shp[open_] = shaped[inv_s]
        fill(open_ & (lex != ""), lex, lex_sub, lex_code, "name_lexicon", "medium")
        fill((sector == "") & shp, "patient_health", "patient_other", "SHAPE", "name_shape", "low")

    # purpose text, before the name
    if purposes is not None:
        ptext = purposes.reindex(names.index).map(normalize_text)
        inv_p, (p_sec, p_sub, p_code, _, _, _) = _per_unique(ptext, lambda u: _rules_pass(u, sector_rules()))
        inv_q, (q_sec, q_sub, q_code) = _per_unique(ptext, _lexicon_pass)
        has_rule = (p_sec[inv_p] != "") & (ptext.to_numpy() != "")
        has_lex = ~has_rule & (q_sec[inv_q] != "") & (ptext.to_numpy() != "")
        fill(has_lex, q_sec[inv_q], q_sub[inv_q], q_code[inv_q], "purpose", "medium")
        fill(has_rule, p_sec[inv_p], p_sub[inv_p], p_code[inv_p], "purpose", "medium")

    # the source's own category, before purpose and name: a sector, "sote" (the name chooses the
    # sector within sote) or not sote; applied again after the known organisations as a constraint
    cat = np.full(n, "", dtype=object)
    if categories is not None:
        cmap = source_categories()
        cat = np.array([cmap.get(normalize_text(c), "") if isinstance(c, str) else ""
                        for c in _plain(categories.reindex(names.index))], dtype=object)
        specific = (cat != "") & (cat != SOTE_CATEGORY) & (cat != LEAN_NOT_SOTE)
        same = specific & (sector == cat)
        fill(specific & ~same, cat, "", "CATEGORY", "source_category", "high")
        source = np.where(same, "source_category", source)
        confidence = np.where(same, "high", confidence)

    # known national organisations, first of all
    known = national_organisations()
    # plain Python objects whatever the input's dtype: on pandas' string dtype a missing map value
    # is NA (whose truth value raises), on object it is None
    keys = text.astype(object).str.replace(LEGAL_FORM.pattern, "", regex=True).str.strip(" ,.-")
    hit = np.empty(len(keys), dtype=object)  # not np.array(list of tuples): that makes a 2-D array
    hit[:] = [known.get(k) if isinstance(k, str) else None for k in keys]
    is_known = np.array([isinstance(h, tuple) for h in hit], dtype=bool)
    k_sec = np.array([h[0] if isinstance(h, tuple) else "" for h in hit], dtype=object)
    k_sub = np.array([h[1] if isinstance(h, tuple) else "" for h in hit], dtype=object)
    fill(is_known, k_sec, k_sub, "KNOWN", "known_org", "high")

    if categories is not None:  # the category bounds the result: sote stays sote, not sote stays not sote
        fill((cat == NOT_SOTE) & (sector != NOT_SOTE), NOT_SOTE, "", "CATEGORY", "source_category", "high")
        # a class that is mostly not sote (PRH's defence or religious class) yields to a sote name
        fill((cat == LEAN_NOT_SOTE) & (sector == ""), NOT_SOTE, "", "CATEGORY", "source_category", "medium")
        outside = (cat == SOTE_CATEGORY) & ((sector == "") | (sector == NOT_SOTE))
        if outside.any():
            within = np.array([next((x for x in str(a).split(";") if x and x != NOT_SOTE), OTHER_SOTE)
                               for a in all_secs], dtype=object)
            fill(outside, within, "", "CATEGORY", "source_category", "medium")

    unclassified = sector == ""
    sector = np.where(unclassified, UNCLASSIFIED, sector)
    confidence = np.where(unclassified, "low", confidence)
    all_secs = np.array([s if (d == UNCLASSIFIED or d in s.split(";")) else ";".join(filter(None, [d, s]))
                         for s, d in zip(all_secs, sector, strict=True)], dtype=object) if n else all_secs

    inv_o, ofired = _per_unique(text, lambda u: _fire(u, org_type_rules()))
    orules = org_type_rules()
    oprio = np.where(ofired, orules["priority"].to_numpy()[None, :], np.iinfo(np.int32).max)
    obest = oprio.argmin(axis=1)
    org = np.where(ofired.any(axis=1), orules["org_type"].to_numpy()[obest], "local")[inv_o].astype(object)
    k_org = np.array([h[2] if isinstance(h, tuple) else "" for h in hit], dtype=object)
    org = np.where(k_org != "", k_org, org)

    out = pd.DataFrame({
        "sector": sector, "subsector": subsector, "sectors": all_secs, "rule": code, "rules": all_rules,
        "org_type": org, "sector_source": source, "confidence": confidence,
    }, index=names.index)
    out["is_headquarters"] = out["org_type"].isin(HEADQUARTERS)
    return out[["sector", "subsector", "sectors", "rule", "rules", "org_type", "is_headquarters",
                "sector_source", "confidence"]].astype({c: "str" for c in (
                    "sector", "subsector", "sectors", "rule", "rules", "org_type", "sector_source", "confidence")})


# ---------------------------------------------------------------------------- explanations
@cache
def rule_descriptions() -> dict[str, dict[str, str]]:
    """Plain-language description of every name rule by code, ``{"fi": ..., "en": ...}``
    (columns ``description_fi``, ``description_en`` of ``data/classification_rules.csv``).

    Examples
    --------
    >>> rule_descriptions()["MS01"]["en"]
    'Mental health (mental health societies, depression, psychiatry, clubhouses).'
    """
    df = sector_rules()
    return {r.code: {"fi": r.description_fi, "en": r.description_en} for r in df.itertuples(index=False)}


def matched_words(text: str, code: str, raw: str | None = None) -> str:
    """The part of ``text`` that made rule ``code`` fire: the rule's pattern re-run on the normalised
    text (:func:`normalize_text`; ``raw``, the not case-folded text, for condition acronyms).

    Codes: a name rule (``MS01``), ``LEX:<group>`` (condition lexicon), ``SHAPE`` (medical word shape);
    '' for other codes (``KNOWN``, ``CATEGORY``) or when nothing matches.

    Examples
    --------
    >>> matched_words(normalize_text("Kuopion Mielenterveysseura ry"), "MS01")
    'mielenterv'
    >>> matched_words(normalize_text("Suomen Sarkoidoosiyhdistys ry"), "LEX:patient_other")
    'sarkoidoosi'
    >>> matched_words("kuokkalan pursiseura", "")
    ''
    """
    if not code or not isinstance(text, str):
        return ""
    if code == "SHAPE":
        candidates = [(MEDICAL_SHAPE, text)]
    elif code.startswith("LEX:"):
        lex = _lexicon_rules()
        candidates = [(p, text) for p in lex.loc[lex["code"] == code, "include"]]
        acr = _acronym_rules()
        if not acr.empty and raw is not None:
            candidates += [(p, _normalize(raw)) for p in acr.loc[acr["code"] == code, "include"]]
    else:
        rules = sector_rules()
        candidates = [(p, text) for p in rules.loc[rules["code"] == code, "include"]]
    for pattern, target in candidates:
        try:
            m = re.search(pattern, target)  # RE2's syntax of the rules is Python's; \b knows å, ä, ö
        except re.error:  # pragma: no cover - every pattern of the files compiles in Python too
            continue
        if m:
            return m.group(0).strip(" -–")
    return ""
