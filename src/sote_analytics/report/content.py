"""What the report notebooks show: every piece returns escaped HTML.

The notebooks stay thin: they load a :class:`ReportContext` and display the
pieces. Every value that came from data goes through :func:`html.escape`
(directly or via pandas' escaping ``to_html``), so a hostile association or
area name shows as text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from .. import __version__, config
from ..i18n import fmt_date, fmt_number, fmt_percent, t
from ..indicators import IndicatorSet, coverage_gaps, indicator_label, load_indicators
from ..reference import ReferenceData, get_level, load_reference
from ..taxonomy import ALL, sector_label, sote_sectors

RUN_META = "run.json"


@dataclass
class ReportContext:
    """Everything a report for one area needs, read from the processed folder."""

    level: str
    area: str
    language: str
    ref: ReferenceData
    indicators: IndicatorSet
    meta: dict = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        return self.indicators.table

    @property
    def area_name(self) -> str:
        names = self.ref.areas(self.level).set_index("code")
        return str(names.at[self.area, f"name_{self.language}"])

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    def value(self, indicator: str, sector: str = ALL, level: str | None = None,
              code: str | None = None) -> pd.Series:
        lvl, cd = (level or self.level), (code or self.area)
        row = self.table[(self.table["area_level"] == lvl) & (self.table["area_code"] == cd)
                         & (self.table["indicator"] == indicator) & (self.table["sector"] == sector)]
        if row.empty:
            raise KeyError(f"no {indicator} for {lvl} {cd} {sector}")
        return row.iloc[0]


def load_context(level: str, area: str, year: int, language: str, processed_dir: str | Path,
                 reference_dir: str | Path | None = None) -> ReportContext:
    """Load the context of one report; fails with a clear message on a bad area."""
    get_level(level)
    processed = Path(processed_dir)
    meta_path = processed / RUN_META
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
    ref = load_reference(int(year), reference_dir or meta.get("reference_dir"))
    ref.members(level, str(area))  # raises ValueError naming valid codes
    return ReportContext(level, str(area), language, ref, load_indicators(processed), meta)


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def banner(ctx: ReportContext) -> HTML:
    """The synthetic-data banner (empty for real data) and the report title."""
    parts = []
    if ctx.synthetic:
        parts.append(f'<div class="sote-banner" role="alert">{_h(t("synthetic_banner", ctx.language))}</div>')
    parts.append(f"<h1>{_h(t('report_title', ctx.language, area=ctx.area_name))}</h1>")
    return HTML("\n".join(parts))


def key_figures(ctx: ReportContext) -> HTML:
    """Key figures of the area beside the whole country."""
    lang = ctx.language
    rows = []
    for ind, fmt in (
        ("associations", lambda v: fmt_number(v, 0, lang)),
        ("associations_per_1000", lambda v: fmt_number(v, 2, lang)),
        ("municipality_coverage", lambda v: fmt_percent(v, 0, lang)),
        ("paid_staff_share", lambda v: fmt_percent(v, 0, lang)),
    ):
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
    return HTML(df.to_html(index=False, escape=True, classes="sote-table key-figures", border=0))


def sector_table(ctx: ReportContext) -> HTML:
    """Counts and per-1,000 by sector, with the country's per-1,000: the bar chart's data."""
    lang = ctx.language
    rows = []
    for s in [*sote_sectors(), ALL]:
        cnt = ctx.value("associations", s)
        if s == "unclassified" and cnt["value"] == 0:
            continue
        rows.append((
            sector_label(s, lang), fmt_number(cnt["value"], 0, lang),
            fmt_number(ctx.value("associations_per_1000", s)["value"], 2, lang),
            fmt_number(ctx.value("associations_per_1000", s, "koko_maa", "SSS")["value"], 2, lang),
            fmt_percent(ctx.value("municipality_coverage", s)["value"], 0, lang),
        ))
    cols = [t("sector", lang), t("associations", lang), t("per_1000", lang),
            f"{t('country', lang)} {t('per_1000', lang)}", indicator_label("municipality_coverage", lang)]
    return HTML(pd.DataFrame(rows, columns=cols).to_html(
        index=False, escape=True, classes="sote-table", border=0))


def gaps_table(ctx: ReportContext) -> HTML:
    """Per sector, the municipalities of the area with no association."""
    lang = ctx.language
    gaps = coverage_gaps(ctx.indicators.municipality_counts, ctx.ref, ctx.level, ctx.area)
    gaps = gaps[gaps["sector"] != ALL]
    n_mun = len(ctx.ref.members(ctx.level, ctx.area))
    rows = []
    for s in sote_sectors():
        if s == "unclassified":
            continue
        g = gaps[gaps["sector"] == s]
        names = ", ".join(g["kunta_name_fi"]) if len(g) else t("none", lang)
        rows.append((sector_label(s, lang), f"{n_mun - len(g)} / {n_mun}", names))
    cols = [t("sector", lang), indicator_label("municipality_coverage", lang),
            t("municipalities_without", lang)]
    return HTML(pd.DataFrame(rows, columns=cols).to_html(
        index=False, escape=True, classes="sote-table gaps", border=0))


def show_figure(fig, alt: str) -> HTML:
    """A plotly figure as an HTML fragment (plotly.js is loaded once by the page)."""
    div = fig.to_html(include_plotlyjs=False, full_html=False, config={"displaylogo": False,
                                                                        "responsive": True})
    return HTML(f'<figure class="sote-figure" role="group" aria-label="{_h(alt)}">{div}'
                f"<figcaption>{_h(alt)}</figcaption></figure>")


def area_boundaries(ctx: ReportContext):
    """Boundaries of the area's municipalities."""
    codes = set(ctx.ref.members(ctx.level, ctx.area)["kunta_code"])
    b = ctx.ref.boundaries("kunta")
    return b[b["code"].isin(codes)]


def data_method(ctx: ReportContext) -> HTML:
    """Sources, licences, caveats, register summary, version and run time."""
    lang = ctx.language
    m = ctx.meta
    items = [
        f"{_h(config.REFERENCE_ATTRIBUTION)}. "
        f"Kuntajako {ctx.ref.year}; väestö 31.12.{ctx.ref.population_year}.",
        f"Yhdistysaineisto: {_h(m.get('source', '–'))}; rivejä luettu "
        f"{fmt_number(m.get('rows_in'), 0, lang)}, hyväksytty {fmt_number(m.get('accepted'), 0, lang)}, "
        f"karanteenissa {fmt_number(m.get('quarantined'), 0, lang)}.",
    ]
    unc = ctx.value("associations", "unclassified")["value"]
    tot = ctx.value("associations")["value"]
    items.append(f"Luokittelemattomia yhdistyksiä {fmt_number(unc, 0, lang)} "
                 f"({fmt_percent(unc / tot if tot else float('nan'), 1, lang)}).")
    items.extend(_h(n) for n in ctx.ref.notes)
    items.append(f"sote-analytics {_h(__version__)}, {fmt_date(dt.date.today(), lang)}.")
    return HTML("<ul class='sote-method'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>")
