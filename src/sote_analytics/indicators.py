"""Indicators for every area of every level, as one tidy long table.

Schema of the table (one row per area x sector x indicator):

===============  ==========================================================
area_level       level id (kunta, seutukunta, maakunta, hyvinvointialue, ...)
area_code        area code within the level (text)
area_name        Finnish name of the area
sector           sector code or ``ALL`` (all sote sectors)
indicator        indicator id (see :data:`INDICATORS`)
value            the figure
lower, upper     95% interval where the indicator has one, else empty
n                the count the figure rests on (associations, municipalities)
unknown          rows with the needed field unknown (not counted in n)
unit             unit of ``value``
year             municipality key year
source           the register's description (says SYNTHETIC for the demo)
===============  ==========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .reference import ReferenceData, area_levels
from .taxonomy import ALL, NOT_SOTE, sote_sectors

#: Indicator definitions: unit and fi/sv/en names (the data dictionary).
INDICATORS: dict[str, dict[str, str]] = {
    "associations": {
        "unit": "count",
        "fi": "Yhdistyksiä", "sv": "Föreningar", "en": "Associations",
        "definition": "Number of sote associations domiciled in the area.",
    },
    "associations_per_1000": {
        "unit": "per 1,000 inhabitants",
        "fi": "Yhdistyksiä / 1 000 asukasta", "sv": "Föreningar / 1 000 invånare",
        "en": "Associations per 1,000 inhabitants",
        "definition": "Associations divided by the area's population, times 1,000.",
    },
    "municipality_coverage": {
        "unit": "share",
        "fi": "Kuntakattavuus", "sv": "Kommuntäckning", "en": "Municipality coverage",
        "definition": "Share of the area's municipalities with at least one association.",
    },
    "paid_staff_share": {
        "unit": "share",
        "fi": "Palkattua henkilöstöä", "sv": "Har avlönad personal", "en": "With paid staff",
        "definition": "Share of associations with at least one paid employee, of those whose "
        "staff is known; 95% Wilson interval.",
    },
}

TABLE_COLUMNS = [
    "area_level", "area_code", "area_name", "sector", "indicator", "value", "lower", "upper",
    "n", "unknown", "unit", "year", "source",
]


def wilson_interval(k, n, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval for ``k`` successes of ``n`` (NaN where n = 0).

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([2]), np.array([10]))
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (0.057, 0.51)
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)


def municipality_sector_counts(register: pd.DataFrame, ref: ReferenceData) -> pd.DataFrame:
    """Counts per municipality x sector (zeros included) plus ``ALL``.

    Columns: ``kunta_code``, ``sector``, ``associations``, ``staff_known``,
    ``staff_yes``. ``not_sote`` associations are left out.
    """
    reg = register[register["sector"] != NOT_SOTE]
    staff = reg["paid_staff"]
    df = pd.DataFrame(
        {
            "kunta_code": reg["municipality_code"].astype(str),
            "sector": reg["sector"].astype(str),
            "associations": 1,
            "staff_known": staff.notna().astype(int),
            "staff_yes": (staff.fillna(0) > 0).astype(int),
        }
    )
    sectors = sote_sectors()
    full = pd.MultiIndex.from_product([ref.municipality_codes, sectors], names=["kunta_code", "sector"])
    counts = df.groupby(["kunta_code", "sector"]).sum().reindex(full, fill_value=0)
    total = counts.groupby(level="kunta_code").sum()
    total["sector"] = ALL
    total = total.reset_index().set_index(["kunta_code", "sector"])
    return pd.concat([counts, total]).reset_index()


@dataclass
class IndicatorSet:
    """The indicator table and the municipality x sector counts behind it."""

    table: pd.DataFrame
    municipality_counts: pd.DataFrame


def compute_indicators(
    register: pd.DataFrame, ref: ReferenceData, source: str = "register"
) -> IndicatorSet:
    """Compute all indicators for all areas of all levels at once.

    Parameters
    ----------
    register : DataFrame
        Canonical register (``municipality_code``, ``sector``, ``paid_staff``).
    ref : ReferenceData
        Reference geography of the key year.
    source : str
        Description of the register, copied to every row.

    Examples
    --------
    >>> ind = compute_indicators(register, ref, "demo")  # doctest: +SKIP
    >>> ind.table.query("area_level == 'koko_maa' and sector == 'ALL'")  # doctest: +SKIP
    """
    mc = municipality_sector_counts(register, ref)
    pop = ref.population
    mc_pop = mc.join(pop.rename("population"), on="kunta_code")
    mc_pop["covered"] = (mc_pop["associations"] > 0).astype(int)
    frames = []
    for lvl in area_levels():
        code_col = f"{lvl.id}_code"
        k = ref.key[list(dict.fromkeys(["kunta_code", code_col, f"{lvl.id}_name_fi"]))]
        m = mc_pop.merge(k.rename(columns={code_col: "_area"}) if lvl.id != "kunta"
                         else k.assign(_area=k["kunta_code"]), on="kunta_code")
        code_col = "_area"
        g = m.groupby([code_col, "sector"], sort=False).agg(
            area_name=(f"{lvl.id}_name_fi", "first"),
            associations=("associations", "sum"),
            staff_known=("staff_known", "sum"),
            staff_yes=("staff_yes", "sum"),
            population=("population", "sum"),
            n_mun=("kunta_code", "size"),
            covered=("covered", "sum"),
        ).reset_index().rename(columns={code_col: "area_code"})
        g["area_level"] = lvl.id
        frames.append(g)
    agg = pd.concat(frames, ignore_index=True)

    def rows(indicator, value, n, unknown=0, lower=np.nan, upper=np.nan):
        return pd.DataFrame({
            "area_level": agg["area_level"], "area_code": agg["area_code"],
            "area_name": agg["area_name"], "sector": agg["sector"], "indicator": indicator,
            "value": np.asarray(value, dtype=float), "lower": lower, "upper": upper,
            "n": np.asarray(n, dtype="int64"), "unknown": np.asarray(unknown, dtype="int64"),
        })

    lo, hi = wilson_interval(agg["staff_yes"], agg["staff_known"])
    with np.errstate(invalid="ignore", divide="ignore"):
        staff_share = np.where(agg["staff_known"] > 0, agg["staff_yes"] / agg["staff_known"], np.nan)
    table = pd.concat([
        rows("associations", agg["associations"], agg["associations"]),
        rows("associations_per_1000", agg["associations"] / agg["population"] * 1000,
             agg["associations"]),
        rows("municipality_coverage", agg["covered"] / agg["n_mun"], agg["n_mun"]),
        rows("paid_staff_share", staff_share, agg["staff_known"],
             agg["associations"] - agg["staff_known"], lo, hi),
    ], ignore_index=True)
    table["unit"] = table["indicator"].map(lambda i: INDICATORS[i]["unit"])
    table["year"] = ref.year
    table["source"] = source
    order = {lvl.id: i for i, lvl in enumerate(area_levels())}
    sector_order = {s: i for i, s in enumerate([ALL, *sote_sectors()])}
    table = table.sort_values(
        ["area_level", "area_code", "sector", "indicator"],
        key=lambda s: s.map(order) if s.name == "area_level"
        else s.map(sector_order) if s.name == "sector" else s,
    ).reset_index(drop=True)
    for c in ("area_level", "area_code", "area_name", "sector", "indicator", "unit", "source"):
        table[c] = table[c].astype(str)
    return IndicatorSet(table[TABLE_COLUMNS], mc)


def coverage_gaps(
    municipality_counts: pd.DataFrame, ref: ReferenceData, level: str, code: str
) -> pd.DataFrame:
    """The municipalities of an area with no association, per sector.

    Returns columns ``sector``, ``kunta_code``, ``kunta_name_fi``,
    ``population``, sorted by sector and name.
    """
    members = ref.members(level, code)[["kunta_code", "kunta_name_fi"]]
    mc = municipality_counts.merge(members, on="kunta_code")
    gaps = mc[mc["associations"] == 0]
    gaps = gaps.join(ref.population.rename("population"), on="kunta_code")
    return gaps[["sector", "kunta_code", "kunta_name_fi", "population"]].sort_values(
        ["sector", "kunta_name_fi"]
    ).reset_index(drop=True)


def save_indicators(ind: IndicatorSet, out_dir) -> dict[str, str]:
    """Write the table (Parquet and CSV) and the municipality counts; return the paths."""
    from pathlib import Path

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "parquet": out / "indicators.parquet",
        "csv": out / "indicators.csv",
        "municipality_counts": out / "municipality_sector_counts.csv",
    }
    ind.table.to_parquet(paths["parquet"], index=False)
    ind.table.to_csv(paths["csv"], index=False, lineterminator="\n")
    ind.municipality_counts.to_csv(paths["municipality_counts"], index=False, lineterminator="\n")
    return {k: str(v) for k, v in paths.items()}


def load_indicators(in_dir) -> IndicatorSet:
    """Read what :func:`save_indicators` wrote."""
    from pathlib import Path

    d = Path(in_dir)
    table = pd.read_parquet(d / "indicators.parquet")
    mc = pd.read_csv(d / "municipality_sector_counts.csv", dtype={"kunta_code": str, "sector": str})
    return IndicatorSet(table, mc)
