"""An interactive explorer for JupyterLab (ipywidgets) and the figures it draws.

Four selectors (level, area, sector, indicator) drive three linked views:
a choropleth of every area of the level, a ranked bar chart of the same
values, and a table of the chosen area's indicators. The chosen area is
outlined on the map and coloured on the bar chart. The figures are plain
plotly figures (``Explorer.map_figure``, ``Explorer.bar_figure``) and the
table a DataFrame (``Explorer.selection``), so a notebook can take them
further. Maps are drawn from the boundaries themselves (no tiles, offline).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from .i18n import name_column, t

if TYPE_CHECKING:  # pragma: no cover - typing only
    import plotly.graph_objects as go

    from .reference import ReferenceData

#: Bar colour of the areas and of the chosen area: ``BAR_COLOR`` and ``HIGHLIGHT_COLOR``, the colours of
#: :data:`.figures.PALETTE` (:func:`__getattr__`: read from :mod:`.figures` when first used, so importing the
#: explorer does not import plotly).
_PALETTE_NAMES = {"BAR_COLOR": "AREA_COLOR", "HIGHLIGHT_COLOR": "HIGHLIGHT_COLOR"}


def __getattr__(name: str):
    if name in _PALETTE_NAMES:
        from . import figures

        return getattr(figures, _PALETTE_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

#: Levels offered by the explorer (the whole country is a single area, so no map).
LEVELS = ("kunta", "seutukunta", "maakunta", "hyvinvointialue", "yhteistyoalue")
#: Columns of the explorer's table.
TABLE_COLUMNS = ["indicator", "name", "value", "lower", "upper", "n", "unit"]
#: Simplification of the explorer's boundaries (degrees), as in the reports.
SIMPLIFY = 0.005
#: The explorer's own words (its table header and the map's "no value" class), by language.
WORDS = {
    "fi": {"indicator": "Indikaattori", "value": "Arvo", "interval": "95 %:n väli", "n": "n",
           "share_none": "0 % tai ei arvoa"},
    "sv": {"indicator": "Indikator", "value": "Värde", "interval": "95 % intervall", "n": "n",
           "share_none": "0 % eller inget värde"},
    "en": {"indicator": "Indicator", "value": "Value", "interval": "95 % interval", "n": "n",
           "share_none": "0 % or no value"},
}


def _values(table: pd.DataFrame, level: str, sector: str, indicator: str) -> pd.DataFrame:
    sel = table[(table["area_level"] == level) & (table["sector"] == sector) & (table["indicator"] == indicator)]
    return sel.drop_duplicates("area_code").set_index("area_code")


def _fmt(indicator: str, value, language: str) -> str:
    from .indicators.engine import format_value

    if value is None or value != value:
        return t("none", language)
    try:
        return format_value(indicator, value, language)
    except KeyError:
        return f"{value:.2f}"


def _label(indicator: str, language: str) -> str:
    from .indicators.engine import definitions

    d = definitions().get(indicator)
    return str(d[language]) if d else indicator


def _is_share(indicator: str) -> bool:
    from .indicators.engine import definitions

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
    return [f"{_fmt(indicator, breaks[i], language)}–{_fmt(indicator, breaks[i + 1], language)}"
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
    vals = _values(table, level, sector, indicator)["value"].reindex(gdf["code"].astype(str))
    v = vals.to_numpy(dtype=float)
    cls, _, colors = quantile_classes(v, language)
    class_labels = _class_labels(v, indicator, language)
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
            text=f"{row[name_col]}: {_fmt(indicator, v[i], language)}", name=str(row[name_col]),
            meta=[str(row["code"]), float(v[i])]))
        shown.add(c)
    fig = polygon_figure(props, gdf)
    if highlight is not None:  # the outlined area drawn last, so its outline is not hidden by its neighbours
        order = [i for i in range(len(props)) if props[i]["meta"][0] != str(highlight)]
        order += [i for i in range(len(props)) if props[i]["meta"][0] == str(highlight)]
        fig.data = [fig.data[i] for i in order]
    for c in sorted(shown, key=lambda k: (k < 0, k)):
        if c >= 0:
            legend_swatch(fig, class_labels[c], colors[c], c + 2)
        else:
            legend_swatch(fig, none, NO_DATA_COLOR, 99)
    if labels:
        add_area_labels(fig, gdf, gdf[name_col].astype(str).tolist(), GAPS_MAP_HEIGHT, label_priority)
    return map_layout(fig, gdf, GAPS_MAP_HEIGHT, _label(indicator, language))


def ranked_bar_figure(table: pd.DataFrame, level: str, sector: str = "ALL",
                      indicator: str = "associations_per_1000", highlight: str | None = None,
                      top: int | None = None, language: str = "fi") -> go.Figure:
    """Areas of ``level`` ranked by one indicator of one sector, the first on top.

    Areas without a value are left out; ``highlight`` (an area code) gets its own colour. A share
    (paid staff share, ...) is drawn in per cent with its 95 % interval as error bars, ranked by the
    interval's lower bound (100 % of 2 associations is not first), and every area's label carries its
    n. See :func:`.api.ranked_bar` for an example.

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

    from .api import ranking
    from .figures import AREA_COLOR as BAR_COLOR
    from .figures import HIGHLIGHT_COLOR, with_title_room

    share = _is_share(indicator) and {"lower", "upper"} <= set(table.columns)
    r = ranking(table, level, sector, indicator, by="lower" if share else "value")
    r = r[r["value"].notna()]
    if top:
        r = r.head(top)
    colors = [HIGHLIGHT_COLOR if str(c) == str(highlight) else BAR_COLOR for c in r["area_code"]]
    n = r["n"] if "n" in r else pd.Series(float("nan"), index=r.index)
    nums = [_fmt("associations", k, language) if k == k else "–" for k in n]
    if share:
        lo, hi = r["lower"].to_numpy(dtype=float) * 100, r["upper"].to_numpy(dtype=float) * 100
        x = r["value"].to_numpy(dtype=float) * 100
        shown = [_fmt(indicator, v, language) for v in r["value"]]
        ivals = [f"{_fmt(indicator, a, language)}–{_fmt(indicator, b, language)}" for a, b in
                 zip(r["lower"], r["upper"], strict=True)]
        bar = go.Bar(y=[f"{nm} (n={k})" for nm, k in zip(r["area_name"], nums, strict=True)], x=x.tolist(),
                     orientation="h", marker_color=colors,
                     error_x=dict(type="data", symmetric=False, array=(hi - x).tolist(), arrayminus=(x - lo).tolist(),
                                  color="#444"),
                     customdata=list(zip(r["area_code"], nums, shown, ivals, strict=True)),
                     hovertemplate="%{y}: %{customdata[2]} (95 %: %{customdata[3]})<extra></extra>")
    else:
        shown = [_fmt(indicator, v, language) for v in r["value"]]
        bar = go.Bar(y=r["area_name"].tolist(), x=r["value"].tolist(), orientation="h", marker_color=colors,
                     customdata=list(zip(r["area_code"], nums, shown, strict=True)),
                     hovertemplate="%{y}: %{customdata[2]} (n=%{customdata[1]})<extra></extra>")
    fig = go.Figure(bar)
    fig.update_layout(
        height=max(260, 60 + 18 * len(r)), margin=dict(l=10, r=10, t=30, b=40),
        xaxis_title=_label(indicator, language), yaxis=dict(autorange="reversed", automargin=True),
        separators=", " if language != "en" else ".,", font=dict(size=12),
    )
    if share:
        fig.update_xaxes(range=[0, 100], ticksuffix=" %")
    return with_title_room(fig, "plotly_white")


def area_table(table: pd.DataFrame, level: str, area: str, sector: str = "ALL",
               language: str = "fi") -> pd.DataFrame:
    """Every indicator of one area and sector, with its name in ``language``.

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": "kunta", "area_code": "179", "sector": "ALL",
    ...                   "indicator": ["associations", "associations_per_1000"], "value": [3.0, 0.02],
    ...                   "lower": float("nan"), "upper": float("nan"), "n": [3, 3], "unit": ["count", "per 1000"]})
    >>> area_table(t, "kunta", "179", language="en")[["name", "value"]].values.tolist()
    [['Associations', 3.0], ['Associations per 1,000 inhabitants', 0.02]]
    """
    sel = table[(table["area_level"] == level) & (table["area_code"] == str(area)) & (table["sector"] == sector)]
    out = sel.assign(name=[_label(i, language) for i in sel["indicator"]])
    return out[[c for c in TABLE_COLUMNS if c in out]].reset_index(drop=True)


def _translated_names(table: pd.DataFrame, ref: ReferenceData, language: str) -> pd.DataFrame:
    """The table with ``area_name`` in ``language`` (Swedish or English names of the reference, the
    Finnish name where it has none); the table itself for Finnish."""
    if language == "fi" or "area_name" not in table:
        return table
    from .api import _names_of

    names = _names_of(ref)
    col = f"name_{language}"
    if col not in names:
        return table
    by_key = names.set_index(["area_level", "area_code"])[col]
    keys = pd.MultiIndex.from_arrays([table["area_level"].astype(str), table["area_code"].astype(str)])
    translated = pd.Series(by_key.reindex(keys).to_numpy(), index=table.index)
    return table.assign(area_name=translated.where(translated.notna() & (translated != ""), table["area_name"]))


class Explorer:
    """Level, area, sector and indicator selectors driving a choropleth, a ranked bar chart and a table.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    ref : ReferenceData
        Reference geography (boundaries of every level).
    level, sector, indicator : str
        Initial selection; the area starts at the first area of the level by name.
    language : str
        fi, sv or en.

    Attributes
    ----------
    level, area, sector, indicator : ipywidgets.Dropdown
        The selectors; setting ``.value`` redraws the views.
    map_figure, bar_figure : plotly Figure
        The current choropleth and ranking.
    selection : DataFrame
        The current table (the chosen area's indicators of the chosen sector).
    widget : ipywidgets.VBox
        The whole explorer (the explorer displays itself in a notebook).

    Examples
    --------
    >>> ex = Explorer(ind.table, ref, level="hyvinvointialue")
    >>> ex.area.value = "91"
    >>> ex.area.label
    'Ahvenanmaa (91)'
    >>> ex.level.value = "seutukunta"  # Ahvenanmaa's largest sub-region, not Lappeenranta (91)
    >>> ex.area.label
    'Ålands landsbygd (212)'
    >>> ex.sector.value = "mental_substance"
    >>> ex.bar_figure.data[0].y[:2]
    ('Kuopio', 'Jyväskylä')
    """

    def __init__(self, table: pd.DataFrame, ref: ReferenceData, level: str = "hyvinvointialue",
                 sector: str = "ALL", indicator: str = "associations_per_1000", language: str = "fi") -> None:
        import ipywidgets as w

        from .reference import get_level
        from .taxonomy import sector_label, sote_sectors

        self.table = _translated_names(table, ref, language)
        self.ref = ref
        self.language = language
        self._boundaries: dict[str, object] = {}
        present = set(table["area_level"].unique())
        levels = [lv for lv in LEVELS if lv in present]
        if level not in levels:
            raise ValueError(f"level {level!r} is not in the table (it has: {', '.join(levels) or 'none'})")
        in_table = set(table["sector"].unique())
        sectors = [s for s in ["ALL", *sote_sectors()] if s in in_table]
        if sector not in sectors:
            raise ValueError(f"sector {sector!r} is not in the table (it has: {', '.join(sectors)})")
        words = {k: t(f"explorer_{k}", language) for k in ("level", "area", "sector", "indicator", "all")}
        lab = {"ALL": words["all"]}
        self.level = w.Dropdown(description=words["level"],
                                options=[(get_level(lv).label[language], lv) for lv in levels], value=level)
        self.sector = w.Dropdown(description=words["sector"],
                                 options=[(lab.get(s) or sector_label(s, language), s) for s in sectors],
                                 value=sector)
        self.indicator = w.Dropdown(description=words["indicator"])
        self.area = w.Dropdown(description=words["area"])
        for d in (self.level, self.sector, self.indicator, self.area):
            d.layout = w.Layout(width="auto", min_width="240px")
        self.map_out = w.Output(layout=w.Layout(width="55%"))
        self.bar_out = w.Output(layout=w.Layout(width="45%", max_height="540px", overflow="auto"))
        self.table_html = w.HTML()
        self.note = w.HTML()  # why an indicator is missing (need versus supply without age data)
        self.map_figure: go.Figure | None = None
        self.bar_figure: go.Figure | None = None
        self.selection = pd.DataFrame(columns=TABLE_COLUMNS)
        self._busy = False
        self._fill_options(indicator)
        self.level.observe(self._on_level, names="value")
        self.sector.observe(self._on_sector, names="value")
        self.indicator.observe(self._on_change, names="value")
        self.area.observe(self._on_change, names="value")
        self.widget = w.VBox([
            w.HBox([self.level, self.area]), w.HBox([self.sector, self.indicator]), self.note,
            w.HBox([self.map_out, self.bar_out]), self.table_html,
        ])
        self.refresh()

    # ------------------------------------------------------------------ options
    def _fill_options(self, indicator: str | None = None) -> None:
        """Area and indicator options of the current level and sector (keeps choices that still exist)."""
        self._busy = True
        try:
            lv, sec = self.level.value, self.sector.value
            sel = self.table[(self.table["area_level"] == lv) & (self.table["sector"] == sec)]
            areas = sel.drop_duplicates("area_code").sort_values("area_name")
            area_opts = [(f"{r.area_name} ({r.area_code})", str(r.area_code)) for r in areas.itertuples()]
            old_area, old_level = self.area.value, getattr(self, "_area_level", lv)
            self.area.options = area_opts
            codes = [c for _, c in area_opts]
            # codes repeat between levels ("91" is Ahvenanmaa among the wellbeing services counties and
            # Lappeenranta among the sub-regions): on a level change the area goes to the one that holds
            # most of the old area's population, never to an area of the same code
            keep = old_area if old_level == lv else self.carry_area(old_level, old_area, lv)
            self.area.value = keep if keep in codes else (codes[0] if codes else None)
            self._area_level = lv
            has_value = sel.groupby("indicator")["value"].apply(lambda s: s.notna().any())
            inds = [i for i in dict.fromkeys(sel["indicator"]) if has_value.get(i, False)]
            wanted = indicator or self.indicator.value
            need = "associations_per_1000_target_group"
            absent = need in set(self.table["indicator"]) and not self.table.loc[
                self.table["indicator"] == need, "value"].notna().any()
            self.note.value = f"<p>{html.escape(t('need_supply_absent_lab', self.language))}</p>" if absent else ""
            self.indicator.options = [(_label(i, self.language), i) for i in inds]
            self.indicator.value = wanted if wanted in inds else (inds[0] if inds else None)
        finally:
            self._busy = False

    def carry_area(self, old_level: str, code: str | None, new_level: str) -> str | None:
        """The area of ``new_level`` that holds most of the population of area ``code`` of ``old_level``
        (its parent, or its largest part), None when there is none.

        Examples
        --------
        >>> ex = Explorer(ind.table, ref, level="hyvinvointialue")
        >>> ex.carry_area("hyvinvointialue", "91", "seutukunta") in {"211", "212", "213"}  # Ahvenanmaa's sub-regions
        True
        >>> ex.carry_area("kunta", "179", "maakunta"), ex.carry_area("maakunta", "13", "kunta")
        ('13', '179')
        """
        if code is None:
            return None
        key = self.ref.key
        src, dst = f"{old_level}_code", f"{new_level}_code"
        if src not in key or dst not in key:
            return None
        rows = key[key[src].astype(str) == str(code)]
        if rows.empty:
            return None
        pop = pd.Series(self.ref.population).reindex(rows["kunta_code"].astype(str)).fillna(0).to_numpy()
        weight = pd.Series(pop, index=rows[dst].astype(str).to_numpy()).groupby(level=0).sum()
        return str(weight.sort_values(ascending=False, kind="stable").index[0])

    def _on_level(self, _change=None) -> None:
        self._fill_options()
        self.refresh()

    def _on_sector(self, _change=None) -> None:
        self._fill_options()
        self.refresh()

    def _on_change(self, _change=None) -> None:
        if not self._busy:
            self.refresh()

    # ------------------------------------------------------------------ views
    def boundaries(self, level: str):
        """Simplified boundaries of ``level`` (built once per level)."""
        if level not in self._boundaries:
            self._boundaries[level] = self.ref.boundaries(level, simplify=SIMPLIFY)
        return self._boundaries[level]

    def refresh(self) -> None:
        """Redraw the map, the ranking and the table from the selectors' values."""
        lv, area, sec, ind = self.level.value, self.area.value, self.sector.value, self.indicator.value
        if ind is None:
            self.table_html.value = f"<p>{html.escape(t('explorer_no_values', self.language))}</p>"
            return
        self.map_figure = choropleth_figure(self.table, self.boundaries(lv), lv, sec, ind, area, self.language)
        self.bar_figure = ranked_bar_figure(self.table, lv, sec, ind, area, None, self.language)
        self.selection = area_table(self.table, lv, area, sec, self.language) if area else \
            pd.DataFrame(columns=TABLE_COLUMNS)
        self._show(self.map_out, self.map_figure)
        self._show(self.bar_out, self.bar_figure)
        self.table_html.value = self._table_html(ind)

    def _table_html(self, indicator: str) -> str:
        rows = []
        for r in self.selection.itertuples():
            style = ' style="font-weight:bold;background:#fdf1e8"' if r.indicator == indicator else ""
            lo = "" if r.lower != r.lower else f"{_fmt(r.indicator, r.lower, self.language)}–" \
                f"{_fmt(r.indicator, r.upper, self.language)}"
            n = "" if r.n != r.n else f"{r.n:.0f}"
            rows.append(f"<tr{style}><td>{html.escape(str(r.name))}</td>"
                        f"<td>{html.escape(_fmt(r.indicator, r.value, self.language))}</td>"
                        f"<td>{html.escape(lo)}</td><td>{n}</td></tr>")
        w = WORDS.get(self.language, WORDS["fi"])
        head = "".join(f"<th>{html.escape(w[k])}</th>" for k in ("indicator", "value", "interval", "n"))
        head = f"<tr>{head}</tr>"
        return f'<table class="sote-explorer-table">{head}{"".join(rows)}</table>'

    @staticmethod
    def _show(out, fig) -> None:
        """Show a figure in an Output widget (only inside a running kernel)."""
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with ipykernel
            return
        if get_ipython() is None:
            return
        import plotly.io as pio

        # The widget's outputs are set directly: displaying inside the Output widget's capture
        # context hangs nbclient (papermill) when the notebook runs without a front end.
        bundle = pio.renderers["plotly_mimetype"].to_mimebundle(fig.to_dict())
        out.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

