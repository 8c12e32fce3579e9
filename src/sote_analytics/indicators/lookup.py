"""Lookups into an indicator table, built once per table object and kept while it lives.

The indicator table has a row per level, area, sector and indicator (166,140 rows for the key of
2025) and is written area by area. A report, a workbook or a formula that needs one area's rows
filters it dozens of times; these helpers group it once per table (by identity, dropped with the
table) and hand out slices.

:func:`area_rows`, which the figures and the workbooks call on any table they are given, checks what it
hands out and groups a table changed in place again. :func:`table_index`, :func:`level_rows` and
:func:`table_indicators` serve the reports' kept table (:func:`..report.content.cached_indicators`), which
nothing changes: they are not checked (an analyst's table changed in place after them would get stale rows).
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


def _area_positions(table: pd.DataFrame, again: bool = False) -> dict:
    """(level, area code) -> the positions of its rows, ascending: grouped once per table and length
    (``again``: grouped anew, for a table changed in place)."""
    d = _derived(table)
    if again or d.get("areas_rows") != len(table):
        d["areas"] = {(str(k[0]), str(k[1])): v
                      for k, v in table.groupby(["area_level", "area_code"], sort=False).indices.items()}
        d["areas_rows"] = len(table)
    return d["areas"]


def area_rows(table: pd.DataFrame, level: str, code: str) -> pd.DataFrame:
    """The rows of one area (``table[(area_level == level) & (area_code == code)]``), grouped once per table.

    The rows found are checked to be the area's: a table sorted or changed in place since it was grouped is
    grouped again, so a caller never gets another area's rows.
    """
    level, code = str(level), str(code)
    for again in (False, True):
        pos = _area_positions(table, again).get((level, code))
        if pos is None:  # not in the table, or not when it was grouped
            rows = table.iloc[0:0]
            continue
        if len(pos) and pos[-1] - pos[0] + 1 == len(pos):  # the table is written area by area: a slice, no copy
            rows = table.iloc[int(pos[0]):int(pos[-1]) + 1]
        else:
            rows = table.iloc[pos]
        if _all_equal(rows["area_level"], level) and _all_equal(rows["area_code"], code):
            return rows
    return rows


def _all_equal(values: pd.Series, text: str) -> bool:
    """Every value is ``text`` (as text): in Arrow for text columns (25 us for an area's rows against 100 us
    through pandas), on the distinct values otherwise."""
    if isinstance(values.dtype, pd.StringDtype) and hasattr(values.array, "__arrow_array__"):
        import pyarrow.compute as pc

        return pc.all(pc.equal(values.array.__arrow_array__(), text), skip_nulls=False).as_py() is True
    return all(str(v) == text for v in pd.unique(values.to_numpy()))


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
