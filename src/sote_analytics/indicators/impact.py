"""Impact in figures: what the associations do, from activity files and the survey's numbers.

An activity file (``--activity``: ``association_id``, optionally ``year``, and any of the activity
measures: participants, events, volunteer hours, grants) gives totals, medians and per-1,000 figures
by area and sector with ``n`` (associations that reported) and coverage (of the area's associations);
several years give a trend. Volunteer hours are also given as full-time equivalents and as a euro
value on the stated basis of ``data/impact_basis.yaml`` (hours x Statistics Finland's median hourly
earnings; the NCVO Almanac values volunteering the same way), both labelled estimates. A survey's
numeric answers that ask the same measures (found by the question's words) are summarised by area
with the respondents as ``n`` and the register's associations of the areas as the base.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from ..config import load_yaml
from ..text import normalize_text

#: The measures a survey question can ask (``data/impact_basis.yaml``).
SURVEY_MEASURES = ("volunteer_hours", "participants", "events", "volunteers")


@cache
def basis() -> dict:
    """The valuation basis: ``fte_hours`` and ``hourly_value`` with their units, derivations and sources.

    Examples
    --------
    >>> b = basis()
    >>> b["fte_hours"]["value"], b["hourly_value"]["value"], b["hourly_value"]["year"]
    (1955, 17.9, 2019)
    """
    return load_yaml(resources.files("sote_analytics").joinpath("data/impact_basis.yaml").read_text("utf-8"))


def volunteer_value(hours: float) -> tuple[float, float]:
    """Volunteer hours as (full-time equivalents, euro value) on :func:`basis`.

    Examples
    --------
    >>> fte, eur = volunteer_value(19550)
    >>> round(fte, 1), round(eur)
    (10.0, 349945)
    """
    b = basis()
    return hours / float(b["fte_hours"]["value"]), hours * float(b["hourly_value"]["value"])


def survey_measure(question: str) -> str | None:
    """The activity measure a survey question asks, by its words, or None.

    Examples
    --------
    >>> survey_measure("Vapaaehtoistunteja vuodessa (arvio)"), survey_measure("Osallistujia vuodessa")
    ('volunteer_hours', 'participants')
    >>> survey_measure("Kuinka tyytyväinen olette yhteistyöhön?") is None
    True
    """
    text = normalize_text(question, casefold=True)
    for measure in SURVEY_MEASURES:  # hours before volunteers: "vapaaehtoistunteja" is about hours
        if any(w in text for w in basis()["survey_measures"][measure]):
            return measure
    return None


def latest_year(activity: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(the latest year's figures, every year's figures or None): an activity file of several years gives a
    trend, its figures are those of the latest year."""
    if "year" not in activity:
        return activity, None
    years = pd.to_numeric(activity["year"], errors="coerce")
    if years.notna().sum() == 0:
        return activity, None
    latest = activity[years == years.max()]
    return latest, (activity.assign(year=years) if years.nunique() > 1 else None)


def activity_trend(activity: pd.DataFrame, register: pd.DataFrame, ref, measures: list[str]) -> pd.DataFrame:
    """Totals per year of every measure by area of every level (sector ALL) with ``n``."""
    from ..reference import area_levels

    base = register[["association_id", "municipality_code"]].merge(
        activity[["association_id", "year", *measures]], on="association_id", how="inner")
    rows = []
    for lvl in area_levels():
        area = base["municipality_code"].astype(str).map(ref.area_of(lvl.id))
        for m in measures:
            vals = pd.to_numeric(base[m], errors="coerce")
            g = vals.groupby([area, base["year"]])
            frame = pd.DataFrame({"total": g.sum(min_count=1), "n": g.count()}).reset_index()
            frame.columns = ["area_code", "year", "total", "n"]
            rows.append(frame.assign(area_level=lvl.id, measure=m))
    if not rows:
        return pd.DataFrame(columns=["area_level", "area_code", "measure", "year", "total", "n"])
    out = pd.concat(rows, ignore_index=True)
    return out[["area_level", "area_code", "measure", "year", "total", "n"]].sort_values(
        ["area_level", "area_code", "measure", "year"]).reset_index(drop=True)


def survey_impact(survey: pd.DataFrame, kinds: dict[str, str], questions: dict[str, str]) -> pd.DataFrame:
    """The survey's numeric answers that ask an activity measure: per measure, respondents (``n``),
    total and median.

    Examples
    --------
    >>> s = pd.DataFrame({"Osallistujia vuodessa": [100, 250, None], "Tyytyväisyys": [4, 5, 3]})
    >>> survey_impact(s, {"Osallistujia vuodessa": "numeric", "Tyytyväisyys": "likert"}, {})
    ... # doctest: +NORMALIZE_WHITESPACE
            measure  question  n  total  median
    0  participants  Osallistujia vuodessa  2  350.0  175.0
    """
    rows = []
    for col, kind in kinds.items():
        if kind != "numeric" or col not in survey:
            continue
        measure = survey_measure(questions.get(col, col))
        if measure is None:
            continue
        v = pd.to_numeric(survey[col], errors="coerce").dropna()
        v = v[v >= 0]
        rows.append({"measure": measure, "question": questions.get(col, col), "n": len(v),
                     "total": float(v.sum()) if len(v) else np.nan, "median": float(v.median()) if len(v) else np.nan})
    return pd.DataFrame(rows, columns=["measure", "question", "n", "total", "median"])
