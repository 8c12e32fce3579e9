"""The national overview: all areas of a level side by side (ranking, map, tile grid)."""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML

from ..i18n import fmt_date, fmt_number, fmt_percent, t
from ..indicators.definitions import format_value, indicator_label, listed
from ..reference import get_level
from ..taxonomy import ALL, sote_sectors
from .content import BaseContext, load_base
from .fragments import banner, h, section, show_figure, table

NationalContext = BaseContext


def load_national(level: str, year: int, language: str, processed_dir, reference_dir=None) -> BaseContext:
    """Load what the national overview of ``level`` needs."""
    return BaseContext(**load_base(level, year, language, processed_dir, reference_dir))


def title(ctx: BaseContext) -> HTML:
    """The synthetic-data banner (empty for real data) and the overview's title."""
    lang = ctx.language
    label = get_level(ctx.level).label_plural[lang]
    parts = [banner(ctx.synthetic, lang), f"<h1>{h(t('national_title', lang, level=label))}</h1>",
             f"<p class='sote-headline'>{h(national_totals(ctx))}</p>"]
    return HTML("\n".join(p for p in parts if p))


def _country(ctx: BaseContext, indicator: str) -> float:
    tb = ctx.indicators.table
    v = tb[(tb["area_level"] == "koko_maa") & (tb["sector"] == ALL) & (tb["indicator"] == indicator)]["value"]
    return float(v.iloc[0]) if len(v) else float("nan")


def national_totals(ctx: BaseContext) -> str:
    """One sentence with the national totals (count, per 1,000, share with paid staff); for a register
    that does not cover the country, what it covers and the official national count instead."""
    lang = ctx.language
    if not ctx.national:
        from ..sources.official_counts import official_counts

        c = official_counts("soste", "koko_maa", "sote")
        return t("national_totals_scope", lang, scope=ctx.scope.label(ctx.ref, lang),
                 n=fmt_number(float(c["count"].iloc[0]), 0, lang) if len(c) else "–",
                 year=str(c["as_of"].iloc[0])[:4] if len(c) else "–")
    return t("national_totals", lang, n=fmt_number(_country(ctx, "associations"), 0, lang),
             per=fmt_number(_country(ctx, "associations_per_1000"), 2, lang),
             staff=fmt_percent(_country(ctx, "paid_staff_share"), 0, lang))


def links_and_sources(ctx: BaseContext) -> HTML:
    """Links to the areas' reports and the index; sources, licence and date."""
    import datetime as dt

    from .. import __version__
    from ..filenames import index_name, report_name

    lang = ctx.language
    names = ctx.area_names()
    # written hidden: the folder index shows the links whose report exists (folder_index.refresh_navigation)
    links = "".join(f'<li data-sote-href="{h(report_name(ctx.level, code, lang))}" hidden><span>{h(name)}</span></li>'
                    for code, name in names.items())
    out = (f"<h2>{h(t('national_links_title', lang))}</h2>"
           f'<p><a href="{h(index_name(lang))}">{h(t("nav_index", lang))}</a></p>'
           f"<ul class='sote-links'>{links}</ul>"
           f"<h2>{h(t('national_sources_title', lang))}</h2><ul class='sote-method'>"
           f"<li>{h(t('attribution', lang))}</li>"
           f"<li>{h(t('version_note', lang, version=__version__, date=fmt_date(dt.date.today(), lang)))}</li></ul>")
    out = ytj_completeness_table(ctx) + out
    return HTML(out)


def wide(ctx: BaseContext) -> pd.DataFrame:
    """One row per area of the level, one column per indicator; an indicator that no area has (e.g.
    ``paid_staff_share`` when no row was accepted) is a column of missing values, never a KeyError."""
    tb = ctx.indicators.table
    sel = tb[(tb["area_level"] == ctx.level) & (tb["sector"] == ALL)]
    w = sel.pivot_table(index="area_code", columns="indicator", values="value", aggfunc="first", dropna=False)
    wanted = [*listed("ranking"), "associations_per_1000"]
    w = w.reindex(columns=list(dict.fromkeys([*w.columns, *wanted])))
    w = w.reindex(ctx.area_names().index.astype(str).union(w.index))
    if not ctx.national:  # only the areas the register covers: the others are not zeros, they are unknown
        covered = set(ctx.scope.covered_areas(ctx.ref, ctx.level))
        w = w.reindex([c for c in w.index if c in covered])
    w.insert(0, "name", ctx.area_names().reindex(w.index))
    return w.sort_values("associations_per_1000", ascending=False, na_position="last")


def ranking(ctx: BaseContext) -> HTML:
    """All areas of the level, densest first, with the key indicators."""
    lang = ctx.language
    w = wide(ctx)
    df = pd.DataFrame({t("area", lang): w["name"].to_numpy()})
    for key in listed("ranking"):
        if not ctx.national and key in ("rank_per_1000", "location_quotient", "share_of_national"):
            continue  # relative to a "country" that is the file itself
        label = t("rank", lang) if key == "rank_per_1000" else indicator_label(key, lang)
        df[label] = [format_value(key, v, lang) for v in w[key]]
    return HTML(section("ranking_title", "ranking_text" if ctx.national else "ranking_text_scope", lang)
                + table(df, caption=t("ranking_title", lang), row_headers=True))


def national_map(ctx: BaseContext) -> HTML:
    """Choropleth of the areas of the level (associations per 1,000 inhabitants)."""
    from .. import figures

    lang = ctx.language
    w = wide(ctx)
    b = ctx.level_boundaries(ctx.level)
    if not ctx.national:  # the covered areas only: an area outside the file is not "no associations"
        b = b[b["code"].astype(str).isin(set(w.index))]
    fig = figures.context_map(b, w["associations_per_1000"], highlight="", language=lang)
    return HTML(show_figure(fig, t("per_1000_axis", lang) + " – " + t("country", lang), lang=lang))


def tile_grid(ctx: BaseContext) -> HTML:
    """Small multiples of the wellbeing areas by sector (only for that level, with a grid layout)."""
    from .. import figures

    grid = ctx.ref.grid("hyvinvointialue")
    if ctx.level != "hyvinvointialue" or grid is None or not ctx.national:  # every county's tile, or none
        return links_and_sources(ctx)
    lang = ctx.language
    fig = figures.tile_grid(ctx.indicators.table, grid, lang)
    secs = [s for s in sote_sectors() if s != "unclassified"]
    labels = figures.sector_labels(lang)
    legend = "<ul class='sote-legend'>" + "".join(
        f"<li><span class='sote-swatch' style='background:{h(figures.sectors_color(s))}'></span>"
        f"{h(labels[s])}</li>" for s in secs) + "</ul>"
    tb = ctx.indicators.table
    sel = tb[(tb["area_level"] == "hyvinvointialue") & (tb["indicator"] == "associations_per_1000")
             & tb["sector"].isin(secs)]
    w = sel.pivot_table(index="area_code", columns="sector", values="value", aggfunc="first").reindex(
        columns=secs)
    names = ctx.area_names("hyvinvointialue")
    data = pd.DataFrame({t("area", lang): names.reindex(w.index).to_numpy()})
    for s in secs:
        data[labels[s]] = [fmt_number(v, 2, lang) for v in w[s]]
    vmax = pd.to_numeric(sel["value"], errors="coerce").max()
    note = f"<p class='sote-note'>{h(t('grid_axis_note', lang, vmax=fmt_number(vmax * 1.05, 2, lang)))}</p>"
    return HTML(section("grid_title", "grid_text", lang) + legend + note
                + show_figure(fig, t("grid_title", lang), data, lang=lang) + links_and_sources(ctx).data)


def ytj_completeness_table(ctx: BaseContext) -> str:
    """YTJ's associations against PRH's official count, region by region, with the date and caveat.

    Empty unless the indicator table has the rows of
    :func:`sote_analytics.sources.official_counts.completeness_rows` (a YTJ-based run).
    """
    import datetime as dt

    from ..sources.official_counts import prh_as_of

    tb = ctx.indicators.table
    sel = tb[tb["area_level"].isin(["maakunta", "koko_maa"]) & (tb["sector"] == ALL)
             & tb["indicator"].isin(["prh_registered_associations", "prh_sote_associations",
                                     "ytj_associations_with_business_id", "ytj_share_of_prh_register"])]
    if sel.empty:
        return ""
    lang = ctx.language
    w = sel.pivot_table(index=["area_level", "area_code"], columns="indicator", values="value", aggfunc="first")
    names = ctx.area_names("maakunta")
    order = [("maakunta", str(c)) for c in names.index] + [("koko_maa", "SSS")]
    w = w.reindex([k for k in order if k in w.index])
    region = [t("ytj_completeness_national", lang) if lvl == "koko_maa" else str(names.get(code, code))
              for lvl, code in w.index]
    date = fmt_date(dt.date.fromisoformat(prh_as_of()), lang)
    df = pd.DataFrame({
        t("ytj_completeness_region", lang): region,
        indicator_label("ytj_associations_with_business_id", lang):
            [fmt_number(v, 0, lang) for v in w["ytj_associations_with_business_id"]],
        f"{indicator_label('prh_registered_associations', lang)} ({date})":
            [fmt_number(v, 0, lang) for v in w["prh_registered_associations"]],
        indicator_label("ytj_share_of_prh_register", lang):
            [fmt_percent(v, 0, lang) for v in w["ytj_share_of_prh_register"]],
        indicator_label("prh_sote_associations", lang): [fmt_number(v, 0, lang) for v in w["prh_sote_associations"]],
    })
    return (f"<h2>{h(t('ytj_completeness_title', lang))}</h2>"
            + table(df, caption=t("ytj_completeness_title", lang), row_headers=True)
            + f"<p class='sote-note'>{h(t('ytj_completeness_caveat', lang))}</p>")
