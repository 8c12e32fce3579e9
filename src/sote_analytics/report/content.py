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
from functools import cached_property
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from .. import __version__, config
from ..i18n import LANGUAGES, fmt_date, fmt_number, fmt_percent, name_column, t
from ..indicators import IndicatorSet, coverage_gaps, format_value, indicator_label, listed
from ..reference import ReferenceData, get_level, load_reference
from ..store import Store
from ..taxonomy import ALL, UNCLASSIFIED, sector_label, sote_sectors
from .fragments import banner as banner_html
from .fragments import h as _h
from .fragments import json_for_script, section, show_figure, table


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
        """Simplified boundaries of a level: precomputed GeoParquet of the batch, else from the reference."""
        return self.store.boundaries(self.ref, level)

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

    @cached_property
    def _index(self) -> pd.Series:
        tb = self.table
        return pd.Series(range(len(tb)), index=pd.MultiIndex.from_arrays(
            [tb["area_level"], tb["area_code"], tb["indicator"], tb["sector"]]))

    def value(self, indicator: str, sector: str = ALL, level: str | None = None,
              code: str | None = None) -> pd.Series:
        key = (level or self.level, code or self.area, indicator, sector)
        try:
            return self.table.iloc[int(self._index[key])]
        except KeyError:
            raise KeyError(f"no {indicator} for {key}") from None

    @cached_property
    def directory(self) -> pd.DataFrame:
        return self.store.directory(self.members["kunta_code"])

    @cached_property
    def survey(self) -> pd.DataFrame | None:
        return self.store.survey()

    @cached_property
    def area_boundaries(self):
        """The area's municipalities' boundaries (read once per report)."""
        codes = set(self.members["kunta_code"])
        b = self.level_boundaries("kunta")
        return b[b["code"].isin(codes)]


def load_base(level: str, year: int, language: str, processed_dir: str | Path,
              reference_dir: str | Path | None = None) -> dict:
    """The parts every report context is made of (checks level and language)."""
    get_level(level)
    if language not in LANGUAGES:
        raise ValueError(f"language must be fi, sv or en, not {language!r}")
    store = Store(Path(processed_dir))
    ref = load_reference(int(year), reference_dir or store.meta().get("reference_dir"))
    return {"level": level, "language": language, "ref": ref, "indicators": store.load_indicators(),
            "store": store}


def load_context(level: str, area: str, year: int, language: str, processed_dir: str | Path,
                 reference_dir: str | Path | None = None) -> ReportContext:
    """Load the context of one report; fails with a clear message on a bad area."""
    ctx = ReportContext(**load_base(level, year, language, processed_dir, reference_dir), area=str(area))
    _ = ctx.members  # raises ValueError naming valid codes
    return ctx


# ---------------------------------------------------------------------------- sections
def banner(ctx: ReportContext) -> HTML:
    """The synthetic-data banner (empty for real data) and the report title."""
    parts = [banner_html(ctx.synthetic, ctx.language),
             f"<h1>{_h(t('report_title', ctx.language, area=ctx.area_name))}</h1>"]
    return HTML("\n".join(p for p in parts if p))


def key_figures(ctx: ReportContext) -> HTML:
    """Key figures of the area beside the whole country."""
    lang = ctx.language
    rows = []
    for ind in listed("key_figures"):
        def fmt(v, ind=ind):
            return format_value(ind, v, lang)

        a = ctx.value(ind)
        c = ctx.value(ind, level="koko_maa", code="SSS")
        interval = ""
        if pd.notna(a["lower"]):
            interval = f" ({fmt_percent(a['lower'], 0, lang)}–{fmt_percent(a['upper'], 0, lang)})"
        rows.append((indicator_label(ind, lang), fmt(a["value"]) + interval, fmt(c["value"]),
                     fmt_number(a["n"], 0, lang)))
    pop = ctx.ref.areas(ctx.level).set_index("code").loc[ctx.area]
    rows.append((t("population", lang), fmt_number(pop["population"], 0, lang),
                 fmt_number(ctx.ref.population.sum(), 0, lang), ""))
    rows.append((t("municipalities", lang), fmt_number(pop["n_municipalities"], 0, lang),
                 fmt_number(len(ctx.ref.key), 0, lang), ""))
    df = pd.DataFrame(rows, columns=["", ctx.area_name, t("country", lang), "n"])
    return HTML(section("sec_key_title", "sec_key_text", lang) + table(df, "sote-table key-figures"))


def _sector_rows(ctx: ReportContext) -> list[str]:
    return [s for s in sote_sectors() if s != UNCLASSIFIED or ctx.value("associations", s)["value"] > 0]


def sectors(ctx: ReportContext) -> HTML:
    """Counts and per-1,000 by sector, beside the country: chart and table."""
    from .. import figures

    lang = ctx.language
    rows = []
    for s in [*_sector_rows(ctx), ALL]:
        rows.append((
            sector_label(s, lang), fmt_number(ctx.value("associations", s)["value"], 0, lang),
            fmt_number(ctx.value("associations_per_1000", s)["value"], 2, lang),
            fmt_number(ctx.value("associations_per_1000", s, "koko_maa", "SSS")["value"], 2, lang),
            fmt_number(ctx.value("location_quotient", s)["value"], 2, lang),
        ))
    cols = [t("sector", lang), t("associations", lang), t("per_1000", lang),
            f"{t('country', lang)} {t('per_1000', lang)}", indicator_label("location_quotient", lang)]
    fig = figures.sector_bar(ctx.table, ctx.level, ctx.area, lang, area_name=ctx.area_name)
    return HTML(section("sec_sectors_title", "sec_sectors_text", lang)
                + show_figure(fig, t("per_1000_axis", lang), lang=lang) + table(pd.DataFrame(rows, columns=cols)))


def maps(ctx: ReportContext) -> HTML:
    """Municipality map with a sector menu, and the area in its national context."""
    from .. import figures

    lang = ctx.language
    secs = [ALL, *_sector_rows(ctx)]
    fig = figures.sector_map(ctx.area_boundaries, ctx.table, secs, lang)
    mun = ctx.table[(ctx.table["area_level"] == "kunta") & (ctx.table["sector"] == ALL)
                    & ctx.table["area_code"].isin(set(ctx.members["kunta_code"]))]
    wide = mun.pivot_table(index="area_code", columns="indicator", values="value", aggfunc="first")
    names = ctx.municipality_names
    data = pd.DataFrame({t("municipality", lang): names.reindex(wide.index).to_numpy(),
                         t("associations", lang): [fmt_number(x, 0, lang) for x in wide["associations"]],
                         t("per_1000", lang): [fmt_number(x, 2, lang) for x in wide["associations_per_1000"]]})
    out = section("sec_map_title", "sec_map_text", lang)
    out += show_figure(fig, t("per_1000_axis", lang) + " – " + ctx.area_name, data, lang=lang)
    if ctx.level not in ("kunta", "koko_maa"):
        level_b = ctx.level_boundaries(ctx.level)
        per = ctx.table[(ctx.table["area_level"] == ctx.level) & (ctx.table["sector"] == ALL)
                        & (ctx.table["indicator"] == "associations_per_1000")].set_index("area_code")["value"]
        cfig = figures.context_map(level_b, per, ctx.area, lang)
        out += f"<p>{_h(t('sec_context_text', lang))}</p>"
        out += show_figure(cfig, t("per_1000_axis", lang) + " – " + t("country", lang), lang=lang)
    return HTML(out)


def gaps(ctx: ReportContext) -> HTML:
    """Per sector, the municipalities of the area with no association: table and map."""
    from .. import figures

    lang = ctx.language
    g = coverage_gaps(ctx.indicators.municipality_counts, ctx.ref, ctx.level, ctx.area)
    g = g[(g["sector"] != ALL) & (g["sector"] != UNCLASSIFIED)]
    n_mun = len(ctx.members)
    name_col = name_column(lang, "kunta_name")
    rows = []
    for s in sote_sectors():
        if s == UNCLASSIFIED:
            continue
        gs = g[g["sector"] == s]
        rows.append((sector_label(s, lang), f"{n_mun - len(gs)} / {n_mun}",
                     ", ".join(gs[name_col]) if len(gs) else t("none", lang)))
    cols = [t("sector", lang), indicator_label("municipality_coverage", lang), t("municipalities_without", lang)]
    out = section("sec_gaps_title", "sec_gaps_text", lang)
    out += table(pd.DataFrame(rows, columns=cols), "sote-table gaps")
    if n_mun > 1:
        missing = g.groupby("kunta_code").size()
        out += show_figure(figures.gaps_map(ctx.area_boundaries, missing, lang), t("sectors_missing", lang), lang=lang)
    return HTML(out)


def resources(ctx: ReportContext) -> HTML:
    """Paid staff, members, volunteers and service producers by sector."""
    from .. import figures

    lang = ctx.language
    rows = []
    for s in [*_sector_rows(ctx), ALL]:
        st = ctx.value("paid_staff_share", s)
        interval = (f" ({fmt_percent(st['lower'], 0, lang)}–{fmt_percent(st['upper'], 0, lang)})"
                    if pd.notna(st["lower"]) else "")
        rows.append((
            sector_label(s, lang), fmt_number(ctx.value("associations", s)["value"], 0, lang),
            fmt_percent(st["value"], 0, lang) + interval,
            fmt_number(st["unknown"], 0, lang),
            fmt_number(ctx.value("paid_staff_per_1000", s)["value"], 2, lang),
            fmt_number(ctx.value("service_producers", s)["value"], 0, lang),
            fmt_number(ctx.value("members_total", s)["value"], 0, lang),
            fmt_number(ctx.value("volunteers_total", s)["value"], 0, lang),
        ))
    cols = [t("sector", lang), t("associations", lang), indicator_label("paid_staff_share", lang),
            t("unknown", lang), indicator_label("paid_staff_per_1000", lang),
            indicator_label("service_producers", lang), indicator_label("members_total", lang),
            indicator_label("volunteers_total", lang)]
    fig = figures.share_bar(ctx.table, ctx.level, ctx.area, "paid_staff_share", lang)
    out = section("sec_resources_title", "sec_resources_text", lang)
    out += show_figure(fig, indicator_label("paid_staff_share", lang) + " (95 %)", lang=lang)
    out += table(pd.DataFrame(rows, columns=cols))
    acts = ctx.table[(ctx.table["area_level"] == ctx.level) & (ctx.table["area_code"] == ctx.area)
                     & (ctx.table["sector"] == ALL) & ctx.table["indicator"].str.endswith("_total")
                     & ctx.table["indicator"].str.startswith(("participants", "events", "volunteer_hours", "grants"))]
    if len(acts):
        arows = [(indicator_label(r.indicator, lang), fmt_number(r.value, 0, lang), fmt_number(r.n, 0, lang))
                 for r in acts.itertuples()]
        out += table(pd.DataFrame(arows, columns=["", t("value", lang), "n"]))
    return HTML(out)


def trends(ctx: ReportContext) -> HTML:
    """Registrations by decade, if the register has registration dates."""
    from .. import figures

    lang = ctx.language
    regs = ctx.indicators.registrations
    out = section("sec_trends_title", "sec_trends_text", lang)
    change = ctx.table[(ctx.table["area_level"] == ctx.level) & (ctx.table["area_code"] == ctx.area)
                       & ctx.table["indicator"].isin(["new_associations", "ceased_associations", "moved_in",
                                                      "moved_out", "net_change"])]
    if len(change):  # two register snapshots were given
        rows = [(indicator_label(r.indicator, lang), fmt_number(r.value, 0, lang)) for r in change.itertuples()]
        out += table(pd.DataFrame(rows, columns=["", t("value", lang)]))
    if regs is None or regs.empty:
        return HTML(out + f"<p>{_h(t('sec_trends_none', lang))}</p>")
    r = regs[(regs["area_level"] == ctx.level) & (regs["area_code"] == ctx.area) & (regs["sector"] == ALL)]
    if r.empty:
        return HTML(out + f"<p>{_h(t('sec_trends_none', lang))}</p>")
    fig = figures.registrations_bar(r, lang)
    dec = r.groupby(r["year"] // 10 * 10)["registrations"].sum()
    data = pd.DataFrame({t("decade", lang): [f"{d}–" for d in dec.index], t("registrations", lang): dec.to_numpy()})
    return HTML(out + show_figure(fig, t("registrations", lang), data, lang=lang))


def survey(ctx: ReportContext, k: int = 5) -> HTML:
    """Survey summary for the area (small cells suppressed), if a survey was given."""
    from ..survey import crosstab, likert, multiple_choice, single_choice

    lang = ctx.language
    s = ctx.survey
    if s is None:
        return HTML("")
    out = section("sec_survey_title", "sec_survey_text", lang, k=k)
    subs = set(ctx.members["seutukunta_code"])
    s = s[s["seutukunta_code"].astype(str).isin(subs)] if "seutukunta_code" in s else s.iloc[0:0]
    if s.empty:
        return HTML(out + f"<p>{_h(t('sec_survey_none', lang))}</p>")
    s = s.assign(sector=s["sector"].map(lambda x: sector_label(x, lang) if x in set(sote_sectors()) else x))
    ct = crosstab(s, "sector", "seutukunta", k)
    ct = ct.map(lambda v: "–" if pd.isna(v) else fmt_number(v, 0, lang))
    ct.columns.name = None
    ct = ct.rename_axis(t("sector", lang)).reset_index()
    out += f"<h3>{_h(t('sector', lang))} × {_h(t('area', lang))}</h3>" + table(ct)
    for col in [c for c in s.columns if s[c].dtype == object and c not in ("seutukunta", "sector", "response_id",
                                                                           "association_id", "seutukunta_code")]:
        multi = s[col].astype(str).str.contains(";").any()
        res = multiple_choice(s, col, k=k) if multi else single_choice(s, col, k=k)
        res = res.assign(share=[fmt_percent(x, 0, lang) for x in res["share"]],
                         lower=[fmt_percent(x, 0, lang) for x in res["lower"]],
                         upper=[fmt_percent(x, 0, lang) for x in res["upper"]])
        out += f"<h3>{_h(col)}</h3>" + table(res[["option", "n", "share", "lower", "upper"]])
    for col in [c for c in s.columns if c.startswith("yhteistyo") or c.endswith("_likert")]:
        lk = likert(s, col, k=k)
        out += f"<h3>{_h(col)}</h3>"
        if lk["suppressed"]:
            out += "<p>–</p>"
        else:
            out += (f"<p>n = {lk['n']}; ka / medel / mean {fmt_number(lk['mean'], 2, lang)} "
                    f"({fmt_number(lk['mean_lower'], 2, lang)}–{fmt_number(lk['mean_upper'], 2, lang)}); "
                    f"4–5: {fmt_percent(lk['agree_share'], 0, lang)} "
                    f"({fmt_percent(lk['agree_lower'], 0, lang)}–{fmt_percent(lk['agree_upper'], 0, lang)})</p>")
    return HTML(out)


def _directory_js() -> str:
    from importlib import resources

    code = resources.files("sote_analytics").joinpath("templates/sote/directory.js").read_text("utf-8")
    return f"<script>\n{code}</script>"


def directory(ctx: ReportContext) -> HTML:
    """Searchable, sortable, keyboard-usable directory of the area's associations with CSV download."""
    lang = ctx.language
    d = ctx.directory
    names = ctx.municipality_names
    yes, no, unk = t("answer_yes", lang), t("answer_no", lang), t("unknown", lang)
    rows = sorted([
        [str(r.name), str(names.get(r.municipality_code, r.municipality_code)), sector_label(str(r.sector), lang)
         if r.sector in set(sote_sectors()) else str(r.sector),
         unk if pd.isna(r.produces_services) else (yes if r.produces_services else no)]
        for r in d.itertuples()
    ], key=lambda r: r[0].casefold())
    header = [t("name", lang), t("municipality", lang), t("sector", lang), t("produces_services", lang)]
    data = {"header": header, "lang": lang, "file": f"yhdistykset_{ctx.level}_{ctx.area}.csv"}
    ths = "".join(f'<th scope="col" aria-sort="none"><button type="button">{_h(h)}</button></th>' for h in header)
    first = "".join("<tr>" + "".join(f"<td>{_h(v)}</td>" for v in r) + "</tr>" for r in rows)
    out = section("sec_directory_title", "sec_directory_text", lang)
    out += (f'<div id="sote-directory" class="sote-directory" '
            f'data-shown="{_h(t("shown_rows", lang, n="{n}", total="{total}"))}">'
            f'<label>{_h(t("search", lang))} <input type="search" autocomplete="off"></label> '
            f'<button type="button" class="sote-csv">{_h(t("download_csv", lang))}</button> '
            f'<span class="sote-count" aria-live="polite">{_h(t("shown_rows", lang, n=len(rows), total=len(rows)))}'
            f'</span><div class="sote-scroll" tabindex="0"><table class="sote-table">'
            f'<thead><tr>{ths}</tr></thead><tbody>{first}</tbody></table></div></div>'
            f'<script type="application/json" id="sote-directory-data">{json_for_script(data)}</script>'
            + _directory_js())
    return HTML(out)


def data_method(ctx: ReportContext) -> HTML:
    """Sources, licences, caveats, ingest quality, version and run time."""
    lang = ctx.language
    m = ctx.meta
    unc = ctx.value("associations", UNCLASSIFIED)["value"]
    tot = ctx.value("associations")["value"]
    items = [
        f"{_h(config.REFERENCE_ATTRIBUTION)}. "
        + _h(t("reference_note", lang, year=ctx.ref.year, pop_year=ctx.ref.population_year)),
        _h(t("data_note", lang, source=m.get("source", "–"), rows=fmt_number(m.get("rows_in"), 0, lang),
             accepted=fmt_number(m.get("accepted"), 0, lang), quarantined=fmt_number(m.get("quarantined"), 0, lang))),
        _h(t("hq_caveat", lang, n=fmt_number(ctx.value("headquarters")["value"], 0, lang))),
        _h(t("unclassified_note", lang, n=fmt_number(unc, 0, lang),
             share=fmt_percent(unc / tot if tot else float("nan"), 1, lang))),
    ]
    items.extend(_h(n) for n in m.get("reference_notes", []))
    items.append(_h(t("version_note", lang, version=__version__, date=fmt_date(dt.date.today(), lang))))
    return HTML(section("sec_method_title", None, lang)
                + "<ul class='sote-method'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
