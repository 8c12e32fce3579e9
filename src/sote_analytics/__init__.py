"""sote-analytics: järjestötieto for Finland's social- and health-sector associations.

The data flow is one way: ``reference`` (geography) and ``register`` (read and
clean) -> ``taxonomy`` (sectors) -> ``indicators`` -> ``figures`` ->
``report`` (notebooks and HTML). Importing the package has no side effects
and imports nothing heavy: the public API for analysts (:mod:`.api`) is
loaded on first use.

Examples
--------
>>> import sote_analytics as sa
>>> "explore" in sa.__all__ and callable(sa.select)
True
"""

from __future__ import annotations

__version__ = "0.1.0"

#: The public API, importable from the package top level (defined in :mod:`.api`). No name
#: equals a submodule's (``classify`` and ``explorer`` are modules): a submodule import
#: would otherwise replace the function on the package.
_API = (
    "NotClassifiedError", "SoteAnalyticsError", "Store", "UnknownValueError", "areas_within", "choropleth",
    "classify_names", "compute_indicators", "demo_register", "explore", "gaps_map", "indicator_list",
    "indicator_names", "load_reference", "ranked_bar", "ranking", "read_register", "resolve_areas",
    "sector_bar", "sector_map", "sectors", "select", "share_bar", "explain", "write_workbook", "to_csv", "to_png",
)

__all__ = ["__version__", *_API]


#: Names of the API defined in :mod:`.explorer` (the interactive explorer sits above the API).
_EXPLORER = ("explore",)


def __getattr__(name: str):
    if name in _EXPLORER:
        from . import explorer

        return getattr(explorer, name)
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
