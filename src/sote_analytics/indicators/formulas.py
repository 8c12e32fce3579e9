"""The formula of every indicator: ``@register_indicator(id)`` over the aggregate frame of :mod:`.engine`.

A newcomer adds an indicator with one entry in ``data/indicators.yaml`` and one formula here;
:func:`check_registry` (run at import and by ``tests/test_architecture.py``) says when they disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .definitions import definitions, indicator_yaml
from .stats import ratio, wilson_interval


class Figure(NamedTuple):
    """What a formula returns, one value per area x sector row of the aggregate frame."""

    value: object
    n: object
    unknown: object = 0.0
    lower: object = np.nan
    upper: object = np.nan


@dataclass(frozen=True)
class Indicator:
    """An indicator: its id, its formula, and its metadata from ``data/indicators.yaml``."""

    id: str
    formula: Callable[[pd.DataFrame], Figure]

    @property
    def meta(self) -> dict:
        return definitions()[self.id]

    @property
    def family(self) -> str:
        return str(self.meta["family"])

    @property
    def unit(self) -> str:
        return str(self.meta["unit"])

    def label(self, language: str = "fi") -> str:
        return str(self.meta[language])


#: Indicator id -> :class:`Indicator`, filled by :func:`register_indicator` below.
REGISTRY: dict[str, Indicator] = {}


def register_indicator(indicator_id: str):
    """Decorator: register ``formula(agg) -> Figure`` as the formula of ``indicator_id``.

    ``agg`` has one row per area x sector with the sums, counts and medians of
    :data:`_AGG` plus ``population``, ``n_municipalities``, ``covered``,
    ``covered_pop``, ``hq``, ``target_population`` (NaN where the sector has no target
    group or there are no age data), ``per_1000``, ``share_nat``, ``pop_share`` and ``rank``.
    The id must have an entry in ``data/indicators.yaml`` (checked at import).
    """
    def deco(formula: Callable[[pd.DataFrame], Figure]):
        REGISTRY[indicator_id] = Indicator(indicator_id, formula)
        return formula
    return deco


def _unknown(a: pd.DataFrame, known: str) -> np.ndarray:
    return a["associations"].to_numpy() - a[known].to_numpy()


def _if_known(value, a: pd.DataFrame, known: str) -> np.ndarray:
    """``value`` where at least one association's figure is known, else NaN: unknown is never written as 0."""
    return np.where(a[known].to_numpy() > 0, np.asarray(value, dtype=float), np.nan)


@register_indicator("associations")
def _associations(a):
    return Figure(a["associations"], a["associations"])


@register_indicator("associations_per_1000")
def _associations_per_1000(a):
    return Figure(a["per_1000"], a["associations"])


@register_indicator("share_of_national")
def _share_of_national(a):
    return Figure(a["share_nat"], a["associations"])


@register_indicator("population_share")
def _population_share(a):
    return Figure(a["pop_share"], a["associations"])


@register_indicator("location_quotient")
def _location_quotient(a):
    return Figure(ratio(a["share_nat"], a["pop_share"]), a["associations"])


@register_indicator("rank_per_1000")
def _rank_per_1000(a):
    return Figure(a["rank"], a["associations"])


@register_indicator("headquarters")
def _headquarters_count(a):
    return Figure(a["hq"], a["hq"])


@register_indicator("district_associations")
def _district_count(a):
    return Figure(a["district"], a["district"])


@register_indicator("own_associations")
def _own_associations(a):
    return Figure(a["associations"] + a["district"], a["associations"] + a["district"])


@register_indicator("municipality_coverage")
def _municipality_coverage(a):
    return Figure(ratio(a["covered"], a["n_municipalities"]), a["n_municipalities"])


@register_indicator("population_coverage")
def _population_coverage(a):
    return Figure(ratio(a["covered_pop"], a["population"]), a["n_municipalities"])


@register_indicator("municipality_coverage_operating_area")
def _municipality_coverage_operating_area(a):
    return Figure(ratio(a["covered_op"], a["n_municipalities"]), a["n_municipalities"])


@register_indicator("population_coverage_operating_area")
def _population_coverage_operating_area(a):
    return Figure(ratio(a["covered_op_pop"], a["population"]), a["n_municipalities"])


@register_indicator("paid_staff_share")
def _paid_staff_share(a):
    lo, hi = wilson_interval(a["staff_yes"], a["staff_known"])
    return Figure(ratio(a["staff_yes"], a["staff_known"]), a["staff_known"], _unknown(a, "staff_known"), lo, hi)


@register_indicator("paid_staff_median")
def _paid_staff_median(a):
    return Figure(a["staff_median"], a["staff_yes"], _unknown(a, "staff_known"))


@register_indicator("paid_staff_mean")
def _paid_staff_mean(a):
    return Figure(a["staff_mean"], a["staff_yes"], _unknown(a, "staff_known"))


@register_indicator("paid_staff_per_1000")
def _paid_staff_per_1000(a):
    return Figure(_if_known(ratio(a["staff_sum"] * 1000, a["population"]), a, "staff_known"), a["staff_known"],
                  _unknown(a, "staff_known"))


@register_indicator("service_producers")
def _service_producers(a):
    return Figure(_if_known(a["prod_yes"], a, "prod_known"), a["prod_known"], _unknown(a, "prod_known"))


@register_indicator("service_producer_share")
def _service_producer_share(a):
    lo, hi = wilson_interval(a["prod_yes"], a["prod_known"])
    return Figure(ratio(a["prod_yes"], a["prod_known"]), a["prod_known"], _unknown(a, "prod_known"), lo, hi)


@register_indicator("members_total")
def _members_total(a):
    return Figure(_if_known(a["members_sum"], a, "members_known"), a["members_known"], _unknown(a, "members_known"))


@register_indicator("members_per_1000")
def _members_per_1000(a):
    return Figure(_if_known(ratio(a["members_sum"] * 1000, a["population"]), a, "members_known"),
                  a["members_known"], _unknown(a, "members_known"))


@register_indicator("members_median")
def _members_median(a):
    return Figure(a["members_median"], a["members_known"], _unknown(a, "members_known"))


@register_indicator("volunteers_total")
def _volunteers_total(a):
    return Figure(_if_known(a["vol_sum"], a, "vol_known"), a["vol_known"], _unknown(a, "vol_known"))


@register_indicator("volunteers_per_1000")
def _volunteers_per_1000(a):
    return Figure(_if_known(ratio(a["vol_sum"] * 1000, a["population"]), a, "vol_known"), a["vol_known"],
                  _unknown(a, "vol_known"))


@register_indicator("volunteers_median")
def _volunteers_median(a):
    return Figure(a["vol_median"], a["vol_known"], _unknown(a, "vol_known"))


@register_indicator("age_median")
def _age_median(a):
    return Figure(a["age_median"], a["age_known"], _unknown(a, "age_known"))


@register_indicator("age_share_under_10")
def _age_share_under_10(a):
    return Figure(ratio(a["age_u10"], a["age_known"]), a["age_known"], _unknown(a, "age_known"))


@register_indicator("age_share_10_29")
def _age_share_10_29(a):
    return Figure(ratio(a["age_10_29"], a["age_known"]), a["age_known"], _unknown(a, "age_known"))


@register_indicator("age_share_30_plus")
def _age_share_30_plus(a):
    return Figure(ratio(a["age_30p"], a["age_known"]), a["age_known"], _unknown(a, "age_known"))


@register_indicator("associations_per_1000_target_group")
def _associations_per_1000_target_group(a):
    return Figure(ratio(a["associations"] * 1000, a["target_population"]), a["associations"])


def check_registry(registry: dict[str, Indicator] | None = None, yaml_ids=None) -> None:
    """Raise ``RuntimeError`` unless the registry's formulas and the YAML's register indicators match one to one.

    Examples
    --------
    >>> check_registry()
    >>> check_registry(yaml_ids=[*REGISTRY, "invented"])
    Traceback (most recent call last):
    ...
    RuntimeError: indicators.yaml and the formula registry differ: in the YAML only ['invented']; ...
    """
    registry = REGISTRY if registry is None else registry
    yaml_ids = set(indicator_yaml()["indicators"]) if yaml_ids is None else set(yaml_ids)
    only_yaml, only_code = sorted(yaml_ids - set(registry)), sorted(set(registry) - yaml_ids)
    if only_yaml or only_code:
        raise RuntimeError(f"indicators.yaml and the formula registry differ: in the YAML only {only_yaml}; "
                           f"with a formula only {only_code}")
