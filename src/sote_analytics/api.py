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
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from . import config
from .store import Store

if TYPE_CHECKING:  # pragma: no cover - typing only
    import plotly.graph_objects as go

    from .explorer import Explorer
    from .indicators import IndicatorSet
    from .ingest import IngestResult
    from .reference import ReferenceData

__all__ = [
    "Store",
    "choropleth",
    "classify_names",
    "compute_indicators",
    "demo_register",
    "explore",
    "gaps_map",
    "indicator_names",
    "load_reference",
    "ranked_bar",
    "ranking",
    "read_register",
    "sector_bar",
    "sector_map",
    "select",
    "share_bar",
]


def load_reference(year: int = config.DEFAULT_YEAR, reference_dir: Path | str | None = None,
                   cache_dir: Path | str | None = None) -> ReferenceData:
    """Load the reference geography of ``year`` (see :func:`.reference.load_reference`).

    Uses ``reference_dir``, else ``$SOTE_REFERENCE_DIR``, else the download cache,
    else the snapshot embedded in the package (no network).

    Examples
    --------
    >>> ref = load_reference(2025)  # doctest: +SKIP
    >>> ref.areas("hyvinvointialue").shape[0]  # doctest: +SKIP
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

    Examples
    --------
    >>> path = demo_register(ref)  # doctest: +SKIP
    >>> path.name  # doctest: +SKIP
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

    Examples
    --------
    >>> res = read_register("tests/data/ingest/01_prh_utf8.csv", ref)  # doctest: +SKIP
    >>> res.register[["name", "municipality_code", "sector"]].head(2)  # doctest: +SKIP
    """
    from .pipeline import read_register as _read

    return _read(path, ref, **kwargs)


def classify_names(names: Iterable[str] | pd.Series, purposes: Iterable[str] | pd.Series | None = None,
             categories: Iterable[str] | pd.Series | None = None) -> pd.DataFrame:
    """Classify association names (and purposes) into sote sectors (see :func:`.classify.classify`).

    ``sote_analytics.classify`` is the classification module, hence this name.

    Examples
    --------
    >>> out = classify_names(["Jyväskylän Seudun Mielenterveysseura ry", "Keuruun Eläkkeensaajat ry"])
    >>> out["sector"].tolist()
    ['mental_substance', 'elderly']
    """
    from .classify import classify as _classify

    def series(v):
        return v if v is None or isinstance(v, pd.Series) else pd.Series(list(v), dtype="str")

    names = series(names)
    purposes, categories = series(purposes), series(categories)
    if purposes is not None:
        purposes.index = names.index
    if categories is not None:
        categories.index = names.index
    return _classify(names, purposes, categories)


def compute_indicators(register: pd.DataFrame, ref: ReferenceData, source: str = "register",
                       **kwargs) -> IndicatorSet:
    """Every indicator for every area of every level (see :func:`.indicators.compute_indicators`).

    The tidy table is ``.table``: one row per area x sector x indicator with
    ``area_level, area_code, area_name, sector, indicator, value, lower, upper, n, unit``.

    Examples
    --------
    >>> ind = compute_indicators(read_register(path, ref).register, ref, "my file")  # doctest: +SKIP
    >>> ind.table.columns[:5].tolist()  # doctest: +SKIP
    ['area_level', 'area_code', 'area_name', 'sector', 'indicator']
    """
    from .indicators import compute_indicators as _compute

    return _compute(register, ref, source, **kwargs)


def _as_list(v) -> list | None:
    if v is None:
        return None
    if isinstance(v, str | int):
        return [str(v)]
    return [str(x) for x in v]


def select(table: pd.DataFrame, level: str | None = None, area: str | Iterable[str] | None = None,
           sector: str | Iterable[str] | None = None,
           indicator: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Rows of the tidy indicator table; each argument narrows (a value or a list), None keeps all.

    ``area`` matches the area code or, failing that, the Finnish/Swedish name exactly.

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": ["kunta", "kunta", "maakunta"], "area_code": ["179", "091", "13"],
    ...                   "area_name": ["Jyväskylä", "Helsinki", "Keski-Suomi"], "sector": "elderly",
    ...                   "indicator": "associations", "value": [12.0, 40.0, 30.0]})
    >>> select(t, level="kunta", area="Jyväskylä")["value"].tolist()
    [12.0]
    >>> len(select(t, sector=["elderly"], indicator="associations"))
    3
    """
    mask = pd.Series(True, index=table.index)
    if level is not None:
        mask &= table["area_level"].isin(_as_list(level))
    if area is not None:
        wanted = _as_list(area)
        by_code = table["area_code"].astype(str).isin(wanted)
        names = [c for c in ("area_name", "area_name_sv") if c in table]
        by_name = table[names].isin(wanted).any(axis=1) if names else False
        mask &= by_code | by_name
    if sector is not None:
        mask &= table["sector"].isin(_as_list(sector))
    if indicator is not None:
        mask &= table["indicator"].isin(_as_list(indicator))
    return table[mask].reset_index(drop=True)


def ranking(table: pd.DataFrame, level: str, sector: str = "ALL", indicator: str = "associations_per_1000",
            ascending: bool = False) -> pd.DataFrame:
    """Areas of a level ranked by one indicator of one sector (``rank`` 1 = first).

    Areas without a value (NaN) come last and have no rank.

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": "seutukunta", "area_code": ["1", "2", "3"],
    ...                   "area_name": ["A", "B", "C"], "sector": "ALL",
    ...                   "indicator": "associations_per_1000", "value": [0.5, 1.5, float("nan")], "n": [5, 9, 0]})
    >>> ranking(t, "seutukunta", ascending=True)[["area_name", "value", "rank"]].to_dict("list")
    {'area_name': ['A', 'B', 'C'], 'value': [0.5, 1.5, nan], 'rank': [1.0, 2.0, nan]}
    """
    sel = select(table, level=level, sector=sector, indicator=indicator)
    sel = sel.sort_values("value", ascending=ascending, na_position="last", kind="stable").reset_index(drop=True)
    sel["rank"] = sel["value"].rank(ascending=ascending, method="min")
    return sel


def indicator_names(language: str = "fi") -> dict[str, str]:
    """Indicator id -> name in ``language`` (fi, sv, en).

    Examples
    --------
    >>> indicator_names("en")["associations_per_1000"]
    'Associations per 1,000 inhabitants'
    """
    from .indicators import definitions

    return {k: str(v[language]) for k, v in definitions().items()}


# ---------------------------------------------------------------------- figures
def choropleth(table: pd.DataFrame, ref_or_boundaries, level: str, sector: str = "ALL",
               indicator: str = "associations_per_1000", highlight: str | None = None,
               language: str = "fi") -> go.Figure:
    """A map of every area of ``level`` coloured by one indicator of one sector.

    Parameters
    ----------
    table : DataFrame
        The tidy indicator table.
    ref_or_boundaries : ReferenceData or GeoDataFrame
        The reference (boundaries are built from it) or boundaries with ``code``.
    highlight : str, optional
        Code of an area to outline.

    Examples
    --------
    >>> fig = choropleth(ind.table, ref, "hyvinvointialue", "elderly")  # doctest: +SKIP
    >>> fig.update_layout(title="Ikääntyneiden yhdistykset").show()  # doctest: +SKIP
    """
    from .explorer import choropleth_figure

    return choropleth_figure(table, _boundaries(ref_or_boundaries, level), level, sector, indicator,
                             highlight, language)


def ranked_bar(table: pd.DataFrame, level: str, sector: str = "ALL", indicator: str = "associations_per_1000",
               highlight: str | None = None, top: int | None = None, language: str = "fi") -> go.Figure:
    """Areas of a level ranked by one indicator (horizontal bars, the first on top).

    Examples
    --------
    >>> t = pd.DataFrame({"area_level": "seutukunta", "area_code": ["1", "2"], "area_name": ["A", "B"],
    ...                   "sector": "ALL", "indicator": "associations_per_1000", "value": [0.5, 1.5],
    ...                   "n": [5, 9], "unit": "per 1000"})
    >>> fig = ranked_bar(t, "seutukunta", highlight="1")
    >>> list(fig.data[0].y), list(fig.data[0].x), list(fig.data[0].marker.color)
    (['B', 'A'], [1.5, 0.5], ['#0072B2', '#D55E00'])
    """
    from .explorer import ranked_bar_figure

    return ranked_bar_figure(table, level, sector, indicator, highlight, top, language)


def sector_bar(table: pd.DataFrame, level: str, area: str, language: str = "fi") -> go.Figure:
    """Associations per 1,000 inhabitants by sector, the area beside the country (:func:`.figures.sector_bar`).

    Examples
    --------
    >>> sector_bar(ind.table, "hyvinvointialue", "15").show()  # doctest: +SKIP
    """
    from .figures import sector_bar as _bar

    return _bar(table, level, area, language)


def sector_map(table: pd.DataFrame, ref_or_boundaries, sectors: list[str] | None = None,
               language: str = "fi") -> go.Figure:
    """Municipality map with a sector menu (:func:`.figures.sector_map`).

    Examples
    --------
    >>> sector_map(ind.table, ref, ["elderly", "mental_health"]).show()  # doctest: +SKIP
    """
    from .figures import sector_map as _map
    from .taxonomy import sote_sectors

    return _map(_boundaries(ref_or_boundaries, "kunta"), table, sectors or list(sote_sectors()), language,
                _population(ref_or_boundaries))


def gaps_map(municipality_counts: pd.DataFrame, ref_or_boundaries, language: str = "fi") -> go.Figure:
    """Municipalities coloured by how many sote sectors have no association (:func:`.figures.gaps_map`).

    Parameters
    ----------
    municipality_counts : DataFrame
        ``IndicatorSet.municipality_counts`` (``kunta_code``, ``sector``, ``associations``).

    Examples
    --------
    >>> gaps_map(ind.municipality_counts, ref).show()  # doctest: +SKIP
    """
    from .figures import gaps_map as _gaps
    from .taxonomy import sote_sectors

    sectors = [s for s in sote_sectors() if s != "unclassified"]
    mc = municipality_counts[municipality_counts["sector"].isin(sectors)]
    present = mc[mc["associations"] > 0].groupby("kunta_code")["sector"].nunique()
    gdf = _boundaries(ref_or_boundaries, "kunta")
    missing = len(sectors) - present.reindex(gdf["code"]).fillna(0)
    return _gaps(gdf, missing, language, _population(ref_or_boundaries))


def share_bar(table: pd.DataFrame, level: str, area: str, indicator: str = "paid_staff_share",
              language: str = "fi") -> go.Figure:
    """A share by sector with 95% intervals (:func:`.figures.share_bar`).

    Examples
    --------
    >>> share_bar(ind.table, "maakunta", "13", "service_producer_share").show()  # doctest: +SKIP
    """
    from .figures import share_bar as _share

    return _share(table, level, area, indicator, language)


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

    Examples
    --------
    >>> ex = explore(ind.table, ref)  # doctest: +SKIP
    >>> ex  # in JupyterLab the explorer shows itself  # doctest: +SKIP
    """
    from .explorer import Explorer

    if isinstance(table, Path | str):
        table = Store(Path(table))
    if isinstance(table, Store):
        table = table.load_indicators()
    if hasattr(table, "table"):
        table = table.table
    if ref is None:
        years = table["year"].dropna().unique() if "year" in table else []
        ref = load_reference(int(years[0]) if len(years) else config.DEFAULT_YEAR)
    return Explorer(table, ref, level=level, sector=sector, indicator=indicator, language=language)
