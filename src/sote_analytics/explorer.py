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
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .api import (
    TABLE_COLUMNS,
    WORDS,
    area_table,
    checked_view,
    choropleth_figure,
    format_indicator,
    indicator_title,
    ranked_bar_figure,
    translated_names,
)
from .i18n import t
from .store import Store

if TYPE_CHECKING:  # pragma: no cover - typing only
    import plotly.graph_objects as go

    from .indicators.engine import IndicatorSet
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
#: Simplification of the explorer's boundaries (degrees), as in the reports.
SIMPLIFY = 0.005
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

        self.table = translated_names(table, ref, language)
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
            self.indicator.options = [(indicator_title(i, self.language), i) for i in inds]
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
            lo = "" if r.lower != r.lower else f"{format_indicator(r.indicator, r.lower, self.language)}–" \
                f"{format_indicator(r.indicator, r.upper, self.language)}"
            n = "" if r.n != r.n else f"{r.n:.0f}"
            rows.append(f"<tr{style}><td>{html.escape(str(r.name))}</td>"
                        f"<td>{html.escape(format_indicator(r.indicator, r.value, self.language))}</td>"
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


# ---------------------------------------------------------------------- explorer
def explore(table: pd.DataFrame | IndicatorSet | Store | Path | str, ref: ReferenceData | None = None,
            level: str = "hyvinvointialue", sector: str = "ALL", indicator: str = "associations_per_1000",
            language: str = "fi") -> Explorer:
    """An interactive explorer (ipywidgets): level, area, sector and indicator drive a map, a ranking and a table.

    Parameters
    ----------
    table : DataFrame, IndicatorSet, Store or path
        The tidy indicator table, or where to read it (a processed folder).
    ref : ReferenceData, optional
        The reference geography (default: :func:`load_reference` of the table's year).
    level, sector, indicator : str
        What the explorer shows first (each checked: a wrong id says what would be right).
    language : {"fi", "sv", "en"}

    Returns
    -------
    Explorer
        An ipywidgets box; its widgets (``.level``, ``.area``, ``.sector``, ``.indicator``) and
        figures (``.map_figure``, ``.bar_figure``) can be read and set from code.

    Examples
    --------
    >>> ex = explore(ind.table, ref, level="maakunta")
    >>> ex.level.value = "seutukunta"  # in JupyterLab the explorer shows itself (display(ex) or ex last in a cell)
    >>> ex.bar_figure.layout.xaxis.title.text
    'Yhdistyksiä / 1 000 asukasta'
    """
    if isinstance(table, Path | str):
        table = Store(Path(table))
    if isinstance(table, Store):
        table = table.load_indicators()
    if hasattr(table, "table"):
        table = table.table
    ref, level, sector, indicator, language = checked_view(table, ref, level, sector, indicator, language)
    return Explorer(table, ref, level=level, sector=sector, indicator=indicator, language=language)
