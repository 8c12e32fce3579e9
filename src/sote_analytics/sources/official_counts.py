"""Official counts of registered associations: PRH by region x purpose class, SOSTE's sote count.

One data file, ``data/prh_official_counts.csv``, one loader (:func:`official_counts`), shared by
every comparison with the official register (YTJ completeness here, register coverage
elsewhere). There is no machine-readable source: the figures were copied from the pages
named in each row's ``page_url`` (PRH's table "Yhdistysten määrät tarkoitusluokittain
(pääluokittain) eri maakunnissa", situation 2 Jan 2025; SOSTE's pages of 2023), with the
date of the figures in ``as_of``. Neither page states a licence; the figures are cited as
published facts with attribution.

Columns: ``source`` (prh / soste), ``as_of``, ``level`` (maakunta / hyvinvointialue /
koko_maa), ``area_code`` (the reference's codes, text), ``area_name_fi``, ``purpose_class``
(PRH's nine main classes ``1``–``9``, ``unclassified``, ``total``; SOSTE's ``sote`` and
``sote_organisations``), ``purpose_class_fi``, ``count``, ``page_url``, ``licence``, ``note``.
PRH's class 3 is "Sosiaali- ja terveysalan yhdistykset"; the Åland row of the stored page is cut
after class 4, so Åland's total is unknown and national sums exclude Åland.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from .ytj_records import FORM_CODES, FORM_NAMES_FI

#: PRH's main purpose class of social and health associations.
SOTE_CLASS = "3"
AHVENANMAA = "21"
COMPLETENESS_INDICATORS = ("prh_registered_associations", "prh_sote_associations",
                           "ytj_associations_with_business_id", "ytj_share_of_prh_register")
#: A registered association (not a foundation) in a YTJ register: its form's Finnish name, or its
#: numeric or letter code (from :mod:`.ytj_records`: ``("Aatteellinen yhdistys",)`` and ``("6", "AYH")``).
ASSOCIATION_FORMS = tuple(name.capitalize() for name, letter in FORM_NAMES_FI.items() if letter == "AYH")
ASSOCIATION_FORM_CODES = (*(code for code, letter in FORM_CODES.items() if letter == "AYH"), "AYH")


@cache
def _read() -> pd.DataFrame:
    text = resources.files("sote_analytics").joinpath("data/prh_official_counts.csv").read_text("utf-8")
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    df["count"] = pd.to_numeric(df["count"].replace("", None), errors="coerce").astype("Int64")
    return df


def official_counts(source: str | None = None, level: str | None = None,
                    purpose_class: str | None = None) -> pd.DataFrame:
    """The official counts, optionally filtered (a copy).

    Examples
    --------
    >>> c = official_counts("prh", "maakunta", "total")
    >>> int(c.loc[c["area_name_fi"] == "Keski-Suomi", "count"].iloc[0])
    5330
    >>> int(official_counts("soste", "koko_maa", "sote")["count"].iloc[0])
    10183
    """
    df = _read()
    for col, val in (("source", source), ("level", level), ("purpose_class", purpose_class)):
        if val is not None:
            df = df[df[col] == val]
    return df.reset_index(drop=True).copy()


def prh_as_of() -> str:
    """Date of PRH's figures (ISO), e.g. ``2025-01-02``."""
    return str(official_counts("prh")["as_of"].max())


def prh_by_region(purpose_class: str = "total") -> pd.Series:
    """PRH's count of one purpose class (or ``total``) by region code (``<NA>`` where unknown)."""
    c = official_counts("prh", "maakunta", purpose_class)
    return pd.Series(c["count"].to_numpy(), index=c["area_code"].to_numpy(), name=purpose_class)


def prh_national(purpose_class: str = "total") -> tuple[int, int]:
    """(count outside Åland, number of regions summed) of one class.

    Examples
    --------
    >>> prh_national()
    (107851, 18)
    >>> prh_national("3")[0]
    8099
    """
    s = prh_by_region(purpose_class).drop(AHVENANMAA, errors="ignore").dropna()
    return int(s.sum()), len(s)


def _is_association(register: pd.DataFrame) -> pd.Series:
    """Registered associations (not foundations) of a YTJ register, by form name or code."""
    form = register.get("company_form", pd.Series(pd.NA, index=register.index)).astype("string")
    ok = form.isin(ASSOCIATION_FORMS).fillna(False)
    if "company_form_code" in register:
        ok |= register["company_form_code"].astype("string").isin(ASSOCIATION_FORM_CODES).fillna(False)
    return ok.astype(bool)


def completeness_rows(register: pd.DataFrame, ref) -> pd.DataFrame:
    """How many of each region's registered associations a YTJ register holds, as indicator rows.

    Rows (``indicators.TABLE_COLUMNS``) at the ``maakunta`` and ``koko_maa`` levels, sector
    ``ALL``: ``prh_registered_associations`` (PRH's count, all classes), ``prh_sote_associations``
    (class 3), ``ytj_associations_with_business_id`` (associations of the register, foundations
    excluded) and ``ytj_share_of_prh_register`` (their ratio; ``n`` = the YTJ count). The national
    row excludes Åland (its PRH total is unknown in the stored table).

    Parameters
    ----------
    register : DataFrame
        A YTJ register that exists now (``municipality_code``, ``company_form``), e.g.
        ``ytj_register.current(reg)``.
    ref : ReferenceData
        For the municipality -> region key and the region names.
    """
    from ..indicators.definitions import TABLE_COLUMNS
    from ..taxonomy import ALL

    region_of = ref.area_of("maakunta")
    assoc = register[_is_association(register)]
    ytj = assoc["municipality_code"].astype(str).map(region_of).value_counts()
    names = ref.areas("maakunta").set_index("code")["name_fi"]
    total, sote = prh_by_region("total"), prh_by_region(SOTE_CLASS)
    codes = [str(c) for c in names.index]
    prh_t = total.reindex(codes).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    prh_s = sote.reindex(codes).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    y = ytj.reindex(codes).fillna(0).to_numpy(dtype=float)
    nat_t, _ = prh_national("total")
    nat_s, _ = prh_national(SOTE_CLASS)
    y_nat = float(sum(v for c, v in zip(codes, y, strict=True) if c != AHVENANMAA))
    src = f"PRH, yhdistysrekisterin tilasto {prh_as_of()}; YTJ (PRH avoin data, CC BY 4.0)"
    frames = []
    for level, acodes, anames, t_, s_, yv in (
            ("maakunta", codes, names.reindex(codes).to_numpy(), prh_t, prh_s, y),
            ("koko_maa", ["SSS"], ["Koko maa (pl. Ahvenanmaa)"], np.array([nat_t], float),
             np.array([nat_s], float), np.array([y_nat]))):
        share = np.where(t_ > 0, yv / np.where(t_ > 0, t_, 1), np.nan)
        for ind, val, unit, n in (("prh_registered_associations", t_, "count", np.full(len(t_), np.nan)),
                                  ("prh_sote_associations", s_, "count", np.full(len(t_), np.nan)),
                                  ("ytj_associations_with_business_id", yv, "count", yv),
                                  ("ytj_share_of_prh_register", share, "share", yv)):
            frames.append(pd.DataFrame({
                "area_level": level, "area_code": acodes, "area_name": anames, "sector": ALL,
                "indicator": ind, "value": val, "lower": np.nan, "upper": np.nan, "n": n,
                "unknown": np.nan, "unit": unit, "year": int(prh_as_of()[:4]), "source": src}))
    return pd.concat(frames, ignore_index=True)[TABLE_COLUMNS]
