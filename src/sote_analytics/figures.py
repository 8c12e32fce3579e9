"""Plotly figures for the reports: sector bars and municipality maps.

Figures are built from the indicator table and the reference boundaries;
they never download anything (no map tiles: maps are drawn from the
boundaries themselves), so they render offline.
"""

from __future__ import annotations

import marshal
from functools import cache

import pandas as pd
import plotly.graph_objects as go

from .i18n import name_column, t
from .indicators.lookup import area_rows
from .taxonomy import sector_label, sote_sectors

#: Title settings of every figure's template: no text (the reports put their titles in the page), but a title
#: an analyst adds with ``fig.update_layout(title="...")`` pushes the top margin (plotly.js
#: ``title.automargin``) instead of being clipped by the figures' narrow top margins. Without a text plotly.js
#: draws and pushes nothing; the empty text matters (plotly.js defaults it to a placeholder, which pushes).
#: They live in the template because ``update_layout(title="X")`` replaces the layout's whole ``title``
#: (the template's defaults stay).
TITLE_DEFAULTS = dict(text="", automargin=True, yref="container", pad=dict(t=12, b=8))


def with_title_room(fig: go.Figure, template: str | None = None) -> go.Figure:
    """Give ``fig``'s template the title defaults (:data:`TITLE_DEFAULTS`) and return ``fig``.

    The template is a copy of the figure's own (``plotly_white``, or plotly's default), so nothing
    else changes; without a title text the figure looks the same. With ``template`` (the name of a
    registered template) the figure gets that template instead, with the title defaults: the copy is
    made and validated once per process (:func:`title_template`) and set on the figure without
    validating it again, as plotly sets its default template (copying and validating a template is
    most of the time it takes to build a small figure).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Changed in place.

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig`` itself.

    Examples
    --------
    >>> fig = with_title_room(go.Figure(layout=dict(template="plotly_white")))
    >>> fig.update_layout(title="Otsikko").layout.title.text, fig.layout.template.layout.title.automargin
    ('Otsikko', True)
    >>> fig = with_title_room(go.Figure(), "plotly_white")
    >>> fig.layout.template.layout.title.automargin, fig.layout.template.layout.plot_bgcolor
    (True, 'white')
    """
    if template is None:
        tmpl = go.layout.Template(fig.layout.template)
        tmpl.layout.title.update(TITLE_DEFAULTS)
        fig.layout.template = tmpl
        return fig
    layout = fig.layout
    layout._validate = False  # plotly's own way of setting a template validated before
    try:  # a fresh copy of the template's JSON: unmarshalled (0.2 ms) instead of plotly's deep copy (2-5 ms)
        layout.template = marshal.loads(_title_template_bytes(template))
    finally:
        layout._validate = fig._validate
    return fig


@cache
def _title_template_bytes(name: str) -> bytes:
    """The JSON of :func:`title_template` marshalled (plain dicts, lists and values: what
    ``to_plotly_json`` would copy), for :func:`with_title_room` to set a fresh copy on each figure."""
    return marshal.dumps(title_template(name).to_plotly_json())


@cache
def title_template(name: str) -> go.layout.Template:
    """The registered template ``name`` with the title defaults (:data:`TITLE_DEFAULTS`), made once per
    process (keep it unchanged: :func:`with_title_room` copies it into each figure)."""
    import plotly.io as pio

    tmpl = go.layout.Template(pio.templates[name])
    tmpl.layout.title.update(TITLE_DEFAULTS)
    return go.layout.Template(tmpl)  # validated once more, as setting it on a figure would (same JSON)


def _default_template() -> str | None:
    import plotly.io as pio

    name = pio.templates.default
    return name if isinstance(name, str) and name in pio.templates else None


#: The package's one palette (Okabe-Ito colours, distinguishable with the common colour-vision deficiencies,
#: and the page's text colour): the figures, the explorer (:mod:`.explorer` imports these) and the report
#: stylesheet (``templates/sote/sote.css``, its ``:root`` variables of :data:`CSS_VARIABLES`, checked by a test).
PALETTE = {"area": "#0072B2", "country": "#E69F00", "highlight": "#D55E00", "text": "#1a1a1a"}
#: The stylesheet's custom properties that are colours of :data:`PALETTE` (variable -> palette key).
CSS_VARIABLES = {"--sote-blue": "area", "--sote-highlight": "highlight", "--sote-text": "text"}
#: The area's bars (and the explorer's bars), the country's, and the chosen area's outline and bar.
AREA_COLOR = PALETTE["area"]
COUNTRY_COLOR = PALETTE["country"]
HIGHLIGHT_COLOR = PALETTE["highlight"]


def _slice(table: pd.DataFrame, level: str, code: str, indicator: str) -> pd.DataFrame:
    rows = area_rows(table, level, str(code))  # the table grouped once (:mod:`.indicators.lookup`)
    return rows[rows["indicator"] == indicator].set_index("sector")


def sector_bar(table: pd.DataFrame, level: str, code: str, language: str = "fi",
               area_name: str | None = None) -> go.Figure:
    """Associations per 1,000 inhabitants by sector, the area beside the country.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table (:attr:`.indicators.IndicatorSet.table`); it must have the
        ``associations_per_1000`` and ``associations`` rows of the area and of ``koko_maa`` ``SSS``.
    level, code : str
        The area's level and code (no names: :func:`sote_analytics.sector_bar` resolves names).
    language : {"fi", "sv", "en"}
        Language of the sector labels and axis titles.
    area_name : str, optional
        The area's bar label (default: the table's ``area_name``).

    Returns
    -------
    plotly.graph_objects.Figure
        Two horizontal bar traces, the area and the country, one bar per sote sector
        (``unclassified`` only when the area has any).

    Examples
    --------
    >>> fig = sector_bar(ind.table, "hyvinvointialue", "15")
    >>> [tr.name for tr in fig.data]
    ['Keski-Suomen hyvinvointialue', 'Koko maa']
    """
    area = _slice(table, level, code, "associations_per_1000")
    country = _slice(table, "koko_maa", "SSS", "associations_per_1000")
    counts = _slice(table, level, code, "associations")
    # unclassified is shown only when the area has any
    sectors = [s for s in _sote()
               if s in area.index and (s != "unclassified" or counts.at[s, "value"] > 0)]
    labels = [sector_labels(language)[s] for s in sectors]
    bars = [
        go.Bar(y=labels, x=area.loc[sectors, "value"], orientation="h",
               name=area_name or str(area["area_name"].iloc[0]), marker_color=AREA_COLOR,
               customdata=counts.loc[sectors, "value"],
               hovertemplate="%{y}: %{x:.2f} / 1000 (n=%{customdata:.0f})<extra></extra>"),
        go.Bar(y=labels, x=country.loc[sectors, "value"], orientation="h", name=t("country", language),
               marker_color=COUNTRY_COLOR, hovertemplate="%{y}: %{x:.2f} / 1000<extra></extra>"),
    ]
    return _bar_figure(bars, dict(
        barmode="group", height=80 + 38 * len(sectors), margin=dict(l=10, r=10, t=30, b=40),
        xaxis=dict(title=dict(text=t("per_1000_axis", language))), yaxis=dict(autorange="reversed"),
        legend=dict(orientation="h", y=1.08, x=0), separators=", " if language != "en" else ".,",
        font=dict(size=13),
    ))


def _bar_figure(traces: list, layout: dict) -> go.Figure:
    """A chart of ``traces`` with ``layout`` and :func:`with_title_room`'s ``plotly_white`` template, validated in
    one construction (the template an empty placeholder until then: plotly would first deep-copy its default
    template into the new figure)."""
    return with_title_room(go.Figure(data=traces, layout={**layout, "template": {}}), "plotly_white")


#: Five-class sequential palette (ColorBrewer Blues), light to dark, no neutral grey in the middle. Adjacent
#: fills of a five-class sequential palette cannot reach 3:1 with each other, so every polygon is outlined in
#: MAP_OUTLINE, which has at least 3:1 against every fill, the "no associations" white and the page (WCAG 2.1
#: 1.4.11: the boundary between two classes is always perceivable). The darkest class stops at #2171b5 for this.
MAP_CLASSES_COLORS = ["#deebf7", "#9ecae1", "#6baed6", "#4292c6", "#2171b5"]
#: Municipality and area outlines on every map (the page's text colour).
MAP_OUTLINE = PALETTE["text"]
#: The gaps map: white = no sector missing, then light to dark orange (ColorBrewer Oranges, outlined as above).
GAPS_COLORS = ["#ffffff", "#fee6ce", "#fdae6b", "#f16913", "#d94801"]
#: "No associations": white with a hatch pattern, named in the legend (never a class colour).
NO_DATA_COLOR = "#ffffff"
NO_DATA_PATTERN = dict(shape="/", fgcolor="#6b6b6b", size=6, solidity=0.15)
#: Municipality names are printed on a map when it has at most this many municipalities.
MAX_LABELS = 40
#: Size of the municipality names on a map (CSS pixels).
LABEL_FONT_PX = 10
#: Width of a map's drawing on a desktop page, for the estimate of label boxes (CSS pixels).
LABEL_MAP_WIDTH_PX = 760
#: Heights of the sector map and the gaps map (CSS pixels; the label boxes are estimated for them).
SECTOR_MAP_HEIGHT, GAPS_MAP_HEIGHT = 600, 520


def relative_luminance(color: str) -> float:
    """Relative luminance of a ``#rrggbb`` colour (WCAG 2.1 definition).

    Parameters
    ----------
    color : str
        A hex colour, ``"#rrggbb"``.

    Returns
    -------
    float
        From 0 (black) to 1 (white).

    Examples
    --------
    >>> relative_luminance("#ffffff"), relative_luminance("#000000")
    (1.0, 0.0)
    """
    hx = color.lstrip("#")
    channels = [int(hx[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#rrggbb`` colours (1 to 21).

    Parameters
    ----------
    a, b : str
        Hex colours, ``"#rrggbb"`` (the order does not matter).

    Returns
    -------
    float
        From 1 (the same luminance) to 21 (black on white).

    Examples
    --------
    >>> round(contrast_ratio("#ffffff", "#000000"), 1)
    21.0
    >>> round(contrast_ratio("#2171b5", MAP_OUTLINE), 2)
    3.39
    """
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def class_breaks(values, k: int = 5) -> list[float]:
    """Class limits for a choropleth: quantiles rounded to two decimals, unique.

    Parameters
    ----------
    values : iterable of float
        The values to classify; NaN is left out.
    k : int
        Number of classes wanted (fewer when quantiles coincide).

    Returns
    -------
    list of float
        Ascending limits, ``k + 1`` at most (lowest value to highest); ``[]`` without values, two
        equal limits when every value is the same.

    Examples
    --------
    >>> class_breaks([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], k=3)
    [0.5, 1.33, 2.17, 3.0]
    >>> class_breaks([2.0, 2.0]), class_breaks([float("nan")])
    ([2.0, 2.0], [])
    """
    import numpy as np

    v = np.asarray([x for x in values if x == x], dtype=float)
    if v.size == 0:
        return []
    qs = np.round(np.quantile(v, np.linspace(0, 1, k + 1)), 2)
    out = sorted(set(qs.tolist()))
    return out if len(out) > 1 else [out[0], out[0]]


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


def quantile_classes(values, language: str):
    """Quantile classes of the positive values: (class index per value (-1 = no data or zero), labels, colours).

    The limits are :func:`class_breaks` of the positive values; ``labels`` and ``colours`` have one entry
    per class.

    Parameters
    ----------
    values : array-like of float
        The values (one per area); zero and NaN are in no class.
    language : {"fi", "sv", "en"}
        The decimal mark of the labels.

    Returns
    -------
    tuple of (ndarray, list of str, list of str)
        The class index of each value (-1: no data or zero), the classes' labels and their colours.

    Examples
    --------
    >>> cls, labels, colors = quantile_classes([0, 1, 2, 3, 4, float("nan")], "fi")
    >>> cls.tolist()
    [-1, 0, 1, 3, 4, -1]
    >>> labels[0], len(labels) == len(colors)
    ('1,00–1,60', True)
    """
    import numpy as np

    vals = np.asarray(values, dtype=float)
    positive = vals[(vals > 0) & ~np.isnan(vals)]
    breaks = class_breaks(positive) if positive.size else []
    nclass = max(len(breaks) - 1, 0)
    cls = np.full(len(vals), -1)
    if nclass:
        ok = (vals > 0) & ~np.isnan(vals)
        cls[ok] = np.clip(np.searchsorted(breaks, vals[ok], side="right") - 1, 0, nclass - 1)
    colors = [MAP_CLASSES_COLORS[round(i * (len(MAP_CLASSES_COLORS) - 1) / max(nclass - 1, 1))]
              for i in range(nclass)]
    labels = [f"{_num(breaks[i], language)}–{_num(breaks[i + 1], language)}" for i in range(nclass)]
    return cls, labels, colors


def sector_map(boundaries, table: pd.DataFrame, sectors: list[str], language: str = "fi",
               label_priority: pd.Series | None = None) -> go.Figure:
    """Municipality map of associations per 1,000 inhabitants, one state per sector.

    Names are drawn where they do not overlap, the municipality with the larger
    ``label_priority`` (by code; the report gives the population) first, else the larger polygon.

    One polygon trace per municipality (drawn once); each sector is a restyle of
    colours, hover texts and the class legend, so the page carries the geometry
    once. The states are the buttons of ``layout.updatemenus[0]``, which is not
    drawn (plotly's dropdown cannot be reached by keyboard): the report puts a
    native ``<select>`` beside the map that applies them (:func:`sector_menu_html`).

    Parameters
    ----------
    boundaries : GeoDataFrame
        Municipality polygons with ``code`` and ``name_fi``/``name_sv``/``name_en``
        (:meth:`.reference.ReferenceData.boundaries`; any subset of municipalities).
    table : DataFrame
        The tidy indicator table; its ``kunta`` rows of ``associations_per_1000`` and ``associations``
        are drawn.
    sectors : list of str
        The sector states, the first one shown.
    language : {"fi", "sv", "en"}
    label_priority : Series, optional
        A value per municipality code (the reports give the population): larger names first.

    Returns
    -------
    plotly.graph_objects.Figure
        One polygon trace per municipality, then the legend traces and the names; one hidden
        ``updatemenus`` button per sector when there are several.

    Examples
    --------
    >>> b = ref.boundaries("kunta", simplify=0.005)
    >>> b = b[b["code"].isin(ref.key.loc[ref.key["maakunta_code"] == "13", "kunta_code"])]
    >>> fig = sector_map(b, ind.table, ["ALL", "elderly"])
    >>> len(b), len(fig.layout.updatemenus[0].buttons), [b.label for b in fig.layout.updatemenus[0].buttons]
    (22, 2, ['Kaikki sektorit', 'Ikääntyneet ja eläkeläiset'])
    """
    gdf = boundaries.reset_index(drop=True)
    import numpy as np

    mun = table[table["area_level"] == "kunta"]
    codes = gdf["code"].astype(str)

    def by_sector(indicator: str):
        """The indicator's values, a column per sector, a row per polygon (missing: NaN)."""
        sel = mun[mun["indicator"] == indicator]
        wide = sel.pivot(index="area_code", columns="sector", values="value")  # duplicates raise, as before
        wide.index = wide.index.astype(str)
        return wide.reindex(codes.tolist())

    per, cnt = by_sector("associations_per_1000"), by_sector("associations")
    missing = np.full(len(gdf), np.nan)
    name_col = name_column(language)
    names = gdf[name_col].tolist()
    states = []
    for s in sectors:
        v = per[s].to_numpy(dtype=float) if s in per.columns else missing
        n = cnt[s].to_numpy(dtype=float) if s in cnt.columns else missing
        cls, labels, colors = quantile_classes(v, language)
        fills = [colors[c] if c >= 0 else NO_DATA_COLOR for c in cls]
        texts = [f"{nm}: {_num(x, language)} / 1000 (n={_num(k, language, 0)})"
                 for nm, x, k in zip(names, v, n, strict=True)]
        states.append((s, fills, texts, labels, colors))
    _, fills, texts, labels, colors = states[0]
    polygons = _polygon_traces([dict(
        fillcolor=fills[i], fillpattern=NO_DATA_PATTERN if fills[i] == NO_DATA_COLOR else dict(shape=""),
        line=dict(color=MAP_OUTLINE, width=0.6), text=texts[i], name=names[i]) for i in range(len(gdf))], gdf)
    nleg = len(MAP_CLASSES_COLORS) + 1
    npoly = len(gdf)

    def legend_args(labels, colors):
        names = [*labels, t("map_none_label", language)] + [""] * (nleg - len(labels) - 1)
        cols = [*colors, NO_DATA_COLOR] + ["rgba(0,0,0,0)"] * (nleg - len(labels) - 1)
        vis = [True] * (len(labels) + 1) + ["legendonly"] * (nleg - len(labels) - 1)
        return names, cols, vis

    names0, cols0, vis0 = legend_args(labels, colors)
    # legend-only traces, relabelled by the menu
    legend = [_swatch(names0[j], cols0[j], visible=vis0[j] is True) for j in range(nleg)]
    label_trace, label_text = _label_trace(gdf, names, SECTOR_MAP_HEIGHT, label_priority)
    nlab = len(label_text)
    buttons = []
    for s, fills, texts, labels, colors in states:
        ln, lc, lv = legend_args(labels, colors)
        buttons.append(dict(
            label=sector_labels(language)[s], method="restyle",
            args=[{"fillcolor": fills + [None] * nleg + [None] * nlab,
                   "fillpattern.shape": ["/" if f == NO_DATA_COLOR else "" for f in fills] + [""] * (nleg + nlab),
                   "text": texts + [None] * nleg + label_text,
                   "name": names + ln + [""] * nlab, "marker.color": [None] * npoly + lc + [None] * nlab,
                   "visible": [True] * npoly + [v is True for v in lv] + [True] * nlab}],
        ))
    menus = [dict(buttons=buttons, visible=False, showactive=False)] if len(states) > 1 else []
    return _map_figure(polygons + legend + ([label_trace] if label_trace else []), gdf, SECTOR_MAP_HEIGHT,
                       t("per_1000", language), top=10, updatemenus=menus)


def sector_menu_html(fig: go.Figure, label: str, select_id: str = "sote-sector-map") -> str:
    """A labelled native ``<select>`` that applies the sector states of :func:`sector_map` to the map in the
    same ``<figure>`` (keyboard- and screen-reader-usable); '' when the map has a single state.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A map of :func:`sector_map` (its ``layout.updatemenus[0]`` holds the states).
    label : str
        The visible label of the menu.
    select_id : str
        The ``id`` of the ``<select>`` (unique on the page).

    Returns
    -------
    str
        HTML: a ``<div>`` with the label and the menu, and the script that restyles the map.

    Examples
    --------
    >>> fig = go.Figure(layout=dict(updatemenus=[dict(buttons=[dict(label="A <b>", args=[{}]),
    ...                                                        dict(label="B", args=[{}])])]))
    >>> html = sector_menu_html(fig, "Toimiala")
    >>> '<label for="sote-sector-map">Toimiala</label>' in html, "A &lt;b&gt;" in html
    (True, True)
    """
    import html

    menus = fig.layout.updatemenus
    if not menus or len(menus[0].buttons) < 2:
        return ""
    options = "".join(f'<option value="{i}"{" selected" if i == 0 else ""}>{html.escape(b.label)}</option>'
                      for i, b in enumerate(menus[0].buttons))
    sid = html.escape(select_id)
    return (f'<div class="sote-map-control"><label for="{sid}">{html.escape(label)}</label> '
            f'<select id="{sid}" class="sote-map-select" autocomplete="off">{options}</select></div>'
            "<script>(function () {\n"
            f"  var sel = document.getElementById('{sid}');\n"
            "  if (!sel || sel.dataset.bound) return;\n"
            "  sel.dataset.bound = '1';\n"
            "  sel.addEventListener('change', function () {\n"
            "    var fig = sel.closest('figure'), el = fig && fig.querySelector('.js-plotly-plot');\n"
            "    if (!el || !el.layout || !window.Plotly || !window.Plotly.restyle) return;\n"
            "    var b = el.layout.updatemenus[0].buttons[Number(sel.value)];\n"
            "    if (b) window.Plotly.restyle(el, b.args[0]);\n"
            "  });\n"
            "})();</script>")


def add_area_labels(fig: go.Figure, gdf, names: list[str], height: int = 600,
                priority: pd.Series | None = None) -> list:
    """Municipality names inside their polygons (maps with at most MAX_LABELS municipalities);
    returns the restyle ``text`` entry of the label trace ([] when no labels).

    A name sits at the polygon's pole of inaccessibility (the centre of its largest inscribed
    circle, on its largest part), not at an arbitrary inner point. Names are placed by
    ``priority`` (a value per code, e.g. population; else the polygon's area), largest first; a
    name whose box would overlap one already placed is left out (it stays in the hover text and
    the data table): three names at one spot are unreadable.
    The boxes are estimated for the map drawn ``height`` pixels high on a desktop page.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The map; a text trace of the names is added to it.
    gdf : GeoDataFrame
        The polygons (``code``, ``geometry``), in the order of ``names``.
    names : list of str
        The name of each polygon.
    height : int, default 600
        The map's height in pixels.
    priority : Series, optional
        A value per code; the larger placed first (default: the polygon's area).

    Returns
    -------
    list
        ``[texts]``, the label trace's texts ("" for a name left out), as a restyle entry; ``[]`` when
        no labels are drawn (a single polygon or more than ``MAX_LABELS``).

    Examples
    --------
    >>> b = ref.boundaries("maakunta", simplify=0.005)
    >>> fig = go.Figure()
    >>> (texts,) = add_area_labels(fig, b, b["name_fi"].tolist())
    >>> fig.data[-1].mode, len(texts) == len(b), "Keski-Suomi" in texts
    ('text', True, True)
    >>> add_area_labels(go.Figure(), b.head(1), ["Uusimaa"])
    []
    """
    trace, entry = _label_trace(gdf, names, height, priority)
    if trace is not None:
        fig.add_trace(trace)
    return entry


def _label_trace(gdf, names: list[str], height: int, priority: pd.Series | None) -> tuple[dict | None, list]:
    """The text trace of :func:`add_area_labels` (None without labels) and its restyle entry."""
    if not 1 < len(gdf) <= MAX_LABELS:
        return None, []
    pts = [_label_point(g) for g in gdf.geometry]
    if priority is not None:
        rank = priority.reindex(gdf["code"]).fillna(-1).to_numpy().tolist()
    else:
        rank = [g.area for g in gdf.geometry]
    shown = _non_overlapping(gdf, pts, names, height, rank)
    trace = dict(type="scatter", x=[round(p.x, 4) for p in pts], y=[round(p.y, 4) for p in pts], mode="text",
                 text=shown, textfont=dict(size=LABEL_FONT_PX, color="#111111"), hoverinfo="skip",
                 showlegend=False, name="")
    return trace, [shown]


def _label_point(geom):
    """The pole of inaccessibility of the largest part of ``geom`` (shapely's polylabel)."""
    from shapely.ops import polylabel

    part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
    try:
        return polylabel(part, tolerance=max(part.bounds[2] - part.bounds[0], 1e-9) / 50)
    except Exception:  # a degenerate ring: any point inside will do
        return geom.representative_point()


def _non_overlapping(gdf, pts, names: list[str], height: int, rank: list[float]) -> list[str]:
    """``names`` with "" for those whose boxes would overlap the name of a municipality ranked higher."""
    import math

    minx, miny, maxx, maxy = gdf.total_bounds
    cos_lat = math.cos(math.radians((miny + maxy) / 2))
    plot_h = max(height - 90, 100)  # the legend below the drawing
    scale = min(plot_h / max(maxy - miny, 1e-9), LABEL_MAP_WIDTH_PX / max((maxx - minx) * cos_lat, 1e-9))
    placed: list[tuple[float, float, float, float]] = []
    shown = [""] * len(names)
    for i in sorted(range(len(names)), key=lambda i: -rank[i]):
        half_w = (0.6 * LABEL_FONT_PX * len(names[i]) + 4) / 2 / (scale * cos_lat)
        half_h = (1.2 * LABEL_FONT_PX + 2) / 2 / scale
        box = (pts[i].x - half_w, pts[i].y - half_h, pts[i].x + half_w, pts[i].y + half_h)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        shown[i] = names[i]
    return shown


def context_map(area_boundaries, values: pd.Series, highlight: str, language: str = "fi") -> go.Figure:
    """All areas of a level coloured by a value, one area outlined (national context).

    Parameters
    ----------
    area_boundaries : GeoDataFrame
        Polygons of the level's areas (``code``, ``name_fi``/``name_sv``/``name_en``).
    values : Series
        The value per area code (associations per 1,000 inhabitants in the reports); missing or
        zero is drawn white and hatched.
    highlight : str
        The code of the area to outline ("" for none).
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        One polygon trace per area, then one legend swatch per class shown.

    Examples
    --------
    >>> b = ref.boundaries("maakunta", simplify=0.005)
    >>> per = sa.select(ind.table, level="maakunta", sector="ALL", indicator="associations_per_1000")
    >>> fig = context_map(b, per.set_index("area_code")["value"], highlight="13")
    >>> [tr.text.split(":")[0] for tr in fig.data if tr.line.color == "#D55E00"], len(b)
    (['Keski-Suomi'], 19)
    """
    gdf = area_boundaries.reset_index(drop=True)
    v = values.reindex(gdf["code"]).to_numpy()
    cls, labels, colors = quantile_classes(v, language)
    name_col = name_column(language)
    shown: set[int] = set()
    traces = []
    for i, row in enumerate(gdf[["code", name_col]].itertuples(index=False)):
        c = int(cls[i])
        hi = row[0] == str(highlight)
        traces.append(dict(
            fillcolor=colors[c] if c >= 0 else NO_DATA_COLOR, fillpattern=NO_DATA_PATTERN if c < 0 else None,
            line=dict(color=HIGHLIGHT_COLOR if hi else MAP_OUTLINE, width=3 if hi else 0.5),
            text=f"{row[1]}: {_num(v[i], language)} / 1000",
            name=labels[c] if c >= 0 else t("map_none_label", language)))
        shown.add(c)
    swatches = [_swatch(labels[c] if c >= 0 else t("map_none_label", language),
                        colors[c] if c >= 0 else NO_DATA_COLOR, c + 2) for c in sorted(shown)]
    return _map_figure(_polygon_traces(traces, gdf) + swatches, gdf, 560, t("per_1000", language))


def polygon_figure(props: list[dict], gdf) -> go.Figure:
    """A figure of one filled polygon trace per row of ``gdf`` (``props[i]``: the row's fill, line,
    hover text and name; ``None`` values left out).

    An ordinary validated figure (``update_layout``, ``update_traces``, ``fig.layout.title.text`` work as
    in plotly's documentation). Validation costs little with plotly 7: the report's municipality sector
    map (308 polygons, 12 sector states) takes 0.18 s to build, 0.10 s without validation.

    Parameters
    ----------
    props : list of dict
        Per row of ``gdf`` the trace's properties (``fillcolor``, ``line``, ``text``, ``name``, ...).
    gdf : GeoDataFrame
        The polygons (``geometry``), as many as ``props``.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``fill="toself"`` line trace per polygon, without legend entries.

    Examples
    --------
    >>> b = ref.boundaries("maakunta", simplify=0.005)
    >>> fig = polygon_figure([dict(fillcolor="#9ecae1", name=n, text=None) for n in b["name_fi"]], b)
    >>> len(fig.data) == len(b), fig.data[0].fill, fig.data[0].fillcolor, fig.data[0].text
    (True, 'toself', '#9ecae1', None)
    """
    return go.Figure(data=_polygon_traces(props, gdf))


def _polygon_traces(props: list[dict], gdf) -> list[dict]:
    """The trace dicts of :func:`polygon_figure`."""
    traces = []
    for p, geom in zip(props, gdf.geometry, strict=True):
        xs, ys = _rings(geom)
        traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself", "hoveron": "fills",
                       "hoverinfo": "text", "showlegend": False} | {k: v for k, v in p.items() if v is not None})
    return traces


def _map_figure(traces: list[dict], gdf, height: int, legend_title: str, top: int = 10, **layout) -> go.Figure:
    """The map of ``traces`` with :func:`map_layout`'s layout, validated in one construction.

    Building a map trace by trace and then updating its layout walks every trace again at each step (a county's
    sector map: 57 ms built so, the same figure in one construction about half). The template is an empty
    placeholder until :func:`with_title_room` sets the real one (plotly would deep-copy its default template
    into every new figure first).
    """
    fig = go.Figure(data=traces, layout={**_map_layout_props(gdf, height, legend_title, top), **layout,
                                         "template": {}})
    return with_title_room(fig, _default_template())


def legend_swatch(fig: go.Figure, name: str, color: str, rank: int) -> None:
    """A legend entry: a square of the class colour outlined like the map's polygons (a polygon's own
    legend symbol is a line, which says nothing for a white class).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The map; an empty marker trace is added to it.
    name : str
        The entry's label (a class's limits).
    color : str
        The class colour.
    rank : int
        The entry's ``legendrank`` (the smaller first).

    Returns
    -------
    None

    Examples
    --------
    >>> fig = go.Figure()
    >>> legend_swatch(fig, "1,00–2,00", "#9ecae1", 2)
    >>> sw = fig.data[-1]
    >>> sw.name, sw.marker.symbol, sw.marker.color, sw.legendrank, sw.showlegend
    ('1,00–2,00', 'square', '#9ecae1', 2, True)
    """
    fig.add_trace(_swatch(name, color, rank))


def _swatch(name: str, color: str, rank: int | None = None, **props) -> dict:
    """The trace dict of :func:`legend_swatch` (without ``legendrank`` when ``rank`` is None; ``props`` added)."""
    return dict(type="scatter", x=[None], y=[None], mode="markers", name=name, showlegend=True,
                marker=dict(size=12, symbol="square", color=color, line=dict(color=MAP_OUTLINE, width=1)),
                hoverinfo="skip", **({} if rank is None else {"legendrank": rank}), **props)


def gaps_map(boundaries, missing: pd.Series, language: str = "fi",
             label_priority: pd.Series | None = None) -> go.Figure:
    """Municipalities coloured by how many sote sectors have no association there (names as in
    :func:`sector_map`).

    Parameters
    ----------
    boundaries : GeoDataFrame
        Municipality polygons (``code``, ``name_fi``/``name_sv``/``name_en``).
    missing : Series
        The number of sectors without an association, per municipality code (missing: 0).
    language : {"fi", "sv", "en"}
    label_priority : Series, optional
        A value per municipality code: larger names first.

    Returns
    -------
    plotly.graph_objects.Figure
        One polygon trace per municipality, at most five colour classes (0, then up to four
        groups of counts) with their swatches.

    Examples
    --------
    >>> b = ref.boundaries("kunta", simplify=0.005)
    >>> b = b[b["code"].isin(["179", "249", "992"])]
    >>> fig = gaps_map(b, pd.Series({"179": 2, "249": 7}))
    >>> sorted({tr.text for tr in fig.data if tr.text and ":" in tr.text})
    ['Jyväskylä: 2', 'Keuruu: 7', 'Äänekoski: 0']
    """
    gdf = boundaries.reset_index(drop=True)
    m = missing.reindex(gdf["code"]).fillna(0).astype(int).to_numpy()
    name_col = name_column(language)
    shown: set[int] = set()
    palette = GAPS_COLORS
    values = sorted(set(m.tolist()) - {0})
    # at most four classes of counts, each with its own colour and a label naming its counts
    groups = [values[i * len(values) // 4:(i + 1) * len(values) // 4] for i in range(4)] if len(values) > 4 \
        else [[v] for v in values]
    groups = [g for g in groups if g]
    bucket_of = {v: i + 1 for i, g in enumerate(groups) for v in g}
    label = {0: "0"} | {i + 1: (str(g[0]) if len(g) == 1 else f"{g[0]}–{g[-1]}") for i, g in enumerate(groups)}
    traces = []
    for i, nm in enumerate(gdf[name_col]):
        k = int(m[i])
        b = bucket_of.get(k, 0)
        traces.append(dict(fillcolor=palette[b], line=dict(color=MAP_OUTLINE, width=0.5), text=f"{nm}: {k}",
                           name=label[b]))
        shown.add(b)
    traces = _polygon_traces(traces, gdf) + [_swatch(label[b], palette[b], b) for b in sorted(shown)]
    labels_trace, _ = _label_trace(gdf, gdf[name_col].tolist(), GAPS_MAP_HEIGHT, label_priority)
    return _map_figure(traces + ([labels_trace] if labels_trace else []), gdf, GAPS_MAP_HEIGHT,
                       t("sectors_missing", language))


def share_bar(table: pd.DataFrame, level: str, code: str, indicator: str, language: str = "fi") -> go.Figure:
    """A share by sector with 95% interval error bars (e.g. paid staff share).

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table (``value``, ``lower``, ``upper`` and ``n`` of the indicator).
    level, code : str
        The area's level and code.
    indicator : str
        A share indicator (values from 0 to 1), e.g. ``"paid_staff_share"``.
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar per sector with answers (``n > 0``), in per cent, with asymmetric error bars.

    Examples
    --------
    >>> fig = share_bar(ind.table, "maakunta", "13", "paid_staff_share")
    >>> fig.layout.xaxis.range, len(fig.data[0].y) > 0
    ((0, 100), True)
    """
    sel = _slice(table, level, code, indicator)
    sectors = [s for s in _sote() if s in sel.index and sel.at[s, "n"] > 0]
    bar = go.Bar(
        y=[sector_labels(language)[s] for s in sectors], x=sel.loc[sectors, "value"] * 100, orientation="h",
        marker_color=AREA_COLOR,
        error_x=dict(type="data", symmetric=False,
                     array=(sel.loc[sectors, "upper"] - sel.loc[sectors, "value"]) * 100,
                     arrayminus=(sel.loc[sectors, "value"] - sel.loc[sectors, "lower"]) * 100, color="#444"),
        customdata=sel.loc[sectors, "n"],
        hovertemplate="%{y}: %{x:.0f} % (n=%{customdata})<extra></extra>")
    return _bar_figure([bar], dict(height=80 + 30 * len(sectors), margin=dict(l=10, r=10, t=10, b=40),
                                   xaxis=dict(title="%", range=[0, 100]), yaxis=dict(autorange="reversed"),
                                   separators=", " if language != "en" else ".,"))


def registrations_bar(registrations: pd.DataFrame, language: str = "fi") -> go.Figure:
    """Registrations by decade (``year``, ``registrations``).

    Parameters
    ----------
    registrations : DataFrame
        ``year`` and ``registrations`` (the number registered that year), one row per year.
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        One bar per decade.

    Examples
    --------
    >>> regs = pd.DataFrame({"year": [1985, 1989, 2003, 2021], "registrations": [2, 3, 4, 1]})
    >>> fig = registrations_bar(regs)
    >>> list(fig.data[0].x), fig.data[0].y.tolist()
    (['1980–', '2000–', '2020–'], [5, 4, 1])
    """
    dec = (registrations["year"] // 10 * 10).astype(int)
    by = registrations.groupby(dec)["registrations"].sum()
    bar = go.Bar(x=[f"{d}–" for d in by.index], y=by.to_numpy(), marker_color=AREA_COLOR,
                 hovertemplate="%{x}: %{y}<extra></extra>")
    return _bar_figure([bar], dict(height=320, margin=dict(l=10, r=10, t=10, b=40),
                                   xaxis=dict(title=dict(text=t("decade", language))),
                                   yaxis=dict(title=dict(text=t("registrations", language))),
                                   separators=", " if language != "en" else ".,"))


def tile_grid(table: pd.DataFrame, grid: pd.DataFrame, language: str = "fi") -> go.Figure:
    """Small multiples of the wellbeing areas on a tile grid: per 1,000 by sector.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table (its ``hyvinvointialue`` rows of ``associations_per_1000``).
    grid : DataFrame
        ``code``, ``name``, ``row``, ``col`` (1-based) of each tile (:meth:`.reference.ReferenceData.grid`).
    language : {"fi", "sv", "en"}

    Returns
    -------
    plotly.graph_objects.Figure
        One bar trace per tile, on one shared value axis.

    Examples
    --------
    >>> grid = pd.DataFrame({"code": ["15", "10"], "name": ["Keski-Suomen hyvinvointialue", "Etelä-Savo"],
    ...                      "row": [1, 1], "col": [1, 2]})
    >>> fig = tile_grid(ind.table, grid)
    >>> len(fig.data), fig.layout.annotations[0].text
    (2, 'Keski-Suomen<br>hyvinvointialue')
    """
    from plotly.subplots import make_subplots

    rows, cols = int(grid["row"].max()), int(grid["col"].max())
    sel = table[(table["area_level"] == "hyvinvointialue") & (table["indicator"] == "associations_per_1000")]
    sectors = [s for s in _sote() if s != "unclassified"]
    vmax = float(sel[sel["sector"].isin(sectors)]["value"].max())
    names = {}
    for g in grid.itertuples():
        names[(int(g.row), int(g.col))] = g
    titles = [str(names[(r, c)].name).replace(" hyvinvointialue", "<br>hyvinvointialue") if (r, c) in names else ""
              for r in range(1, rows + 1) for c in range(1, cols + 1)]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.03,
                        vertical_spacing=0.05)
    colors = [sectors_color(s) for s in sectors]
    for (r, c), g in names.items():
        v = sel[sel["area_code"] == str(g.code)].set_index("sector")["value"].reindex(sectors)
        fig.add_bar(x=list(range(len(sectors))), y=v.to_numpy(), marker_color=colors, row=r, col=c,
                    showlegend=False, customdata=[sector_labels(language)[s] for s in sectors],
                    hovertemplate="%{customdata}: %{y:.2f} / 1000<extra>" + str(g.name) + "</extra>")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(range=[0, vmax * 1.05], showticklabels=True, nticks=3, tickfont=dict(size=9),
                     gridcolor="#eee")
    fig.update_annotations(font_size=10)
    fig.update_layout(height=150 * rows, margin=dict(l=10, r=10, t=40, b=10),
                      separators=", " if language != "en" else ".,")
    return with_title_room(fig, "plotly_white")


def sectors_color(code: str) -> str:
    """The colour of a sector (``data/sectors.csv``), as in the tile grid and its legend.

    Parameters
    ----------
    code : str
        A sector id (:func:`sote_analytics.sectors`).

    Returns
    -------
    str
        A CSS colour.

    Examples
    --------
    >>> sectors_color("elderly").startswith("#")
    True
    """
    return _sector_colors()[code]


@cache
def _sector_colors() -> dict[str, str]:
    from .taxonomy import sectors

    return {str(k): str(v) for k, v in sectors()["color"].items()}


@cache
def sector_labels(language: str) -> dict[str, str]:
    """Every sector's label in ``language`` (:func:`.taxonomy.sector_label`, ``ALL`` included), made once per
    process and language (the taxonomy ships with the package; keep the dict unchanged).

    Parameters
    ----------
    language : {"fi", "sv", "en"}

    Returns
    -------
    dict of str to str
        Sector code -> label, every sector of the taxonomy and then ``ALL``.

    Examples
    --------
    >>> labels = sector_labels("en")
    >>> labels["ALL"], list(labels)[-1], sector_labels("en") is labels
    ('All sectors', 'ALL', True)
    """
    from .taxonomy import ALL, sectors

    return {code: sector_label(code, language) for code in [*sectors().index, ALL]}


@cache
def _sote() -> tuple[str, ...]:
    return tuple(sote_sectors())


def map_layout(fig: go.Figure, gdf, height: int, legend_title: str, top: int = 10, **layout) -> go.Figure:
    """Plain axes (the figure's one pair) with an equal-distance aspect at the drawing's latitude (no tiles, no
    topojson).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The map (changed in place).
    gdf : GeoDataFrame
        The polygons drawn (their latitude gives the aspect ratio).
    height : int
        The figure's height in pixels.
    legend_title : str
        The title above the legend (drawn below the map).
    top : int, default 10
        The top margin in pixels.
    **layout
        Further layout properties.

    Returns
    -------
    plotly.graph_objects.Figure
        ``fig``, with room for a title.

    Examples
    --------
    >>> b = ref.boundaries("maakunta", simplify=0.005)
    >>> fig = map_layout(polygon_figure([{} for _ in range(len(b))], b), b, 500, "Yhdistyksiä / 1000")
    >>> fig.layout.height, fig.layout.legend.title.text, fig.layout.xaxis.visible, fig.layout.yaxis.scaleanchor
    (500, 'Yhdistyksiä / 1000', False, 'x')
    >>> round(fig.layout.yaxis.scaleratio, 2)  # 1 / cos(latitude)
    2.35
    """
    # one update of the layout (each update of a figure of hundreds of traces walks them)
    fig.update_layout(**_map_layout_props(gdf, height, legend_title, top), **layout)
    return with_title_room(fig, _default_template())


def _map_layout_props(gdf, height: int, legend_title: str, top: int = 10) -> dict:
    """The layout :func:`map_layout` sets."""
    import math

    return dict(xaxis=dict(visible=False),
                yaxis=dict(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(_mid_latitude(gdf)))),
                height=height, margin=dict(l=0, r=0, t=top, b=0), plot_bgcolor="white",
                legend=dict(title=dict(text=legend_title, side="top"), orientation="h", y=-0.02,
                            yanchor="top", x=0),  # title above the entries: they wrap within a phone
                hoverlabel=dict(bgcolor="white"))


def _mid_latitude(gdf) -> float:
    """Latitude of the middle of the drawing, for the equal-distance aspect ratio."""
    if not len(gdf):
        return 62.0
    _, miny, _, maxy = gdf.total_bounds
    return float((miny + maxy) / 2)
