"""The public API for analysts: thin functions over the package's modules.

Everything here is importable from the package top level (lazily:
``import sote_analytics`` stays cheap)::

    import sote_analytics as sa
    ref = sa.load_reference(2025)
    res = sa.read_register("my_register.csv", ref)
    ind = sa.compute_indicators(res.register, ref, "my_register.csv")
    sa.select(ind.table, level="hyvinvointialue", sector="elderly", indicator="associations_per_1000")
    sa.choropleth(ind.table, ref, "seutukunta", "mental_substance").show()
    sa.explore(ind.table, ref)

Figures are plotly :class:`~plotly.graph_objects.Figure` objects: change
them with ``fig.update_layout(...)`` and friends, write them with
``fig.write_html(...)``. Nothing here downloads anything.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import config
from .errors import NotClassifiedError, SoteAnalyticsError, UnknownValueError
from .i18n import LANGUAGES, name_column, t
from .store import Store

if TYPE_CHECKING:  # pragma: no cover - typing only
    import plotly.graph_objects as go

    from .indicators.engine import IndicatorSet
    from .read.ingest import IngestResult
    from .reference import ReferenceData

__all__ = [
    "NotClassifiedError",
    "SoteAnalyticsError",
    "Store",
    "UnknownValueError",
    "areas_within",
    "choropleth",
    "classify_names",
    "compute_indicators",
    "demo_register",
    "explain",
    "gaps_map",
    "indicator_list",
    "indicator_names",
    "load_reference",
    "ranked_bar",
    "ranking",
    "read_register",
    "resolve_areas",
    "sector_bar",
    "sector_map",
    "sectors",
    "select",
    "share_bar",
    "to_csv",
    "to_png",
    "write_workbook",
]


# ---------------------------------------------------------------------- checks at the API's edge


def _closest(value: object, choices: Iterable[str], limit: int = 3) -> list[str]:
    """The known values closest to ``value`` (rapidfuzz, case-insensitive), best first: those sharing
    the value's first letters before the others ("mental_health" is nearer "mental_substance" than
    "patient_health"; "Keski-Suomen maakunta" nearer "Keski-Suomi" than "Satakunta").

    Examples
    --------
    >>> _closest("mental_health", ["elderly", "patient_health", "mental_substance"])
    ['mental_substance', 'patient_health']
    """
    from rapidfuzz import fuzz, process, utils

    want = utils.default_process(str(value))
    hits = process.extract(str(value), list(dict.fromkeys(choices)), scorer=fuzz.WRatio,
                           processor=utils.default_process, limit=limit + 3, score_cutoff=55)

    def prefix(choice: str) -> int:
        n = 0
        for a, b in zip(want, utils.default_process(choice), strict=False):
            if a != b:
                break
            n += 1
        return n

    hits.sort(key=lambda h: (min(prefix(h[0]), 5), h[1]), reverse=True)
    return [h[0] for h in hits[:limit]]


def _check(kind: str, value: object, valid: Iterable[str], labels: dict[str, str] | None = None) -> str:
    """``value`` if it is one of ``valid``, else :class:`UnknownValueError` naming the closest ids
    (``labels``: label -> id, so a label close to the value suggests its id)."""
    valid = list(valid)
    if isinstance(value, str) and value in valid:
        return value
    aliases = {v: v for v in valid} | (labels or {})
    closest = list(dict.fromkeys(aliases[c] for c in _closest(value, aliases)))
    raise UnknownValueError(kind, value, valid, closest)


def _check_all(kind: str, values, valid: Iterable[str], labels: dict[str, str] | None = None) -> list[str] | None:
    if values is None:
        return None
    valid = list(valid)
    return [_check(kind, v, valid, labels) for v in _as_list(values)]


def _check_language(language: str) -> str:
    return _check("language", language, LANGUAGES)


def _check_level(level: str, table: pd.DataFrame | None = None) -> str:
    from .reference import level_ids

    return _check("level", level, level_ids())


def _sector_ids(table: pd.DataFrame | None = None) -> list[str]:
    from .taxonomy import ALL, sote_sectors

    extra = [] if table is None or "sector" not in table else [str(s) for s in table["sector"].dropna().unique()]
    return list(dict.fromkeys([ALL, *sote_sectors(), *sorted(extra)]))


def _sector_labels() -> dict[str, str]:
    from .taxonomy import sectors as _sectors

    s = _sectors()
    return {str(s.at[c, f"label_{lang}"]): c for c in s.index for lang in LANGUAGES}


def _check_sector(sector, table: pd.DataFrame | None = None):
    """A sector id or a list of them, checked (``ALL``, the sote sectors, and any in ``table``)."""
    got = _check_all("sector", sector, _sector_ids(table), _sector_labels())
    return got if got is None or not isinstance(sector, str) else got[0]


def _indicator_ids(table: pd.DataFrame | None = None) -> list[str]:
    from .indicators.definitions import definitions

    extra = [] if table is None or "indicator" not in table else [str(i) for i in table["indicator"].dropna().unique()]
    return list(dict.fromkeys([*definitions(), *sorted(extra)]))


def _check_indicator(indicator, table: pd.DataFrame | None = None):
    """An indicator id or a list of them, checked against the definitions and ``table``."""
    from .indicators.definitions import definitions

    labels = {str(d[lang]): k for k, d in definitions().items() for lang in LANGUAGES}
    got = _check_all("indicator", indicator, _indicator_ids(table), labels)
    return got if got is None or not isinstance(indicator, str) else got[0]


def _norm(value: object) -> str:
    return " ".join(str(value).split()).casefold()


@cache
def _default_reference(year: int) -> ReferenceData:
    return load_reference(year)


def _reference_for(table: pd.DataFrame, ref: ReferenceData | None = None) -> ReferenceData:
    """``ref``, else the reference of the table's year (``$SOTE_REFERENCE_DIR``, the cache or the
    embedded snapshot; loaded once)."""
    if ref is not None:
        return ref
    years = table["year"].dropna().unique() if "year" in table else []
    return _default_reference(int(years[0]) if len(years) else config.DEFAULT_YEAR)


#: Area names by reference (keyed by ``id``; the reference is kept alive beside its names).
_NAMES: dict[int, tuple[object, pd.DataFrame]] = {}


def area_names(ref: ReferenceData) -> pd.DataFrame:
    """Every area of every level with its Finnish, Swedish and English name (``area_level, area_code,
    name_fi, name_sv, name_en``).

    Parameters
    ----------
    ref : ReferenceData
        The reference geography (:func:`sote_analytics.load_reference`); the table is made once per
        reference.

    Returns
    -------
    DataFrame
        One row per area of every level: ``area_level, area_code, name_fi, name_sv, name_en``.

    Examples
    --------
    >>> names = area_names(ref)
    >>> names.columns.tolist()
    ['area_level', 'area_code', 'name_fi', 'name_sv', 'name_en']
    >>> names[(names["area_level"] == "maakunta") & (names["area_code"] == "13")].values.tolist()
    [['maakunta', '13', 'Keski-Suomi', 'Mellersta Finland', 'Central Finland']]
    """
    from .reference import level_ids

    if id(ref) in _NAMES:
        return _NAMES[id(ref)][1]
    parts = []
    for lv in level_ids():
        a = ref.areas(lv)
        parts.append(pd.DataFrame({"area_level": lv, "area_code": a["code"].astype(str),
                                   **{c: a[c].astype(str) for c in ("name_fi", "name_sv", "name_en") if c in a}}))
    _NAMES[id(ref)] = (ref, pd.concat(parts, ignore_index=True))
    return _NAMES[id(ref)][1]


def resolve_areas(table: pd.DataFrame, area: str | Iterable[str], level: str | None = None,
                  ref: ReferenceData | None = None) -> pd.DataFrame:
    """The areas meant by ``area``: codes or Finnish, Swedish or English names (any case).

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table (its areas are the ones that can match).
    area : str or list of str
        Area codes (``"179"``, ``"13"``) or names (``"Jyväskylä"``, ``"keski-suomi"``,
        ``"Mellersta Finland"``). A municipality code may drop its leading zeros (``"91"`` at
        level ``kunta`` is Helsinki, ``"091"``).
    level : str, optional
        Only areas of this level (codes repeat between levels: ``"91"`` is Lappeenranta among the
        sub-regions and Ahvenanmaa among the wellbeing services counties).
    ref : ReferenceData, optional
        For the Swedish and English names (default: the reference of the table's year, loaded
        offline once, only when a name is not a code or a Finnish name of the table).

    Returns
    -------
    DataFrame
        ``area_level, area_code, area_name``: one row per matching area.

    Raises
    ------
    UnknownValueError
        For a code or name that matches no area; the message names the closest areas.

    Examples
    --------
    >>> resolve_areas(ind.table, "keski-suomi", "maakunta").values.tolist()
    [['maakunta', '13', 'Keski-Suomi']]
    >>> resolve_areas(ind.table, "Mellersta Finland", "maakunta")["area_code"].tolist()
    ['13']
    >>> resolve_areas(ind.table, "Keski-Suomen maakunta", "maakunta")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sote_analytics.errors.UnknownValueError: unknown area 'Keski-Suomen maakunta'...did you mean 'Keski-Suomi (13)'...
    """
    if level is not None:
        level = _check_level(level)
    cols = ["area_level", "area_code", "area_name"] if "area_name" in table else ["area_level", "area_code"]
    areas = table[cols].drop_duplicates(["area_level", "area_code"])
    if level is not None:
        areas = areas[areas["area_level"] == level]
    areas = areas.assign(area_code=areas["area_code"].astype(str)).reset_index(drop=True)
    if "area_name" not in areas:
        areas["area_name"] = areas["area_code"]
    codes = areas["area_code"]
    fi_names = areas["area_name"].map(_norm)
    others = None
    found = []
    for wanted in _as_list(area):
        w = str(wanted).strip()
        hit = areas[(codes == w) | ((areas["area_level"] == "kunta") & w.isdigit() & (codes == w.zfill(3)))]
        if hit.empty:
            hit = areas[fi_names == _norm(w)]
        if hit.empty:
            if others is None:
                names = area_names(_reference_for(table, ref))
                others = areas[["area_level", "area_code"]].merge(names, on=["area_level", "area_code"])
            keys = {(r.area_level, r.area_code) for r in others.itertuples()
                    if _norm(w) in {_norm(getattr(r, c, "")) for c in ("name_fi", "name_sv", "name_en")}}
            hit = areas[[(lv, c) in keys for lv, c in zip(areas["area_level"], codes, strict=True)]]
        if hit.empty:
            labels = {f"{r.area_name} ({r.area_code})": f"{r.area_name} ({r.area_code})" for r in areas.itertuples()}
            if others is not None:
                by_key = {(r.area_level, r.area_code): r.area_name for r in areas.itertuples()}
                for r in others.itertuples():
                    for c in ("name_sv", "name_en"):
                        labels[str(getattr(r, c, ""))] = f"{by_key[(r.area_level, r.area_code)]} ({r.area_code})"
            closest = list(dict.fromkeys(labels[c] for c in _closest(w, labels)))
            raise UnknownValueError("area", wanted, sorted(set(labels.values())), closest,
                                    where=f"at level {level!r}" if level else "")
        found.append(hit)
    return pd.concat(found).drop_duplicates(["area_level", "area_code"]).reset_index(drop=True)


def _one_area(table: pd.DataFrame, level: str, area: str, ref: ReferenceData | None = None) -> str:
    """The code of the one area of ``level`` that ``area`` (a code or a name) means."""
    hit = resolve_areas(table, area, level, ref)
    if len(hit) > 1:
        raise UnknownValueError("area", area, [f"{r.area_name} ({r.area_code})" for r in hit.itertuples()],
                                where=f"at level {level!r}: the name matches several", hint="Give the code")
    return str(hit["area_code"].iloc[0])


def areas_within(ref: ReferenceData, level: str, area: str, levels: Iterable[str] | None = None) -> pd.DataFrame:
    """Areas lying wholly within one area (every municipality of theirs is in it).

    Parameters
    ----------
    ref : ReferenceData
    level, area : str
        The enclosing area: its level and its code.
    levels : list of str, optional
        Levels of the areas wanted (default: every level).

    Returns
    -------
    DataFrame
        ``area_level, area_code``; the enclosing area itself is among them.

    Examples
    --------
    >>> w = areas_within(ref, "hyvinvointialue", "15", ["seutukunta", "maakunta"])
    >>> w.groupby("area_level")["area_code"].apply(sorted).to_dict()
    {'maakunta': ['13'], 'seutukunta': ['131', '132', '133', '134', '135', '138']}
    """
    from .reference import level_ids

    key = ref.key
    inside = key[key[f"{level}_code"].astype(str) == str(area)]
    parts = []
    for lv in levels or level_ids():
        col = f"{lv}_code"
        total = key.groupby(col).size()
        got = inside.groupby(col).size()
        whole = got.index[got.to_numpy() == total.reindex(got.index).to_numpy()]
        parts.append(pd.DataFrame({"area_level": lv, "area_code": [str(c) for c in whole]}))
    return pd.concat(parts, ignore_index=True)


def load_reference(year: int = config.DEFAULT_YEAR, reference_dir: Path | str | None = None,
                   cache_dir: Path | str | None = None) -> ReferenceData:
    """Load the reference geography of ``year`` (see :func:`.reference.load_reference`).

    Uses ``reference_dir``, else ``$SOTE_REFERENCE_DIR``, else the download cache,
    else the snapshot embedded in the package (no network).

    Parameters
    ----------
    year : int
        The statistical year of the municipality key, the areas and the population.
    reference_dir : path, optional
        A folder of reference files (as written by ``sote-analytics reference fetch``).
    cache_dir : path, optional
        The download cache to look in (default: the user's cache folder).

    Returns
    -------
    ReferenceData
        The municipality key (``.key``), the areas of every level (``.areas(level)``), the
        boundaries (``.boundaries(level)``) and the population (``.population``).

    Examples
    --------
    >>> ref = load_reference(2025)
    >>> ref.areas("hyvinvointialue").shape[0]
    23
    """
    from .reference import load_reference as _load

    return _load(year, reference_dir=reference_dir, cache_dir=cache_dir)


def demo_register(ref: ReferenceData, directory: Path | str | None = None,
                  seed: int = config.DEFAULT_SEED) -> Path:
    """Write the synthetic demo register (and survey) and return the register's path.

    Parameters
    ----------
    ref : ReferenceData
    directory : path, optional
        Where to write; a new temporary folder when omitted.
    seed : int
        Seed of the generator (the same seed gives the same register).

    Returns
    -------
    Path
        The register CSV (``register.csv``; the survey is beside it); read it with :func:`read_register`.

    Examples
    --------
    >>> path = demo_register(ref, tmp / "demo")
    >>> path.name
    'register.csv'
    """
    from .pipeline import build_demo

    out = Path(directory) if directory is not None else Path(tempfile.mkdtemp(prefix="sote-demo-"))
    return Path(build_demo(ref, out, seed=seed).register)


def read_register(path: Path | str, ref: ReferenceData, **kwargs) -> IngestResult:
    """Read any register file (CSV, TSV, Excel; PRH/YTJ or own headers) and classify it.

    Accepted rows are in ``.register``, rejected rows with a reason in
    ``.quarantine``. Keyword arguments go to :func:`.ingest.ingest`
    (``sheet``, ``mapping``, ``today``). See :func:`.pipeline.read_register`.

    Parameters
    ----------
    path : path
        The register file.
    ref : ReferenceData
        For the municipalities and areas (:func:`load_reference`).
    **kwargs
        Passed to :func:`.ingest.ingest`.

    Returns
    -------
    IngestResult
        ``.register`` (the classified canonical register), ``.quarantine`` (rejected rows and
        reasons), ``.info`` (encoding, delimiter, columns found) and ``.quality``.

    Examples
    --------
    >>> res = read_register(REGISTER, ref)
    >>> res.register[["name", "municipality_code", "sector"]].head(2).values.tolist()
    [['Jyväskylän Seudun Mielenterveysseura ry', '179', 'mental_substance'], \
['Keuruun Eläkkeensaajat ry', '249', 'elderly']]
    """
    from .pipeline import read_register as _read

    return _read(path, ref, **kwargs)


def classify_names(names: str | Iterable[str] | pd.Series, purposes: str | Iterable[str] | pd.Series | None = None,
                   categories: str | Iterable[str] | pd.Series | None = None) -> pd.DataFrame:
    """Classify association names (and purposes) into sote sectors (see :func:`.classify.classify`).

    ``sote_analytics.classify.classifier`` is the classification module, hence this name.

    Parameters
    ----------
    names : str, list of str or Series
        One name or many (a Series keeps its index).
    purposes, categories : str, list of str or Series, optional
        The purposes (``tarkoitus``) and source categories, aligned with ``names``.

    Returns
    -------
    DataFrame
        One row per name: ``sector``, ``subsector``, ``classification_rule`` (the deciding rule's code;
        also as ``rule``), ``org_type``, ``sector_source``, ``confidence`` and more. :func:`explain` says why.

    Examples
    --------
    >>> out = classify_names(["Jyväskylän Seudun Mielenterveysseura ry", "Keuruun Eläkkeensaajat ry"])
    >>> out["sector"].tolist()
    ['mental_substance', 'elderly']
    >>> classify_names("Kuopion Mielenterveysseura ry")[["sector", "classification_rule"]].values.tolist()
    [['mental_substance', 'MS01']]
    """
    from .classify.classifier import classify as _classify

    def series(v, index=None):
        if v is None:
            return None
        if isinstance(v, str):
            v = [v]
        if isinstance(v, pd.Series):
            out = v.astype("str") if index is None else pd.Series(v.to_numpy(), index=index, dtype="str")
        else:
            out = pd.Series(list(v), dtype="str", index=index)
        if index is not None and len(out) != len(index):
            raise ValueError(f"{len(out)} purposes or categories for {len(index)} names")
        return out

    names = series(names)
    out = _classify(names, series(purposes, names.index), series(categories, names.index))
    if "rule" in out and "classification_rule" not in out:
        out.insert(out.columns.get_loc("rule"), "classification_rule", out["rule"])
    return out


#: Plain words for the signal that decided a sector (``sector_source``).
SIGNALS = {
    "known_org": {"fi": "tunnettu järjestö (nimi luettelossa)", "sv": "känd organisation (namnet i listan)",
                  "en": "known organisation (the name is listed)"},
    "source_category": {"fi": "lähteen oma luokka", "sv": "källans egen kategori", "en": "the source's own category"},
    "purpose": {"fi": "tarkoitus-teksti", "sv": "ändamålstexten", "en": "the purpose text"},
    "name_rule": {"fi": "nimen sääntö", "sv": "regel för namnet", "en": "a rule on the name"},
    "name_lexicon": {"fi": "sairaussanasto nimessä", "sv": "sjukdomsordlistan i namnet",
                     "en": "the condition lexicon in the name"},
    "name_shape": {"fi": "lääketieteellinen sanamuoto nimessä", "sv": "medicinsk ordform i namnet",
                   "en": "a medical word shape in the name"},
    "given": {"fi": "tiedoston oma toimialasarake", "sv": "filens egen sektorkolumn",
              "en": "the file's own sector column"},
    "ytj": {"fi": "YTJ:n toimialakoodi", "sv": "FODS näringsgrenskod", "en": "the YTJ industry code"},
    "none": {"fi": "ei mikään (luokittelematon)", "sv": "ingen (oklassificerad)", "en": "none (unclassified)"},
}
#: Descriptions of the codes that are not rules of the rules file.
_CODE_WORDS = {
    "KNOWN": {"fi": "Järjestö on tunnettujen järjestöjen luettelossa.", "en": "The organisation is in the list of "
              "known organisations."},
    "CATEGORY": {"fi": "Lähteen oma luokka kertoo toimialan.", "en": "The source's own category names the sector."},
    "SHAPE": {"fi": "Nimessä on lääketieteellinen sanamuoto (-iitti, -oosi, oireyhtymä...).",
              "en": "The name has a medical word shape (-itis, -osis, syndrome...)."},
    "LEX": {"fi": "Nimessä on sairauden nimi sairaussanastosta ({group}).",
            "en": "The name has a condition of the condition lexicon ({group})."},
}


def explain(names_or_register: str | Iterable[str] | pd.Series | pd.DataFrame | IngestResult,
            language: str = "en") -> pd.DataFrame:
    """Why each association got its sector: the deciding signal, the rule, what the rule means and the
    words that matched.

    Parameters
    ----------
    names_or_register : str, list of str, Series, DataFrame or IngestResult
        Names (classified here, as by :func:`classify_names`), or a register read by
        :func:`read_register` (its ``classification_rule`` and ``sector_source`` are explained; a frame
        with ``name`` but no classification is classified here, with its ``purpose`` and
        ``source_category`` when present).
    language : {"fi", "sv", "en"}
        Language of the labels and descriptions (rule descriptions exist in Finnish and English;
        Swedish gets the English ones).

    Returns
    -------
    DataFrame
        One row per association: ``name``, ``sector``, ``sector_label``, ``sector_source`` (the
        signal's id), ``signal`` (in words), ``classification_rule`` (the rule's code), ``description``
        (the rule in plain words) and ``matched`` (the words of the name, purpose or category that
        decided), index as in the input.

    Examples
    --------
    >>> why = explain(["Kuopion Mielenterveysseura ry", "Suomen Sarkoidoosiyhdistys ry", "Kuokkalan Pursiseura"])
    >>> why[["sector", "sector_source", "classification_rule", "matched"]].values.tolist()
    [['mental_substance', 'name_rule', 'MS01', 'mielenterv'], \
['patient_health', 'name_lexicon', 'LEX:patient_other', 'sarkoidoosi'], ['unclassified', 'none', '', '']]
    >>> why["description"].iloc[0]
    'Mental health (mental health societies, depression, psychiatry, clubhouses).'
    >>> explain(register).set_index("name").at["Keuruun Eläkkeensaajat ry", "matched"]
    'eläkkeensaaj'
    """
    from .classify.classifier import matched_words, normalize_text, org_key, rule_descriptions

    language = _check_language(language)
    obj = names_or_register
    if hasattr(obj, "register") and isinstance(obj.register, pd.DataFrame):
        obj = obj.register
    if isinstance(obj, pd.DataFrame):
        if "name" not in obj:
            raise NotClassifiedError("explain needs names or a register with a 'name' column (sa.read_register "
                                     f"gives one); the frame has: {', '.join(map(str, obj.columns[:10]))}")
        reg = obj
        if not {"classification_rule", "sector_source"} <= set(reg.columns):
            cls = classify_names(reg["name"], reg.get("purpose"), reg.get("source_category"))
            reg = reg.drop(columns=[c for c in cls.columns if c in reg]).join(cls)
    else:
        names = obj if isinstance(obj, pd.Series) else pd.Series([obj] if isinstance(obj, str) else list(obj))
        reg = classify_names(names).assign(name=names.astype(str).to_numpy())
    rule = reg["classification_rule"] if "classification_rule" in reg else reg["rule"]
    source = reg["sector_source"].astype("string").fillna("").replace("", "none")
    descriptions = rule_descriptions()
    desc_lang = "fi" if language == "fi" else "en"
    out = []
    for i in reg.index:
        name, code, src = reg.at[i, "name"], rule.at[i], source.at[i]
        code = "" if pd.isna(code) else str(code)
        purpose = reg.at[i, "purpose"] if "purpose" in reg else None
        category = reg.at[i, "source_category"] if "source_category" in reg else None
        if code in descriptions:
            desc = descriptions[code][desc_lang]
        elif code.startswith("LEX:"):
            desc = _CODE_WORDS["LEX"][desc_lang].format(group=code[4:])
        else:
            desc = _CODE_WORDS.get(code, {}).get(desc_lang, "")
        if src == "known_org":
            matched = org_key(name)
        elif src == "source_category":
            matched = "" if pd.isna(category) else str(category)
        elif src == "purpose" and not pd.isna(purpose):
            matched = matched_words(normalize_text(purpose), code, str(purpose))
        elif src in ("name_rule", "name_lexicon", "name_shape", "given"):
            matched = matched_words(normalize_text(name), code, str(name))
        else:
            matched = ""
        if src == "given":
            desc = SIGNALS["given"][language] + (f"; {desc}" if desc else "")
        sector = str(reg.at[i, "sector"])
        out.append({"name": str(name), "sector": sector, "sector_label": _safe_label(sector, language),
                    "sector_source": src, "signal": SIGNALS.get(src, {}).get(language, src),
                    "classification_rule": code, "description": desc, "matched": matched})
    return pd.DataFrame(out, index=reg.index)


def _safe_label(sector: str, language: str) -> str:
    from .taxonomy import sector_label

    try:
        return sector_label(sector, language)
    except KeyError:
        return sector


def compute_indicators(register: pd.DataFrame | IngestResult, ref: ReferenceData, source: str = "register",
                       **kwargs) -> IndicatorSet:
    """Every indicator for every area of every level (see :func:`.indicators.compute_indicators`).

    Parameters
    ----------
    register : DataFrame or IngestResult
        A classified register: ``read_register(...).register`` (or the result itself). A raw
        frame (no ``sector`` or ``municipality_code``) raises :class:`~.errors.NotClassifiedError`
        saying what to call first.
    ref : ReferenceData
    source : str
        Description of the register, copied to every row.
    **kwargs
        ``include_headquarters``, ``as_of``, ``activity``.

    Returns
    -------
    IndicatorSet
        The tidy table is ``.table``: one row per area x sector x indicator with
        ``area_level, area_code, area_name, sector, indicator, value, lower, upper, n, unit``.

    Examples
    --------
    >>> ind = compute_indicators(read_register(REGISTER, ref).register, ref, "my file")
    >>> ind.table.columns[:5].tolist()
    ['area_level', 'area_code', 'area_name', 'sector', 'indicator']
    >>> compute_indicators(pd.DataFrame({"nimi": ["A ry"], "kotikunta": ["Jyväskylä"]}), ref)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sote_analytics.errors.NotClassifiedError: the register has no column 'municipality_code', 'sector' ...
    """
    from .indicators.engine import compute_indicators as _compute

    if hasattr(register, "register") and isinstance(register.register, pd.DataFrame):
        register = register.register
    if not isinstance(register, pd.DataFrame):
        raise NotClassifiedError(f"compute_indicators needs a classified register (a DataFrame), not "
                                 f"{type(register).__name__}: call sa.read_register(path, ref) first")
    missing = [c for c in ("municipality_code", "sector") if c not in register]
    if missing:
        raise NotClassifiedError(
            f"the register has no column {', '.join(repr(c) for c in missing)} (it is not read and classified "
            "yet): call sa.read_register(path, ref) first, which reads a file of any layout, resolves the "
            "municipalities and classifies the sectors, and pass its .register")
    return _compute(register, ref, source, **kwargs)


def _as_list(v) -> list | None:
    if v is None:
        return None
    if isinstance(v, str | int):
        return [str(v)]
    return [str(x) for x in v]


def select(table: pd.DataFrame, level: str | Iterable[str] | None = None, area: str | Iterable[str] | None = None,
           sector: str | Iterable[str] | None = None, indicator: str | Iterable[str] | None = None,
           within: tuple[str, str] | None = None, ref: ReferenceData | None = None) -> pd.DataFrame:
    """Rows of the tidy indicator table; each argument narrows (a value or a list), None keeps all.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table (``IndicatorSet.table``).
    level : str or list of str, optional
        Area levels (``kunta``, ``seutukunta``, ``maakunta``, ``hyvinvointialue``, ``yhteistyoalue``,
        ``koko_maa``).
    area : str or list of str, optional
        Area codes or Finnish, Swedish or English names, any case (see :func:`resolve_areas`).
    sector, indicator : str or list of str, optional
        Ids (:func:`sectors`, :func:`indicator_list` list them).
    within : (level, area), optional
        Only areas lying wholly within this area, e.g. ``("hyvinvointialue", "13")`` or
        ``("maakunta", "Keski-Suomi")`` (see :func:`areas_within`).
    ref : ReferenceData, optional
        For Swedish and English names and ``within`` (default: the table's year, loaded once).

    Returns
    -------
    DataFrame
        The matching rows, in the table's order.

    Raises
    ------
    UnknownValueError
        For an unknown level, area, sector or indicator; the message lists the valid or the closest values.

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": ["kunta", "kunta", "maakunta"], "area_code": ["179", "091", "13"],
    ...                   "area_name": ["Jyväskylä", "Helsinki", "Keski-Suomi"], "sector": "elderly",
    ...                   "indicator": "associations", "value": [12.0, 40.0, 30.0]})
    >>> select(t, level="kunta", area="jyväskylä")["value"].tolist()
    [12.0]
    >>> len(select(t, sector=["elderly"], indicator="associations"))
    3
    >>> select(t, level="kunta", within=("maakunta", "Keski-Suomi"), ref=ref)["area_name"].tolist()
    ['Jyväskylä']
    >>> select(t, sector="mental_health")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sote_analytics.errors.UnknownValueError: unknown sector 'mental_health'; did you mean 'mental_substance'...
    """
    from .reference import level_ids

    mask = pd.Series(True, index=table.index)
    if level is not None:
        mask &= table["area_level"].isin(_check_all("level", level, level_ids()))
    if area is not None:
        levels = None if level is None else _as_list(level)
        hits = pd.concat([resolve_areas(table, area, lv, ref) for lv in (levels or [None])])
        mask &= _pair_mask(table, hits)
    if sector is not None:
        mask &= table["sector"].isin(_as_list(_check_sector(sector, table)))
    if indicator is not None:
        mask &= table["indicator"].isin(_as_list(_check_indicator(indicator, table)))
    if within is not None:
        if not (isinstance(within, tuple | list) and len(within) == 2):
            raise TypeError(f"within is (level, area), e.g. ('hyvinvointialue', '13'), not {within!r}")
        wlevel = _check_level(within[0])
        code = _one_area(table, wlevel, within[1], ref)
        mask &= _pair_mask(table, areas_within(_reference_for(table, ref), wlevel, code))
    return table[mask].reset_index(drop=True)


def _pair_mask(table: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Rows of ``table`` whose (area_level, area_code) is among ``pairs``."""
    keys = pd.MultiIndex.from_arrays([pairs["area_level"].astype(str), pairs["area_code"].astype(str)])
    rows = pd.MultiIndex.from_arrays([table["area_level"].astype(str), table["area_code"].astype(str)])
    return pd.Series(rows.isin(keys), index=table.index)


def ranking(table: pd.DataFrame, level: str, sector: str = "ALL", indicator: str = "associations_per_1000",
            ascending: bool = False, within: tuple[str, str] | None = None, by: str = "value",
            ref: ReferenceData | None = None) -> pd.DataFrame:
    """Areas of a level ranked by one indicator of one sector (``rank`` 1 = first).

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    level, sector, indicator : str
        What to rank (checked: an unknown id raises :class:`~.errors.UnknownValueError`).
    ascending : bool
        Rank the smallest first.
    within : (level, area), optional
        Only areas wholly within this area, e.g. ``("hyvinvointialue", "13")`` (see :func:`select`).
    by : {"value", "lower"}
        Rank by the value or, for shares with intervals, by the interval's lower bound (a share of
        100 % out of 2 associations then ranks below 90 % out of 200).
    ref : ReferenceData, optional
        For ``within`` and area names (default: the table's year).

    Returns
    -------
    DataFrame
        The rows of :func:`select`, sorted, with ``rank``. Areas without a value (NaN) come last and
        have no rank.

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": "seutukunta", "area_code": ["1", "2", "3"],
    ...                   "area_name": ["A", "B", "C"], "sector": "ALL",
    ...                   "indicator": "associations_per_1000", "value": [0.5, 1.5, float("nan")], "n": [5, 9, 0]})
    >>> ranking(t, "seutukunta", ascending=True)[["area_name", "value", "rank"]].to_dict("list")
    {'area_name': ['A', 'B', 'C'], 'value': [0.5, 1.5, nan], 'rank': [1.0, 2.0, nan]}
    """
    by = _check("ranking key", by, ("value", "lower"))
    sel = select(table, level=_check_level(level), sector=_check_sector(sector, table),
                 indicator=_check_indicator(indicator, table), within=within, ref=ref)
    key = by if by in sel else "value"
    sel = sel.sort_values([key, "value"], ascending=ascending, na_position="last", kind="stable")
    sel = sel.reset_index(drop=True)
    sel["rank"] = sel[key].rank(ascending=ascending, method="min")
    return sel


def indicator_names(language: str = "fi") -> dict[str, str]:
    """Indicator id -> name in ``language`` (fi, sv, en; another raises :class:`~.errors.UnknownValueError`).

    Parameters
    ----------
    language : {"fi", "sv", "en"}

    Returns
    -------
    dict of str to str
        Every indicator's id and its name.

    Examples
    --------
    >>> indicator_names("en")["associations_per_1000"]
    'Associations per 1,000 inhabitants'
    >>> indicator_names("de")
    Traceback (most recent call last):
    ...
    sote_analytics.errors.UnknownValueError: unknown language 'de' Valid languages: fi, sv, en
    """
    from .indicators.definitions import definitions

    language = _check_language(language)
    return {k: str(v[language]) for k, v in definitions().items()}


def sectors(language: str = "fi") -> pd.DataFrame:
    """The sectors as a tidy frame: id, label in ``language`` and what each covers.

    Parameters
    ----------
    language : {"fi", "sv", "en"}

    Returns
    -------
    DataFrame
        ``sector`` (the id used everywhere), ``label``, ``covers`` (the subsectors' labels),
        ``is_sote``, ``color``; ``ALL`` (every sote sector) first.

    Examples
    --------
    >>> s = sectors("en")
    >>> s.set_index("sector").at["mental_substance", "label"]
    'Mental health, substance use and addiction'
    >>> s["sector"].iloc[0]
    'ALL'
    """
    from .i18n import t
    from .taxonomy import ALL, sector_label
    from .taxonomy import sectors as _sectors

    language = _check_language(language)
    tab = _sectors()
    sub = _read_subsectors()
    covers = sub.groupby("sector")[f"label_{language}"].agg("; ".join)
    rows = [{"sector": ALL, "label": sector_label(ALL, language), "covers": t("all_sectors_menu", language),
             "is_sote": True, "color": ""}]
    rows += [{"sector": c, "label": str(tab.at[c, f"label_{language}"]), "covers": covers.get(c, ""),
              "is_sote": bool(tab.at[c, "is_sote"]), "color": str(tab.at[c, "color"])} for c in tab.index]
    return pd.DataFrame(rows)


@cache
def _read_subsectors() -> pd.DataFrame:
    from importlib import resources
    from io import StringIO

    text = resources.files("sote_analytics").joinpath("data/subsectors.csv").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


def indicator_list(language: str = "fi") -> pd.DataFrame:
    """The indicators as a tidy frame: id, name in ``language``, family, unit, definition and caveat.

    (Not ``indicators``: that is the name of the indicator module, which would replace a function of
    that name on the package as soon as it is imported.)

    Parameters
    ----------
    language : {"fi", "sv", "en"}

    Returns
    -------
    DataFrame
        ``indicator`` (the id), ``name``, ``family``, ``unit``, ``definition``, ``caveat`` (the
        definitions and caveats are in English).

    Examples
    --------
    >>> d = indicator_list("sv").set_index("indicator")
    >>> d.at["associations", "name"], d.at["associations", "unit"]
    ('Föreningar', 'count')
    """
    from .indicators.definitions import data_dictionary

    language = _check_language(language)
    dd = data_dictionary()
    return pd.DataFrame({"indicator": dd["indicator"], "name": dd[f"name_{language}"], "family": dd["family"],
                         "unit": dd["unit"], "definition": dd["definition"], "caveat": dd["caveat"]})


# ---------------------------------------------------------------------- figures
def choropleth(table: pd.DataFrame, ref_or_boundaries, level: str, sector: str = "ALL",
               indicator: str = "associations_per_1000", highlight: str | None = None,
               language: str = "fi", labels: bool = False) -> go.Figure:
    """A map of every area of ``level`` coloured by one indicator of one sector.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    ref_or_boundaries : ReferenceData or GeoDataFrame
        The reference (boundaries are built from it) or boundaries with ``code``.
    level, sector, indicator : str
        What to draw (checked: an unknown id raises :class:`~.errors.UnknownValueError`).
    highlight : str, optional
        Code or name of an area to outline.
    language : {"fi", "sv", "en"}
    labels : bool
        Print the areas' names (at most 40 areas, where they do not overlap; the largest first).

    Returns
    -------
    plotly.graph_objects.Figure
        The reports' map style: dark outlines, areas without a value white and hatched (named in the
        legend), quantile classes of ColorBrewer Blues as legend swatches.

    Examples
    --------
    >>> fig = choropleth(ind.table, ref, "hyvinvointialue", "elderly", highlight="keski-suomen hyvinvointialue")
    >>> fig.update_layout(title="Ikääntyneiden yhdistykset").layout.title.text
    'Ikääntyneiden yhdistykset'
    """
    level, sector = _check_level(level), _check_sector(sector, table)
    indicator, language = _check_indicator(indicator, table), _check_language(language)
    if highlight is not None:
        highlight = _one_area(table, level, highlight, ref_or_boundaries if _is_reference(ref_or_boundaries) else None)
    priority = None
    if labels and _is_reference(ref_or_boundaries):
        priority = ref_or_boundaries.areas(level).set_index("code")["population"]
    return choropleth_figure(table, _boundaries(ref_or_boundaries, level), level, sector, indicator,
                             highlight, language, labels, priority)


def ranked_bar(table: pd.DataFrame, level: str, sector: str = "ALL", indicator: str = "associations_per_1000",
               highlight: str | None = None, top: int | None = None, language: str = "fi") -> go.Figure:
    """Areas of a level ranked by one indicator (horizontal bars, the first on top).

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    level, sector, indicator : str
        What to rank (checked).
    highlight : str, optional
        Code or name of an area to colour.
    top : int, optional
        Only the first ``top`` areas.
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": "seutukunta", "area_code": ["1", "2"], "area_name": ["A", "B"],
    ...                   "sector": "ALL", "indicator": "associations_per_1000", "value": [0.5, 1.5],
    ...                   "n": [5, 9], "unit": "per 1000"})
    >>> fig = ranked_bar(t, "seutukunta", highlight="1")
    >>> list(fig.data[0].y), list(fig.data[0].x), list(fig.data[0].marker.color)
    (['B', 'A'], [1.5, 0.5], ['#0072B2', '#D55E00'])
    """
    level, sector = _check_level(level), _check_sector(sector, table)
    indicator, language = _check_indicator(indicator, table), _check_language(language)
    if highlight is not None:
        highlight = _one_area(table, level, highlight)
    return ranked_bar_figure(table, level, sector, indicator, highlight, top, language)


def sector_bar(table: pd.DataFrame, level: str, area: str, language: str = "fi") -> go.Figure:
    """Associations per 1,000 inhabitants by sector, the area beside the country (:func:`.figures.sector_bar`).

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    level : str
    area : str
        Code or Finnish, Swedish or English name of an area of ``level`` (any case).
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> fig = sector_bar(ind.table, "maakunta", "Keski-Suomi")
    >>> [tr.name for tr in fig.data]
    ['Keski-Suomi', 'Koko maa']
    >>> [tr.name for tr in sector_bar(ind.table, "maakunta", "13", language="sv").data]
    ['Mellersta Finland', 'Hela landet']
    """
    from .figures import sector_bar as _bar

    level, language = _check_level(level), _check_language(language)
    code = _one_area(table, level, area)
    name = None
    if language != "fi":
        names = area_names(_reference_for(table))
        hit = names[(names["area_level"] == level) & (names["area_code"] == code)]
        name = str(hit[f"name_{language}"].iloc[0]) if len(hit) else None
    return _bar(table, level, code, language, area_name=name)


def sector_map(table: pd.DataFrame, ref_or_boundaries, sectors: list[str] | None = None,
               language: str = "fi") -> go.Figure:
    """Municipality map with a sector menu, in the reports' style (:func:`.figures.sector_map`).

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    ref_or_boundaries : ReferenceData or GeoDataFrame
        The reference or municipality boundaries with ``code``.
    sectors : list of str, optional
        The sectors of the menu (default: every sote sector), checked.
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> fig = sector_map(ind.table, ref, ["elderly", "mental_substance"])
    >>> [b.label for b in fig.layout.updatemenus[0].buttons]
    ['Ikääntyneet ja eläkeläiset', 'Mielenterveys, päihteet ja riippuvuudet']
    """
    from .figures import sector_map as _map
    from .taxonomy import sote_sectors

    chosen = _check_all("sector", sectors, _sector_ids(table), _sector_labels()) if sectors else list(sote_sectors())
    return _map(_boundaries(ref_or_boundaries, "kunta"), table, chosen, _check_language(language),
                _population(ref_or_boundaries))


def gaps_map(municipality_counts: pd.DataFrame, ref_or_boundaries, language: str = "fi") -> go.Figure:
    """Municipalities coloured by how many sote sectors have no association (:func:`.figures.gaps_map`).

    Parameters
    ----------
    municipality_counts : DataFrame
        ``IndicatorSet.municipality_counts`` (``kunta_code``, ``sector``, ``associations``).
    ref_or_boundaries : ReferenceData or GeoDataFrame
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> fig = gaps_map(ind.municipality_counts, ref)
    >>> fig.layout.legend.title.text
    'Toimialoja ilman yhdistystä'
    """
    from .figures import gaps_map as _gaps
    from .taxonomy import sote_sectors

    if hasattr(municipality_counts, "municipality_counts"):
        municipality_counts = municipality_counts.municipality_counts
    language = _check_language(language)
    sectors = [s for s in sote_sectors() if s != "unclassified"]
    mc = municipality_counts[municipality_counts["sector"].isin(sectors)]
    present = mc[mc["associations"] > 0].groupby("kunta_code")["sector"].nunique()
    gdf = _boundaries(ref_or_boundaries, "kunta")
    missing = len(sectors) - present.reindex(gdf["code"]).fillna(0)
    return _gaps(gdf, missing, language, _population(ref_or_boundaries))


def share_bar(table: pd.DataFrame, level: str, area: str, indicator: str = "paid_staff_share",
              language: str = "fi") -> go.Figure:
    """A share by sector with 95% intervals (:func:`.figures.share_bar`).

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    level : str
    area : str
        Code or name of an area of ``level``.
    indicator : str
        A share (unit ``share``): ``paid_staff_share``, ``service_producer_share``, ...
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> fig = share_bar(ind.table, "maakunta", "13", "service_producer_share")
    >>> fig.layout.xaxis.range
    (0, 100)
    """
    from .figures import share_bar as _share
    from .indicators.definitions import definitions

    level, language = _check_level(level), _check_language(language)
    shares = [k for k, d in definitions().items() if d["unit"] == "share"]
    indicator = _check("share indicator", _check_indicator(indicator, table), shares)
    return _share(table, level, _one_area(table, level, area), indicator, language)


# ---------------------------------------------------------------------- writing for others
def write_workbook(ind: IndicatorSet, ref: ReferenceData, level: str, area: str, out_dir: Path | str = ".",
                   language: str = "fi", synthetic: bool = False) -> Path:
    """The per-area Excel workbook of the reports (:func:`.export.write_workbook`) for one area.

    A sheet per indicator family with headers in ``language`` and the number formats Finnish Excel
    shows right, the municipalities without an association by sector, the data dictionary and the
    sources.

    Parameters
    ----------
    ind : IndicatorSet
        From :func:`compute_indicators` (or ``Store(...).load_indicators()``).
    ref : ReferenceData
    level : str
    area : str
        Code or name of an area of ``level``.
    out_dir : path
        Folder of the workbook (made if missing).
    language : {"fi", "sv", "en"}
    synthetic : bool
        Mark the workbook as made from synthetic data (the demo).

    Returns
    -------
    Path
        ``<out_dir>/<level>_<code>.xlsx`` (``_sv``/``_en`` before the suffix for other languages).

    Examples
    --------
    >>> write_workbook(ind, ref, "maakunta", "Keski-Suomi", tmp).name
    'maakunta_13.xlsx'
    """
    from .export import write_workbook as _write

    level, language = _check_level(level), _check_language(language)
    return _write(ind, ref, level, _one_area(ind.table, level, area, ref), out_dir, synthetic=synthetic,
                  language=language)


def to_csv(frame: pd.DataFrame | IndicatorSet, path: Path | str, excel: bool = True) -> Path:
    """Write a table as CSV for Excel (the default) or for programs (:func:`.export.write_csv`).

    Parameters
    ----------
    frame : DataFrame or IndicatorSet
        A table (an IndicatorSet writes its tidy ``.table``).
    path : path
    excel : bool
        True: ``;``-separated, decimal comma, UTF-8 with BOM (Finnish Excel opens it right on a
        double click). False: ``,``-separated UTF-8, decimal point.

    Returns
    -------
    Path

    Examples
    --------
    >>> t = select(ind.table, level="maakunta", area="13", sector="ALL", indicator="associations_per_1000")
    >>> p = to_csv(t[["area_name", "value"]].round(3), tmp / "keski-suomi.csv")
    >>> p.read_text("utf-8-sig").splitlines()[0]
    'area_name;value'
    """
    from .export import write_csv

    if hasattr(frame, "table") and isinstance(frame.table, pd.DataFrame):
        frame = frame.table
    return write_csv(frame, path, excel=excel)


def to_png(fig: go.Figure, path: Path | str, width: int | None = None, height: int | None = None,
           scale: float = 2) -> Path:
    """Write a figure as PNG (for slides) with kaleido and the system's Chromium, offline.

    kaleido (``pip install "kaleido>=1"``) drives a Chrome or Chromium it finds on the machine
    (Debian: ``apt-get install chromium``; another place: ``$BROWSER_PATH``); it downloads nothing.

    Parameters
    ----------
    fig : plotly Figure
    path : path
    width, height : int, optional
        Size in CSS pixels (default: the figure's own height and 900 px wide).
    scale : float
        Pixel density (2: sharp on slides).

    Returns
    -------
    Path

    Raises
    ------
    SoteAnalyticsError
        When kaleido or a browser is missing (the message says what to install), or the browser fails
        to draw the figure twice.

    Examples
    --------
    >>> try:
    ...     path = to_png(sector_bar(ind.table, "maakunta", "13"), tmp / "bar.png")
    ... except SoteAnalyticsError as e:  # no kaleido or no browser on this machine: the message says so
    ...     path = tmp / "bar.png"
    >>> path.suffix
    '.png'
    """
    try:
        import kaleido  # noqa: F401
    except ImportError as e:
        raise SoteAnalyticsError('PNG export needs kaleido: pip install "kaleido>=1" (it uses the system\'s '
                                 "Chromium: apt-get install chromium)") from e
    import plotly.io as pio

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            pio.write_image(fig, target, format="png", width=width or fig.layout.width or 900,
                            height=height or fig.layout.height or 500, scale=scale)
            return target
        except Exception as e:  # kaleido's errors for a missing browser differ between versions
            if "chrom" in str(e).lower() or "browser" in str(e).lower():
                raise SoteAnalyticsError(f"PNG export found no Chrome or Chromium ({e}): apt-get install chromium, "
                                         "or set $BROWSER_PATH to a Chrome binary") from e
            if type(e).__name__ != "JavascriptError":
                raise
            # the browser's page was not ready (seen on a busy machine: "kaleido_scopes is not defined"): once more
            if attempt == 2:
                raise SoteAnalyticsError(f"PNG export failed in the browser twice ({str(e)[:200]})") from e
    return target


def _is_reference(obj) -> bool:
    return hasattr(obj, "boundaries") and hasattr(obj, "key")


def _boundaries(ref_or_boundaries, level: str):
    if _is_reference(ref_or_boundaries):
        from .store import MAP_SIMPLIFY

        return ref_or_boundaries.boundaries(level, simplify=MAP_SIMPLIFY)
    return ref_or_boundaries


def _population(ref_or_boundaries):
    """Population by municipality code from a reference (names on maps go by it), else None."""
    return ref_or_boundaries.population if _is_reference(ref_or_boundaries) else None


# ---------------------------------------------------------------------- the explorer's figures
#: Columns of the explorer's table (:func:`area_table`).
TABLE_COLUMNS = ["indicator", "name", "value", "lower", "upper", "n", "unit"]

#: The explorer's own words (its table header and the map's "no value" class), by language.
WORDS = {
    "fi": {"indicator": "Indikaattori", "value": "Arvo", "interval": "95 %:n väli", "n": "n",
           "share_none": "0 % tai ei arvoa"},
    "sv": {"indicator": "Indikator", "value": "Värde", "interval": "95 % intervall", "n": "n",
           "share_none": "0 % eller inget värde"},
    "en": {"indicator": "Indicator", "value": "Value", "interval": "95 % interval", "n": "n",
           "share_none": "0 % or no value"},
}


def _indicator_values(table: pd.DataFrame, level: str, sector: str, indicator: str) -> pd.DataFrame:
    sel = table[(table["area_level"] == level) & (table["sector"] == sector) & (table["indicator"] == indicator)]
    return sel.drop_duplicates("area_code").set_index("area_code")


def format_indicator(indicator: str, value, language: str) -> str:
    """A value of an indicator as the figures show it (shares in per cent, the language's decimal mark).

    Parameters
    ----------
    indicator : str
        The indicator id (``"paid_staff_share"``, ``"associations_per_1000"``, ...); an id without a
        definition is formatted with two decimals.
    value : float or None
        The value; ``None`` or NaN is the language's word for no value.
    language : {"fi", "sv", "en"}

    Returns
    -------
    str
        The formatted value.

    Examples
    --------
    >>> format_indicator("paid_staff_share", 0.25, "fi")
    '25\\xa0%'
    >>> format_indicator("associations_per_1000", 0.123, "en"), format_indicator("nosuch", 1.234, "en")
    ('0.12', '1.23')
    >>> format_indicator("associations", float("nan"), "en")
    '–'
    """
    from .indicators.definitions import format_value

    if value is None or value != value:
        return t("none", language)
    try:
        return format_value(indicator, value, language)
    except KeyError:
        return f"{value:.2f}"


def indicator_title(indicator: str, language: str) -> str:
    """The name of an indicator in ``language`` (the axis and legend title of the figures).

    Parameters
    ----------
    indicator : str
        The indicator id.
    language : {"fi", "sv", "en"}

    Returns
    -------
    str
        The indicator's name from its definition; the id itself when it has no definition.

    Examples
    --------
    >>> indicator_title("associations_per_1000", "sv"), indicator_title("nosuch", "fi")
    ('Föreningar / 1 000 invånare', 'nosuch')
    """
    from .indicators.definitions import definitions

    d = definitions().get(indicator)
    return str(d[language]) if d else indicator


def _is_share(indicator: str) -> bool:
    from .indicators.definitions import definitions

    d = definitions().get(indicator)
    return bool(d) and d["unit"] == "share"


def _class_labels(values, indicator: str, language: str) -> list[str]:
    """Labels of the quantile classes of :func:`.figures.quantile_classes` in the indicator's own format
    (percentages for shares: the legend says what the hover says)."""
    import numpy as np

    from .figures import class_breaks

    v = np.asarray(values, dtype=float)
    positive = v[(v > 0) & ~np.isnan(v)]
    breaks = class_breaks(positive) if positive.size else []
    return [f"{format_indicator(indicator, breaks[i], language)}–{format_indicator(indicator, breaks[i + 1], language)}"
            for i in range(max(len(breaks) - 1, 0))]


def choropleth_figure(table: pd.DataFrame, boundaries, level: str, sector: str = "ALL",
                      indicator: str = "associations_per_1000", highlight: str | None = None,
                      language: str = "fi", labels: bool = False,
                      label_priority: pd.Series | None = None) -> go.Figure:
    """Every area of ``level`` coloured in quantile classes of one indicator of one sector, in the
    reports' map style (:func:`.figures.sector_map`): dark outlines, areas without a value white with
    a hatch named in the legend, class swatches; with ``labels`` the names of at most 40 areas where
    they do not overlap (``label_priority`` by code first, e.g. the population; the explorer's narrow
    map goes without).

    One filled polygon trace per area; each trace carries ``meta=[code, value]``
    and the formatted value in its hover text (shares in per cent, as the legend). ``highlight``
    (an area code) is outlined in orange.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table (its rows of ``level``, ``sector`` and ``indicator`` are drawn).
    boundaries : GeoDataFrame
        The polygons of the level's areas (``code``, ``name_fi``/``name_sv``/``name_en``;
        :meth:`.reference.ReferenceData.boundaries`, any subset of areas).
    level : str
        The area level (``"kunta"``, ``"seutukunta"``, ``"maakunta"``, ...).
    sector : str, default "ALL"
        The sector code.
    indicator : str, default "associations_per_1000"
        The indicator id.
    highlight : str, optional
        The code of an area to outline.
    language : {"fi", "sv", "en"}, default "fi"
    labels : bool, default False
        Draw the areas' names (:func:`.figures.add_area_labels`).
    label_priority : Series, optional
        A value per area code; the names of the larger values are placed first.

    Returns
    -------
    plotly.graph_objects.Figure
        One polygon trace per area, then one legend swatch per class shown (and the label trace with
        ``labels``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> b = gpd.GeoDataFrame({"code": ["1", "2", "3"], "name_fi": ["A", "B", "C"], "name_sv": ["A", "B", "C"]},
    ...                      geometry=[box(24, 60, 25, 61), box(25, 60, 26, 61), box(26, 60, 27, 61)], crs=4326)
    >>> t = pd.DataFrame({"area_level": "maakunta", "area_code": ["1", "2", "3"], "sector": "ALL",
    ...                   "indicator": "paid_staff_share", "value": [0.25, 0.5, float("nan")]})
    >>> fig = choropleth_figure(t, b, "maakunta", indicator="paid_staff_share", highlight="2")
    >>> [tr.meta for tr in fig.data if tr.meta]  # the outlined area last (drawn on top)
    [('1', 0.25), ('3', nan), ('2', 0.5)]
    >>> [tr.line.color for tr in fig.data if tr.meta]
    ['#1a1a1a', '#1a1a1a', '#D55E00']
    >>> [tr.fillpattern.shape for tr in fig.data if tr.meta]
    [None, '/', None]
    >>> [tr.name for tr in fig.data if tr.mode == "markers"]
    ['25\\xa0%–30\\xa0%', '45\\xa0%–50\\xa0%', '0 % tai ei arvoa']
    """
    from .figures import (
        GAPS_MAP_HEIGHT,
        HIGHLIGHT_COLOR,
        MAP_OUTLINE,
        NO_DATA_COLOR,
        NO_DATA_PATTERN,
        add_area_labels,
        legend_swatch,
        map_layout,
        polygon_figure,
        quantile_classes,
    )

    gdf = boundaries.reset_index(drop=True)
    vals = _indicator_values(table, level, sector, indicator)["value"].reindex(gdf["code"].astype(str))
    v = vals.to_numpy(dtype=float)
    cls, _, colors = quantile_classes(v, language)
    legend_labels = _class_labels(v, indicator, language)
    name_col = name_column(language) if name_column(language) in gdf else "name_fi"
    none = WORDS.get(language, WORDS["fi"])["share_none"] if _is_share(indicator) else t("map_none_label", language)
    props = []
    shown: set[int] = set()
    for i, row in gdf.iterrows():
        c = int(cls[i])
        hi = highlight is not None and str(row["code"]) == str(highlight)
        props.append(dict(
            fillcolor=colors[c] if c >= 0 else NO_DATA_COLOR, fillpattern=NO_DATA_PATTERN if c < 0 else None,
            line=dict(color=HIGHLIGHT_COLOR if hi else MAP_OUTLINE, width=3 if hi else 0.6),
            text=f"{row[name_col]}: {format_indicator(indicator, v[i], language)}", name=str(row[name_col]),
            meta=[str(row["code"]), float(v[i])]))
        shown.add(c)
    fig = polygon_figure(props, gdf)
    if highlight is not None:  # the outlined area drawn last, so its outline is not hidden by its neighbours
        order = [i for i in range(len(props)) if props[i]["meta"][0] != str(highlight)]
        order += [i for i in range(len(props)) if props[i]["meta"][0] == str(highlight)]
        fig.data = [fig.data[i] for i in order]
    for c in sorted(shown, key=lambda k: (k < 0, k)):
        if c >= 0:
            legend_swatch(fig, legend_labels[c], colors[c], c + 2)
        else:
            legend_swatch(fig, none, NO_DATA_COLOR, 99)
    if labels:
        add_area_labels(fig, gdf, gdf[name_col].astype(str).tolist(), GAPS_MAP_HEIGHT, label_priority)
    return map_layout(fig, gdf, GAPS_MAP_HEIGHT, indicator_title(indicator, language))


def ranked_bar_figure(table: pd.DataFrame, level: str, sector: str = "ALL",
                      indicator: str = "associations_per_1000", highlight: str | None = None,
                      top: int | None = None, language: str = "fi") -> go.Figure:
    """Areas of ``level`` ranked by one indicator of one sector, the first on top.

    Areas without a value are left out; ``highlight`` (an area code) gets its own colour. A share
    (paid staff share, ...) is drawn in per cent with its 95 % interval as error bars, ranked by the
    interval's lower bound (100 % of 2 associations is not first), and every area's label carries its
    n. See :func:`.api.ranked_bar` for an example.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table (``area_name`` and, for a share, ``lower``, ``upper`` and ``n``).
    level : str
        The area level.
    sector : str, default "ALL"
        The sector code.
    indicator : str, default "associations_per_1000"
        The indicator id.
    highlight : str, optional
        The code of an area to colour apart.
    top : int, optional
        Only the first ``top`` areas.
    language : {"fi", "sv", "en"}, default "fi"

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar trace, the first area on top.

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": "seutukunta", "area_code": ["1", "2"], "area_name": ["A", "B"],
    ...                   "sector": "ALL", "indicator": "paid_staff_share", "value": [1.0, 0.9],
    ...                   "lower": [0.34, 0.85], "upper": [1.0, 0.94], "n": [2, 200], "unit": "share"})
    >>> fig = ranked_bar_figure(t, "seutukunta", indicator="paid_staff_share", language="en")
    >>> list(fig.data[0].y), list(fig.data[0].x), fig.layout.xaxis.ticksuffix
    (['B (n=200)', 'A (n=2)'], [90.0, 100.0], ' %')
    """
    import plotly.graph_objects as go

    from .figures import AREA_COLOR as BAR_COLOR
    from .figures import HIGHLIGHT_COLOR, with_title_room

    share = _is_share(indicator) and {"lower", "upper"} <= set(table.columns)
    r = ranking(table, level, sector, indicator, by="lower" if share else "value")
    r = r[r["value"].notna()]
    if top:
        r = r.head(top)
    colors = [HIGHLIGHT_COLOR if str(c) == str(highlight) else BAR_COLOR for c in r["area_code"]]
    n = r["n"] if "n" in r else pd.Series(float("nan"), index=r.index)
    nums = [format_indicator("associations", k, language) if k == k else "–" for k in n]
    if share:
        lo, hi = r["lower"].to_numpy(dtype=float) * 100, r["upper"].to_numpy(dtype=float) * 100
        x = r["value"].to_numpy(dtype=float) * 100
        shown = [format_indicator(indicator, v, language) for v in r["value"]]
        ivals = [f"{format_indicator(indicator, a, language)}–{format_indicator(indicator, b, language)}" for a, b in
                 zip(r["lower"], r["upper"], strict=True)]
        bar = go.Bar(y=[f"{nm} (n={k})" for nm, k in zip(r["area_name"], nums, strict=True)], x=x.tolist(),
                     orientation="h", marker_color=colors,
                     error_x=dict(type="data", symmetric=False, array=(hi - x).tolist(), arrayminus=(x - lo).tolist(),
                                  color="#444"),
                     customdata=list(zip(r["area_code"], nums, shown, ivals, strict=True)),
                     hovertemplate="%{y}: %{customdata[2]} (95 %: %{customdata[3]})<extra></extra>")
    else:
        shown = [format_indicator(indicator, v, language) for v in r["value"]]
        bar = go.Bar(y=r["area_name"].tolist(), x=r["value"].tolist(), orientation="h", marker_color=colors,
                     customdata=list(zip(r["area_code"], nums, shown, strict=True)),
                     hovertemplate="%{y}: %{customdata[2]} (n=%{customdata[1]})<extra></extra>")
    fig = go.Figure(bar)
    fig.update_layout(
        height=max(260, 60 + 18 * len(r)), margin=dict(l=10, r=10, t=30, b=40),
        xaxis_title=indicator_title(indicator, language), yaxis=dict(autorange="reversed", automargin=True),
        separators=", " if language != "en" else ".,", font=dict(size=12),
    )
    if share:
        fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    return with_title_room(fig, "plotly_white")


def area_table(table: pd.DataFrame, level: str, area: str, sector: str = "ALL",
               language: str = "fi") -> pd.DataFrame:
    """Every indicator of one area and sector, with its name in ``language``.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    level : str
        The area level.
    area : str
        The area code.
    sector : str, default "ALL"
        The sector code.
    language : {"fi", "sv", "en"}, default "fi"
        The language of the indicators' names.

    Returns
    -------
    DataFrame
        One row per indicator, with a ``name`` column and those of ``TABLE_COLUMNS`` the table has.

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": "kunta", "area_code": "179", "sector": "ALL",
    ...                   "indicator": ["associations", "associations_per_1000"], "value": [3.0, 0.02],
    ...                   "lower": float("nan"), "upper": float("nan"), "n": [3, 3], "unit": ["count", "per 1000"]})
    >>> area_table(t, "kunta", "179", language="en")[["name", "value"]].values.tolist()
    [['Associations', 3.0], ['Associations per 1,000 inhabitants', 0.02]]
    """
    sel = table[(table["area_level"] == level) & (table["area_code"] == str(area)) & (table["sector"] == sector)]
    out = sel.assign(name=[indicator_title(i, language) for i in sel["indicator"]])
    return out[[c for c in TABLE_COLUMNS if c in out]].reset_index(drop=True)


def translated_names(table: pd.DataFrame, ref: ReferenceData, language: str) -> pd.DataFrame:
    """The table with ``area_name`` in ``language`` (Swedish or English names of the reference, the
    Finnish name where it has none); the table itself for Finnish.

    Parameters
    ----------
    table : DataFrame
        A table with ``area_level``, ``area_code`` and ``area_name`` (the tidy indicator table or a
        selection of it).
    ref : ReferenceData
        The reference whose names are used (:func:`area_names`).
    language : {"fi", "sv", "en"}

    Returns
    -------
    DataFrame
        A copy with ``area_name`` translated; ``table`` itself for Finnish or without ``area_name``.

    Examples
    --------
    >>> t = sa.select(ind.table, level="maakunta", sector="ALL", indicator="associations")
    >>> translated_names(t, ref, "sv").query("area_code == '13'")["area_name"].tolist()
    ['Mellersta Finland']
    >>> translated_names(t, ref, "fi") is t
    True
    """
    if language == "fi" or "area_name" not in table:
        return table
    names = area_names(ref)
    col = f"name_{language}"
    if col not in names:
        return table
    by_key = names.set_index(["area_level", "area_code"])[col]
    keys = pd.MultiIndex.from_arrays([table["area_level"].astype(str), table["area_code"].astype(str)])
    translated = pd.Series(by_key.reindex(keys).to_numpy(), index=table.index)
    return table.assign(area_name=translated.where(translated.notna() & (translated != ""), table["area_name"]))


def checked_view(table: pd.DataFrame, ref: ReferenceData | None, level: str, sector: str, indicator: str,
                 language: str) -> tuple[ReferenceData, str, str, str, str]:
    """The reference and the checked level, sector, indicator and language of a view of ``table`` (an unknown
    id raises :class:`~.errors.UnknownValueError` naming the closest valid ones).

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    ref : ReferenceData or None
        Reference geography (default: the table's year's).
    level, sector, indicator, language : str
        What to show.

    Returns
    -------
    tuple
        ``(ref, level, sector, indicator, language)``.

    Examples
    --------
    >>> checked_view(ind.table, ref, "maakunta", "ALL", "associations", "sv")[1:]
    ('maakunta', 'ALL', 'associations', 'sv')
    """
    ref = _reference_for(table, ref)
    level, sector = _check_level(level), _check_sector(sector, table)
    indicator, language = _check_indicator(indicator, table), _check_language(language)
    return ref, level, sector, indicator, language
