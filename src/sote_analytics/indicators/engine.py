"""Indicators for every area of every level at once, as one tidy long table.

Schema (one row per area x sector x indicator):

===============  ==========================================================
area_level       level id (kunta, seutukunta, maakunta, hyvinvointialue, ...)
area_code        area code within the level (text)
area_name        Finnish name of the area
sector           sector code, or ``ALL`` for all classified sote sectors together (``unclassified``
                 is a row of its own and not in ``ALL``)
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

import numpy as np
import pandas as pd

from ..reference import ReferenceData, area_levels
from ..taxonomy import ALL, NOT_SOTE, UNCLASSIFIED, sote_sectors
from .definitions import TABLE_COLUMNS, activity_measures, definitions, target_groups
from .formulas import REGISTRY, check_registry
from .lookup import area_rows
from .stats import ratio


@dataclass
class IndicatorSet:
    """The indicator table and the tables behind it."""

    table: pd.DataFrame
    municipality_counts: pd.DataFrame
    registrations: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Activity totals per year (:func:`.impact.activity_trend`), when the activity file has several years.
    activity_trend: pd.DataFrame = field(default_factory=pd.DataFrame)


def location(register: pd.DataFrame) -> pd.Series:
    """Where an association counts locally: its domicile, else the one municipality it operates in.

    Associations with no domicile that operate in several municipalities (district and national
    organisations) have no local place (missing): they count in coverage by area of operation.
    """
    mun = register["municipality_code"].astype("string")
    if "operating_area_codes" in register:
        codes = register["operating_area_codes"].astype("string")
        mun = mun.fillna(codes.where(~codes.str.contains("|", regex=False).fillna(True)))
    return mun


def operating_counts(register: pd.DataFrame, ref: ReferenceData) -> pd.DataFrame:
    """Associations operating in each municipality x sector (and ALL): domicile or area of operation.

    Every sote association counts, national and district organisations included: one that
    operates in the whole country covers every municipality.
    """
    reg = register[register["sector"].astype(str) != NOT_SOTE]
    codes = location(reg).fillna("")
    if "operating_area_codes" in reg:
        codes = codes + "|" + reg["operating_area_codes"].astype("string").fillna("")
    pairs = pd.DataFrame({"id": range(len(reg)), "sector": reg["sector"].astype(str).to_numpy(),
                          "kunta_code": codes.str.split("|").to_numpy()}).explode("kunta_code")
    pairs = pairs[pairs["kunta_code"].isin(set(ref.municipality_codes))].drop_duplicates(["id", "kunta_code"])
    both = pd.concat([pairs, pairs[pairs["sector"] != UNCLASSIFIED].assign(sector=ALL)])
    counts = both.groupby(["kunta_code", "sector"]).size().rename("operating")
    full = pd.MultiIndex.from_product([ref.municipality_codes, [ALL, *sote_sectors()]],
                                      names=["kunta_code", "sector"])
    return counts.reindex(full, fill_value=0).astype(float).reset_index()


def _prepare(register: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The per-association columns the aggregations need (numeric, NaN = unknown)."""
    def num(col):
        if col not in register:
            return pd.Series(np.nan, index=register.index)
        return pd.to_numeric(register[col], errors="coerce").astype(float)

    # paid staff in persons, or in full-time equivalents where the source gives only those ("has paid
    # staff" = persons >= 1 or FTE > 0; sums and medians in persons, else FTE)
    persons, fte = num("paid_staff"), num("paid_staff_fte")
    staff = persons.where(persons.notna(), fte)
    prod = register["produces_services"] if "produces_services" in register else pd.Series(
        pd.NA, index=register.index)
    prod = prod.astype("boolean")
    if "registration_date" in register:
        reg_date = pd.to_datetime(register["registration_date"], errors="coerce")
    else:
        reg_date = pd.Series(pd.NaT, index=register.index)
    age = (pd.Timestamp(as_of) - reg_date).dt.days / 365.2425
    return pd.DataFrame({
        "kunta_code": location(register).fillna("").astype(str).to_numpy(),
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
        "age_u10": (age < 10).astype(float).to_numpy(),
        "age_10_29": ((age >= 10) & (age < 30)).astype(float).to_numpy(),
        "age_30p": (age >= 30).astype(float).to_numpy(),
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


def _unclassified(s_codes: np.ndarray, s_uniques: np.ndarray) -> np.ndarray:
    """Per row, whether its sector code (an index into ``s_uniques``) is ``unclassified``."""
    is_unc = np.asarray(s_uniques, dtype=object) == UNCLASSIFIED
    return is_unc[s_codes] if len(is_unc) else np.zeros(len(s_codes), dtype=bool)


def _aggregate(df: pd.DataFrame, a_codes: np.ndarray, a_uniques: np.ndarray, s_codes: np.ndarray,
               s_uniques: np.ndarray, aggs: dict[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """Aggregates by area x sector and by area (sector ALL), on integer group keys.

    ``a_codes``/``s_codes`` index ``a_uniques``/``s_uniques`` per row (-1: no area). Sums and
    counts use ``np.bincount``; medians and means a pandas groupby on one integer key.
    """
    ns = len(s_uniques) + 1  # the last sector slot is ALL
    ok = a_codes >= 0
    # ALL is the classified sote associations: the unclassified are a sector of their own, not sote
    in_all = ok & ~_unclassified(s_codes, s_uniques)
    key = np.concatenate([(a_codes * ns + s_codes)[ok], (a_codes * ns + ns - 1)[in_all]])
    size = max(len(a_uniques), 1) * ns
    out: dict[str, np.ndarray] = {}
    medians: dict[str, tuple[str, str]] = {}
    aggs = _AGG if aggs is None else aggs
    for name, (src, how) in aggs.items():
        col = df[src].to_numpy(dtype=float)
        vals = np.concatenate([col[ok], col[in_all]])
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
        base = pd.DataFrame({c: np.concatenate([df[c].to_numpy(dtype=float)[ok],
                                                df[c].to_numpy(dtype=float)[in_all]]) for c in cols})
        grouped = base.groupby(key)
        for name, (src, how) in medians.items():
            frame[name] = getattr(grouped[src], how)().reindex(range(size)).to_numpy()
    frame = frame[present]
    idx = frame.index.to_numpy()
    sectors = np.append(s_uniques.astype(object), ALL)
    frame.index = pd.MultiIndex.from_arrays([a_uniques[idx // ns], sectors[idx % ns]], names=["area", "sector"])
    return frame[list(aggs)]


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
    >>> ind = compute_indicators(register, ref, "demo")  # the twelve-row register of the doctests
    >>> row = ind.table.query("area_level == 'koko_maa' and sector == 'ALL' and indicator == 'associations'")
    >>> row[["area_code", "value", "n"]].to_dict("records")
    [{'area_code': 'SSS', 'value': 10.0, 'n': 10}]
    """
    as_of = as_of or dt.date(ref.year, 12, 31)
    reg = register[register["sector"].astype(str) != NOT_SOTE]
    hq_mask = reg["is_headquarters"].fillna(False).astype(bool) if "is_headquarters" in reg else \
        pd.Series(False, index=reg.index)
    hq = reg[hq_mask]
    local = reg if include_headquarters else reg[~hq_mask]
    df = _prepare(local, as_of)
    g = _Groups.build(df, ref)
    mun_counts = _municipality_counts(df, g, ref).merge(operating_counts(register, ref), on=["kunta_code", "sector"])
    frames, registrations = [], []
    national = None
    for lvl in list(area_levels())[::-1]:  # koko_maa first: national figures for shares
        agg, a_codes, a_uniques = _level_aggregate(lvl.id, df, g, ref)
        agg = _coverage(agg, mun_counts, ref, lvl.id)
        agg = _headquarters(agg, hq, ref, lvl.id)
        agg = _district(agg, hq, ref, lvl.id)
        agg = _target_population(agg, ref, lvl.id)
        if national is None:
            national = agg.set_index("sector")[["associations", "population"]]
        agg = _relative(agg, national)
        agg["level"] = lvl.id
        frames.append(_long_rows(agg))
        registrations.append(_registrations(lvl.id, df, g, a_codes, a_uniques))
    table = pd.concat(frames[::-1], ignore_index=True)
    trend = pd.DataFrame()
    if activity is not None:
        from .impact import activity_trend, latest_year

        table = pd.concat([table, activity_indicators(activity, local, ref)], ignore_index=True)
        _, years = latest_year(activity)
        if years is not None:
            trend = activity_trend(years, local, ref, [m for m in activity_measures() if m in activity])
    table["year"] = ref.year
    table["source"] = source
    table = _finish(table)
    regs = pd.concat(registrations, ignore_index=True)
    if len(regs):
        regs["year"] = regs["year"].astype(int)
        regs = regs.sort_values(["area_level", "area_code", "sector", "year"]).reset_index(drop=True)
    mc = mun_counts.astype({"associations": int, "staff_known": int, "staff_yes": int, "operating": int})
    return IndicatorSet(table, mc, regs, trend)


@dataclass
class _Groups:
    """Integer group keys, factorised once: every level works on integers, not strings."""

    mun_index: pd.Index
    kidx: np.ndarray  # row -> position of its municipality in the key (-1: not in the key)
    s_codes: np.ndarray
    s_uniques: np.ndarray
    key_by_mun: pd.DataFrame

    @classmethod
    def build(cls, df: pd.DataFrame, ref: ReferenceData) -> _Groups:
        mun_index = pd.Index(ref.municipality_codes)
        s_codes, s_uniques = pd.factorize(df["sector"].to_numpy(dtype=object))
        return cls(mun_index, mun_index.get_indexer(df["kunta_code"].to_numpy(dtype=object)), s_codes,
                   np.asarray(s_uniques, dtype=object),
                   ref.key.set_index("kunta_code", drop=False).reindex(mun_index))


def _municipality_counts(df: pd.DataFrame, g: _Groups, ref: ReferenceData) -> pd.DataFrame:
    """Associations (and staff known / with staff) per municipality x sector, zeros included."""
    counts = ["associations", "staff_known", "staff_yes"]
    kagg = _aggregate(df, g.kidx, np.asarray(g.mun_index, dtype=object), g.s_codes, g.s_uniques,
                      aggs={k: _AGG[k] for k in counts})
    kfull = pd.MultiIndex.from_product([ref.municipality_codes, [ALL, *sote_sectors()]],
                                       names=["area", "sector"])
    return kagg.reindex(kfull)[counts].fillna(0.0).reset_index().rename(columns={"area": "kunta_code"})


def _level_aggregate(level: str, df: pd.DataFrame, g: _Groups, ref: ReferenceData):
    """Aggregates of every area x sector of ``level`` (zeros for empty cells), with names and population."""
    areas = ref.areas(level)
    a_uniques = areas["code"].to_numpy(dtype=object)
    mun_area = pd.Index(a_uniques).get_indexer(g.key_by_mun[f"{level}_code"].to_numpy(dtype=object))
    a_codes = np.where(g.kidx >= 0, mun_area[np.maximum(g.kidx, 0)], -1)
    agg = _aggregate(df, a_codes, a_uniques, g.s_codes, g.s_uniques)
    full = pd.MultiIndex.from_product([areas["code"], [ALL, *sote_sectors()]], names=["area", "sector"])
    counts = [c for c in agg.columns if not c.endswith(("median", "mean"))]
    agg = agg.reindex(full)
    agg[counts] = agg[counts].fillna(0.0)
    agg = agg.reset_index().merge(
        areas.rename(columns={"code": "area"})[["area", "name_fi", "population", "n_municipalities"]], on="area")
    return agg, a_codes, a_uniques


def _coverage(agg: pd.DataFrame, mun_counts: pd.DataFrame, ref: ReferenceData, level: str) -> pd.DataFrame:
    """Municipalities (and inhabitants) of each area x sector with at least one association."""
    cov = mun_counts[["kunta_code", "sector", "associations", "operating"]].assign(
        area=mun_counts["kunta_code"].map(ref.area_of(level)))
    cov = cov.join(ref.population.rename("population"), on="kunta_code")
    cov["covered"] = (cov["associations"] > 0).astype(float)
    cov["covered_pop"] = cov["covered"] * cov["population"]
    cov["covered_op"] = (cov["operating"] > 0).astype(float)
    cov["covered_op_pop"] = cov["covered_op"] * cov["population"]
    c = cov.groupby(["area", "sector"]).agg(covered=("covered", "sum"), covered_pop=("covered_pop", "sum"),
                                            covered_op=("covered_op", "sum"),
                                            covered_op_pop=("covered_op_pop", "sum"))
    return agg.join(c, on=["area", "sector"])


def _headquarters(agg: pd.DataFrame, hq: pd.DataFrame, ref: ReferenceData, level: str) -> pd.DataFrame:
    """National and district organisations domiciled in each area x sector (not in the local figures)."""
    if len(hq):
        hq_area = hq["municipality_code"].astype(str).map(ref.area_of(level))
        hq_counts = pd.concat([
            pd.DataFrame({"area": hq_area, "sector": hq["sector"].astype(str)}).value_counts(),
            pd.DataFrame({"area": hq_area, "sector": ALL})[hq["sector"].astype(str).ne(UNCLASSIFIED).to_numpy()]
            .value_counts(),
        ]).rename("hq")
        agg = agg.join(hq_counts, on=["area", "sector"])
    else:
        agg["hq"] = 0.0
    agg["hq"] = agg["hq"].fillna(0.0)
    return agg


def _district(agg: pd.DataFrame, hq: pd.DataFrame, ref: ReferenceData, level: str) -> pd.DataFrame:
    """District organisations whose whole area of operation lies within each area x sector.

    They are the area's own beside its local associations (local + district = the area's own);
    one whose area of operation reaches over several areas of the level belongs to none of them.
    """
    agg["district"] = 0.0
    if not len(hq) or "operating_area_codes" not in hq or "org_type" not in hq:
        return agg
    d = hq[(hq["org_type"].astype(str) == "district") & hq["operating_area_codes"].notna()]
    if not len(d):
        return agg
    area_of = ref.area_of(level)
    homes = d["operating_area_codes"].astype(str).map(
        lambda cs: (lambda a: next(iter(a)) if len(a) == 1 else None)({area_of.get(c) for c in cs.split("|")}))
    ok = homes.notna()
    if not ok.any():
        return agg
    frame = pd.DataFrame({"area": homes[ok].astype(str), "sector": d.loc[ok, "sector"].astype(str)})
    counts = pd.concat([frame.value_counts(),
                        frame[frame["sector"] != UNCLASSIFIED].assign(sector=ALL).value_counts()]).rename("district_n")
    agg = agg.join(counts, on=["area", "sector"])
    agg["district"] = agg.pop("district_n").fillna(0.0)
    return agg


def _target_population(agg: pd.DataFrame, ref: ReferenceData, level: str) -> pd.DataFrame:
    """Population of each row's sector's target age group in the area (NaN: no group or no age data)."""
    agg["target_population"] = np.nan
    if ref.population_by_age is None:
        return agg
    for sector, group in zip(target_groups()["sector"], target_groups()["age_group"], strict=True):
        pop = ref.target_population(level, group)
        rows = agg["sector"] == sector
        agg.loc[rows, "target_population"] = agg.loc[rows, "area"].map(pop).astype(float).to_numpy()
    return agg


def _relative(agg: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    """Density, shares of the national totals and rank within the level."""
    agg["per_1000"] = ratio(agg["associations"] * 1000, agg["population"])
    agg["share_nat"] = ratio(agg["associations"], agg["sector"].map(national["associations"]))
    agg["pop_share"] = ratio(agg["population"], national["population"].iloc[0])
    agg["rank"] = agg.groupby("sector")["per_1000"].rank(method="min", ascending=False)
    return agg


def _registrations(level: str, df: pd.DataFrame, g: _Groups, a_codes: np.ndarray,
                   a_uniques: np.ndarray) -> pd.DataFrame:
    """Registrations per year of each area x sector (and ALL), for associations with a known date."""
    years = df["reg_year"].to_numpy(dtype=float)
    ok = (a_codes >= 0) & ~np.isnan(years)
    cols = ["area_level", "area_code", "sector", "year", "registrations"]
    if not ok.any():
        return pd.DataFrame(columns=cols)
    a, sc, yr = a_codes[ok], g.s_codes[ok], years[ok].astype(int)
    sote = ~_unclassified(sc, g.s_uniques)  # ALL: classified sote associations only
    ry = pd.DataFrame({"a": np.concatenate([a, a[sote]]), "s": np.concatenate([sc, np.full(int(sote.sum()), -1)]),
                       "year": np.concatenate([yr, yr[sote]])}).value_counts().rename("registrations").reset_index()
    return pd.DataFrame({
        "area_level": level, "area_code": a_uniques[ry["a"].to_numpy()],
        "sector": np.where(ry["s"].to_numpy() < 0, ALL, g.s_uniques[np.maximum(ry["s"].to_numpy(), 0)]),
        "year": ry["year"].to_numpy(), "registrations": ry["registrations"].to_numpy()})


def _long_rows(a: pd.DataFrame) -> pd.DataFrame:
    """Turn one level's wide aggregate frame into long indicator rows, one block per registered indicator."""
    spec = [(ind_id, ind.formula(a)) for ind_id, ind in REGISTRY.items()]
    size = len(a)

    def col(x) -> np.ndarray:
        return np.broadcast_to(np.asarray(x, dtype=float), (size,))

    k = len(spec)
    defs = definitions()
    ind_order = {name: i for i, name in enumerate(defs)}
    sector_order = {sec: i for i, sec in enumerate([ALL, *sote_sectors()])}
    level_order = {lvl.id: i for i, lvl in enumerate(area_levels())}
    area_num = pd.to_numeric(a["area"], errors="coerce").fillna(-1).to_numpy()
    return pd.DataFrame({
        "_l": np.full(size * k, level_order[a["level"].iloc[0]]) if size else np.zeros(0, dtype=int),
        "_c": np.tile(area_num, k),
        "_s": np.tile(a["sector"].map(sector_order).to_numpy(), k),
        "_i": np.repeat(np.array([ind_order[x[0]] for x in spec]), size),
        "area_level": np.tile(a["level"].to_numpy(dtype=object), k),
        "area_code": np.tile(a["area"].to_numpy(dtype=object), k),
        "area_name": np.tile(a["name_fi"].to_numpy(dtype=object), k),
        "sector": np.tile(a["sector"].to_numpy(dtype=object), k),
        "indicator": np.repeat(np.array([x[0] for x in spec], dtype=object), size),
        "value": np.concatenate([col(f.value) for _, f in spec]),
        "lower": np.concatenate([col(f.lower) for _, f in spec]),
        "upper": np.concatenate([col(f.upper) for _, f in spec]),
        "n": np.concatenate([col(f.n) for _, f in spec]),
        "unknown": np.concatenate([col(f.unknown) for _, f in spec]),
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
    from .impact import latest_year

    measures = [m for m in activity_measures() if m in activity]
    if not measures:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    activity, _ = latest_year(activity)  # several years: the figures are the latest year's (the trend apart)
    activity = activity.drop_duplicates("association_id", keep="last")
    base = register[["association_id", "municipality_code", "sector"]].merge(
        activity[["association_id", *measures]], on="association_id", how="left")
    rows = []
    for lvl in area_levels():
        code_of = ref.area_of(lvl.id)
        areas = ref.areas(lvl.id).set_index("code")
        b = base.assign(area=base["municipality_code"].astype(str).map(code_of))
        both = pd.concat([b, b[b["sector"].astype(str) != UNCLASSIFIED].assign(sector=ALL)])
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
            med = gm.median().reindex(idx).to_numpy()
            for stat, value in (("total", np.where(kn > 0, tot, np.nan)),
                                ("per_1000", ratio(tot * 1000, popn) * np.where(kn > 0, 1, np.nan)),
                                ("per_association", ratio(tot, kn)),
                                ("median", np.where(kn > 0, med, np.nan)),
                                ("coverage", ratio(kn, size.to_numpy().astype(float)))):
                rows.append(pd.DataFrame({
                    "area_level": lvl.id, "area_code": idx.get_level_values(0),
                    "area_name": names, "sector": idx.get_level_values(1),
                    "indicator": f"{m}_{stat}", "value": value, "lower": np.nan, "upper": np.nan,
                    "n": kn, "unknown": unk}))
            if m == "volunteer_hours":  # estimates: full-time equivalents and a euro value (impact.basis)
                from .impact import volunteer_value

                fte, eur = volunteer_value(np.where(kn > 0, tot, np.nan))
                for ind_id, value in (("volunteer_hours_fte", fte), ("volunteer_hours_value", eur)):
                    rows.append(pd.DataFrame({
                        "area_level": lvl.id, "area_code": idx.get_level_values(0), "area_name": names,
                        "sector": idx.get_level_values(1), "indicator": ind_id, "value": value, "lower": np.nan,
                        "upper": np.nan, "n": kn, "unknown": unk}))
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
        code_of = ref.area_of(lvl.id)
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


def coverage_gaps(municipality_counts: pd.DataFrame, ref: ReferenceData, level: str, code: str,
                  by: str = "domicile") -> pd.DataFrame:
    """The municipalities of an area with no association, per sector.

    ``by="domicile"`` counts associations domiciled in the municipality (local ones);
    ``by="operating_area"`` counts every association that operates there, by domicile or
    by its area of operation (national and district organisations included).

    Returns columns ``sector``, ``kunta_code``, ``kunta_name_fi``, ``kunta_name_sv``,
    ``population``, sorted by sector and name.
    """
    column = {"domicile": "associations", "operating_area": "operating"}[by]
    members = ref.members(level, code)[["kunta_code", "kunta_name_fi", "kunta_name_sv"]]
    if column not in municipality_counts:  # a table written before areas of operation were counted
        column = "associations"
    mc = municipality_counts
    gaps = mc[(mc[column] == 0) & mc["kunta_code"].isin(set(members["kunta_code"]))]  # the area's gaps, then merged
    gaps = gaps.merge(members, on="kunta_code").join(ref.population.rename("population"), on="kunta_code")
    return gaps[["sector", "kunta_code", "kunta_name_fi", "kunta_name_sv", "population"]].sort_values(
        ["sector", "kunta_name_fi"]).reset_index(drop=True)


check_registry()  # a formula without a YAML entry (or the reverse) fails at import


def municipality_sector_table(ind: IndicatorSet, ref: ReferenceData, level: str, code: str) -> pd.DataFrame:
    """Associations by municipality x sector of an area: local ones by domicile, with the area's district
    organisations and totals (the table regional leads make by hand).

    Returns a frame indexed by the area's municipality codes and then ``local``, ``district`` and
    ``own`` (local + district), with a column per sote sector that has an association in the area
    (unclassified ones are not sote and not in the table) and ``ALL``.

    Examples
    --------
    >>> t = municipality_sector_table(ind, ref, "hyvinvointialue", "15")
    >>> int(t.loc["own", "ALL"]) == int(t.loc["local", "ALL"] + t.loc["district", "ALL"])
    True
    """
    mc = ind.municipality_counts
    members = ref.members(level, str(code))["kunta_code"].astype(str).tolist()
    mine = mc[mc["kunta_code"].astype(str).isin(set(members))]
    wide = mine.pivot_table(index="kunta_code", columns="sector", values="associations", aggfunc="sum",
                            fill_value=0).reindex(members).fillna(0)
    rows = area_rows(ind.table, level, str(code))  # the table grouped once, not three comparisons of every row
    dist = rows[rows["indicator"] == "district_associations"]
    district = dist.set_index("sector")["value"].fillna(0) if len(dist) else pd.Series(dtype=float)
    order = [s for s in sote_sectors() if s != UNCLASSIFIED and s in wide.columns]
    used = [s for s in order if wide[s].sum() > 0 or district.get(s, 0) > 0]
    body = wide.reindex(columns=[*used, ALL]).fillna(0)
    local = body.sum().rename("local")
    dist_row = pd.Series({c: float(district.get(c, 0)) for c in body.columns}, name="district")
    out = pd.concat([body, local.to_frame().T, dist_row.to_frame().T, (local + dist_row).rename("own").to_frame().T])
    return out.astype(int)
