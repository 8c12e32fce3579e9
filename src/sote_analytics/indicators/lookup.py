"""Lookups into an indicator table, built once per table object and kept while it lives.

The indicator table has a row per level, area, sector and indicator (166,140 rows for the key of
2025) and is written area by area. A report, a workbook or a formula that needs one area's rows
filters it dozens of times; these helpers group it once per table (by identity, dropped with the
table) and hand out slices. Callers never change a table they looked up (the lookups would be stale).
"""

from __future__ import annotations

import weakref

import pandas as pd

_DERIVED: dict[int, tuple] = {}


def clear_lookups() -> None:
    """Forget every table's lookups."""
    _DERIVED.clear()


def _derived(table: pd.DataFrame) -> dict:
    """The lookups kept for one table object (an empty dict at first)."""
    k = id(table)
    hit = _DERIVED.get(k)
    if hit is not None and hit[0]() is table:
        return hit[1]

    def gone(r, k=k):
        if _DERIVED.get(k, (None,))[0] is r:
            _DERIVED.pop(k, None)

    d: dict = {}
    _DERIVED[k] = (weakref.ref(table, gone), d)
    return d


def table_index(table: pd.DataFrame) -> pd.Series:
    """Row position by (area_level, area_code, indicator, sector), built once per table."""
    d = _derived(table)
    if "index" not in d:
        d["index"] = pd.Series(range(len(table)), index=pd.MultiIndex.from_arrays(
            [table["area_level"], table["area_code"], table["indicator"], table["sector"]]))
    return d["index"]


def area_rows(table: pd.DataFrame, level: str, code: str) -> pd.DataFrame:
    """The rows of one area (``table[(area_level == level) & (area_code == code)]``), grouped once per table."""
    d = _derived(table)
    if "areas" not in d:
        d["areas"] = {(str(k[0]), str(k[1])): v
                      for k, v in table.groupby(["area_level", "area_code"], sort=False).indices.items()}
    pos = d["areas"].get((str(level), str(code)))
    if pos is None:
        return table.iloc[0:0]
    if len(pos) and pos[-1] - pos[0] + 1 == len(pos):  # the table is written area by area: a slice, no copy
        return table.iloc[int(pos[0]):int(pos[-1]) + 1]
    return table.iloc[pos]


def level_rows(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """The rows of one level (``table[table["area_level"] == level]``), kept per table and level."""
    d = _derived(table).setdefault("levels", {})
    if level not in d:
        d[level] = table[table["area_level"] == level]
    return d[level]


def table_indicators(table: pd.DataFrame) -> frozenset:
    """The indicators of a table (``set(table["indicator"])``), once per table."""
    d = _derived(table)
    if "indicators" not in d:
        d["indicators"] = frozenset(str(x) for x in table["indicator"].unique())
    return d["indicators"]
