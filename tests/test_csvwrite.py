"""The fast CSV writer writes pandas' bytes: for generated frames, every dialect the package writes, and
the real indicator table; what it cannot write goes to pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sote_analytics.csvwrite import csv_bytes, write_frame
from sote_analytics.export import CSV_DIALECTS

DIALECTS = [dict(sep=";", decimal=",", lineterminator="\r\n"), dict(sep=",", decimal=".", lineterminator="\n"),
            dict(sep=",", decimal=".", lineterminator="\r\n"), dict(sep="\t", decimal=",", lineterminator="\n")]

#: Text that needs quoting in one dialect or another, and text that does not.
TEXT = st.text(alphabet=st.sampled_from(list('ab ;,"\t\r\nÄö€😀\u2028\'=-')) | st.characters(codec="utf-8"),
               max_size=8)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1e-05, 1e16, 5e-324, 0.1])


def column(kind: str, n: int):
    if kind == "str":
        return st.lists(st.none() | TEXT, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="str"))
    if kind == "object":
        return st.lists(st.none() | TEXT, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=object))
    if kind == "float64":
        return st.lists(FLOATS, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="float64"))
    if kind == "float32":
        return st.lists(st.floats(width=32), min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype="float32"))
    if kind == "int64":
        return st.lists(st.integers(-2**63, 2**63 - 1), min_size=n, max_size=n).map(
            lambda v: pd.Series(v, dtype="int64"))
    return st.lists(st.booleans(), min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=bool))


KINDS = ["str", "object", "float64", "float32", "int64", "bool"]


@st.composite
def frames(draw):
    n = draw(st.integers(0, 6))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=5))
    names = draw(st.lists(TEXT, min_size=len(kinds), max_size=len(kinds)))
    cols = [draw(column(k, n)).reset_index(drop=True) for k in kinds]
    frame = pd.concat(cols, axis=1) if cols else pd.DataFrame()
    frame.columns = names  # duplicates and empty names included
    return frame


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), dialect=st.sampled_from(DIALECTS))
def test_generated_frames_are_written_as_pandas_writes_them(frame, dialect):
    try:
        expected = frame.to_csv(index=False, **dialect).encode()
    except UnicodeEncodeError:  # lone surrogates: pandas fails, and so must the fast path's caller
        assert csv_bytes(frame, **dialect) is None
        return
    got = csv_bytes(frame, **dialect)
    assert got is not None, frame.dtypes  # every kind generated here takes the fast path
    assert got == expected


@pytest.mark.parametrize("excel", [True, False])
def test_the_indicator_table_in_both_dialects(demo_ind, tmp_path, excel):
    d = CSV_DIALECTS["excel" if excel else "plain"]
    table = demo_ind.table
    assert len(table) > 100_000 and csv_bytes(table, sep=d["sep"], decimal=d["decimal"],
                                               lineterminator=d["lineterminator"]) is not None
    fast = write_frame(table, tmp_path / "fast.csv", **d).read_bytes()
    table.to_csv(tmp_path / "pandas.csv", index=False, **d)
    assert fast == (tmp_path / "pandas.csv").read_bytes()
    assert fast.startswith(b"\xef\xbb\xbf") == excel


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"d": pd.to_datetime(["2024-01-02", None])}),
    pd.DataFrame({"c": pd.Categorical(["a", "b;c"])}),
    pd.DataFrame({"i": pd.array([1, None], dtype="Int64")}),
    pd.DataFrame({"o": [1, "x"]}),  # numbers and text in one column
    pd.DataFrame({"l": [[1, 2], None]}),
    pd.DataFrame(np.zeros((2, 2)), columns=pd.MultiIndex.from_tuples([("a", "b"), ("a", "c")])),
], ids=["dates", "categorical", "nullable-int", "mixed", "lists", "multiindex"])
def test_what_only_pandas_writes_goes_to_pandas(frame, tmp_path):
    assert csv_bytes(frame) is None
    got = write_frame(frame, tmp_path / "a.csv", encoding="utf-8-sig").read_bytes()
    frame.to_csv(tmp_path / "b.csv", index=False, encoding="utf-8-sig")
    assert got == (tmp_path / "b.csv").read_bytes()


def test_other_encodings_go_to_pandas(tmp_path):
    frame = pd.DataFrame({"nimi": ["Äänekoski"]})
    got = write_frame(frame, tmp_path / "a.csv", encoding="latin-1").read_bytes()
    assert got == "nimi\nÄänekoski\n".encode("latin-1")


#: Text a spreadsheet would run as a formula, plain signed numbers (not formulas) and ordinary text.
FORMULA_TEXT = st.one_of(TEXT, st.sampled_from(["=1+1", "-5", "+3,5", "-2.5", "@SUM(A1)", "\t=x", "\r1", "=",
                                                "-", "--5", "+", "'=1", "Ry"]),
                         st.tuples(st.sampled_from("=+-@"), TEXT).map("".join))


@st.composite
def formula_frames(draw):
    n = draw(st.integers(0, 6))
    kinds = draw(st.lists(st.sampled_from(["str", "object", "category", "mixed", "float64", "int64"]),
                          min_size=1, max_size=4))
    cols = []
    for k in kinds:
        if k in ("float64", "int64"):
            cols.append(draw(column(k, n)).reset_index(drop=True))
            continue
        values = draw(st.lists(st.none() | FORMULA_TEXT, min_size=n, max_size=n))
        if k == "mixed":  # numbers among the text: the cells' own path
            values = [1.5 if i % 3 == 0 else v for i, v in enumerate(values)]
        cols.append(pd.Series(values, dtype={"str": "str", "object": object, "category": "category",
                                             "mixed": object}[k]))
    frame = pd.concat(cols, axis=1)
    frame.columns = draw(st.lists(FORMULA_TEXT, min_size=len(kinds), max_size=len(kinds)))
    return frame


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(frame=formula_frames())
def test_safe_csvs_made_safe_while_written_are_the_safe_frames_bytes(frame, tmp_path):
    """The formula-safe CSVs map each distinct text as they write it: the bytes are those of the frame made
    safe first (``safe_frame``; for Finnish Excel, the cells only) written by pandas."""
    from sote_analytics.export import _neutralized, write_csv
    from sote_analytics.read.validation import safe_frame, write_safe_csv

    try:
        expected = safe_frame(frame).to_csv(index=False).encode()
        excel = _neutralized(frame).to_csv(index=False, **{k: v for k, v in CSV_DIALECTS["excel"].items()
                                                           if k != "encoding"}).encode()
    except UnicodeEncodeError:  # lone surrogates: pandas fails, and so do the writers
        with pytest.raises(UnicodeEncodeError):
            write_safe_csv(frame, tmp_path / "s.csv")
        return
    write_safe_csv(frame, tmp_path / "s.csv")
    assert (tmp_path / "s.csv").read_bytes() == expected
    assert write_csv(frame, tmp_path / "e.csv", excel=True).read_bytes() == b"\xef\xbb\xbf" + excel


def test_cells_without_a_slow_path_is_refused(tmp_path):
    with pytest.raises(ValueError, match="slow"):
        write_frame(pd.DataFrame({"a": ["=1"]}), tmp_path / "a.csv", cells=list)


def test_the_excel_csv_neutralises_categorical_formulas_too(tmp_path):
    """A categorical text column takes pandas' path: its formulas are neutralised there as well."""
    from sote_analytics.export import write_csv

    frame = pd.DataFrame({"=nimi": pd.Categorical(["=1+1", "Ry", "-5"]), "n": [1, 2, 3]})
    text = write_csv(frame, tmp_path / "e.csv", excel=True).read_text("utf-8-sig")
    assert text.splitlines() == ["=nimi;n", "'=1+1;1", "Ry;2", "-5;3"]
