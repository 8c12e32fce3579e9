"""The national overview: all areas of a level side by side (ranking, map, tile grid)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from ..i18n import fmt_number, fmt_percent, t
from ..indicators import IndicatorSet, indicator_label, load_indicators
from ..reference import ReferenceData, get_level, load_reference
from ..taxonomy import ALL, sector_label, sote_sectors
from .content import RUN_META, _h, _section, _table, level_boundaries, show_figure


@dataclass
class NationalContext:
    level: str
    language: str
    ref: ReferenceData
    indicators: IndicatorSet
    meta: dict
    processed: Path

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))


def load_national(level: str, year: int, language: str, processed_dir, reference_dir=None) -> NationalContext:
    """Load what the national overview of ``level`` needs."""
    get_level(level)
    processed = Path(processed_dir)
    meta_path = processed / RUN_META
    meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
    ref = load_reference(int(year), reference_dir or meta.get("reference_dir"))
    return NationalContext(level, language, ref, load_indicators(processed), meta, processed)


def title(ctx: NationalContext) -> HTML:
    lang = ctx.language
    parts = []
    if ctx.synthetic:
        parts.append(f'<div class="sote-banner" role="alert">{_h(t("synthetic_banner", lang))}</div>')
    label = get_level(ctx.level).label_plural[lang]
    parts.append(f"<h1>{_h(t('national_title', lang, level=label))}</h1>")
    return HTML("\n".join(parts))


def wide(ctx: NationalContext) -> pd.DataFrame:
    tb = ctx.indicators.table
    sel = tb[(tb["area_level"] == ctx.level) & (tb["sector"] == ALL)]
    w = sel.pivot_table(index="area_code", columns="indicator", values="value", aggfunc="first")
    names = ctx.ref.areas(ctx.level).set_index("code")[f"name_{ctx.language}"]
    w.insert(0, "name", names.reindex(w.index))
    return w.sort_values("associations_per_1000", ascending=False)


def ranking(ctx: NationalContext) -> HTML:
    """All areas of the level, densest first, with the key indicators."""
    lang = ctx.language
    w = wide(ctx)
    cols = {
        "rank_per_1000": (t("rank", lang), lambda v: fmt_number(v, 0, lang)),
        "associations": (indicator_label("associations", lang), lambda v: fmt_number(v, 0, lang)),
        "associations_per_1000": (indicator_label("associations_per_1000", lang), lambda v: fmt_number(v, 2, lang)),
        "location_quotient": (indicator_label("location_quotient", lang), lambda v: fmt_number(v, 2, lang)),
        "municipality_coverage": (indicator_label("municipality_coverage", lang), lambda v: fmt_percent(v, 0, lang)),
        "paid_staff_share": (indicator_label("paid_staff_share", lang), lambda v: fmt_percent(v, 0, lang)),
        "service_producer_share": (indicator_label("service_producer_share", lang),
                                   lambda v: fmt_percent(v, 0, lang)),
    }
    df = pd.DataFrame({t("area", lang): w["name"].to_numpy()})
    for key, (label, fmt) in cols.items():
        df[label] = [fmt(v) for v in w[key]]
    return HTML(_section("ranking_title", "ranking_text", lang) + _table(df))


def national_map(ctx: NationalContext) -> HTML:
    """Choropleth of the areas of the level (associations per 1,000 inhabitants)."""
    from .. import figures

    lang = ctx.language
    w = wide(ctx)
    b = level_boundaries(ctx.ref, ctx.processed, ctx.level)
    fig = figures.context_map(b, w["associations_per_1000"], highlight="", language=lang)
    return HTML(show_figure(fig, t("per_1000_axis", lang) + " – " + t("country", lang), lang=lang))


def tile_grid(ctx: NationalContext) -> HTML:
    """Small multiples of the wellbeing areas by sector (only for that level, with a grid layout)."""
    from .. import figures

    grid = ctx.ref.grid("hyvinvointialue")
    if ctx.level != "hyvinvointialue" or grid is None:
        return HTML("")
    lang = ctx.language
    fig = figures.tile_grid(ctx.indicators.table, grid, lang)
    secs = [s for s in sote_sectors() if s != "unclassified"]
    legend = "<ul class='sote-legend'>" + "".join(
        f"<li><span class='sote-swatch' style='background:{_h(figures.sectors_color(s))}'></span>"
        f"{_h(sector_label(s, lang))}</li>" for s in secs) + "</ul>"
    tb = ctx.indicators.table
    sel = tb[(tb["area_level"] == "hyvinvointialue") & (tb["indicator"] == "associations_per_1000")
             & tb["sector"].isin(secs)]
    w = sel.pivot_table(index="area_code", columns="sector", values="value", aggfunc="first")[secs]
    names = ctx.ref.areas("hyvinvointialue").set_index("code")[f"name_{lang}"]
    data = pd.DataFrame({t("area", lang): names.reindex(w.index).to_numpy()})
    for s in secs:
        data[sector_label(s, lang)] = [fmt_number(v, 2, lang) for v in w[s]]
    return HTML(_section("grid_title", "grid_text", lang) + legend
                + show_figure(fig, t("grid_title", lang), data, lang=lang))
