"""Plotly figures for the reports: sector bars and municipality maps.

Figures are built from the indicator table and the reference boundaries;
they never download anything (no map tiles: maps are drawn from the
boundaries themselves), so they render offline.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .i18n import t
from .taxonomy import ALL, sector_label, sote_sectors

#: Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
AREA_COLOR = "#0072B2"
COUNTRY_COLOR = "#E69F00"


def _slice(table: pd.DataFrame, level: str, code: str, indicator: str) -> pd.DataFrame:
    sel = table[
        (table["area_level"] == level)
        & (table["area_code"] == str(code))
        & (table["indicator"] == indicator)
    ]
    return sel.set_index("sector")


def sector_bar(table: pd.DataFrame, level: str, code: str, language: str = "fi") -> go.Figure:
    """Associations per 1,000 inhabitants by sector, the area beside the country.

    Examples
    --------
    >>> fig = sector_bar(ind.table, "hyvinvointialue", "15")  # doctest: +SKIP
    >>> [tr.name for tr in fig.data]  # doctest: +SKIP
    ['Keski-Suomen hyvinvointialue', 'Koko maa']
    """
    area = _slice(table, level, code, "associations_per_1000")
    country = _slice(table, "koko_maa", "SSS", "associations_per_1000")
    counts = _slice(table, level, code, "associations")
    # unclassified is shown only when the area has any
    sectors = [s for s in sote_sectors()
               if s in area.index and (s != "unclassified" or counts.at[s, "value"] > 0)]
    labels = [sector_label(s, language) for s in sectors]
    fig = go.Figure()
    fig.add_bar(
        y=labels, x=area.loc[sectors, "value"], orientation="h", name=str(area["area_name"].iloc[0]),
        marker_color=AREA_COLOR,
        customdata=counts.loc[sectors, "value"],
        hovertemplate="%{y}: %{x:.2f} / 1000 (n=%{customdata:.0f})<extra></extra>",
    )
    fig.add_bar(
        y=labels, x=country.loc[sectors, "value"], orientation="h", name=t("country", language),
        marker_color=COUNTRY_COLOR,
        hovertemplate="%{y}: %{x:.2f} / 1000<extra></extra>",
    )
    fig.update_layout(
        barmode="group", height=80 + 38 * len(sectors), margin=dict(l=10, r=10, t=30, b=40),
        xaxis_title=t("per_1000_axis", language), yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", y=1.08, x=0), separators=", " if language != "en" else ".,",
        template="plotly_white", font=dict(size=13),
    )
    return fig


#: Five-class sequential palette (cividis), colour-blind safe, light to dark.
MAP_CLASSES_COLORS = ["#fde737", "#a8a878", "#7c7b78", "#4b5a7c", "#00224e"]
NO_DATA_COLOR = "#eeeeee"


def class_breaks(values, k: int = 5) -> list[float]:
    """Class limits for a choropleth: quantiles rounded to two decimals, unique.

    Examples
    --------
    >>> class_breaks([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], k=3)
    [0.5, 1.33, 2.17, 3.0]
    """
    import numpy as np

    v = np.asarray([x for x in values if x == x], dtype=float)
    if v.size == 0:
        return []
    qs = np.round(np.quantile(v, np.linspace(0, 1, k + 1)), 2)
    out = sorted(set(qs.tolist()))
    return out if len(out) > 1 else [out[0], out[0]]


def municipality_map(
    boundaries, table: pd.DataFrame, sector: str = ALL, language: str = "fi"
) -> go.Figure:
    """Map of municipalities coloured by associations per 1,000 inhabitants.

    Drawn as filled polygons on plain axes (equal-distance aspect at the
    area's latitude), so it needs no map tiles and no topojson from a CDN:
    the page works offline. Values are grouped into quantile classes with a
    colour-blind-safe palette; hovering shows name, value and count.

    Parameters
    ----------
    boundaries : GeoDataFrame
        Boundaries of the municipalities to draw (``code``, ``name_fi``,
        ``name_sv``, ``geometry``), e.g. ``ref.boundaries("kunta")`` filtered to
        an area's municipalities.
    table : DataFrame
        Indicator table; its ``kunta`` rows give the values.

    Examples
    --------
    >>> fig = municipality_map(ref.boundaries("kunta"), ind.table)  # doctest: +SKIP
    """
    import math

    import numpy as np

    mun = table[(table["area_level"] == "kunta") & (table["sector"] == sector)]
    per = mun[mun["indicator"] == "associations_per_1000"].set_index("area_code")["value"]
    cnt = mun[mun["indicator"] == "associations"].set_index("area_code")["value"]
    gdf = boundaries.reset_index(drop=True)
    values = per.reindex(gdf["code"]).to_numpy()
    breaks = class_breaks(values)
    classes = np.clip(np.searchsorted(breaks, values, side="right") - 1, 0, max(len(breaks) - 2, 0))
    name_col = "name_sv" if language == "sv" else "name_fi"
    fig = go.Figure()
    shown: set[int] = set()
    for i, row in gdf.iterrows():
        xs, ys = _rings(row.geometry)
        v = values[i]
        cls = int(classes[i]) if v == v else -1
        color = MAP_CLASSES_COLORS[cls * (len(MAP_CLASSES_COLORS) - 1) // max(len(breaks) - 2, 1)] \
            if cls >= 0 else NO_DATA_COLOR
        label = (f"{_num(breaks[cls], language)}–{_num(breaks[cls + 1], language)}"
                 if cls >= 0 else "–")
        n = cnt.get(row["code"], float("nan"))
        fig.add_scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=color,
            line=dict(color="white", width=0.7), name=label, legendgroup=label,
            showlegend=cls not in shown, legendrank=cls + 1,
            hoveron="fills", text=f"{row[name_col]}: {_num(v, language)} / 1000 (n={_num(n, language, 0)})",
            hoverinfo="text",
        )
        shown.add(cls)
    lat0 = float(np.nanmean(gdf.geometry.centroid.y)) if len(gdf) else 62.0
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(lat0)))
    fig.update_layout(
        height=560, margin=dict(l=0, r=0, t=10, b=0), plot_bgcolor="white",
        legend=dict(title=dict(text=t("per_1000", language)), traceorder="normal"),
        hoverlabel=dict(bgcolor="white"),
    )
    return fig


def _num(v, language: str, decimals: int = 2) -> str:
    from .i18n import fmt_number

    return fmt_number(float(v), decimals, language)


def _rings(geom) -> tuple[list, list]:
    """Exterior rings of a (multi)polygon as x/y lists separated by None."""
    polys = getattr(geom, "geoms", [geom])
    xs: list = []
    ys: list = []
    for poly in polys:
        x, y = poly.exterior.coords.xy
        xs.extend([round(c, 4) for c in x] + [None])
        ys.extend([round(c, 4) for c in y] + [None])
    return xs, ys
