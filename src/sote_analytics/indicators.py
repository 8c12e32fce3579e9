"""Indicators for every area of every level at once, as one tidy long table.

Schema (one row per area x sector x indicator):

===============  ==========================================================
area_level       level id (kunta, seutukunta, maakunta, hyvinvointialue, ...)
area_code        area code within the level (text)
area_name        Finnish name of the area
sector           sector code, or ``ALL`` for all sote sectors together
indicator        indicator id (see ``data/indicators.yaml`` and :func:`data_dictionary`)
value            the figure (NaN when it cannot be computed, e.g. a median of nothing)
lower, upper     95% interval where the indicator has one, else NaN
n                the count the figure rests on (associations, municipalities, respondents)
unknown          rows whose needed field is unknown (not counted in n)
unit             unit of ``value``
year             municipality key year
source           description of the register (says SYNTHETIC for the demo)
===============  ==========================================================

Local figures exclude national and district organisations (the headquarters
effect) unless ``include_headquarters=True``; those are counted in the
``headquarters`` indicator. The unclassified share is a sector of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .reference import ReferenceData, area_levels
from .taxonomy import ALL, NOT_SOTE, sote_sectors

TABLE_COLUMNS = [
    "area_level", "area_code", "area_name", "sector", "indicator", "value", "lower", "upper",
    "n", "unknown", "unit", "year", "source",
]


@cache
def _yaml() -> dict:
    text = resources.files("sote_analytics").joinpath("data/indicators.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@cache
def definitions() -> dict[str, dict]:
    """Every indicator id -> definition (family, unit, fi/sv/en names, definition, caveat).

    Activity indicators are generated (``<measure>_<stat>``).

    Examples
    --------
    >>> definitions()["associations_per_1000"]["fi"]
    'Yhdistyksiä / 1 000 asukasta'
    >>> definitions()["participants_per_1000"]["en"]
    'Participants per 1,000 inhabitants'
    """
    y = _yaml()
    out = dict(y["indicators"]) | dict(y["change_indicators"])
    for m, md in y["activity_measures"].items():
        for s, sd in y["activity_stats"].items():
            out[f"{m}_{s}"] = {
                "family": "activity", "unit": sd.get("unit", md["unit"]),
                **{g: f"{md[g]} {sd[g]}" for g in ("fi", "sv", "en")},
                "definition": f"{md['en']}: {sd['definition']}", "caveat": sd.get("caveat", ""),
            }
    return out


def activity_measures() -> list[str]:
    """The yearly activity measures the library knows (participants, events, ...)."""
    return list(_yaml()["activity_measures"])


def indicator_label(indicator: str, language: str = "fi") -> str:
    """Name of an indicator in ``language``."""
    return str(definitions()[indicator][language])


def data_dictionary() -> pd.DataFrame:
    """The data dictionary, generated from the definitions the code uses.

    Examples
    --------
    >>> dd = data_dictionary()
    >>> {"indicator", "name_fi", "definition", "unit", "caveat"} <= set(dd.columns)
    True
    """
    fams = _yaml()["families"]
    rows = [{
        "indicator": k, "family": v["family"], "family_fi": fams[v["family"]]["fi"],
        "name_fi": v["fi"], "name_sv": v["sv"], "name_en": v["en"], "unit": v["unit"],
        "definition": v["definition"], "caveat": v.get("caveat", ""),
    } for k, v in definitions().items()]
    return pd.DataFrame(rows)


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
        lo, hi = centre - half, centre + half
    return np.where(n > 0, np.clip(lo, 0, 1), np.nan), np.where(n > 0, np.clip(hi, 0, 1), np.nan)


def _div(a, b) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / b, np.nan)


@dataclass
class IndicatorSet:
    """The indicator table and the tables behind it."""

    table: pd.DataFrame
    municipality_counts: pd.DataFrame
    registrations: pd.DataFrame = field(default_factory=pd.DataFrame)


def _prepare(register: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The per-association columns the aggregations need (numeric, NaN = unknown)."""
    def num(col):
        if col not in register:
            return pd.Series(np.nan, index=register.index)
        return pd.to_numeric(register[col], errors="coerce").astype(float)

    staff = num("paid_staff")
    prod = register["produces_services"] if "produces_services" in register else pd.Series(
        pd.NA, index=register.index)
    prod = prod.astype("boolean")
    if "registration_date" in register:
        reg_date = pd.to_datetime(register["registration_date"], errors="coerce")
    else:
        reg_date = pd.Series(pd.NaT, index=register.index)
    age = (pd.Timestamp(as_of) - reg_date).dt.days / 365.2425
    return pd.DataFrame({
        "kunta_code": register["municipality_code"].astype(str).to_numpy(),
        "sector": register["sector"].astype(str).to_numpy(),
        "one": 1.0,
        "staff_known": staff.notna().astype(float).to_numpy(),
        "staff_yes": (staff > 0).astype(float).to_numpy(),
        "staff_sum": staff.to_numpy(),
        "staff_emp": staff.where(staff > 0).to_numpy(),
        "prod_known": prod.notna().astype(float).to_numpy(),
        "prod_yes": prod.fillna(False).astype(float).to_numpy(),
        "members": num("members").to_numpy(),
        "volunteers": num("volunteers").to_numpy(),
        "age": age.to_numpy(),
        "reg_year": reg_date.dt.year.to_numpy(),
    })


_AGG = dict(
    associations=("one", "sum"), staff_known=("staff_known", "sum"), staff_yes=("staff_yes", "sum"),
    staff_sum=("staff_sum", "sum"), staff_median=("staff_emp", "median"), staff_mean=("staff_emp", "mean"),
    prod_known=("prod_known", "sum"), prod_yes=("prod_yes", "sum"),
    members_known=("members", "count"), members_sum=("members", "sum"), members_median=("members", "median"),
    vol_known=("volunteers", "count"), vol_sum=("volunteers", "sum"), vol_median=("volunteers", "median"),
    age_known=("age", "count"), age_median=("age", "median"),
    age_u10=("age_u10", "sum"), age_10_29=("age_10_29", "sum"), age_30p=("age_30p", "sum"),
)


def _aggregate(df: pd.DataFrame, a_codes: np.ndarray, a_uniques: np.ndarray, s_codes: np.ndarray,
               s_uniques: np.ndarray) -> pd.DataFrame:
    """Aggregates by area x sector and by area (sector ALL), on integer group keys.

    ``a_codes``/``s_codes`` index ``a_uniques``/``s_uniques`` per row (-1: no area). Sums and
    counts use ``np.bincount``; medians and means a pandas groupby on one integer key.
    """
    ns = len(s_uniques) + 1  # the last sector slot is ALL
    ok = a_codes >= 0
    key = np.concatenate([(a_codes * ns + s_codes)[ok], (a_codes * ns + ns - 1)[ok]])
    size = max(len(a_uniques), 1) * ns
    out: dict[str, np.ndarray] = {}
    medians: dict[str, tuple[str, str]] = {}
    for name, (src, how) in _AGG.items():
        vals = df[src].to_numpy(dtype=float)[ok]
        vals = np.concatenate([vals, vals])
        if how == "sum":
            out[name] = np.bincount(key, weights=np.nan_to_num(vals), minlength=size)
        elif how == "count":
            out[name] = np.bincount(key, weights=~np.isnan(vals), minlength=size)
        else:
            medians[name] = (src, how)
    frame = pd.DataFrame(out)
    present = np.bincount(key, minlength=size) > 0
    if medians:
        cols = {src for src, _ in medians.values()}
        base = pd.DataFrame({c: np.concatenate([df[c].to_numpy(dtype=float)[ok]] * 2) for c in cols})
        grouped = base.groupby(key)
        for name, (src, how) in medians.items():
            frame[name] = getattr(grouped[src], how)().reindex(range(size)).to_numpy()
    frame = frame[present]
    idx = frame.index.to_numpy()
    sectors = np.append(s_uniques.astype(object), ALL)
    frame.index = pd.MultiIndex.from_arrays([a_uniques[idx // ns], sectors[idx % ns]], names=["area", "sector"])
    return frame[list(_AGG)]


def compute_indicators(
    register: pd.DataFrame, ref: ReferenceData, source: str = "register", *,
    include_headquarters: bool = False, as_of: dt.date | None = None,
    activity: pd.DataFrame | None = None,
) -> IndicatorSet:
    """Compute every register indicator for every area of every level at once.

    Parameters
    ----------
    register : DataFrame
        Canonical register (``municipality_code``, ``sector``; optional
        ``paid_staff``, ``produces_services``, ``members``, ``volunteers``,
        ``registration_date``, ``is_headquarters``).
    ref : ReferenceData
        Reference geography of the key year.
    source : str
        Description of the register, copied to every row.
    include_headquarters : bool
        Count national and district organisations in the local figures.
    as_of : date, optional
        Reference date for associations' ages (default 31 Dec of the key year).
    activity : DataFrame, optional
        Yearly activity figures by ``association_id`` (see :func:`activity_indicators`).

    Examples
    --------
    >>> ind = compute_indicators(register, ref, "demo")  # doctest: +SKIP
    >>> ind.table.query("area_level == 'koko_maa' and sector == 'ALL'")  # doctest: +SKIP
    """
    as_of = as_of or dt.date(ref.year, 12, 31)
    reg = register[register["sector"].astype(str) != NOT_SOTE]
    hq_mask = reg["is_headquarters"].fillna(False).astype(bool) if "is_headquarters" in reg else \
        pd.Series(False, index=reg.index)
    hq = reg[hq_mask]
    local = reg if include_headquarters else reg[~hq_mask]
    df = _prepare(local, as_of)
    df["age_u10"] = (df["age"] < 10).astype(float)
    df["age_10_29"] = ((df["age"] >= 10) & (df["age"] < 30)).astype(float)
    df["age_30p"] = (df["age"] >= 30).astype(float)
    sectors = [ALL, *sote_sectors()]
    key = ref.key
    pop = ref.population

    frames, registrations = [], []
    national = None
    # strings are factorised once; every level works on integer codes
    mun_index = pd.Index(ref.municipality_codes)
    kidx = mun_index.get_indexer(df["kunta_code"].to_numpy(dtype=object))
    s_codes, s_uniques = pd.factorize(df["sector"].to_numpy(dtype=object))
    s_uniques = np.asarray(s_uniques, dtype=object)
    key_by_mun = key.set_index("kunta_code", drop=False).reindex(mun_index)
    years = df["reg_year"].to_numpy(dtype=float)
    # municipality x sector counts, once: coverage of every level is built from them
    kagg = _aggregate(df[["kunta_code", "sector", "one", "staff_known", "staff_yes"]].assign(
        **{c: np.nan for c in ("staff_sum", "staff_emp", "prod_known", "prod_yes", "members", "volunteers",
                               "age", "age_u10", "age_10_29", "age_30p")}),
        kidx, np.asarray(mun_index, dtype=object), s_codes, s_uniques)
    kfull = pd.MultiIndex.from_product([ref.municipality_codes, sectors], names=["area", "sector"])
    mun_counts = kagg.reindex(kfull)[["associations", "staff_known", "staff_yes"]].fillna(0.0).reset_index() \
        .rename(columns={"area": "kunta_code"})
    for lvl in list(area_levels())[::-1]:  # koko_maa first: national figures for shares
        code_of = dict(zip(key["kunta_code"], key[f"{lvl.id}_code"], strict=True))
        areas = ref.areas(lvl.id)
        a_uniques = areas["code"].to_numpy(dtype=object)
        mun_area = pd.Index(a_uniques).get_indexer(key_by_mun[f"{lvl.id}_code"].to_numpy(dtype=object))
        a_codes = np.where(kidx >= 0, mun_area[np.maximum(kidx, 0)], -1)
        agg = _aggregate(df, a_codes, a_uniques, s_codes, s_uniques)
        full = pd.MultiIndex.from_product([areas["code"], sectors], names=["area", "sector"])
        counts = [c for c in agg.columns if not c.endswith(("median", "mean"))]
        agg = agg.reindex(full)
        agg[counts] = agg[counts].fillna(0.0)
        agg = agg.reset_index()
        agg = agg.merge(areas.rename(columns={"code": "area"})[["area", "name_fi", "population",
                                                                  "n_municipalities"]], on="area")
        cov = mun_counts[["kunta_code", "sector", "associations"]].assign(
            area=mun_counts["kunta_code"].map(code_of))
        cov = cov.join(pop.rename("population"), on="kunta_code")
        cov["covered"] = (cov["associations"] > 0).astype(float)
        cov["covered_pop"] = cov["covered"] * cov["population"]
        c = cov.groupby(["area", "sector"]).agg(covered=("covered", "sum"), covered_pop=("covered_pop", "sum"))
        agg = agg.join(c, on=["area", "sector"])
        if hq_mask.any():
            hq_area = hq["municipality_code"].astype(str).map(code_of)
            hq_counts = pd.concat([
                pd.DataFrame({"area": hq_area, "sector": hq["sector"].astype(str)}).value_counts(),
                pd.DataFrame({"area": hq_area, "sector": ALL}).value_counts(),
            ]).rename("hq")
            agg = agg.join(hq_counts, on=["area", "sector"])
        else:
            agg["hq"] = 0.0
        agg["hq"] = agg["hq"].fillna(0.0)
        if national is None:
            national = agg.set_index("sector")[["associations", "population"]]
        agg["per_1000"] = _div(agg["associations"] * 1000, agg["population"])
        agg["share_nat"] = _div(agg["associations"], agg["sector"].map(national["associations"]))
        agg["pop_share"] = _div(agg["population"], national["population"].iloc[0])
        agg["rank"] = agg.groupby("sector")["per_1000"].rank(method="min", ascending=False)
        agg["level"] = lvl.id
        frames.append(_long_rows(agg))
        ok = (a_codes >= 0) & ~np.isnan(years)
        if ok.any():
            a, sc, yr = a_codes[ok], s_codes[ok], years[ok].astype(int)
            ry = pd.DataFrame({"a": np.concatenate([a, a]), "s": np.concatenate([sc, np.full(len(sc), -1)]),
                               "year": np.concatenate([yr, yr])}).value_counts().rename("registrations").reset_index()
            registrations.append(pd.DataFrame({
                "area_level": lvl.id, "area_code": a_uniques[ry["a"].to_numpy()],
                "sector": np.where(ry["s"].to_numpy() < 0, ALL, s_uniques[np.maximum(ry["s"].to_numpy(), 0)]),
                "year": ry["year"].to_numpy(), "registrations": ry["registrations"].to_numpy()}))
    table = pd.concat(frames[::-1], ignore_index=True)
    if activity is not None:
        table = pd.concat([table, activity_indicators(activity, local, ref)], ignore_index=True)
    table["year"] = ref.year
    table["source"] = source
    table = _finish(table)
    regs = pd.concat(registrations, ignore_index=True) if registrations else pd.DataFrame(
        columns=["area_level", "area_code", "sector", "year", "registrations"])
    if len(regs):
        regs["year"] = regs["year"].astype(int)
        regs = regs.sort_values(["area_level", "area_code", "sector", "year"]).reset_index(drop=True)
    mc = mun_counts.rename(columns={"kunta_code": "kunta_code"}).astype(
        {"associations": int, "staff_known": int, "staff_yes": int})
    return IndicatorSet(table, mc, regs)


def _long_rows(a: pd.DataFrame) -> pd.DataFrame:
    """Turn one level's wide aggregate frame into long indicator rows."""
    nan = np.full(len(a), np.nan)
    assoc = a["associations"].to_numpy()
    pop = a["population"].to_numpy()
    staff_lo, staff_hi = wilson_interval(a["staff_yes"], a["staff_known"])
    prod_lo, prod_hi = wilson_interval(a["prod_yes"], a["prod_known"])
    zero = np.zeros(len(a))
    spec = [
        ("associations", assoc, assoc, zero, nan, nan),
        ("associations_per_1000", a["per_1000"], assoc, zero, nan, nan),
        ("share_of_national", a["share_nat"], assoc, zero, nan, nan),
        ("population_share", a["pop_share"], assoc, zero, nan, nan),
        ("location_quotient", _div(a["share_nat"], a["pop_share"]), assoc, zero, nan, nan),
        ("rank_per_1000", a["rank"], assoc, zero, nan, nan),
        ("headquarters", a["hq"], a["hq"], zero, nan, nan),
        ("municipality_coverage", _div(a["covered"], a["n_municipalities"]), a["n_municipalities"], zero, nan, nan),
        ("population_coverage", _div(a["covered_pop"], pop), a["n_municipalities"], zero, nan, nan),
        ("paid_staff_share", _div(a["staff_yes"], a["staff_known"]), a["staff_known"],
         assoc - a["staff_known"], staff_lo, staff_hi),
        ("paid_staff_median", a["staff_median"], a["staff_yes"], assoc - a["staff_known"], nan, nan),
        ("paid_staff_mean", a["staff_mean"], a["staff_yes"], assoc - a["staff_known"], nan, nan),
        ("paid_staff_per_1000", _div(a["staff_sum"] * 1000, pop), a["staff_known"],
         assoc - a["staff_known"], nan, nan),
        ("service_producers", a["prod_yes"], a["prod_known"], assoc - a["prod_known"], nan, nan),
        ("service_producer_share", _div(a["prod_yes"], a["prod_known"]), a["prod_known"],
         assoc - a["prod_known"], prod_lo, prod_hi),
        ("members_total", a["members_sum"], a["members_known"], assoc - a["members_known"], nan, nan),
        ("members_per_1000", _div(a["members_sum"] * 1000, pop), a["members_known"],
         assoc - a["members_known"], nan, nan),
        ("members_median", a["members_median"], a["members_known"], assoc - a["members_known"], nan, nan),
        ("volunteers_total", a["vol_sum"], a["vol_known"], assoc - a["vol_known"], nan, nan),
        ("volunteers_per_1000", _div(a["vol_sum"] * 1000, pop), a["vol_known"], assoc - a["vol_known"], nan, nan),
        ("volunteers_median", a["vol_median"], a["vol_known"], assoc - a["vol_known"], nan, nan),
        ("age_median", a["age_median"], a["age_known"], assoc - a["age_known"], nan, nan),
        ("age_share_under_10", _div(a["age_u10"], a["age_known"]), a["age_known"], assoc - a["age_known"], nan, nan),
        ("age_share_10_29", _div(a["age_10_29"], a["age_known"]), a["age_known"], assoc - a["age_known"], nan, nan),
        ("age_share_30_plus", _div(a["age_30p"], a["age_known"]), a["age_known"], assoc - a["age_known"], nan, nan),
    ]
    k = len(spec)
    defs = definitions()
    ind_order = {name: i for i, name in enumerate(defs)}
    sector_order = {sec: i for i, sec in enumerate([ALL, *sote_sectors()])}
    level_order = {lvl.id: i for i, lvl in enumerate(area_levels())}
    area_num = pd.to_numeric(a["area"], errors="coerce").fillna(-1).to_numpy()
    return pd.DataFrame({
        "_l": np.full(len(a) * k, level_order[a["level"].iloc[0]]) if len(a) else np.zeros(0, dtype=int),
        "_c": np.tile(area_num, k),
        "_s": np.tile(a["sector"].map(sector_order).to_numpy(), k),
        "_i": np.repeat(np.array([ind_order[x[0]] for x in spec]), len(a)),
        "area_level": np.tile(a["level"].to_numpy(dtype=object), k),
        "area_code": np.tile(a["area"].to_numpy(dtype=object), k),
        "area_name": np.tile(a["name_fi"].to_numpy(dtype=object), k),
        "sector": np.tile(a["sector"].to_numpy(dtype=object), k),
        "indicator": np.repeat(np.array([x[0] for x in spec], dtype=object), len(a)),
        "value": np.concatenate([np.asarray(x[1], dtype=float) for x in spec]),
        "lower": np.concatenate([np.asarray(x[4], dtype=float) for x in spec]),
        "upper": np.concatenate([np.asarray(x[5], dtype=float) for x in spec]),
        "n": np.concatenate([np.asarray(x[2], dtype=float) for x in spec]),
        "unknown": np.concatenate([np.asarray(x[3], dtype=float) for x in spec]),
    })


def _finish(table: pd.DataFrame) -> pd.DataFrame:
    """Units, integer counts, and the one sort order: level, area code, sector, indicator."""
    defs = definitions()
    table["unit"] = table["indicator"].map({k: d["unit"] for k, d in defs.items()})
    table["n"] = table["n"].fillna(0).round().astype("int64")
    table["unknown"] = table["unknown"].fillna(0).round().astype("int64")
    if "_l" not in table or table["_l"].isna().any():  # rows from elsewhere (activity, snapshots)
        order = {lvl.id: i for i, lvl in enumerate(area_levels())}
        sector_order = {s: i for i, s in enumerate([ALL, *sote_sectors()])}
        ind_order = {k: i for i, k in enumerate(defs)}
        table["_l"] = table["area_level"].map(order)
        table["_c"] = pd.to_numeric(table["area_code"], errors="coerce").fillna(-1)
        table["_s"] = table["sector"].map(sector_order)
        table["_i"] = table["indicator"].map(ind_order)
    text_rank = pd.factorize(table["area_code"], sort=True)[0]
    idx = np.lexsort((table["_i"].to_numpy(), table["_s"].to_numpy(), text_rank, table["_c"].to_numpy(),
                      table["_l"].to_numpy()))
    table = table.iloc[idx]
    return table[TABLE_COLUMNS].astype({c: "str" for c in ("area_level", "area_code", "area_name", "sector",
                                                             "indicator", "unit", "source")}).reset_index(drop=True)


def activity_indicators(activity: pd.DataFrame, register: pd.DataFrame, ref: ReferenceData) -> pd.DataFrame:
    """Totals, per 1,000 inhabitants and per association of yearly activity figures.

    ``activity`` has ``association_id`` and any of :func:`activity_measures`
    (participants, events, volunteer_hours, grants_stea, grants_municipal).
    Associations of the register with no figure count as unknown.
    """
    measures = [m for m in activity_measures() if m in activity]
    if not measures:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    base = register[["association_id", "municipality_code", "sector"]].merge(
        activity[["association_id", *measures]], on="association_id", how="left")
    rows = []
    for lvl in area_levels():
        code_of = dict(zip(ref.key["kunta_code"], ref.key[f"{lvl.id}_code"], strict=True))
        areas = ref.areas(lvl.id).set_index("code")
        b = base.assign(area=base["municipality_code"].astype(str).map(code_of))
        both = pd.concat([b, b.assign(sector=ALL)])
        g = both.groupby(["area", "sector"])
        size = g.size()
        for m in measures:
            vals = pd.to_numeric(both[m], errors="coerce")
            gm = vals.groupby([both["area"], both["sector"]])
            total, known = gm.sum(), gm.count()
            idx = size.index
            popn = areas.loc[idx.get_level_values(0), "population"].to_numpy()
            tot = total.reindex(idx).to_numpy()
            kn = known.reindex(idx).fillna(0).to_numpy()
            unk = size.to_numpy() - kn
            names = areas.loc[idx.get_level_values(0), "name_fi"].to_numpy()
            for stat, value in (("total", np.where(kn > 0, tot, np.nan)),
                                ("per_1000", _div(tot * 1000, popn) * np.where(kn > 0, 1, np.nan)),
                                ("per_association", _div(tot, kn))):
                rows.append(pd.DataFrame({
                    "area_level": lvl.id, "area_code": idx.get_level_values(0),
                    "area_name": names, "sector": idx.get_level_values(1),
                    "indicator": f"{m}_{stat}", "value": value, "lower": np.nan, "upper": np.nan,
                    "n": kn, "unknown": unk}))
    return pd.concat(rows, ignore_index=True)


def snapshot_change(old: pd.DataFrame, new: pd.DataFrame, ref: ReferenceData, source: str = "snapshots",
                    id_columns: tuple[str, ...] = ("register_number", "business_id", "association_id")) -> pd.DataFrame:
    """Net change between two register snapshots, per area of every level (sector ALL).

    Associations are matched by the first of ``id_columns`` both snapshots fill.
    Returns long indicator rows: new, ceased, moved in, moved out, net change.
    """
    col = next((c for c in id_columns if c in old and c in new and old[c].notna().any()
                and new[c].notna().any()), None)
    if col is None:
        raise ValueError(f"the snapshots share no identifier column of {id_columns}")
    o = old.dropna(subset=[col]).drop_duplicates(col).set_index(col)["municipality_code"].astype(str)
    n = new.dropna(subset=[col]).drop_duplicates(col).set_index(col)["municipality_code"].astype(str)
    both = o.index.intersection(n.index)
    moved = both[(o[both] != n[both]).to_numpy()]
    frames = []
    for lvl in area_levels():
        code_of = dict(zip(ref.key["kunta_code"], ref.key[f"{lvl.id}_code"], strict=True))
        areas = ref.areas(lvl.id).set_index("code")
        counts = {
            "new_associations": n[n.index.difference(o.index)].map(code_of).value_counts(),
            "ceased_associations": o[o.index.difference(n.index)].map(code_of).value_counts(),
            "moved_in": n[moved].map(code_of)[(n[moved].map(code_of) != o[moved].map(code_of)).to_numpy()]
            .value_counts(),
            "moved_out": o[moved].map(code_of)[(n[moved].map(code_of) != o[moved].map(code_of)).to_numpy()]
            .value_counts(),
        }
        c = pd.DataFrame(counts).reindex(areas.index).fillna(0.0)
        c["net_change"] = c["new_associations"] - c["ceased_associations"] + c["moved_in"] - c["moved_out"]
        for ind in c.columns:
            frames.append(pd.DataFrame({
                "area_level": lvl.id, "area_code": c.index, "area_name": areas["name_fi"].to_numpy(),
                "sector": ALL, "indicator": ind, "value": c[ind].to_numpy(), "lower": np.nan,
                "upper": np.nan, "n": c[ind].abs().to_numpy(), "unknown": 0}))
    table = pd.concat(frames, ignore_index=True)
    table["year"] = ref.year
    table["source"] = source
    return _finish(table)


def coverage_gaps(municipality_counts: pd.DataFrame, ref: ReferenceData, level: str, code: str) -> pd.DataFrame:
    """The municipalities of an area with no association, per sector.

    Returns columns ``sector``, ``kunta_code``, ``kunta_name_fi``, ``kunta_name_sv``,
    ``population``, sorted by sector and name.
    """
    members = ref.members(level, code)[["kunta_code", "kunta_name_fi", "kunta_name_sv"]]
    mc = municipality_counts.merge(members, on="kunta_code")
    gaps = mc[mc["associations"] == 0]
    gaps = gaps.join(ref.population.rename("population"), on="kunta_code")
    return gaps[["sector", "kunta_code", "kunta_name_fi", "kunta_name_sv", "population"]].sort_values(
        ["sector", "kunta_name_fi"]).reset_index(drop=True)


def save_indicators(ind: IndicatorSet, out_dir) -> dict[str, str]:
    """Write the table (Parquet and CSV), counts, registrations and the data dictionary."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "parquet": out / "indicators.parquet",
        "csv": out / "indicators.csv",
        "municipality_counts": out / "municipality_sector_counts.csv",
        "registrations": out / "registrations.parquet",
        "data_dictionary": out / "data_dictionary.csv",
    }
    ind.table.to_parquet(paths["parquet"], index=False)
    ind.table.to_csv(paths["csv"], index=False, lineterminator="\n")
    ind.municipality_counts.to_csv(paths["municipality_counts"], index=False, lineterminator="\n")
    ind.registrations.to_parquet(paths["registrations"], index=False)
    data_dictionary().to_csv(paths["data_dictionary"], index=False, lineterminator="\n")
    return {k: str(v) for k, v in paths.items()}


def load_indicators(in_dir) -> IndicatorSet:
    """Read what :func:`save_indicators` wrote."""
    d = Path(in_dir)
    table = pd.read_parquet(d / "indicators.parquet")
    mc = pd.read_csv(d / "municipality_sector_counts.csv", dtype={"kunta_code": str, "sector": str})
    regs = pd.read_parquet(d / "registrations.parquet") if (d / "registrations.parquet").exists() \
        else pd.DataFrame()
    return IndicatorSet(table, mc, regs)
