"""Read a survey export (Webropol, Microsoft Forms, Google Forms, plain Excel/CSV) into a clean survey frame.

:func:`read_survey` takes a file as the survey tools write it: any delimiter and
encoding, a BOM, title lines above the header, .xlsx (all read by
:func:`.ingest.read_rows`). Questions are columns. It finds

* the header row (the first row with mostly non-empty, distinct cells that data follows);
* the **area** column by its values: municipality, sub-region, region, wellbeing
  services county or collaborative area names or codes in Finnish or Swedish
  ("Kuopio", "Kuopion seutukunta", "Ylä-Savo", "Pohjois-Savo", "Pohjois-Savon
  hyvinvointialue", "Vasa"). Each respondent gets a ``seutukunta_code`` where the
  answer allows (a municipality gives its sub-region) and always the level and
  code of the answer (``area_level``, ``area_code``), so a county-level answer
  still counts at the county;
* the **sector** column by its values: sector codes or labels of ``data/sectors.csv``
  and the variants of ``data/survey_vocabulary.yaml`` ("Vammaisjärjestö", "Muu");
  unknown values are ``unclassified`` and counted;
* the kind of each question: ``likert`` (1-5 or a five-point text scale), ``numeric``
  ("n. 200", "1 200", "12,5"), ``multi`` (one column per option, or options joined by
  ";" or ", "), ``single`` or ``free`` text.

Response metadata (timestamps, IDs) is dropped, and so is every column that
:mod:`.personal` sees as personal data by its header or its values (names of the
columns are reported, never their values). Free-text answers are dropped unless
``keep_free_text=True``, and then e-mails, phone numbers and names in them are
redacted. Nothing personal reaches the returned frame.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from ..config import load_yaml
from ..errors import SoteAnalyticsError
from ..text import normalize_text
from .ingest import read_rows
from .personal import is_personal_header, looks_personal_column, normalize_personal_header, redact_text

#: What a survey counts: organisations (counts of respondents are not personal) or persons.
SURVEY_KINDS = ("organisations", "persons")
#: The columns every survey frame starts with.
CANONICAL_COLUMNS = ["seutukunta_code", "area_level", "area_code", "sector"]
#: Unknown sector.
UNKNOWN_SECTOR = "unclassified"
#: What replaces a typed-in answer among the options of a choice question ("Other: ..."): never verbatim.
OTHER_ANSWER = "muu"
MAX_HEADER_SEARCH = 30
#: Area levels named by area names, in the order a name shared by two levels is read.
_NAME_LEVELS = ("seutukunta", "maakunta", "hyvinvointialue", "yhteistyoalue")
_TRUE_MARKS = frozenset({"1", "x", "kyllä", "yes", "ja", "true", "valittu", "selected", "✓", "✔"})
_FALSE_MARKS = frozenset({"0", "false", "ei", "no", "nej", "ei valittu"})


class SurveyError(SoteAnalyticsError, ValueError):
    """The file cannot be read as a survey; the message says why and what to do."""


@dataclass
class SurveyRead:
    """A read survey: the clean frame, its questions and kinds, and what happened (``report``)."""

    survey: pd.DataFrame
    questions: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    report: dict = field(default_factory=dict)


@cache
def vocabulary() -> dict:
    """``data/survey_vocabulary.yaml``: metadata headers, sector variants, Likert scales, number words.

    Examples
    --------
    >>> sorted(vocabulary()["likert"]["points"])
    [1, 2, 3, 4, 5]
    """
    text = resources.files("sote_analytics").joinpath("data/survey_vocabulary.yaml").read_text("utf-8")
    return load_yaml(text)


def _norm(value: object) -> str:
    return normalize_personal_header(value)


def _words(items) -> frozenset[str]:
    return frozenset(_norm(w) for w in items)


@cache
def _metadata_headers() -> frozenset[str]:
    return _words(vocabulary()["metadata_headers"]["words"])


@cache
def _likert_table() -> dict[str, int]:
    lk = vocabulary()["likert"]
    return {_norm(label): int(point) for point, labels in lk["points"].items() for label in labels}


@cache
def _dont_know() -> frozenset[str]:
    return _words(vocabulary()["likert"]["dont_know"])


@cache
def _sector_table() -> dict[str, str]:
    from ..taxonomy import sectors

    out: dict[str, str] = {}
    s = sectors()
    for code, row in s.iterrows():
        for v in (code, row["label_fi"], row["label_sv"], row["label_en"]):
            out.setdefault(_norm(v), str(code))
    for code, labels in vocabulary()["sector_variants"].items():
        if code == "source":
            continue
        for v in labels:
            out.setdefault(_norm(v), code)
    return out


def sector_of(value: object) -> str | None:
    """The sector code of a survey answer, or None when it is not a known sector.

    Examples
    --------
    >>> sector_of("Vammaisjärjestö"), sector_of("Lapset, nuoret ja perheet"), sector_of("Muu, mikä?: kulttuuri")
    ('disability', 'child_family', 'other_sote')
    >>> sector_of("mental_substance"), sector_of("Pensionärsförening"), sector_of("Kalastus")
    ('mental_substance', 'elderly', None)
    """
    k = _norm(value)
    if not k:
        return None
    table = _sector_table()
    if k in table:
        return table[k]
    first = k.split()[0]
    if first in _words(vocabulary()["sector_other_prefixes"]):
        return "other_sote"
    return None


def likert_point(value: object) -> int | None:
    """The point (1-5) of a Likert answer given as a number or a text of a five-point scale.

    Examples
    --------
    >>> likert_point("Täysin samaa mieltä"), likert_point("Helt av annan åsikt"), likert_point("4 - Agree")
    (5, 1, 4)
    >>> likert_point("3"), likert_point("En osaa sanoa"), likert_point("kyllä")
    (3, None, None)
    """
    k = _norm(value)
    table = _likert_table()
    if k in table:
        return table[k]
    m = re.fullmatch(r"([1-5])(?:\s+(.*))?", k)
    if m and (not m.group(2) or m.group(2) in table):
        return int(m.group(1))
    return None


@cache
def _number_pattern() -> re.Pattern:
    words = vocabulary()["numbers"]
    pre = "|".join(re.escape(_norm(p)) or re.escape(p) for p in sorted(words["prefixes"], key=len, reverse=True))
    suf = "|".join(re.escape(s.casefold()) for s in sorted(words["suffixes"], key=len, reverse=True))
    num = r"\d{1,3}(?:\s\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
    return re.compile(rf"(?:(?:{pre})\.?\s*)?({num})(?:\s*[-–]\s*({num}))?\s*(?:{suf})?\.?")


def parse_number(value: object) -> float | None:
    """A number as people type it, or None: "n. 200", "1 200", "12,5 h", "2 500 €", "100-200" (the middle).

    Examples
    --------
    >>> [parse_number(v) for v in ("n. 200", "noin 1 200", "12,5", "2\\u00a0500 €", "100-200", "yli 50")]
    [200.0, 1200.0, 12.5, 2500.0, 150.0, 50.0]
    >>> parse_number("ei tietoa"), parse_number("")
    (None, None)
    """
    s = normalize_text(value, form="NFKC", casefold=True)
    if not s:
        return None
    m = _number_pattern().fullmatch(s)
    if not m:
        return None

    def num(t: str) -> float:
        return float(t.replace(" ", "").replace(",", "."))

    a = num(m.group(1))
    return (a + num(m.group(2))) / 2 if m.group(2) else a


# ---------------------------------------------------------------------------- areas
class AreaLookup:
    """Survey answers about where the respondent is, to (seutukunta code, level, code).

    Parameters
    ----------
    ref : ReferenceData
        The reference of the key year.

    Examples
    --------
    >>> from sote_analytics.reference import load_reference
    >>> a = AreaLookup(load_reference(2025))
    >>> a.resolve("Kuopion seutukunta"), a.resolve("Pohjois-Savo"), a.resolve("Iisalmi")
    (('112', 'seutukunta', '112'), (None, 'maakunta', '11'), ('111', 'kunta', '140'))
    """

    def __init__(self, ref) -> None:
        from .municipalities import MunicipalityResolver, finnish_genitive

        self.ref = ref
        key = ref.key
        self.sub_of = dict(zip(key["kunta_code"].astype(str), key["seutukunta_code"].astype(str), strict=True))
        self.municipalities = MunicipalityResolver(key, ref.year, ref.mergers)
        self.codes = {lvl: set(ref.areas(lvl)["code"].astype(str)) for lvl in (*_NAME_LEVELS, "kunta")}
        self.names: dict[str, tuple[str, str]] = {}
        suffixes = {"seutukunta": ["seutukunta", "seutu"], "maakunta": ["maakunta"],
                    "hyvinvointialue": ["hyvinvointialue"], "yhteistyoalue": ["yhteistyöalue"]}
        for lang in ("fi", "sv"):
            for lvl in _NAME_LEVELS:
                if lang == "sv" and lvl == "seutukunta":
                    continue  # after the larger areas: the key names Ylä-Savo "Norra Savolax" like its region
                self._add_level(lvl, lang, suffixes, finnish_genitive)
        self._add_level("seutukunta", "sv", suffixes, finnish_genitive)
        self._oa = None
        self._cache: dict[tuple[str, str | None], tuple[str | None, str | None, str | None]] = {}

    def _add_level(self, lvl: str, lang: str, suffixes: dict, genitive) -> None:
        for row in self.ref.areas(lvl).itertuples(index=False):
            name = str(getattr(row, f"name_{lang}"))
            self.names.setdefault(_norm(name), (lvl, str(row.code)))
            if lang == "fi":
                for sfx in suffixes[lvl]:
                    self.names.setdefault(_norm(f"{genitive(name)} {sfx}"), (lvl, str(row.code)))

    def _members(self, level: str, code: str) -> list[str]:
        k = self.ref.key
        return k.loc[k[f"{level}_code"].astype(str) == code, "kunta_code"].astype(str).tolist()

    def _area(self, level: str, code: str) -> tuple[str | None, str, str]:
        if level == "kunta":
            return self.sub_of.get(code), "kunta", code
        if level == "seutukunta":
            return code, level, code
        subs = {self.sub_of[m] for m in self._members(level, code)}
        return (subs.pop() if len(subs) == 1 else None), level, code

    def _operating_area(self, text: str) -> tuple[str | None, str | None, str | None]:
        from .operating_area import OperatingAreaResolver

        if self._oa is None:
            self._oa = OperatingAreaResolver(self.ref, self.municipalities)
        oa = self._oa.resolve_one(text)
        if not oa.codes or oa.unresolved:
            return None, None, None
        if oa.level == "kunta" and len(oa.codes) == 1:
            return self._area("kunta", oa.codes[0])
        if oa.level == "koko_maa":
            return None, "koko_maa", "SSS"
        key = self.ref.key.set_index(self.ref.key["kunta_code"].astype(str))
        for lvl in ("seutukunta", "maakunta", "hyvinvointialue", "yhteistyoalue"):
            found = set(key.loc[oa.codes, f"{lvl}_code"].astype(str))
            if len(found) == 1:
                code = found.pop()
                if sorted(self._members(lvl, code)) == sorted(oa.codes) or lvl == "seutukunta":
                    return self._area(lvl, code)
        return None, None, None

    def resolve(self, value: object, hint: str | None = None) -> tuple[str | None, str | None, str | None]:
        """(seutukunta code or None, level, code) of one answer; (None, None, None) when unknown.

        ``hint`` is the level the column's header names (codes are read as that level's codes;
        without a hint, digits are municipality codes only in a column whose header says so).
        """
        text = normalize_text(value)
        if not text:
            return None, None, None
        ck = (text, hint)
        if ck not in self._cache:
            self._cache[ck] = self._resolve(text, hint)
        return self._cache[ck]

    def _resolve(self, text: str, hint: str | None) -> tuple[str | None, str | None, str | None]:
        if re.fullmatch(r"\d{1,5}", text):
            if hint is None:
                return None, None, None
            if hint == "kunta":
                r = self.municipalities.resolve_one(text)
                return self._area("kunta", r.code) if r.code else (None, None, None)
            code = text.lstrip("0") or "0"
            for c in (text, code, code.zfill(2), code.zfill(3)):
                if c in self.codes.get(hint, ()):
                    return self._area(hint, c)
            return None, None, None
        k = _norm(text)
        named = self.names.get(k)
        if hint != "kunta" and named:
            return self._area(*named)
        r = self.municipalities.resolve_one(text)
        if r.code:
            return self._area("kunta", r.code)
        if named:
            return self._area(*named)
        return self._operating_area(text)


@cache
def _area_hints() -> dict[str, frozenset[str]]:
    words = vocabulary()["area_header_words"]
    return {lvl: _words(ws) for lvl, ws in words.items() if lvl != "source"}


def _area_hint(header: str) -> str | None:
    h = _norm(header)
    for lvl in ("seutukunta", "hyvinvointialue", "maakunta", "kunta"):
        if any(re.search(rf"(?:^|\s){re.escape(w)}(?:\s|$)", h) for w in _area_hints()[lvl]):
            return lvl
    return None


# ---------------------------------------------------------------------------- header and columns
def find_header_row(rows: list[list[str]]) -> int:
    """Index of the header: the first row with mostly non-empty, distinct cells and a row below it.

    Title lines above it ("Järjestökysely 2026", "Vastauksia: 40") have one or two cells.

    Examples
    --------
    >>> find_header_row([["Kysely 2026"], [], ["Seutukunta", "Toimiala", "Q1"], ["Kuopio", "Muu", "3"]])
    2
    """
    head = rows[:MAX_HEADER_SEARCH]
    filled = [sum(1 for c in r if c.strip()) for r in head]
    most = max(filled, default=0)
    for i, r in enumerate(head):
        cells = [c.strip() for c in r if c.strip()]
        numeric = sum(1 for c in cells if re.fullmatch(r"[\d\s.,:/-]+", c))
        # at least half as full as the fullest row (a merged question cell leaves blanks), mostly distinct
        # texts, not numbers, with a row below
        if len(cells) >= max(2, 0.5 * most) and len(set(cells)) >= 0.9 * len(cells) \
                and numeric <= 0.2 * len(cells) and any(any(c.strip() for c in later) for later in rows[i + 1:]):
            return i
    raise SurveyError("no header row found: a survey needs one row of question texts with the answers below "
                      f"it (looked at the first {MAX_HEADER_SEARCH} rows)")


def option_header_row(header: list[str], below: list[str]) -> list[str] | None:
    """A second header row of options under merged question cells, as "Question: option" headers, or None.

    Webropol and Excel tables put a multiple-choice question in one merged cell over its option columns
    and the options in the row below; the row below is otherwise empty.

    Examples
    --------
    >>> option_header_row(["Seutukunta", "Toimintamuodot", "", "Q"], ["", "Vertaistuki", "Neuvonta", ""])
    ['Seutukunta', 'Toimintamuodot: Vertaistuki', 'Toimintamuodot: Neuvonta', 'Q']
    >>> option_header_row(["Seutukunta", "Toimintamuodot", "", "Q"], ["Kuopio", "1", "", "3"]) is None
    True
    """
    width = max(len(header), len(below))
    header = [*header, *[""] * (width - len(header))]
    below = [*below, *[""] * (width - len(below))]
    spans: dict[int, int] = {}  # column -> start of its merged question cell
    start = None
    for i, h in enumerate(header):
        if h:
            start = i if i + 1 < width and not header[i + 1] else None
        if start is not None:
            spans[i] = start
    filled = [i for i, v in enumerate(below) if v]
    if len(filled) < 2 or any(i not in spans for i in filled):
        return None
    if any(_norm(below[i]) in _TRUE_MARKS or re.fullmatch(r"[\d\s.,]+", below[i]) for i in filled):
        return None
    return [f"{header[spans[i]]}: {below[i]}" if i in spans and below[i] else header[i] for i in range(width)]


def _unique(names: list[str]) -> list[str]:
    seen: Counter = Counter()
    out = []
    for n in names:
        seen[n] += 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _values(col: list[str]) -> list[str]:
    return [v for v in col if v]


def looks_free_text(values: pd.Series) -> bool:
    """True for a text column of free answers: mostly distinct and long (never shown verbatim).

    Examples
    --------
    >>> looks_free_text(pd.Series(["Tilat puuttuvat kokonaan", "Hyvä yhteistyö kunnan kanssa", "Lisää rahaa"]))
    True
    >>> looks_free_text(pd.Series(["kyllä", "ei", "kyllä", "ehkä"]))
    False
    """
    text = [normalize_text(v) for v in values.astype("object").tolist() if not pd.isna(v)]
    text = [v for v in text if v]
    if not text:
        return False
    distinct = len(set(text))
    mean_len = sum(map(len, text)) / len(text)
    return distinct / len(text) > 0.5 and (mean_len >= 15 or distinct > 15)


def _split_options(text: str, sep: str) -> list[str]:
    return [p.strip() for p in text.split(sep) if p.strip()]


def _recurring_options(values: list[str], sep: str) -> bool:
    """Options joined by ``sep`` that recur across respondents (not a sentence with commas)."""
    if not any(sep in v for v in values):
        return False
    parts = Counter(p for v in values for p in _split_options(v, sep))
    if not parts or sum(len(p.split()) * n for p, n in parts.items()) / sum(parts.values()) > 4:
        return False  # options are a few words; parts of sentences are longer
    recurring = sum(n for n in parts.values() if n >= 2)
    return len(parts) <= 12 or recurring / sum(parts.values()) >= 0.8


def _option_groups(headers: list[str], columns: list[list[str]], usable: list[int]) -> list[tuple[str, list[int],
                                                                                                list[str]]]:
    """Multiple choice as one column per option: "Question: option" (1/x/option text or blank), or the
    same question text repeated with the option as the value. (question, positions, options)."""
    by_prefix: dict[str, list[tuple[int, str]]] = {}
    for i in usable:
        h = headers[i]
        if not h:
            continue
        m = re.fullmatch(r"(.*\S)\s*(?::|\s[-–]\s)\s*(\S.*)", h)
        if m:
            by_prefix.setdefault(m.group(1), []).append((i, m.group(2)))
        by_prefix.setdefault(f"\0{h}", []).append((i, ""))
    groups = []
    taken: set[int] = set()
    for prefix, members in by_prefix.items():
        if len(members) < 2 or any(i in taken for i, _ in members):
            continue
        question = prefix.lstrip("\0")
        options: list[str] = []
        ok = True
        for i, option in members:
            vals = {v for v in _values(columns[i]) if _norm(v) not in _FALSE_MARKS}
            if option:
                ok = all(_norm(v) in _TRUE_MARKS or _norm(v) == _norm(option) or _norm(v) == _norm(headers[i])
                         for v in vals)
                options.append(option)
            else:  # repeated header: each column holds one option text
                ok = len(vals) <= 1 and not all(_norm(v) in _TRUE_MARKS for v in vals) if vals else True
                options.append(next(iter(vals)) if vals else "")
            if not ok:
                break
        if ok and sum(1 for o in options if o) >= 2:
            groups.append((question, [i for i, _ in members], options))
            taken.update(i for i, _ in members)
    return groups


def _is_count_header(header: str) -> bool:
    h = _norm(header)
    return any(_norm(w) in h for w in vocabulary()["count_header_words"] if _norm(w))


def _question(values: list[str], header: str) -> tuple[str, list]:
    """(kind, converted values) of one question column (values '' = no answer)."""
    answered = [v for v in values if v]
    dont = _dont_know()
    real = [v for v in answered if _norm(v) not in dont]
    if not real:
        return "single", [v or None for v in values]
    points = [likert_point(v) for v in real]
    numbers = [parse_number(v) for v in real]
    n_num = sum(x is not None for x in numbers)
    if n_num >= 0.8 * len(real):
        conv = [parse_number(v) if v and _norm(v) not in dont else None for v in values]
        nums = [x for x in conv if x is not None]
        if all(float(x).is_integer() and 1 <= x <= 5 for x in nums) and len(set(nums)) >= 2 \
                and not _is_count_header(header):
            return "likert", [int(x) if x is not None else None for x in conv]
        return "numeric", conv
    if all(p is not None for p in points) and not all(re.fullmatch(r"\d", _norm(v)) for v in real):
        return "likert", [likert_point(v) if v else None for v in values]
    for sep in (";", ", "):
        if _recurring_options(real, sep):
            return "multi", [";".join(_split_options(v, sep)) or None if v else None for v in values]
    if looks_free_text(pd.Series(real, dtype="object")):
        return "free", [v or None for v in values]
    return "single", [v or None for v in values]


def _typed_in(option: str, count: int) -> bool:
    """An option someone typed ("Muu: teemme yhteistyötä seurakunnan kanssa"): once, and a sentence."""
    return count < 2 and (len(option.split()) >= 4 or len(option) >= 30)


def group_typed_in(values: list, multi: bool) -> tuple[list, int]:
    """Typed-in answers of a choice question replaced by :data:`OTHER_ANSWER`; how many answers changed.

    Examples
    --------
    >>> vals = ["kyllä", "ei", "kyllä", "Muu: teemme jo yhteistyötä seurakunnan kanssa", None]
    >>> group_typed_in(vals, multi=False)
    (['kyllä', 'ei', 'kyllä', 'muu', None], 1)
    """
    parts = Counter(p for v in values if v for p in (v.split(";") if multi else [v]))
    typed = {p for p, n in parts.items() if _typed_in(p, n)}
    if not typed:
        return values, 0
    out, changed = [], 0
    for v in values:
        if not v:
            out.append(v)
            continue
        items = v.split(";") if multi else [v]
        new = list(dict.fromkeys(OTHER_ANSWER if p in typed else p for p in items))
        changed += new != items
        out.append(";".join(new))
    return out, changed


def _redacted_counts(values: Counter) -> dict[str, int]:
    out: Counter = Counter()
    for v, n in values.items():
        r, _ = redact_text(pd.Series([v], dtype="object"))
        out[str(r.iloc[0])] += n
    return dict(out.most_common())


# ---------------------------------------------------------------------------- reader
def read_survey(path: Path | str, ref, *, kind: str = "organisations", keep_free_text: bool = False,
                k: int = 5, sheet: str | None = None) -> SurveyRead:
    """Read a survey export into the clean survey frame and a report of what happened.

    Parameters
    ----------
    path : path
        CSV (any delimiter and encoding, BOM, title lines) or .xlsx: Webropol, Microsoft Forms,
        Google Forms or a plain table, one row per respondent and one column per question.
    ref : ReferenceData
        Reference of the key year (areas and their names).
    kind : {"organisations", "persons"}
        Who answered: the reports show counts of organisations as such and suppress the
        cells of persons (and every free-text count) below ``k``.
    keep_free_text : bool
        Keep free-text answers (redacted: e-mails, phone numbers and names removed); by default
        free-text columns are dropped.
    k : int
        The smallest cell shown where suppression applies (stored in the report).
    sheet : str, optional
        The sheet of a workbook (default: the first).

    Returns
    -------
    SurveyRead
        ``survey``: ``seutukunta_code``, ``area_level``, ``area_code``, ``sector``, then one
        column per question named by its header text; ``questions``: column -> the question text;
        ``kinds``: column -> ``likert``/``numeric``/``single``/``multi``/``free``; ``report``: rows
        read, respondents, unmatched areas and sectors with counts, dropped personal, metadata and
        free-text columns (names only) and the number of redacted answers.

    Raises
    ------
    SurveyError
        No header, no answers, no area column, or a wrong ``kind``/``k``.
    IngestError
        The file is missing, empty or not a CSV/.xlsx file.

    Examples
    --------
    >>> import tempfile
    >>> from sote_analytics.reference import load_reference
    >>> f = Path(tempfile.mkdtemp()) / "kysely.csv"
    >>> _ = f.write_text("Järjestökysely 2026\\n"
    ...                  "Seutukunta;Järjestön toimiala;Sähköposti;Yhteistyö toimii;Osallistujia vuodessa\\n"
    ...                  "Ylä-Savo;Vammaisjärjestö;a@example.fi;Täysin samaa mieltä;n. 200\\n"
    ...                  "Kuopio;Muu;b@example.fi;Jokseenkin eri mieltä;1 200\\n", encoding="cp1252")
    >>> res = read_survey(f, load_reference(2025))
    >>> res.survey[["seutukunta_code", "sector", "Yhteistyö toimii", "Osallistujia vuodessa"]].values.tolist()
    [['111', 'disability', 5, 200], ['112', 'other_sote', 2, 1200]]
    >>> res.report["respondents"], res.report["personal_columns"], res.kinds["Osallistujia vuodessa"]
    (2, ['Sähköposti'], 'numeric')
    """
    if kind not in SURVEY_KINDS:
        raise SurveyError(f"survey kind must be organisations or persons, not {kind!r}")
    if int(k) < 1:
        raise SurveyError(f"the smallest cell shown (k) must be at least 1, not {k}")
    path = Path(path)
    rows, info = read_rows(path, sheet)
    rows = [[normalize_text(c) for c in r] for r in rows]
    if not any(any(r) for r in rows):
        raise SurveyError(f"{path.name}: the file has no text")
    h = find_header_row(rows)
    body = rows[h + 1:]
    if body and (options := option_header_row(rows[h], body[0])) is not None:
        rows[h], body = options, body[1:]
    width = max(len(rows[h]), *(len(r) for r in body)) if body else len(rows[h])
    raw_headers = [*rows[h], *[""] * (width - len(rows[h]))]
    # a header is shown and reported: e-mails, phone numbers and names in it are redacted first
    raw_headers = redact_text(pd.Series(raw_headers, dtype="object"))[0].tolist()
    headers = [c or f"Sarake {i + 1}" for i, c in enumerate(raw_headers)]
    data = [[*r[:width], *[""] * (width - len(r))] for r in body]
    blank = sum(1 for r in data if not any(r))
    data = [r for r in data if any(r)]
    if not data:
        raise SurveyError(f"{path.name}: no answers below the header row {h + 1}")
    columns = [[r[i] for r in data] for i in range(width)]
    report: dict = {"source": path.name, "kind": kind, "k": int(k), "file_type": info.file_type,
                    "encoding": info.encoding, "delimiter": info.delimiter, "sheet": info.sheet,
                    "header_row": h + 1, "rows_read": len(data), "blank_rows_skipped": blank}

    # metadata and personal data: by header, by the Forms layout, by values
    norm_headers = [_norm(x) for x in headers]
    voc = vocabulary()
    forms = bool(set(norm_headers) & _words(voc["forms_respondent"]["marker_headers"]))
    forms_personal = _words(voc["forms_respondent"]["respondent_headers"])
    metadata, personal, empty = [], [], []
    usable: list[int] = []
    for i, name in enumerate(headers):
        nh = norm_headers[i]
        if not _values(columns[i]):
            empty.append(name)
        elif nh in _metadata_headers():
            metadata.append(name)
        elif (forms and nh in forms_personal) or is_personal_header(name) \
                or looks_personal_column(pd.Series(columns[i], dtype="object")):
            personal.append(name)
        else:
            usable.append(i)

    # area
    lookup = AreaLookup(ref)
    scored = []
    for i in usable:
        hint = _area_hint(headers[i])
        vals = _values(columns[i])
        if not hint and all(re.fullmatch(r"[\d\s.,]+", v) for v in vals):
            continue
        if sum(len(v) for v in vals) / len(vals) > 60:
            continue
        common = Counter(vals).most_common(300)  # enough to tell an area column; the rest are read later
        hit = sum(n for v, n in common if lookup.resolve(v, hint)[1] is not None)
        share = hit / sum(n for _, n in common)
        if share >= 0.5:
            scored.append((share, hint is not None, i, hint))
    if not scored:
        raise SurveyError(
            f"{path.name}: no area column found: no column has mostly municipality, sub-region or region names "
            "(e.g. 'Kuopio', 'Ylä-Savo', 'Pohjois-Savo') or codes under a header such as 'Seutukunta' or 'Kunta'. "
            f"Columns: {', '.join(headers[i] for i in usable) or 'none'}")
    scored.sort(key=lambda s: (round(s[0], 2), s[1]), reverse=True)
    area_i, area_hint = scored[0][2], scored[0][3]
    other_area = [i for share, _, i, _ in scored[1:] if share >= 0.8]
    resolved = [lookup.resolve(v, area_hint) for v in columns[area_i]]
    unmatched = Counter(v for v, r in zip(columns[area_i], resolved, strict=True) if v and r[1] is None)
    report |= {"area_column": headers[area_i], "unmatched_areas": _redacted_counts(unmatched),
               "missing_area": sum(1 for v in columns[area_i] if not v),
               "other_area_columns": [headers[i] for i in other_area]}
    usable = [i for i in usable if i != area_i and i not in other_area]

    # sector
    best = None
    for i in usable:
        vals = _values(columns[i])
        share = sum(1 for v in vals if sector_of(v) is not None) / len(vals)
        hinted = any(w in norm_headers[i] for w in _words(voc["sector_header_words"]))
        if share >= 0.5 or (hinted and share >= 0.3):
            cand = (round(share, 2), hinted, i)
            best = cand if best is None or cand[:2] > best[:2] else best
    if best is not None:
        si = best[2]
        sector = [sector_of(v) or UNKNOWN_SECTOR for v in columns[si]]
        unknown = Counter(v for v in columns[si] if v and sector_of(v) is None)
        report |= {"sector_column": headers[si], "unmatched_sectors": _redacted_counts(unknown),
                   "missing_sector": sum(1 for v in columns[si] if not v)}
        usable = [i for i in usable if i != si]
    else:
        sector = [UNKNOWN_SECTOR] * len(data)
        report |= {"sector_column": None, "unmatched_sectors": {}, "missing_sector": len(data)}

    # questions
    frame: dict[str, list] = {
        "seutukunta_code": [r[0] for r in resolved], "area_level": [r[1] for r in resolved],
        "area_code": [r[2] for r in resolved], "sector": sector}
    questions: dict[str, str] = {}
    kinds: dict[str, str] = {}
    free_dropped: list[str] = []
    redactions = typed_in = 0
    used_names: set[str] = set(frame)

    def name_for(text: str) -> str:
        base, n = text, 1
        while text in used_names:
            n += 1
            text = f"{base} ({n})"
        used_names.add(text)
        return text

    grouped: dict[int, tuple[str, list[int], list[str]]] = {}
    for g in _option_groups(raw_headers, columns, usable):
        grouped[g[1][0]] = g
    in_group = {i for _, members, _ in grouped.values() for i in members}
    for i in usable:
        if i in in_group and i not in grouped:
            continue
        if i in grouped:
            question, members, options = grouped[i]
            vals = []
            for r in range(len(data)):
                chosen = [opt or columns[m][r] for m, opt in zip(members, options, strict=True)
                          if columns[m][r] and _norm(columns[m][r]) not in _FALSE_MARKS]
                vals.append(";".join(chosen) or None)
            qkind = "multi"
        else:
            question = headers[i]
            qkind, vals = _question(columns[i], question)
        if qkind == "free" and not keep_free_text:
            free_dropped.append(question)
            continue
        if qkind in ("single", "multi"):
            vals, n = group_typed_in(vals, qkind == "multi")
            typed_in += n
        col = name_for(question)
        if qkind in ("single", "multi", "free"):
            series, n = redact_text(pd.Series(vals, dtype="object"))
            redactions += n
            frame[col] = series.tolist()
        else:
            frame[col] = vals
        questions[col] = question
        kinds[col] = qkind

    out = pd.DataFrame(frame)
    for c in ("seutukunta_code", "area_level", "area_code", "sector"):
        out[c] = out[c].astype("string")
    for col, qkind in kinds.items():
        if qkind == "likert":
            out[col] = pd.array(out[col].astype("object").where(out[col].notna(), None).tolist(), dtype="Int64")
        elif qkind == "numeric":
            v = pd.to_numeric(out[col], errors="coerce").astype("Float64")
            out[col] = v.astype("Int64") if bool((v.dropna() % 1 == 0).all()) else v
        else:
            out[col] = out[col].astype("string")
    levels = Counter(x for x in out["area_level"].tolist() if not pd.isna(x))
    report |= {"respondents": len(out), "with_subregion": int(out["seutukunta_code"].notna().sum()),
               "area_levels": dict(levels.most_common()), "personal_columns": personal,
               "metadata_columns": metadata, "empty_columns": empty, "free_text_columns": free_dropped,
               "free_text_kept": [c for c, q in kinds.items() if q == "free"], "redactions": redactions,
               "typed_in_answers": typed_in, "questions": questions, "kinds": kinds}
    return SurveyRead(out, questions, kinds, report)
