"""Reference geography: municipality key, area hierarchy, boundaries, population.

Two sources behind one interface: a local folder in the format of the shared
reference snapshot, or the cache written by :func:`fetch_reference` from the
official services.
"""

from .levels import LANGUAGES, AreaLevel, area_levels, get_level, level_ids
from .loader import (
    ReferenceData,
    ReferenceDataError,
    ReferenceNotFoundError,
    load_reference,
    locate_reference,
    successor_map,
)

__all__ = [
    "LANGUAGES",
    "AreaLevel",
    "ReferenceData",
    "ReferenceDataError",
    "ReferenceNotFoundError",
    "area_levels",
    "get_level",
    "level_ids",
    "load_reference",
    "locate_reference",
    "successor_map",
]
