"""Reference geography: municipality key, area hierarchy, boundaries, population.

Three sources behind one interface: a local folder in the format of the shared
reference snapshot, the cache written by :func:`fetch_reference` from the
official services, or the compact snapshot embedded in the package.
"""

from .levels import AreaLevel, area_levels, get_level, level_ids
from .loader import (
    ReferenceData,
    ReferenceDataError,
    ReferenceNotFoundError,
    ReferenceOrigin,
    load_reference,
    locate_reference,
    resolve_reference,
    successor_map,
)

__all__ = [
    "AreaLevel",
    "ReferenceData",
    "ReferenceDataError",
    "ReferenceNotFoundError",
    "ReferenceOrigin",
    "area_levels",
    "get_level",
    "level_ids",
    "load_reference",
    "locate_reference",
    "resolve_reference",
    "successor_map",
]
