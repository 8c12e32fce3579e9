"""The canonical register: schema, and turning mapped raw rows into it.

Every row read is accounted for: it is either in the canonical register or in
the quarantine table with one reason per problem, so that
``rows_in == accepted + quarantined`` always holds (it is checked on every call).

Canonical schema (enforced with pandera, see :data:`SCHEMA`):

=====================  =========================================================
association_id         identifier from the source, else ``<file>:<row>``
name                   association name (NFC, invisible characters removed)
register_number        PRH association register number, if given
business_id            Y-tunnus, validated (format and check digit), if given
registration_date      date, not in the future, if given
municipality_code      3-digit code of the key year
municipality_name_raw  the municipality as the source gave it
resolution_method      code / exact / swedish / merger / fuzzy
sector                 sector code (taxonomy) or ``unclassified``
purpose                purpose text, if given
paid_staff             paid employees (nullable: unknown is not zero)
members, volunteers    counts (nullable)
produces_services      bool (nullable)
source_file            file name
source_row             line/row number in the source (1 = first data row)
likely_duplicate_of    source_row of a likely duplicate (same name + municipality)
source_category        the source's own category word (e.g. "Potilasjärjestöt"), a classification signal
extra_*                columns of the source that map to nothing, kept as text
=====================  =========================================================

Duplicate policy: rows with the same register number or the same business ID
as an earlier row are quarantined ("duplicate of row N"); the first occurrence
is kept. Rows with the same normalised name and municipality as an earlier row
but no conflicting identifiers are kept and flagged in ``likely_duplicate_of``
(they may be real namesakes, e.g. two village associations).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .municipalities import MunicipalityResolver, normalize_name
from .reference import ReferenceData
from .taxonomy import UNCLASSIFIED, sectors
from .text import unknown_words
from .validation import clean_text, map_unique, parse_bool, parse_business_id, parse_count, parse_date

CANONICAL_COLUMNS = [
    "association_id", "name", "register_number", "business_id", "registration_date",
    "municipality_code", "municipality_name_raw", "resolution_method", "sector", "purpose",
    "paid_staff", "members", "volunteers", "produces_services", "source_file", "source_row",
    "likely_duplicate_of", "source_category", "operating_area_raw", "operating_area_codes",
    "operating_area_level", "operating_area_unresolved",
]
COUNT_COLUMNS = ["paid_staff", "members", "volunteers"]
#: Column names the quarantine and register use themselves; a source's columns of these names are renamed.
RESERVED_COLUMNS = {"source_row", "reason", "source_file", "resolution_method", "likely_duplicate_of",
                    "municipality_name_raw", "municipality_code"}
INPUT_COLUMNS = ["association_id", "name", "register_number", "business_id", "registration_date",
                 "municipality", "operating_area", "sector", "purpose", *COUNT_COLUMNS, "produces_services",
                 "synthetic"]


def schema():
    """The pandera schema of the canonical register."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "association_id": pa.Column("string", nullable=False, unique=True),
            "name": pa.Column("string", nullable=False),
            "municipality_code": pa.Column("string", pa.Check.str_matches(r"^\d{3}$"), nullable=True),
            "resolution_method": pa.Column("string", nullable=True),
            "operating_area_codes": pa.Column("string", pa.Check.str_matches(r"^\d{3}(\|\d{3})*$"), nullable=True),
            "sector": pa.Column("string", pa.Check.isin(list(sectors().index))),
            "business_id": pa.Column("string", pa.Check.str_matches(r"^\d{7}-\d$"), nullable=True),
            **{c: pa.Column("Int64", pa.Check.ge(0), nullable=True) for c in COUNT_COLUMNS},
            "produces_services": pa.Column("boolean", nullable=True),
            "source_row": pa.Column("Int64", nullable=False),
        },
        strict=False,
    )


@dataclass
class RegisterResult:
    """A read register: accepted rows, quarantined rows with reasons, counts."""

    register: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    source: str
    synthetic: bool = False
    extras: list[str] = field(default_factory=list)
    #: One list of reasons per quarantined row (the ``reason`` column joins them for people).
    reasons: list[list[str]] = field(default_factory=list)

    def reason_categories(self) -> list[set[str]]:
        """Per quarantined row, the categories of its reasons (values removed)."""
        lists = self.reasons or [[str(r)] for r in self.quarantine.get("reason", [])]
        return [{reason_category(r) for r in rs} for rs in lists]

    @property
    def summary(self) -> dict:
        """Rows in / accepted / quarantined, resolution methods, quarantined rows per reason category."""
        reasons: dict[str, int] = {}
        for cats in self.reason_categories():
            for key in sorted(cats):
                reasons[key] = reasons.get(key, 0) + 1
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "accepted": len(self.register),
            "quarantined": len(self.quarantine),
            "synthetic": self.synthetic,
            "resolution_methods": {str(k): int(v) for k, v in
                                   self.register["resolution_method"].value_counts().items()},
            "quarantine_reasons": reasons,
            "likely_duplicates": int(self.register["likely_duplicate_of"].notna().sum()),
            "unmapped_columns": self.extras,
        }


def reason_category(reason: str) -> str:
    """A quarantine reason without its values, for counting.

    Examples
    --------
    >>> reason_category("duplicate register number 146.677 (first at row 3)")
    'duplicate register number …'
    >>> reason_category("unknown municipality 'atlantis' (did you mean: Kitee (260))")
    'unknown municipality …'
    """
    import re

    text = re.sub(r"\s*\(.*\)\s*$", "", reason)
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\d[\d.\-:]*", "…", text)
    text = re.sub(r":\s*…$", " …", text)
    return re.sub(r"\s+", " ", text).strip()


def canonicalize(raw: pd.DataFrame, ref: ReferenceData, source: str = "<frame>",
                 today: dt.date | None = None, source_rows: list[int] | None = None,
                 row_problems: dict[int, str] | None = None) -> RegisterResult:
    """Turn a frame with canonical input column names into the canonical register.

    Parameters
    ----------
    raw : DataFrame
        Text columns named as in :data:`INPUT_COLUMNS` (``name`` and
        ``municipality`` required); other columns are kept as ``extra_<name>``.
    ref : ReferenceData
        Key year and mergers for municipality resolution.
    source : str
        File name recorded in every row.
    today : date, optional
        Dates after it are rejected (default: today).
    source_rows : list of int, optional
        Row numbers in the source file (default 1..n).
    row_problems : dict, optional
        Problems the reader found (row position -> reason), e.g. more fields than the header;
        those rows go to quarantine with the other reasons.

    Examples
    --------
    >>> raw = pd.DataFrame({"name": ["A ry", ""], "municipality": ["91", "Espoo"]})
    >>> res = canonicalize(raw, ref)  # doctest: +SKIP
    >>> res.rows_in, len(res.register), res.quarantine["reason"].tolist()  # doctest: +SKIP
    (2, 1, ['name missing'])
    """
    raw = raw.reset_index(drop=True)
    # the source's own columns named like internal ones (source_row, reason) are kept as extras, renamed
    raw = raw.rename(columns={c: f"input_{c}" for c in raw.columns if c in RESERVED_COLUMNS})
    # "ei tiedossa", "okänd", "?": unknown, not an error
    raw = raw.apply(lambda col: col.mask(unknown_words(col)) if col.name != "name" else col)
    n = len(raw)
    rows = pd.Series(source_rows if source_rows is not None else range(1, n + 1), dtype="Int64")
    reasons: list[list[str]] = [[] for _ in range(n)]
    for i, problem in (row_problems or {}).items():
        reasons[i].append(problem)

    def get(c):
        return raw[c] if c in raw else pd.Series(pd.NA, index=raw.index, dtype="string")

    def note(problems: pd.Series):
        hit = problems.astype(bool)
        for i, p in problems[hit].items():
            reasons[i].append(p)

    from .operating_area import OperatingAreaResolver

    resolver = MunicipalityResolver(ref.key, ref.year, ref.mergers)
    mun_raw = clean_text(get("municipality"))
    res = resolver.resolve(mun_raw)
    area_raw = clean_text(get("operating_area"))
    area = OperatingAreaResolver(ref, resolver).resolve(area_raw)
    has_area = area["operating_area_codes"].notna().to_numpy()
    no_domicile = mun_raw.isna().to_numpy()
    area_text, errors, suggestions = area_raw.tolist(), res["resolution_error"].tolist(), res["suggestions"].tolist()
    for i in np.flatnonzero(res["municipality_code"].isna().to_numpy()):
        if no_domicile[i] and has_area[i]:
            continue  # a national or district organisation: no domicile, an area of operation
        if no_domicile[i]:
            reasons[i].append("no location (neither a domicile nor an area of operation)"
                              + (f"; area of operation {area_text[i]!r} not recognised"
                                 if area_text[i] is not pd.NA else ""))
            continue
        sugg = "; ".join(suggestions[i])
        reasons[i].append(str(errors[i]) + (f" (did you mean: {sugg})" if sugg else ""))

    out = pd.DataFrame(index=raw.index)
    out["association_id"] = clean_text(get("association_id"))
    out["name"] = clean_text(get("name"))
    for i in out.index[out["name"].isna()]:
        reasons[i].append("name missing")
    out["register_number"] = clean_text(get("register_number"))
    out["business_id"], p = parse_business_id(get("business_id"))
    note(p)
    dates, p = parse_date(get("registration_date"), today)
    note(p)
    out["registration_date"] = dates
    out["municipality_code"] = res["municipality_code"]
    out["municipality_name_raw"] = mun_raw
    out["resolution_method"] = res["resolution_method"]
    sector = clean_text(get("sector"))
    known = set(sectors().index)
    # a sector column holds either the taxonomy's codes or the source's own vocabulary ("Potilasjärjestöt"):
    # a known vocabulary word is a classification signal (kept as source_category), anything else an error
    # A column mostly of codes with an odd value is a typo (an error); a column of the source's own
    # words is a vocabulary: a word not in data/source_categories.csv is kept, just not a signal.
    category = sector.where(sector.notna() & ~sector.isin(known))
    vocabulary = _category_vocabulary()
    codes_column = sector.notna().sum() > 0 and sector.isin(known).sum() >= 0.5 * sector.notna().sum()
    for i in category.index[category.notna()]:
        if codes_column and _normal(category[i]) not in vocabulary:
            reasons[i].append(f"unknown sector {sector[i]!r} (valid: {', '.join(sorted(known))}, "
                              "or a category of data/source_categories.csv)")
    out["sector"] = sector.where(sector.isin(known)).fillna(UNCLASSIFIED)
    out["source_category"] = category
    out["purpose"] = clean_text(get("purpose"))
    for c in COUNT_COLUMNS:
        out[c], p = parse_count(get(c), c)
        note(p)
    out["produces_services"], p = parse_bool(get("produces_services"), "produces_services")
    note(p)
    out["operating_area_raw"] = area_raw
    for c in ("operating_area_codes", "operating_area_level", "operating_area_unresolved"):
        out[c] = area[c]
    del res, area, area_text, errors, suggestions  # per-row intermediates: keep the peak memory down
    out["source_file"] = source
    out["source_row"] = rows.to_numpy()
    missing_id = out["association_id"].isna()
    out.loc[missing_id, "association_id"] = [f"{source}:{r}" for r in rows[missing_id]]

    _duplicates(out, reasons)
    extras = [c for c in raw.columns if c not in INPUT_COLUMNS]
    for c in extras:
        out[f"extra_{c}"] = clean_text(raw[c])
    # association ids must be unique among accepted rows
    clean = [i for i, r in enumerate(reasons) if not r]
    dup_id = out.loc[clean, "association_id"].duplicated(keep="first")
    for i in dup_id[dup_id].index:
        reasons[i].append(f"duplicate association id {out.at[i, 'association_id']!r}")

    bad = [i for i, r in enumerate(reasons) if r]
    quarantine = raw.take(bad)
    quarantine.insert(0, "source_row", rows[bad].to_numpy())
    quarantine.insert(1, "reason", _joined(reasons, bad))
    accepted = out.drop(index=bad).reset_index(drop=True)
    accepted = accepted[CANONICAL_COLUMNS + [f"extra_{c}" for c in extras]]
    synthetic = bool(n and "synthetic" in raw and raw["synthetic"].astype(str).str.lower().eq("true").all())
    del out
    if len(accepted):
        schema().validate(accepted)
    result = RegisterResult(accepted, quarantine.reset_index(drop=True), n, source, synthetic, extras=extras,
                            reasons=[reasons[i] for i in bad])
    if result.rows_in != len(result.register) + len(result.quarantine):
        raise AssertionError("row accounting broken")
    return result


def _joined(reasons: list[list[str]], rows: list[int], chunk: int = 50_000) -> pd.arrays.ArrowStringArray:
    """The reasons of ``rows`` joined with "; " into a compact Arrow string column, a chunk at a time
    (700,000 quarantined rows never exist as 700,000 joined Python strings at once)."""
    import pyarrow as pa

    parts = [pa.array(["; ".join(reasons[i]) for i in rows[s:s + chunk]], type=pa.large_string())
             for s in range(0, len(rows), chunk)]
    return pd.arrays.ArrowStringArray(pa.chunked_array(parts, type=pa.large_string()))


def _normal(value: object) -> str:
    from .text import normalize_text

    return normalize_text(value, casefold=True)


def _category_vocabulary() -> set[str]:
    """The source vocabularies' categories that map to a sector (``data/source_categories.csv``)."""
    from importlib import resources
    from io import StringIO

    text = resources.files("sote_analytics").joinpath("data/source_categories.csv").read_text("utf-8")
    return {_normal(c) for c in pd.read_csv(StringIO(text), dtype=str)["category"]}


def _duplicates(out: pd.DataFrame, reasons: list[list[str]]) -> None:
    """Quarantine repeats of a register number or business ID; flag likely duplicates."""
    ok = pd.Series([not r for r in reasons], index=out.index)
    for col, label in (("register_number", "register number"), ("business_id", "business ID")):
        vals = out[col].where(ok)
        dup = vals.notna() & vals.duplicated(keep="first")
        if dup.any():
            first_row = out["source_row"].groupby(vals).transform("first")
            for i in dup[dup].index:
                reasons[i].append(f"duplicate {label} {vals[i]} (first at row {first_row[i]})")
        ok = ok & ~dup
    names = pd.Series("", index=out.index, dtype=object)  # only the rows still accepted need a name key
    names[ok.to_numpy()] = map_unique(out["name"][ok], lambda v: normalize_name(v) if v is not pd.NA else "")
    key = (names.astype(str) + "|" + out["municipality_code"].fillna("").astype(str)).where(ok & (names != ""))
    dup = key.notna() & key.duplicated(keep="first")
    first_row = out["source_row"].groupby(key).transform("first")
    out["likely_duplicate_of"] = first_row.where(dup).astype("Int64")
