"""Area levels (municipality, sub-region, region, wellbeing services county, ...).

The levels are data (``data/area_levels.yaml``); this module only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ..config import load_yaml


@dataclass(frozen=True)
class AreaLevel:
    """One level of the area hierarchy.

    Examples
    --------
    >>> lvl = get_level("hyvinvointialue")
    >>> lvl.label["fi"]
    'Hyvinvointialue'
    >>> lvl.is_constant
    False
    """

    id: str
    label: dict[str, str]
    label_plural: dict[str, str]
    code_column: str | None = None
    name_columns: dict[str, str] = field(default_factory=dict)
    classification: str | None = None
    constant_code: str | None = None
    constant_name: dict[str, str] = field(default_factory=dict)

    @property
    def is_constant(self) -> bool:
        """True for the whole country, which has one area and no key column."""
        return self.constant_code is not None


@cache
def area_levels() -> tuple[AreaLevel, ...]:
    """All area levels, smallest first.

    Examples
    --------
    >>> [lvl.id for lvl in area_levels()][:3]
    ['kunta', 'seutukunta', 'maakunta']
    """
    text = resources.files("sote_analytics").joinpath("data/area_levels.yaml").read_text("utf-8")
    raw = load_yaml(text)
    return tuple(AreaLevel(**entry) for entry in raw["levels"])


def level_ids() -> list[str]:
    """Identifiers of all levels, smallest first."""
    return [lvl.id for lvl in area_levels()]


def get_level(level_id: str) -> AreaLevel:
    """Look a level up by its id; raise ``ValueError`` naming the valid ones."""
    for lvl in area_levels():
        if lvl.id == level_id:
            return lvl
    raise ValueError(f"Unknown area level {level_id!r}; choose one of {', '.join(level_ids())}")
