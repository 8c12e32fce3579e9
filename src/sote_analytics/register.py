"""Read an association register into the canonical form the rest of the product uses.

Every row read is accounted for: it is either in the canonical register or in
the quarantine table with one reason per problem (``rows_in == accepted +
quarantined``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .municipalities import MunicipalityResolver
from .reference import ReferenceData
from .taxonomy import UNCLASSIFIED, sectors

CANONICAL_COLUMNS = [
    "association_id", "name", "register_number", "business_id", "registration_date",
    "municipality_code", "municipality_name_raw", "resolution_method", "sector", "purpose",
    "paid_staff", "members", "volunteers", "produces_services", "source_file", "source_row",
]
COUNT_COLUMNS = ["paid_staff", "members", "volunteers"]
_TRUE = {"true", "1", "kyllä", "kylla", "k", "yes", "y", "ja", "x"}
_FALSE = {"false", "0", "ei", "e", "no", "n", "nej"}


@dataclass
class RegisterResult:
    """A read register: accepted rows, quarantined rows with reasons, counts."""

    register: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    source: str
    synthetic: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        """Rows in / accepted / quarantined, and resolution methods."""
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "accepted": len(self.register),
            "quarantined": len(self.quarantine),
            "synthetic": self.synthetic,
            "resolution_methods": self.register["resolution_method"].value_counts().to_dict(),
            "quarantine_reasons": self.quarantine["reason"].value_counts().to_dict()
            if len(self.quarantine)
            else {},
        }


def _to_count(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = col.astype("string").str.strip().str.replace(r"\s", "", regex=True)
    num = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & (text != "") & (num.isna() | (num < 0) | (num % 1 != 0))
    return num.where(~bad).astype("Int64"), bad


def _to_bool(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    text = col.astype("string").str.strip().str.casefold()
    out = pd.Series(pd.NA, index=col.index, dtype="boolean")
    out[text.isin(_TRUE)] = True
    out[text.isin(_FALSE)] = False
    bad = text.notna() & (text != "") & out.isna()
    return out, bad


def canonicalize(
    raw: pd.DataFrame, ref: ReferenceData, source: str = "<frame>"
) -> RegisterResult:
    """Turn a frame with canonical column names into the canonical register.

    ``raw`` needs ``name`` and ``municipality`` (a code or a name); the other
    canonical columns are optional. Unresolvable municipalities, missing names
    and invalid counts send the row to quarantine with a reason.
    """
    raw = raw.reset_index(drop=True)
    n = len(raw)
    get = lambda c: raw[c] if c in raw else pd.Series(pd.NA, index=raw.index, dtype="string")  # noqa: E731
    reasons: list[list[str]] = [[] for _ in range(n)]

    resolver = MunicipalityResolver(ref.key, ref.year, ref.mergers)
    res = resolver.resolve(get("municipality"))
    for i in res.index[res["municipality_code"].isna()]:
        sugg = res.at[i, "suggestions"]
        msg = res.at[i, "resolution_error"]
        reasons[i].append(f"{msg}" + (f" (did you mean: {sugg})" if sugg else ""))

    names = get("name").astype("string").str.strip()
    for i in names.index[names.isna() | (names == "")]:
        reasons[i].append("name missing")

    out = pd.DataFrame(index=raw.index)
    out["association_id"] = get("association_id").astype("string")
    out["name"] = names
    for c in ("register_number", "business_id", "purpose"):
        out[c] = get(c).astype("string")
    out["registration_date"] = pd.to_datetime(get("registration_date"), errors="coerce").dt.date
    out["municipality_code"] = res["municipality_code"]
    out["municipality_name_raw"] = get("municipality").astype("string")
    out["resolution_method"] = res["resolution_method"]
    sector = get("sector").astype("string").str.strip()
    unknown_sector = sector.notna() & ~sector.isin(sectors().index)
    for i in sector.index[unknown_sector]:
        reasons[i].append(f"unknown sector {sector[i]!r}")
    out["sector"] = sector.fillna(UNCLASSIFIED)
    for c in COUNT_COLUMNS:
        out[c], bad = _to_count(get(c))
        for i in bad[bad].index:
            reasons[i].append(f"{c} is not a non-negative whole number: {raw.at[i, c]!r}")
    out["produces_services"], bad = _to_bool(get("produces_services"))
    for i in bad[bad].index:
        reasons[i].append(f"produces_services is not yes/no: {raw.at[i, 'produces_services']!r}")
    out["source_file"] = source
    out["source_row"] = pd.Series(range(1, n + 1), index=raw.index, dtype="Int64")
    missing_id = out["association_id"].isna()
    out.loc[missing_id, "association_id"] = [f"ROW-{i + 1}" for i in out.index[missing_id]]

    bad_rows = [i for i, r in enumerate(reasons) if r]
    quarantine = raw.loc[bad_rows].copy()
    quarantine.insert(0, "source_row", [i + 1 for i in bad_rows])
    quarantine.insert(1, "reason", ["; ".join(reasons[i]) for i in bad_rows])
    accepted = out.drop(index=bad_rows).reset_index(drop=True)
    synthetic = bool("synthetic" in raw and raw["synthetic"].astype(str).str.lower().eq("true").all())
    result = RegisterResult(accepted[CANONICAL_COLUMNS], quarantine.reset_index(drop=True), n,
                            source, synthetic)
    assert result.rows_in == len(result.register) + len(result.quarantine)
    return result


def read_register(path: Path | str, ref: ReferenceData) -> RegisterResult:
    """Read a register CSV with canonical column names (e.g. the demo register).

    Examples
    --------
    >>> res = read_register("data/raw/demo/register.csv", ref)  # doctest: +SKIP
    >>> res.rows_in == len(res.register) + len(res.quarantine)  # doctest: +SKIP
    True
    """
    path = Path(path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    return canonicalize(raw, ref, source=path.name)
