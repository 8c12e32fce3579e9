"""What the report notebooks show: every piece returns escaped HTML.

The notebooks stay thin: they load a :class:`ReportContext` and display the
sections. Every value that came from data goes through :func:`html.escape`
(directly or via pandas' escaping ``to_html``); data embedded for scripts is
JSON with ``<``, ``>`` and ``&`` escaped, so a hostile association name shows as
text. The directory shows only name, municipality, sector and whether the
association produces services: never personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from .. import __version__
from ..i18n import LANGUAGES, fmt_date, fmt_number, fmt_percent, name_column, t
from ..indicators.definitions import definitions, format_value, indicator_label, listed
from ..indicators.engine import IndicatorSet, coverage_gaps
from ..indicators.lookup import area_rows, clear_lookups, level_rows, table_index, table_indicators
from ..reference import ReferenceData, get_level, load_reference
from ..store import Store
from ..taxonomy import ALL, UNCLASSIFIED, sector_label, sote_sectors
from ..taxonomy import sectors as sectors_table
from .fragments import banner as banner_html
from .fragments import h as _h
from .fragments import hint, json_for_script, section, show_figure, table

#: Ratios resting on fewer associations than this are marked for care.
SMALL_N = 5


@cache
def _sote() -> tuple[str, ...]:
    """:func:`.taxonomy.sote_sectors`, read once (the taxonomy ships with the package)."""
    return tuple(sote_sectors())


@cache
def _labels(lang: str) -> dict[str, str]:
    """Every sector's label in ``lang`` (:func:`.taxonomy.sector_label`, the taxonomy read once), ALL too."""
    return {code: sector_label(code, lang) for code in [*sectors_table().index, ALL]}


@dataclass
class BaseContext:
    """What every report needs: level, language, reference data, indicators and the processed folder."""

    level: str
    language: str
    ref: ReferenceData
    indicators: IndicatorSet
    store: Store

    @cached_property
    def meta(self) -> dict:
        return self.store.meta()

    @property
    def processed(self) -> Path:
        return self.store.path

    @property
    def table(self) -> pd.DataFrame:
        return self.indicators.table

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    def level_boundaries(self, level: str):
        """Simplified boundaries of a level: precomputed GeoParquet of the batch, else from the reference
        (read once per process and processed folder: :func:`cached_boundaries`)."""
        return cached_boundaries(self.store, self.ref, level)

    @cached_property
    def scope(self):
        """What the register covers (:class:`.scope.Scope`, from ``run.json``; the country without one)."""
        from ..indicators.scope import Scope

        return Scope.from_dict(self.meta.get("scope"), self.ref)

    @property
    def national(self) -> bool:
        """True when the register covers the whole country: only then are the file's national figures a
        comparison (a one-county file's "country" is the county itself)."""
        return bool(self.scope.national)

    def area_names(self, level: str | None = None) -> pd.Series:
        """Area code -> name in the report's language."""
        return self.ref.areas(level or self.level).set_index("code")[name_column(self.language, "name", LANGUAGES)]


@dataclass
class ReportContext(BaseContext):
    """Everything a report for one area needs, read from the processed folder."""

    area: str = ""

    @cached_property
    def area_name(self) -> str:
        return str(self.area_names().at[self.area])

    @cached_property
    def members(self) -> pd.DataFrame:
        return self.ref.members(self.level, self.area)

    @cached_property
    def municipality_names(self) -> pd.Series:
        """The area's municipality code -> name in the report's language (fi or sv)."""
        return self.members.set_index("kunta_code")[name_column(self.language, "kunta_name")]

    @property
    def _index(self) -> pd.Series:
        return table_index(self.table)

    @cached_property
    def _looked_up(self) -> dict:
        """This report's rows and areas already looked up (a section asks for the same figures again)."""
        return {}

    def value(self, indicator: str, sector: str = ALL, level: str | None = None,
              code: str | None = None) -> pd.Series:
        key = (level or self.level, code or self.area, indicator, sector)
        seen = self._looked_up
        if key not in seen:
            try:
                seen[key] = self.table.iloc[int(self._index[key])]
            except KeyError:
                raise KeyError(f"no {indicator} for {key}") from None
        return seen[key].copy()

    def rows(self, level: str | None = None, code: str | None = None) -> pd.DataFrame:
        """The indicator table's rows of one area (default: the report's), in the table's order."""
        key = ("rows", level or self.level, code or self.area)
        seen = self._looked_up
        if key not in seen:
            seen[key] = area_rows(self.table, key[1], key[2])
        return seen[key]

    @cached_property
    def no_local(self) -> bool:
        """True when the register has no local association in the area but organisations work there by
        their areas of operation (a directory of national and district organisations): the by-domicile
        charts would be empty, so the report leads with what it has."""
        own = self.value("associations")["value"]
        op = self.value("municipality_coverage_operating_area")["value"]
        return bool((pd.isna(own) or own == 0) and pd.notna(op) and op > 0)

    @cached_property
    def directory(self) -> pd.DataFrame:
        """The associations the report is about: those domiciled in the area in a sote sector (unclassified
        included), not every association of the register (a national register's other sectors)."""
        d = cached_directory(self.store)
        d = d[d["municipality_code"].isin(set(self.members["kunta_code"]))]
        return d[d["sector"].isin(_sote())] if "sector" in d else d

    @cached_property
    def survey(self) -> pd.DataFrame | None:
        return self.store.survey()

    @cached_property
    def area_boundaries(self):
        """The area's municipalities' boundaries (read once per report)."""
        codes = set(self.members["kunta_code"])
        b = self.level_boundaries("kunta")
        return b[b["code"].isin(codes)]


# ---------------------------------------------------------------------------- loaded once per process
# A warm kernel renders many reports: the reference and the indicator table are read once and kept here,
# each with the stamp of its files (for the processed folder also run.json's sha256 checksums), and read
# again when a stamp changes. Derived lookups (the (level, area, indicator, sector) index, the rows of
# each area) are kept per table object (by identity, dropped with the table).
_REFERENCES: dict[tuple, tuple[tuple, ReferenceData]] = {}
_INDICATORS: dict[str, tuple[tuple, IndicatorSet]] = {}
_BOUNDARIES: dict[tuple, tuple] = {}  # the boundaries of each level and the directory


#: How many processed folders (and reference folders) are kept at once: a batch renders from one, and a
#: process that goes through many (a test session) does not keep them all in memory.
KEEP_FOLDERS = 2


def _keep(cache: dict, key, value, per_folder: int = 1) -> None:
    """``cache[key] = value``, the oldest entries dropped beyond ``KEEP_FOLDERS * per_folder``."""
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > KEEP_FOLDERS * per_folder:
        cache.pop(next(iter(cache)))


def _stamp(paths) -> tuple:
    """(name, mtime, size) of each existing file of ``paths``."""
    out = []
    for p in paths:
        try:
            st = Path(p).stat()
        except OSError:
            continue
        out.append((str(p), st.st_mtime_ns, st.st_size))
    return tuple(sorted(out))


def _reference_stamp(ref: ReferenceData) -> tuple:
    folder = getattr(ref, "folder", None)
    if folder is None or not Path(folder).is_dir():
        return ()
    return _stamp(p for p in Path(folder).rglob("*") if p.is_file())


def cached_reference(year: int, reference_dir: str | Path | None = None) -> ReferenceData:
    """:func:`.reference.load_reference`, kept across reports until a file of the reference folder changes."""
    import os

    key = (int(year), str(reference_dir) if reference_dir else None, os.environ.get("SOTE_REFERENCE_DIR"))
    hit = _REFERENCES.get(key)
    if hit is not None and hit[0] == _reference_stamp(hit[1]):
        return hit[1]
    ref = load_reference(int(year), reference_dir)
    _keep(_REFERENCES, key, (_reference_stamp(ref), ref))
    return ref


def _processed_stamp(store: Store, meta: dict | None = None) -> tuple:
    """What identifies the processed folder's contents: run.json's checksums and every file's stamp."""
    import json

    meta = store.meta() if meta is None else meta
    return json.dumps(meta.get("files"), sort_keys=True, default=str), _stamp(store.files())


def cached_boundaries(store: Store, ref: ReferenceData, level: str):
    """:meth:`.store.Store.boundaries` of ``level``, kept across reports until the processed folder or the
    reference changes (callers filter it, never change it in place)."""
    stamp = (_processed_stamp(store), id(ref), _reference_stamp(ref))
    key = (str(Path(store.path).resolve()), level)
    hit = _BOUNDARIES.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    b = store.boundaries(ref, level)
    _keep(_BOUNDARIES, key, (stamp, b), per_folder=8)
    return b


def cached_directory(store: Store) -> pd.DataFrame:
    """:meth:`.store.Store.directory` of the whole register, read once per process and processed folder
    (a national register's directory is 100,000 rows: each report filters the kept one)."""
    stamp = _processed_stamp(store)
    key = (str(Path(store.path).resolve()), "directory")
    hit = _BOUNDARIES.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    d = store.directory()
    _keep(_BOUNDARIES, key, (stamp, d), per_folder=8)
    return d


def cached_indicators(store: Store, meta: dict | None = None) -> IndicatorSet:
    """:meth:`.store.Store.load_indicators`, kept across reports until the processed folder changes (any
    file's size or time, or a checksum in ``run.json``); read again, and so checked again, then."""
    stamp = _processed_stamp(store, meta)
    key = str(Path(store.path).resolve())
    hit = _INDICATORS.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    ind = store.load_indicators()
    _keep(_INDICATORS, key, (stamp, ind))
    return ind


def clear_cache() -> None:
    """Forget the loaded reference data, indicator tables and their lookups."""
    _REFERENCES.clear()
    _INDICATORS.clear()
    _BOUNDARIES.clear()
    clear_lookups()


def load_base(level: str, year: int, language: str, processed_dir: str | Path,
              reference_dir: str | Path | None = None) -> dict:
    """The parts every report context is made of (checks level and language); the reference and the
    indicators are read once per process and again when their files change (:func:`cached_indicators`)."""
    get_level(level)
    if language not in LANGUAGES:
        raise ValueError(f"language must be fi, sv or en, not {language!r}")
    store = Store(Path(processed_dir))
    meta = store.meta()
    ref = cached_reference(int(year), reference_dir or meta.get("reference_dir"))
    return {"level": level, "language": language, "ref": ref, "indicators": cached_indicators(store, meta),
            "store": store}


def load_context(level: str, area: str, year: int, language: str, processed_dir: str | Path,
                 reference_dir: str | Path | None = None) -> ReportContext:
    """Load the context of one report; fails with a clear message on a bad area."""
    ctx = ReportContext(**load_base(level, year, language, processed_dir, reference_dir), area=str(area))
    _ = ctx.members  # raises ValueError naming valid codes
    return ctx


# ---------------------------------------------------------------------------- sections
def navigation(ctx: ReportContext) -> str:
    """Links up (index, national overview) and across (Excel file, the report in the other languages)."""
    from ..filenames import EXCEL_DIR, NATIONAL, index_name, report_name, workbook_name

    lang = ctx.language
    links = [(index_name(lang), t("nav_index", lang)),
             (report_name(ctx.level, NATIONAL, lang), t("nav_national", lang)),
             (f"{EXCEL_DIR}/{workbook_name(ctx.level, ctx.area, lang)}", t("nav_excel", lang))]
    links += [(report_name(ctx.level, ctx.area, other), t(f"nav_lang_{other}", lang))
              for other in LANGUAGES if other != lang]
    # every link is written hidden, without a target; the folder index shows the ones whose file exists
    # once the run has written its files (:func:`.folder_index.refresh_navigation`): never a dead link
    items = "".join(f'<li data-sote-href="{_h(href)}" hidden><span>{_h(text)}</span></li>' for href, text in links)
    return f'<nav class="sote-nav" aria-label="{_h(t("nav_label", lang))}"><ul>{items}</ul></nav>'


def rank_sentence(ctx: ReportContext) -> str:
    """'Rank r of N areas of the level' by density, or '' when the level has one area, there is no rank,
    or the area has no associations of its own (it would share the last place with every other such area:
    a directory of organisations known only by their areas of operation put an empty region "2nd of 19")."""
    tb = level_rows(ctx.table, ctx.level)
    sel = tb[(tb["sector"] == ALL) & (tb["indicator"] == "associations_per_1000")]
    if not ctx.national:  # ranked only among the areas the register covers
        sel = sel[sel["area_code"].isin(set(ctx.scope.covered_areas(ctx.ref, ctx.level)))]
    sel = sel[sel["value"].notna()]
    mine = sel[sel["area_code"] == ctx.area]["value"]
    if len(sel) < 2 or mine.empty or not ctx.value("associations")["value"] > 0:
        return ""
    rank = int((sel["value"] > mine.iloc[0]).sum()) + 1
    label = get_level(ctx.level).label_plural[ctx.language]
    key = "rank_sentence" if ctx.national else "rank_sentence_scope"
    return t(key, ctx.language, rank=fmt_number(rank, 0, ctx.language),
             total=fmt_number(len(sel), 0, ctx.language), level=label)


def official_country(ctx: ReportContext, indicator: str) -> pd.Series:
    """The country's figure from official statistics, for a register that does not cover the country:
    SOSTE's national count of social and health associations (and it per 1,000 inhabitants); other
    indicators have none (missing)."""
    from ..sources.official_counts import official_counts

    out = pd.Series({"value": float("nan"), "lower": float("nan"), "upper": float("nan"), "n": float("nan")})
    c = official_counts("soste", "koko_maa", "sote")
    if c.empty or indicator not in ("associations", "associations_per_1000"):
        return out
    n = float(c["count"].iloc[0])
    out["value"] = n if indicator == "associations" else n / float(ctx.ref.population.sum()) * 1000
    return out


def scope_sentence(ctx: ReportContext) -> str:
    """What the register covers and what follows for the comparisons, in one sentence."""
    from ..sources.official_counts import official_counts

    c = official_counts("soste", "koko_maa", "sote")
    year = str(c["as_of"].iloc[0])[:4] if len(c) else "–"
    return t("scope_sentence", ctx.language, scope=ctx.scope.label(ctx.ref, ctx.language), year=year)


def banner(ctx: ReportContext) -> HTML:
    """The synthetic-data banner (empty for real data), the report title, links and the area's rank."""
    rank = rank_sentence(ctx)
    parts = [banner_html(ctx.synthetic, ctx.language),
             f"<h1>{_h(t('report_title', ctx.language, area=ctx.area_name))}</h1>", navigation(ctx),
             f"<p class='sote-rank'>{_h(rank)}</p>" if rank else ""]
    return HTML("\n".join(p for p in parts if p))


def _small(n) -> bool:
    return pd.notna(n) and 0 < n < SMALL_N


def _with_n(text: str, n, lang: str) -> str:
    """A ratio with its n, marked (*) when it rests on fewer than five associations."""
    return text + (" *" if _small(n) else "")


def paid_staff_text(row: pd.Series, lang: str) -> tuple[str, str]:
    """The paid-staff share said plainly: ('X % yhdistyksistä on palkattua henkilöstöä (k / n, n = …)',
    'Y % toimii ilman palkattua henkilöstöä'); ('', '') when no association's staff is known."""
    n = row["n"]
    if pd.isna(row["value"]) or pd.isna(n) or n == 0:
        return "", ""
    k = round(float(row["value"]) * float(n))
    return (t("paid_staff_sentence", lang, share=fmt_percent(row["value"], 0, lang), k=fmt_number(k, 0, lang),
              n=fmt_number(n, 0, lang)),
            t("no_paid_staff_headline", lang, share=fmt_percent(1 - row["value"], 0, lang)))


def key_figures(ctx: ReportContext) -> HTML:
    """Key figures of the area beside the whole country, the paid-staff headline and small-count marks."""
    lang = ctx.language
    rows = []
    small = False
    for ind in listed("key_figures"):
        def fmt(v, ind=ind):
            return format_value(ind, v, lang)

        a = ctx.value(ind)
        c = ctx.value(ind, level="koko_maa", code="SSS") if ctx.national else official_country(ctx, ind)
        interval = ""
        unit = definitions()[ind]["unit"]
        # a share on fewer than 30 associations says so beside it
        on_associations = unit == "share" and definitions()[ind].get("family") != "coverage"  # n of municipalities
        few = f"n = {fmt_number(a['n'], 0, lang)}" if on_associations and pd.notna(a["n"]) and 0 < a["n"] < 30 else ""
        if pd.notna(a["lower"]):
            interval = f" ({fmt_percent(a['lower'], 0, lang)}–{fmt_percent(a['upper'], 0, lang)}" \
                       + (f", {few})" if few else ")")
        elif few and pd.notna(a["value"]):
            interval = f" ({few})"
        label = t("paid_staff_plain", lang) if ind == "paid_staff_share" else indicator_label(ind, lang)
        value = fmt(a["value"]) + interval
        if unit != "count" and _small(a["n"]):
            value, small = value + " *", True
        rows.append((label, value, fmt(c["value"]), fmt_number(a["n"], 0, lang)))
    district = ctx.value("district_associations")
    if pd.notna(district["value"]) and district["value"] > 0:  # local + district = the area's own
        for ind in ("district_associations", "own_associations"):
            rows.append((indicator_label(ind, lang), format_value(ind, ctx.value(ind)["value"], lang), "–", ""))
    unclassified = ctx.value("associations", UNCLASSIFIED)
    if pd.notna(unclassified["value"]) and unclassified["value"] > 0:
        country_unc = ctx.value("associations", UNCLASSIFIED, level="koko_maa", code="SSS")["value"] \
            if ctx.national else float("nan")
        rows.append((t("unclassified_row", lang), format_value("associations", unclassified["value"], lang),
                     format_value("associations", country_unc, lang), ""))
    pop = ctx.ref.areas(ctx.level).set_index("code").loc[ctx.area]
    rows.append((t("population", lang), fmt_number(pop["population"], 0, lang),
                 fmt_number(ctx.ref.population.sum(), 0, lang), ""))
    rows.append((t("municipalities", lang), fmt_number(pop["n_municipalities"], 0, lang),
                 fmt_number(len(ctx.ref.key), 0, lang), ""))
    country_head = t("country", lang) if ctx.national else t("country_official", lang)
    df = pd.DataFrame(rows, columns=[t("indicator_col", lang), ctx.area_name, country_head, "n"])
    sentence, headline = paid_staff_text(ctx.value("paid_staff_share"), lang)
    out = section("sec_key_title", "sec_key_text", lang)
    if ctx.no_local:
        op = ctx.value("municipality_coverage_operating_area")
        out += "<p class='sote-headline'>" + _h(t("no_local_lead", lang, area=ctx.area_name,
                                                   cov=format_value("municipality_coverage_operating_area",
                                                                    op["value"], lang),
                                                   n=fmt_number(len(ctx.store.operating_in(ctx.members["kunta_code"])),
                                                                0, lang))) + "</p>"
    if not ctx.national:
        out += f"<p class='sote-note'>{_h(scope_sentence(ctx))}</p>"
    if headline:
        out += f"<p class='sote-headline'><strong>{_h(headline)}</strong>. {_h(sentence)}</p>"
    out += table(df, "sote-table key-figures", caption=t("key_figures", lang), row_headers=True)
    notes = [t("unknown_mark_note", lang)] + ([t("small_n_note", lang)] if small else [])
    return HTML(out + "".join(f"<p class='sote-note'>{_h(x)}</p>" for x in notes))


def _sector_rows(ctx: ReportContext) -> list[str]:
    return [s for s in _sote() if s != UNCLASSIFIED or ctx.value("associations", s)["value"] > 0]


def sectors(ctx: ReportContext) -> HTML:
    """Counts and per-1,000 by sector, beside the country: chart and table."""
    from .. import figures

    lang = ctx.language
    if ctx.no_local:
        return HTML(section("sec_sectors_title", None, lang) + f"<p>{_h(t('no_local_left_out', lang))}</p>")
    rows = []
    for s in [*_sector_rows(ctx), ALL]:
        row = [_labels(lang)[s], fmt_number(ctx.value("associations", s)["value"], 0, lang),
               fmt_number(ctx.value("associations_per_1000", s)["value"], 2, lang)]
        if ctx.national:
            row += [fmt_number(ctx.value("associations_per_1000", s, "koko_maa", "SSS")["value"], 2, lang),
                    _with_n(fmt_number(ctx.value("location_quotient", s)["value"], 2, lang),
                            ctx.value("associations", s)["value"], lang)]
        rows.append(tuple(row))
    cols = [t("sector", lang), t("associations", lang), t("per_1000", lang)]
    if ctx.national:
        cols += [f"{t('country', lang)} {t('per_1000', lang)}", indicator_label("location_quotient", lang)]
    # the rows of the area and of the country (what the chart reads), not the whole table
    own = ctx.rows()  # the country's report is its own comparison: its rows once
    bar_rows = own if (ctx.level, ctx.area) == ("koko_maa", "SSS") else pd.concat([own, ctx.rows("koko_maa", "SSS")])
    fig = figures.sector_bar(bar_rows, ctx.level, ctx.area, lang,
                             area_name=ctx.area_name)
    if not ctx.national:  # the file's "country" is what it covers: no country bars
        fig.data = fig.data[:1]
    per = {s: ctx.value("associations_per_1000", s)["value"] for s in _sector_rows(ctx) if s != UNCLASSIFIED}
    top = max(per, key=lambda k: -1 if pd.isna(per[k]) else per[k]) if per else ALL
    if ctx.national:
        alt = t("bar_alt", lang, area=ctx.area_name,
                v=fmt_number(ctx.value("associations_per_1000")["value"], 2, lang),
                c=fmt_number(ctx.value("associations_per_1000", ALL, "koko_maa", "SSS")["value"], 2, lang),
                top=_labels(lang)[top])
        note = f"{t('lq_explained', lang)} {t('small_n_note', lang)}"
    else:
        alt = t("bar_alt_scope", lang, area=ctx.area_name,
                v=fmt_number(ctx.value("associations_per_1000")["value"], 2, lang), top=_labels(lang)[top])
        note = scope_sentence(ctx)
    return HTML(section("sec_sectors_title", "sec_sectors_text" if ctx.national else "sec_sectors_text_scope", lang)
                + show_figure(fig, t("per_1000_axis", lang), lang=lang, description=alt)
                + table(pd.DataFrame(rows, columns=cols), caption=t("per_1000_axis", lang), row_headers=True)
                + f"<p class='sote-note'>{_h(note)}</p>"
                + municipality_sector_table(ctx)
                + need_supply(ctx))


def municipality_sector_frame(ctx: ReportContext) -> pd.DataFrame:
    """:func:`.indicators.municipality_sector_table` of the area with names and labels in the report's
    language (municipalities sorted by name, then the local total, the district organisations and the
    area's own total)."""
    from ..export import labelled_municipality_sectors
    from ..indicators.engine import municipality_sector_table as counts

    return labelled_municipality_sectors(counts(ctx.indicators, ctx.ref, ctx.level, ctx.area),
                                         ctx.municipality_names, ctx.language)


def municipality_sector_table(ctx: ReportContext) -> str:
    """:func:`municipality_sector_frame` as an accessible, printable table (areas of several municipalities)."""
    if len(ctx.members) < 2:
        return ""
    lang = ctx.language
    df = municipality_sector_frame(ctx)
    shown = df.map(lambda v: fmt_number(v, 0, lang)).reset_index()
    return (f"<h3>{_h(t('mxs_title', lang))}</h3><p>{_h(t('mxs_text', lang))}</p>"
            + table(shown, "sote-table sote-wide", caption=t("mxs_title", lang), row_headers=True))


TARGET_INDICATOR = "associations_per_1000_target_group"


def need_supply(ctx: ReportContext) -> str:
    """Associations per 1,000 of each sector's target age group, beside the country; one sentence when absent.

    The figures need population by age in the reference data (``population_by_age_<year>.csv``);
    without it, or with an indicator table written before the indicator existed, the
    section says so instead of showing empty cells.
    """
    from ..indicators.definitions import target_groups

    lang = ctx.language
    head = f"<h3>{_h(t('need_supply_title', lang))}</h3>"
    groups = target_groups()
    tb = ctx.rows()
    have = tb[tb["indicator"] == TARGET_INDICATOR]
    if have["value"].notna().sum() == 0:
        return head + f"<p class='sote-note'>{_h(t('need_supply_absent', lang))}</p>"
    rows = []
    for sector, group in zip(groups["sector"], groups["age_group"], strict=True):
        here = ctx.value(TARGET_INDICATOR, sector)
        row = [_labels(lang)[sector], t(f"age_group_{group}", lang),
               _with_n(format_value(TARGET_INDICATOR, here["value"], lang), here["n"], lang)]
        if ctx.national:
            row.append(format_value(TARGET_INDICATOR, ctx.value(TARGET_INDICATOR, sector, "koko_maa", "SSS")["value"],
                                    lang))
        rows.append(tuple(row))
    cols = [t("sector", lang), t("target_group", lang), indicator_label(TARGET_INDICATOR, lang)]
    cols += [t("country", lang)] if ctx.national else []
    return (head + table(pd.DataFrame(rows, columns=cols), caption=t("need_supply_title", lang), row_headers=True)
            + f"<p class='sote-note'>{_h(t('need_supply_note', lang))}</p>")


def peers(ctx: ReportContext, band: float = 0.5, limit: int = 12) -> pd.DataFrame:
    """Municipalities similar to a municipality: the same municipality group (urban, semi-urban,
    rural; Statistics Finland's ``kuntaryhmitys`` in the key) and a population within ``band``
    (±50 %) of its own, nearest in population first; the municipality itself included."""
    key = ctx.ref.key.join(ctx.ref.population.rename("population"), on="kunta_code")
    me = key.set_index("kunta_code").loc[ctx.area]
    same = key["kuntaryhmitys_code"].astype(str) == str(me["kuntaryhmitys_code"]) \
        if "kuntaryhmitys_code" in key else pd.Series(True, index=key.index)
    near = key["population"].between(me["population"] * (1 - band), me["population"] * (1 + band))
    covered = key["kunta_code"].astype(str).isin(ctx.scope.municipalities) | (key["kunta_code"] == ctx.area)
    # peers only where the register has data: a one-county file's other municipalities are not zeros
    out = key[same & near & covered].assign(distance=lambda d: (d["population"] - me["population"]).abs())
    return out.sort_values("distance").head(limit)


def municipality_comparison(ctx: ReportContext) -> str:
    """For one municipality, instead of a map of its sub-areas: its figures beside similar municipalities."""
    lang = ctx.language
    p = peers(ctx)
    kunta = level_rows(ctx.table, "kunta")
    tb = kunta[(kunta["sector"] == ALL) & kunta["area_code"].isin(set(p["kunta_code"]))]
    wide = tb.pivot_table(index="area_code", columns="indicator", values="value", aggfunc="first")
    name_col = name_column(lang, "kunta_name")
    rows = []
    for r in p.itertuples():
        v = wide.loc[r.kunta_code] if r.kunta_code in wide.index else pd.Series(dtype=float)
        name = getattr(r, name_col)
        rows.append((f"{name} *" if r.kunta_code == ctx.area else name, fmt_number(r.population, 0, lang),
                     fmt_number(v.get("associations"), 0, lang),
                     format_value("associations_per_1000", v.get("associations_per_1000"), lang),
                     format_value("population_coverage_operating_area",
                                  v.get("population_coverage_operating_area"), lang)))
    cols = [t("municipality", lang), t("population", lang), t("associations", lang), t("per_1000", lang),
            indicator_label("population_coverage_operating_area", lang)]
    out = section("sec_peers_title", "sec_peers_text", lang, n=len(p) - 1)
    return out + table(pd.DataFrame(rows, columns=cols), caption=t("sec_peers_title", lang), row_headers=True)


def maps(ctx: ReportContext) -> HTML:
    """Municipality map with a sector menu, and the area in its national context; for a single
    municipality, a comparison with similar municipalities instead (a map of one polygon says nothing)."""
    from .. import figures

    lang = ctx.language
    if ctx.level == "kunta":
        return HTML(municipality_comparison(ctx))
    if ctx.no_local:
        return HTML(section("sec_map_title", None, lang) + f"<p>{_h(t('no_local_left_out', lang))}</p>")
    secs = [ALL, *_sector_rows(ctx)]
    kunta = level_rows(ctx.table, "kunta")
    kunta = kunta[kunta["area_code"].isin(set(ctx.members["kunta_code"]))]  # the area's municipalities' rows
    fig = figures.sector_map(ctx.area_boundaries, kunta, secs, lang, label_priority=ctx.ref.population)
    mun = kunta[kunta["sector"] == ALL]
    wide = mun.pivot_table(index="area_code", columns="indicator", values="value", aggfunc="first")
    names = ctx.municipality_names
    data = pd.DataFrame({t("municipality", lang): names.reindex(wide.index).to_numpy(),
                         t("associations", lang): [fmt_number(x, 0, lang) for x in wide["associations"]],
                         t("per_1000", lang): [fmt_number(x, 2, lang) for x in wide["associations_per_1000"]]})
    out = section("sec_map_title", "sec_map_text", lang)
    menu = figures.sector_menu_html(fig, t("map_sector_choice", lang))
    if menu:
        out += hint(t("map_hint", lang))
    out += show_figure(fig, t("per_1000_axis", lang) + " – " + ctx.area_name, data, lang=lang, controls=menu)
    if ctx.level not in ("kunta", "koko_maa") and ctx.national:  # a one-county file has no national context
        level_b = ctx.level_boundaries(ctx.level)
        lv = level_rows(ctx.table, ctx.level)
        per = lv[(lv["sector"] == ALL) & (lv["indicator"] == "associations_per_1000")].set_index("area_code")["value"]
        out += f"<p>{_h(t('sec_context_text', lang))}</p>"
        out += show_figure(context_figure(level_b, per, ctx.area, lang), t("per_1000_axis", lang) + " – "
                           + t("country", lang), lang=lang)
    return HTML(out)


#: The national context map of the last levels drawn, without an outlined area: (boundaries, values, language)
#: -> the map's :func:`.fragments.figure_dict` and the position of each area's polygon trace.
_CONTEXT_MAPS: dict = {}


def context_figure(level_b, per: pd.Series, area: str, language: str) -> dict:
    """:func:`.figures.context_map` of ``area`` as :func:`.fragments.figure_dict` gives it, for
    :func:`.fragments.show_figure`.

    Every report of a level draws the same map of the level's areas and values with another area outlined:
    the map is built and validated once per boundaries (the kept frame, by identity), values (by their
    bytes) and language, and each report changes only its area's outline, in a copy (a county report's map
    cost 0.13 s of its compute on the 2-core machine). The result is the figure's dict byte for byte (tested).
    """
    from .. import figures
    from .fragments import figure_dict

    values = (tuple(per.index.astype(str)), per.to_numpy(dtype=float).tobytes())
    key = (id(level_b), language)
    hit = _CONTEXT_MAPS.get(key)
    if hit is None or hit[0] is not level_b or hit[1] != values:
        base = figure_dict(figures.context_map(level_b, per, "", language))
        codes = level_b["code"].astype(str).tolist()  # the polygon traces come first, one per row
        hit = (level_b, values, base, {c: i for i, c in enumerate(codes)})
        if len(_CONTEXT_MAPS) >= 8:
            _CONTEXT_MAPS.clear()
        _CONTEXT_MAPS[key] = hit
    base, at = hit[2], hit[3]
    i = at.get(str(area))
    if i is None:
        return base
    data = list(base["data"])
    data[i] = {**data[i], "line": {**data[i]["line"], "color": figures.HIGHLIGHT_COLOR, "width": 3}}
    return {**base, "data": data}


def gaps(ctx: ReportContext) -> HTML:
    """Per sector, the municipalities of the area with no association: table and map."""
    from .. import figures

    lang = ctx.language
    g = coverage_gaps(ctx.indicators.municipality_counts, ctx.ref, ctx.level, ctx.area)
    g = g[(g["sector"] != ALL) & (g["sector"] != UNCLASSIFIED)]
    g_op = coverage_gaps(ctx.indicators.municipality_counts, ctx.ref, ctx.level, ctx.area, by="operating_area")
    n_mun = len(ctx.members)
    name_col = name_column(lang, "kunta_name")
    if ctx.level == "kunta":  # one municipality: which sectors have an association here at all
        yes, no = t("answer_yes", lang), t("answer_no", lang)
        rows = [(_labels(lang)[s], no if (g["sector"] == s).any() else yes,
                 no if (g_op["sector"] == s).any() else yes) for s in _sote() if s != UNCLASSIFIED]
        cols = [t("sector", lang), t("has_local_association", lang), t("has_operating_association", lang)]
        out = section("sec_gaps_title", None, lang) + f"<p>{_h(t('sec_gaps_operating_text', lang))}</p>"
        return HTML(out + table(pd.DataFrame(rows, columns=cols), "sote-table gaps", row_headers=True))
    rows = []
    missing_in = g.groupby("sector", sort=False)[name_col].agg(list).to_dict()  # each sector's, in g's order
    n_missing_op = g_op["sector"].value_counts().to_dict()
    for s in _sote():
        if s == UNCLASSIFIED:
            continue
        names = missing_in.get(s, [])
        rows.append((_labels(lang)[s], f"{n_mun - len(names)} / {n_mun}", f"{n_mun - n_missing_op.get(s, 0)} / {n_mun}",
                     ", ".join(names) if names else t("none", lang)))
    cols = [t("sector", lang), indicator_label("municipality_coverage", lang),
            indicator_label("municipality_coverage_operating_area", lang), t("municipalities_without", lang)]
    df = pd.DataFrame(rows, columns=cols)
    out = section("sec_gaps_title", "sec_gaps_text", lang)
    out += f"<p>{_h(t('sec_gaps_operating_text', lang))}</p>"
    if ctx.no_local:  # by domicile everything is a gap: only the coverage by area of operation says something
        out += f"<p>{_h(t('no_local_left_out', lang))}</p>"
        df = df[[cols[0], cols[2]]]
    out += table(df, "sote-table gaps")
    if n_mun > 1 and not ctx.no_local:
        missing = g.groupby("kunta_code").size()
        gfig = figures.gaps_map(ctx.area_boundaries, missing, lang, ctx.ref.population)
        out += show_figure(gfig, t("sectors_missing", lang), lang=lang)
    return HTML(out)


def _at_least(row: pd.Series, decimals: int, lang: str) -> str:
    """A sum of known values: '–' when nothing is known (never 0), 'at least x' when some values are unknown."""
    v, n = row["value"], row["n"]
    if pd.isna(v) or (pd.notna(n) and n == 0):
        return "–"
    text = fmt_number(v, decimals, lang)
    return t("at_least", lang, v=text) if pd.notna(row["unknown"]) and row["unknown"] > 0 else text


def resources(ctx: ReportContext) -> HTML:
    """Paid staff, members, volunteers and service producers by sector."""
    from .. import figures

    lang = ctx.language
    rows = []
    for s in [*_sector_rows(ctx), ALL]:
        st = ctx.value("paid_staff_share", s)
        interval = (f" ({fmt_percent(st['lower'], 0, lang)}–{fmt_percent(st['upper'], 0, lang)})"
                    if pd.notna(st["lower"]) else "")
        known = st["n"] if pd.notna(st["n"]) else 0
        share = "–" if not known else (fmt_percent(st["value"], 0, lang) + interval
                                       + f" ({fmt_number(round(st['value'] * known), 0, lang)} / "
                                       f"{fmt_number(known, 0, lang)})")
        rows.append((
            _labels(lang)[s], fmt_number(ctx.value("associations", s)["value"], 0, lang),
            _with_n(share, known, lang),
            fmt_number(st["unknown"], 0, lang),
            _at_least(ctx.value("paid_staff_per_1000", s), 2, lang),
            fmt_number(ctx.value("service_producers", s)["value"], 0, lang),
            _at_least(ctx.value("members_total", s), 0, lang),
            _at_least(ctx.value("volunteers_total", s), 0, lang),
        ))
    cols = [t("sector", lang), t("associations", lang), t("paid_staff_plain", lang),
            t("unknown", lang), indicator_label("paid_staff_per_1000", lang),
            indicator_label("service_producers", lang), indicator_label("members_total", lang),
            indicator_label("volunteers_total", lang)]
    fig = figures.share_bar(ctx.rows(), ctx.level, ctx.area, "paid_staff_share", lang)
    out = section("sec_resources_title", "sec_resources_text", lang)
    sentence, headline = paid_staff_text(ctx.value("paid_staff_share"), lang)
    unknown = ctx.value("paid_staff_share")["unknown"]
    if sentence:
        out += f"<p>{_h(sentence)} {_h(headline)}.</p>"
    if pd.notna(unknown) and unknown > 0:
        out += f"<p>{_h(t('paid_staff_unknown_sentence', lang, u=fmt_number(unknown, 0, lang)))}</p>"
    out += show_figure(fig, t("paid_staff_caption", lang), lang=lang, description=sentence or None)
    out += table(pd.DataFrame(rows, columns=cols), caption=t("sec_resources_title", lang), row_headers=True)
    out += (f"<p class='sote-note'>{_h(t('at_least_note', lang))} {_h(t('unknown_mark_note', lang))} "
            f"{_h(t('small_n_note', lang))}</p>")
    out += impact(ctx)
    out += open_resources(ctx)
    return HTML(out)


def impact(ctx: ReportContext) -> str:
    """Impact in figures: activity totals and medians with n and coverage, by sector, volunteering as
    full-time equivalents and euros (labelled estimates on a stated basis), a trend when the activity file
    has several years, and the survey's numeric answers on the same measures; "" without any."""
    from ..indicators.definitions import activity_measures
    from ..indicators.impact import basis, survey_impact

    lang = ctx.language
    mine = ctx.rows()
    measures = [m for m in activity_measures() if f"{m}_total" in set(mine["indicator"])]
    out = ""
    if measures:
        n_all = ctx.value("associations")["value"]
        rows = []
        for m in measures:
            tot, med = ctx.value(f"{m}_total"), ctx.value(f"{m}_median")
            rows.append((_measure_label(m, lang),
                         _at_least(tot, 0, lang), fmt_number(med["value"], 0, lang),
                         t("impact_coverage", lang, n=fmt_number(tot["n"], 0, lang), of=fmt_number(n_all, 0, lang)),
                         format_value(f"{m}_per_1000", ctx.value(f"{m}_per_1000")["value"], lang)))
        cols = [t("impact_measure", lang), t("impact_total", lang), t("impact_median", lang),
                t("impact_reported", lang), t("per_1000", lang)]
        out += (f"<h3>{_h(t('impact_title', lang))}</h3><p>{_h(t('impact_text', lang))}</p>"
                + table(pd.DataFrame(rows, columns=cols), caption=t("impact_title", lang), row_headers=True))
        secs = [s for s in _sector_rows(ctx) if s != UNCLASSIFIED]
        by = [(_labels(lang)[s], *[fmt_number(ctx.value(f"{m}_total", s)["value"], 0, lang)
                                        + f" (n = {fmt_number(ctx.value(f'{m}_total', s)['n'], 0, lang)})"
                                        for m in measures]) for s in secs
              if any(pd.notna(ctx.value(f"{m}_total", s)["value"]) for m in measures)]
        if by:
            out += table(pd.DataFrame(by, columns=[t("sector", lang), *[_measure_label(m, lang) for m in measures]]),
                         caption=t("impact_by_sector", lang), row_headers=True)
        if ctx.level not in ("kunta", "seutukunta"):  # and by sub-region of the area
            subs = sorted(set(ctx.members["seutukunta_code"].astype(str)))
            if len(subs) > 1:
                names = ctx.area_names("seutukunta")
                sub_rows = []
                for code in subs:
                    vals = [ctx.value(f"{m}_total", ALL, "seutukunta", code) for m in measures]
                    if any(pd.notna(v["value"]) for v in vals):
                        sub_rows.append((str(names.get(code, code)), *[
                            fmt_number(v["value"], 0, lang) + f" (n = {fmt_number(v['n'], 0, lang)})" for v in vals]))
                if sub_rows:
                    out += table(pd.DataFrame(sub_rows, columns=[t("impact_subregion", lang),
                                                                 *[_measure_label(m, lang) for m in measures]]),
                                 caption=t("impact_by_subregion", lang), row_headers=True)
        if "volunteer_hours" in measures and pd.notna(ctx.value("volunteer_hours_total")["value"]):
            b = basis()
            fte = ctx.value("volunteer_hours_fte")["value"]
            eur = ctx.value("volunteer_hours_value")["value"]
            out += "<p>" + _h(t("impact_volunteering", lang,
                                 fte=format_value("volunteer_hours_fte", fte, lang),
                                 eur=format_value("volunteer_hours_value", eur, lang),
                                 hours=fmt_number(b["fte_hours"]["value"], 0, lang),
                                 wage=fmt_number(b["hourly_value"]["value"], 2, lang),
                                 year=b["hourly_value"]["year"])) + "</p>"
        trend = ctx.indicators.activity_trend
        if trend is not None and len(trend):
            tr = trend[(trend["area_level"] == ctx.level) & (trend["area_code"].astype(str) == ctx.area)]
            if tr["year"].nunique() > 1:
                wide = tr.pivot_table(index="year", columns="measure", values="total", aggfunc="sum")
                shown = wide.map(lambda v: fmt_number(v, 0, lang))
                shown.columns = [_measure_label(m, lang) for m in shown.columns]
                out += table(shown.rename_axis(t("impact_year", lang)).reset_index().astype(str),
                             caption=t("impact_trend", lang), row_headers=True)
    report = ctx.store.survey_report() if hasattr(ctx.store, "survey_report") else {}
    s = ctx.survey
    if s is not None and report.get("kinds"):
        s = _survey_of_area(ctx, s)
        si = survey_impact(s, report.get("kinds", {}), report.get("questions", {}))
        si = si[si["n"] > 0]
        if len(si):
            n_reg = ctx.value("associations")["value"]
            rows = [(_measure_label(r.measure, lang), fmt_number(r.total, 0, lang), fmt_number(r.median, 0, lang),
                     t("impact_coverage", lang, n=fmt_number(r.n, 0, lang), of=fmt_number(n_reg, 0, lang)))
                    for r in si.itertuples()]
            out += (f"<h3>{_h(t('impact_survey_title', lang))}</h3>"
                    + table(pd.DataFrame(rows, columns=[t("impact_measure", lang), t("impact_total", lang),
                                                        t("impact_median", lang), t("impact_reported", lang)]),
                            caption=t("impact_survey_title", lang), row_headers=True)
                    + f"<p class='sote-note'>{_h(t('impact_survey_note', lang))}</p>")
    return out


def _measure_label(measure: str, lang: str) -> str:
    from ..indicators.definitions import activity_measure_label

    return activity_measure_label(measure, lang) if measure != "volunteers" else t("impact_volunteers", lang)


def trends(ctx: ReportContext) -> HTML:
    """Registrations by decade, if the register has registration dates."""
    from .. import figures

    lang = ctx.language
    regs = ctx.indicators.registrations
    out = section("sec_trends_title", "sec_trends_text", lang)
    mine = ctx.rows()
    change = mine[mine["indicator"].isin(["new_associations", "ceased_associations", "moved_in", "moved_out",
                                          "net_change"])]
    if len(change):  # two register snapshots were given
        rows = [(indicator_label(r.indicator, lang), fmt_number(r.value, 0, lang)) for r in change.itertuples()]
        out += table(pd.DataFrame(rows, columns=[t("indicator_col", lang), t("value", lang)]))
    founded = ctx.store.trends(ctx.level, ctx.area)
    if founded is not None and len(founded):  # a dated register (YTJ): founded and ended per year
        recent = founded[founded["year"] >= founded["year"].max() - 9]
        rows = [(str(int(r.year)), fmt_number(r.founded, 0, lang), fmt_number(r.ended, 0, lang),
                 fmt_number(r.net, 0, lang)) for r in recent.itertuples()]
        out += f"<p>{_h(t('trend_founded_text', lang))}</p>"
        out += table(pd.DataFrame(rows, columns=[t("year", lang), t("founded", lang), t("ended", lang),
                                                 t("net_change_label", lang)]),
                     caption=t("trend_founded_caption", lang))
    if regs is None or regs.empty:
        return HTML(out + f"<p>{_h(t('sec_trends_none', lang))}</p>")
    r = regs[(regs["area_level"] == ctx.level) & (regs["area_code"] == ctx.area) & (regs["sector"] == ALL)]
    if r.empty:
        return HTML(out + f"<p>{_h(t('sec_trends_none', lang))}</p>")
    fig = figures.registrations_bar(r, lang)
    dec = r.groupby(r["year"] // 10 * 10)["registrations"].sum()
    data = pd.DataFrame({t("decade", lang): [f"{d}–" for d in dec.index], t("registrations", lang): dec.to_numpy()})
    return HTML(out + show_figure(fig, t("registrations", lang), data, lang=lang))


#: Survey columns that describe the respondent, not an answer.
SURVEY_ID_COLUMNS = ("seutukunta", "sector", "response_id", "association_id", "seutukunta_code", "synthetic",
                     "area_level", "area_code")


def question_label(column: str, lang: str) -> str:
    """A survey question's readable label from the text catalogue (``sq_<column>``), else the column
    name made readable (underscores to spaces, first letter capitalised)."""
    try:
        return t(f"sq_{column}", lang)
    except KeyError:
        text = column.replace("_", " ").strip()
        return text[:1].upper() + text[1:]


def _survey_kind(col: pd.Series, known: str | None = None) -> str:
    """'likert' (integers 1-5), 'numeric', 'multi' (';'-separated text), 'free' (mostly distinct long
    texts, never shown verbatim), 'single' (text) or 'skip'; ``known`` is the kind the reader found."""
    from ..read.survey_read import looks_free_text

    if known in ("likert", "numeric", "multi", "single", "free"):
        return known
    if pd.api.types.is_bool_dtype(col):
        return "skip"
    if pd.api.types.is_numeric_dtype(col):
        v = col.dropna()
        return "likert" if len(v) and v.isin([1, 2, 3, 4, 5]).all() else "numeric"
    if pd.api.types.is_string_dtype(col) or col.dtype == object:
        if col.dropna().astype(str).str.contains(";").any():
            return "multi"
        return "free" if looks_free_text(col) else "single"
    return "skip"


def _pct_interval(lo, hi, lang: str) -> str:
    return "–" if pd.isna(lo) else f"{fmt_percent(lo, 0, lang)}–{fmt_percent(hi, 0, lang)}"


def _survey_of_area(ctx: ReportContext, s: pd.DataFrame) -> pd.DataFrame:
    """The respondents of the report's area: by sub-region, or known only at a level whose area lies
    within the report's area (a county answer counts in the county's report, not in a sub-region's)."""
    subs = set(ctx.members["seutukunta_code"].astype(str))
    sub = s["seutukunta_code"].astype("string") if "seutukunta_code" in s else pd.Series(pd.NA, index=s.index)
    keep = sub.isin(subs).fillna(False).astype(bool)
    if "area_level" in s and "area_code" in s:
        own = set(ctx.members["kunta_code"].astype(str))
        rest = s[sub.isna() & s["area_level"].notna() & s["area_code"].notna()]
        for (lvl, code), idx in rest.groupby(["area_level", "area_code"]).groups.items():
            try:
                members = set(ctx.ref.members(str(lvl), str(code))["kunta_code"].astype(str))
            except (ValueError, KeyError):
                continue
            if members and members <= own:
                keep[idx] = True
    return s[keep]


def _survey_area_labels(ctx: ReportContext, s: pd.DataFrame) -> list[str]:
    """Column labels of the area cross-table: the sub-region's (Finnish) name, as the sub-regions are
    named in the survey exports, else the name of the larger area the answer gives."""
    names: dict[str, dict[str, str]] = {}

    def name(level: str, code: str) -> str:
        if level not in names:
            a = ctx.ref.areas(level)
            names[level] = dict(zip(a["code"].astype(str), a["name_fi"].astype(str), strict=True))
        return names[level].get(code, code)

    levels = s["area_level"] if "area_level" in s else pd.Series(pd.NA, index=s.index)
    codes = s["area_code"] if "area_code" in s else pd.Series(pd.NA, index=s.index)
    out = []
    for sub, lvl, code in zip(s["seutukunta_code"], levels, codes, strict=True):
        if not pd.isna(sub):
            out.append(name("seutukunta", str(sub)))
        else:
            out.append(t("survey_area_only", ctx.language, area=name(str(lvl), str(code))))
    return out


def survey(ctx: ReportContext, k: int | None = None) -> HTML:
    """Survey summary for the area: response rate, respondents by sector and sub-region, every question
    (labels from the catalogue); if a survey was given.

    A survey of organisations shows its counts as they are (counts of associations are not personal
    data); a survey of persons hides cells below ``k`` (default: the ``--survey-min-cell`` of the run,
    else 5). Free-text answers are never shown, only how many answered (hidden below ``k``)."""
    from ..indicators.survey import crosstab, likert, multiple_choice, single_choice

    lang = ctx.language
    s = ctx.survey
    if s is None:
        return HTML("")
    info = ctx.store.survey_report()
    kind = info.get("kind", "organisations")
    k = int(k if k is not None else info.get("k", 5))
    kinds = info.get("kinds", {})
    persons = kind == "persons"
    k_counts = k if persons else 1  # the smallest count shown of closed questions and the cross-table
    out = section("sec_survey_title", "sec_survey_text_persons" if persons else "sec_survey_text_org", lang, k=k)
    if info.get("rows_read") is not None:
        out += "<p class='sote-note'>" + _h(t("survey_read_note", lang, n=fmt_number(info["rows_read"], 0, lang),
                                              p=fmt_number(len(info.get("personal_columns", [])), 0, lang)))
        unmatched = sum(info.get("unmatched_areas", {}).values()) + int(info.get("missing_area", 0))
        if unmatched:
            out += " " + _h(t("survey_unmatched_note", lang, n=fmt_number(unmatched, 0, lang)))
        out += "</p>"
    s = _survey_of_area(ctx, s) if "seutukunta_code" in s else s.iloc[0:0]
    if s.empty:
        return HTML(out + f"<p>{_h(t('sec_survey_none', lang))}</p>")
    n_reg = ctx.value("associations")["value"]
    if not persons and pd.notna(n_reg) and n_reg > 0:
        rate = t("survey_response_rate", lang, r=fmt_number(len(s), 0, lang), n=fmt_number(n_reg, 0, lang),
                 share=fmt_percent(len(s) / n_reg, 0, lang))
        out += f"<p class='sote-headline'>{_h(rate)}</p>"
    labels = _labels(lang)
    known = set(labels) - {ALL}
    s = s.assign(sector=s["sector"].map(lambda x: labels[x] if x in known else x),
                 _area=_survey_area_labels(ctx, s))
    ct = crosstab(s, "sector", "_area", k_counts)
    ct = ct.map(lambda v: "–" if pd.isna(v) else fmt_number(v, 0, lang))
    ct.columns = [t("survey_total", lang) if c == "Yhteensä" else c for c in ct.columns]
    ct.index = [t("survey_total", lang) if i == "Yhteensä" else i for i in ct.index]
    ct = ct.rename_axis(t("sector", lang)).reset_index()
    ct.columns.name = None
    out += f"<h3>{_h(t('sector', lang))} × {_h(t('area', lang))}</h3>" + table(ct, row_headers=True)
    cols = [t("survey_option", lang), "n", t("survey_share", lang), t("survey_interval", lang)]
    for col in [c for c in s.columns if c not in SURVEY_ID_COLUMNS and c != "_area"]:
        qkind = _survey_kind(s[col], kinds.get(col))
        if qkind == "skip":
            continue
        out += f"<h3>{_h(question_label(col, lang))}</h3>"
        if qkind == "free":  # never verbatim: how many answered, hidden below k
            n = int(s[col].notna().sum())
            out += "<p>–</p>" if 0 < n < k else "<p>" + _h(t("survey_free_text_count", lang,
                                                                n=fmt_number(n, 0, lang))) + "</p>"
        elif qkind in ("single", "multi"):
            answers = s[col].astype("object").where(s[col].notna(), None).dropna().astype(str)
            frame = pd.DataFrame({col: answers})
            res = (multiple_choice(frame, col, k=k_counts) if qkind == "multi"
                   else single_choice(frame, col, k=k_counts))
            answer_keys = {"kyllä": "answer_yes", "ei": "answer_no", "ehkä": "answer_maybe", "muu": "answer_other"}
            opt = [t(answer_keys[o], lang) if o in answer_keys else str(o) for o in res["option"]]
            df = pd.DataFrame({cols[0]: opt, cols[1]: [fmt_number(x, 0, lang) for x in res["n"]],
                               cols[2]: [fmt_percent(x, 0, lang) for x in res["share"]],
                               cols[3]: [_pct_interval(a, b, lang) for a, b in zip(res["lower"], res["upper"],
                                                                                 strict=True)]})
            out += table(df, caption=question_label(col, lang), row_headers=True)
            if qkind == "multi":
                out += f"<p class='sote-note'>{_h(t('survey_multi_note', lang))}</p>"
        elif qkind == "likert":
            lk = likert(s, col, k=k_counts)
            if lk["suppressed"]:
                out += "<p>–</p>"
            else:
                out += "<p>" + _h(t("survey_likert_text", lang, n=fmt_number(lk["n"], 0, lang),
                                    mean=fmt_number(lk["mean"], 2, lang), lo=fmt_number(lk["mean_lower"], 2, lang),
                                    hi=fmt_number(lk["mean_upper"], 2, lang),
                                    agree=fmt_percent(lk["agree_share"], 0, lang),
                                    alo=fmt_percent(lk["agree_lower"], 0, lang),
                                    ahi=fmt_percent(lk["agree_upper"], 0, lang))) + "</p>"
        else:
            v = pd.to_numeric(s[col], errors="coerce").dropna()
            out += ("<p>–</p>" if v.empty or len(v) < k_counts else "<p>" + _h(t(
                "survey_numeric_text", lang, n=fmt_number(len(v), 0, lang), median=fmt_number(v.median(), 0, lang),
                total=fmt_number(v.sum(), 0, lang))) + "</p>")
    return HTML(out)


def _directory_js() -> str:
    from importlib import resources

    code = resources.files("sote_analytics").joinpath("templates/sote/directory.js").read_text("utf-8")
    return f"<script>\n{code}</script>"


def directory(ctx: ReportContext) -> HTML:
    """Searchable, sortable, keyboard-usable directory of the area's associations with CSV download: the
    associations the report is about (:attr:`ReportContext.directory`, the sote sectors), so that a national
    register's other associations never push an area's list over ``DIRECTORY_MAX_ROWS``."""
    from ..config import DIRECTORY_MAX_ROWS

    lang = ctx.language
    d = ctx.directory
    if len(d) > DIRECTORY_MAX_ROWS:
        return HTML(section("sec_directory_title", None, lang) + "<p>" + _h(t(
            "directory_too_long", lang, n=fmt_number(len(d), 0, lang), max=fmt_number(DIRECTORY_MAX_ROWS, 0, lang)))
            + "</p>")
    labels = _labels(lang)
    known = set(labels) - {ALL}
    yes, no, unk = t("answer_yes", lang), t("answer_no", lang), t("unknown", lang)
    code = d["municipality_code"]
    # column by column (the municipality's name by a map, each sector's label looked up once), then one
    # pass over the rows sorted by name
    cols = [d["name"].astype(str).tolist(),
            code.map(ctx.municipality_names).astype(object).where(lambda x: x.notna(), code).astype(str).tolist(),
            [labels[x] if x in known else str(x) for x in d["sector"].astype(object)],
            [unk if pd.isna(x) else (yes if x else no) for x in d["produces_services"].astype(object)]]
    order = sorted(range(len(d)), key=lambda i: cols[0][i].casefold())
    esc = [[_h(v) for v in c] for c in cols]
    n = len(order)
    header = [t("name", lang), t("municipality", lang), t("sector", lang), t("produces_services", lang)]
    data = {"header": header, "lang": lang, "file": f"{t('directory_file', lang)}_{ctx.level}_{ctx.area}.csv"}
    ths = "".join(f'<th scope="col" aria-sort="none"><button type="button">{_h(h)}</button></th>' for h in header)
    first = "".join(f"<tr><td>{esc[0][i]}</td><td>{esc[1][i]}</td><td>{esc[2][i]}</td><td>{esc[3][i]}</td></tr>"
                    for i in order)
    out = section("sec_directory_title", "sec_directory_text", lang)
    out += hint(t("directory_hint", lang))
    out += f"<p class='sote-print-only'>{_h(t('directory_print_note', lang))}</p>"
    out += (f'<div id="sote-directory" class="sote-directory" '
            f'data-shown="{_h(t("shown_rows", lang, n="{n}", total="{total}"))}">'
            f'<label>{_h(t("search", lang))} <input type="search" autocomplete="off"></label> '
            f'<button type="button" class="sote-csv">{_h(t("download_csv", lang))}</button> '
            f'<span class="sote-count" aria-live="polite">{_h(t("shown_rows", lang, n=n, total=n))}'
            f'</span><div class="sote-scroll" tabindex="0"><table class="sote-table">'
            f'<thead><tr>{ths}</tr></thead><tbody>{first}</tbody></table></div></div>'
            f'<script type="application/json" id="sote-directory-data">{json_for_script(data)}</script>'
            + _directory_js())
    return HTML(out)


def method_note(note: str, lang: str) -> str | None:
    """A reference note (written in English by the loader) in the report's language, or None if unknown."""
    import re

    m = re.match(r"Reference data: (the compact snapshot embedded|the official services|the folder)", note)
    if m:  # in every language from the catalogue: never a folder path or an option of the command line
        what = {"the compact snapshot embedded": "method_ref_embedded", "the official services": "method_ref_cache",
                "the folder": "method_ref_folder"}[m.group(1)]
        return t("method_reference_origin", lang, what=t(what, lang))
    if lang == "en":
        return note
    m = re.fullmatch(r"Population of (\d{4}) \(31\.12\.\) used for the (\d{4}) municipality key: "
                     r"the newest year available\.", note)
    if m:
        return t("method_pop_year", lang, pop=m.group(1), year=m.group(2))
    m = re.fullmatch(r"Boundaries of (\d{4}): polygons of merged municipalities (.+) dissolved into their "
                     r"successors of (\d{4})\.", note)
    if m:
        return t("method_boundaries_merged", lang, byear=m.group(1), codes=m.group(2), year=m.group(3))
    m = re.match(r"Reference data: (the compact snapshot embedded|the official services|the folder)", note)
    if m:
        what = {"the compact snapshot embedded": "method_ref_embedded", "the official services": "method_ref_cache",
                "the folder": "method_ref_folder"}[m.group(1)]
        return t("method_reference_origin", lang, what=t(what, lang))
    return None


def _source_text(source: str, lang: str) -> str:
    from ..sources.demo import SYNTHETIC_NOTE

    if source.startswith(SYNTHETIC_NOTE):  # the demo's own label, perhaps followed by the file name
        return t("synthetic_source", lang) + source[len(SYNTHETIC_NOTE):]
    return source


def data_method(ctx: ReportContext) -> HTML:
    """Sources, licences, caveats, ingest quality, version and run time, all in the report's language."""
    lang = ctx.language
    m = ctx.meta
    unc = ctx.value("associations", UNCLASSIFIED)["value"]
    tot = ctx.value("associations")["value"]
    # read from ingest's own output: the user's original file and its row accounting
    rows = m.get("origin") or m
    fp = (m.get("quality") or {}).get("field_problems_total")
    items = [
        _h(t("attribution", lang)) + ". "
        + _h(t("reference_note", lang, year=ctx.ref.year, pop_year=ctx.ref.population_year)),
        _h(t("data_note", lang, source=_source_text(str(m.get("source", "–")), lang),
             rows=fmt_number(rows.get("rows_in"), 0, lang), accepted=fmt_number(rows.get("accepted"), 0, lang),
             quarantined=fmt_number(rows.get("quarantined"), 0, lang))),
        _h(t("hq_caveat", lang, n=fmt_number(ctx.value("headquarters")["value"], 0, lang))),
        _h(t("unclassified_note", lang, n=fmt_number(unc, 0, lang),
             share=fmt_percent(unc / (tot + unc) if (tot + unc) else float("nan"), 1, lang))),
    ]
    if ctx.national:
        items.append(_h(t("lq_explained", lang)))
    scope = ctx.scope
    items.insert(1, _h(t("scope_note", lang, scope=scope.label(ctx.ref, lang), how=t(f"scope_how_{scope.how}", lang))))
    official = official_completeness(ctx)
    if official and m.get("source_kind") != "ytj":
        items.insert(2, _h(official))
    if fp:
        items.insert(2, _h(t("field_problems_note", lang, n=fmt_number(fp, 0, lang),
                             rows=fmt_number((m.get("quality") or {}).get("rows_with_field_problems"), 0, lang))))
    if m.get("source_kind") == "ytj":  # what the open register covers and misses
        items.append(_h(t("ytj_coverage", lang, current=fmt_number(m.get("current"), 0, lang),
                          dissolved=fmt_number(m.get("dissolved"), 0, lang))))
    notes = [method_note(n, lang) for n in m.get("reference_notes", [])]
    items.extend(_h(n) for n in notes if n)
    untranslated = sum(n is None for n in notes)
    if untranslated:
        items.append(_h(t("method_notes_en", lang, n=untranslated)))
    items.append(_h(t("version_note", lang, version=__version__, date=fmt_date(dt.date.today(), lang))))
    return HTML(section("sec_method_title", None, lang)
                + "<ul class='sote-method'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")


def official_completeness(ctx: ReportContext) -> str:
    """The register's count beside PRH's official count of social and health associations (purpose
    class 3) of the region the area is, or belongs to, with its date; "" where there is none."""
    from ..sources.official_counts import prh_as_of, prh_by_region

    lang = ctx.language
    counts = prh_by_region("3")
    key = ctx.ref.key.assign(kunta_code=ctx.ref.key["kunta_code"].astype(str))
    mine = set(ctx.members["kunta_code"].astype(str))
    regions = sorted(set(key.loc[key["kunta_code"].isin(mine), "maakunta_code"].astype(str)))
    names = ctx.area_names("maakunta")
    parts, total = [], 0
    for r in regions:
        if r not in counts.index or pd.isna(counts[r]):
            return ""
        whole = set(key.loc[key["maakunta_code"].astype(str) == r, "kunta_code"]) <= mine
        total += int(counts[r])
        parts.append(t("completeness_whole_region" if whole else "completeness_containing_region", lang,
                       region=str(names.get(r, r))))
    if not parts:
        return ""
    n = ctx.value("own_associations")["value"] if "own_associations" in table_indicators(ctx.table) else \
        ctx.value("associations")["value"]
    return t("completeness_official", lang, n=fmt_number(n, 0, lang), prh=fmt_number(total, 0, lang),
             where=", ".join(parts), date=fmt_date(dt.date.fromisoformat(prh_as_of()), lang))


def operating_organisations(ctx: ReportContext) -> HTML:
    """National and district organisations whose area of operation covers the area (their own section).

    They are not in the local figures (the headquarters effect), but they work here: a reader needs
    to see them beside the local associations.
    """
    lang = ctx.language
    d = ctx.store.operating_in(ctx.members["kunta_code"])
    out = section("sec_operating_title", "sec_operating_text", lang)
    if d.empty:
        return HTML(out + f"<p>{_h(t('sec_operating_none', lang))}</p>")
    n_mun = len(ctx.members)
    d = d.sort_values(["org_type", "name"], key=lambda c: c.astype(str).str.casefold())
    labels = _labels(lang)
    known = set(labels) - {ALL}
    inferred = d["operating_area_inferred"] if "operating_area_inferred" in d else pd.Series(pd.NA, index=d.index)
    rows = [(str(r.name), labels[r.sector] if r.sector in known else str(r.sector),
             t(f"org_type_{r.org_type}", lang),
             t(f"area_level_{r.operating_area_level}", lang)
             + (f" ({t(f'operating_inferred_{inf}', lang)})" if isinstance(inf, str) else ""),
             f"{r.n_covered} / {n_mun}") for r, inf in zip(d.itertuples(), inferred, strict=True)]
    cols = [t("name", lang), t("sector", lang), t("org_type", lang), t("operating_area", lang),
            t("municipalities_covered", lang)]
    return HTML(out + table(pd.DataFrame(rows, columns=cols), caption=t("sec_operating_title", lang)))


# ---------------------------------------------------------------------------- issue 27: YTJ completeness, STEA
def _region_of(ctx: ReportContext) -> tuple[str, str] | None:
    """(level, code) of the PRH count that contains the area: its region, or the whole country."""
    if ctx.level == "koko_maa":
        return "koko_maa", "SSS"
    regions = set(ctx.members["maakunta_code"].astype(str)) if "maakunta_code" in ctx.members else set()
    return ("maakunta", regions.pop()) if len(regions) == 1 else None


def ytj_completeness_items(ctx: ReportContext) -> list[str]:
    """How many of the region's registered associations YTJ holds, with its caveat (escaped HTML items).

    Empty unless the indicator table has the rows of
    :func:`sote_analytics.sources.official_counts.completeness_rows` for the area's region.
    """
    from ..sources.official_counts import prh_as_of

    where = _region_of(ctx)
    if where is None:
        return []
    lang = ctx.language
    try:
        prh = ctx.value("prh_registered_associations", level=where[0], code=where[1])
        ytj = ctx.value("ytj_associations_with_business_id", level=where[0], code=where[1])
        share = ctx.value("ytj_share_of_prh_register", level=where[0], code=where[1])
        sote = ctx.value("prh_sote_associations", level=where[0], code=where[1])
    except KeyError:
        return []
    region = (t("ytj_completeness_national", lang) if where[0] == "koko_maa"
              else str(ctx.area_names("maakunta").get(where[1], where[1])))
    date = fmt_date(dt.date.fromisoformat(prh_as_of()), lang)
    return [_h(t("ytj_completeness", lang, ytj=fmt_number(ytj["value"], 0, lang),
                 prh=fmt_number(prh["value"], 0, lang), region=region, date=date,
                 share=fmt_percent(share["value"], 0, lang), sote=fmt_number(sote["value"], 0, lang)))
            + " " + _h(t("ytj_completeness_caveat", lang))]


def open_resources(ctx: ReportContext) -> str:
    """The resources section's open-data part: STEA grants, and YTJ's completeness against PRH's counts."""
    items = ytj_completeness_items(ctx)
    out = stea_section(ctx)
    if items:
        out += f"<h3>{_h(t('ytj_completeness_title', ctx.language))}</h3>" + "".join(f"<p>{i}</p>" for i in items)
    return out


def stea_section(ctx: ReportContext) -> str:
    """STEA grants of the area in the latest year with grants: one sentence, a table by sector, the source.

    Empty unless the indicator table has :func:`sote_analytics.sources.stea.stea_indicators` rows.
    """
    tb = ctx.rows()
    sel = tb[tb["indicator"].astype(str).str.startswith("stea_")]
    if sel.empty:
        return ""
    lang = ctx.language
    year = int(pd.to_numeric(sel["year"], errors="coerce").max())
    cur = sel[pd.to_numeric(sel["year"], errors="coerce") == year]

    def val(ind: str, sector: str = ALL) -> float:
        v = cur[(cur["indicator"] == ind) & (cur["sector"] == sector)]["value"]
        return float(v.iloc[0]) if len(v) else float("nan")

    out = f"<h3>{_h(t('stea_title', lang))}</h3>"
    out += "<p>" + _h(t("stea_sentence", lang, year=year, n=fmt_number(val("stea_funded_associations"), 0, lang),
                        total=fmt_number(val("stea_grants_total"), 0, lang),
                        per_1000=fmt_number(val("stea_grants_per_1000"), 0, lang),
                        per_assoc=fmt_number(val("stea_grants_per_association"), 0, lang))) + "</p>"
    rows = [(_labels(lang)[s],
             fmt_number(val("stea_funded_associations", s), 0, lang), fmt_number(val("stea_grants_total", s), 0, lang),
             fmt_number(val("stea_grants_per_association", s), 0, lang))
            for s in [*[s for s in _sote() if s in set(cur["sector"])], ALL]]
    cols = [t("sector", lang), indicator_label("stea_funded_associations", lang),
            indicator_label("stea_grants_total", lang), indicator_label("stea_grants_per_association", lang)]
    out += table(pd.DataFrame(rows, columns=cols), caption=f"{t('stea_title', lang)} {year}", row_headers=True)
    retrieved = str(ctx.meta.get("stea_retrieved_at") or "")[:10]
    date = fmt_date(dt.date.fromisoformat(retrieved), lang) if retrieved else "–"
    return out + f"<p class='sote-note'>{_h(t('stea_source', lang, date=date))}</p>"
