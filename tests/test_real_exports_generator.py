"""The generator of real-shaped exports (tests/data/real_exports.py) itself: files, encodings, truth.

Nothing here runs sote_analytics; these tests only check that the generated files are what the
truth says they are.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import time
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "sote_analytics" / "data"


def _module():
    spec = importlib.util.spec_from_file_location("real_exports", ROOT / "tests" / "data" / "real_exports.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen():
    return _module()


@pytest.fixture(scope="module")
def exports(gen, tmp_path_factory):
    out = tmp_path_factory.mktemp("real_exports")
    t0 = time.perf_counter()
    res = gen.write_exports(out, seed=0)
    res["seconds"] = time.perf_counter() - t0
    return res


NAME_COLUMN = {"prh_extract.csv": 1}  # 0 elsewhere
CSV_FORMATS = {  # file -> (encoding, delimiter)
    "lahella.csv": ("utf-8-sig", ","),
    "toimeksi.csv": ("cp1252", ";"),
    "prh_extract.csv": ("utf-8", ";"),
    "linkkihakemisto.csv": ("utf-8", ";"),
}


def _rows(path: Path) -> dict[int, list[str]]:
    """File rows by the row number a spreadsheet shows (header included)."""
    if path.suffix == ".xlsx":
        ws = load_workbook(path, read_only=True).active
        return {i: ["" if v is None else str(v) for v in r] for i, r in enumerate(ws.iter_rows(values_only=True), 1)}
    enc, delim = CSV_FORMATS[path.name]
    text = path.read_text(encoding=enc)
    return dict(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delim), 1))


def test_fast_and_complete(exports):
    assert exports["seconds"] < 5
    assert set(exports["files"]) == {"yhdistystori.xlsx", "lahella.csv", "toimeksi.csv", "prh_extract.csv",
                                     "linkkihakemisto.csv"}
    truth = exports["truth"]
    sizes = truth.groupby("file").size()
    assert 290 <= sizes["yhdistystori.xlsx"] <= 320
    assert 140 <= sizes["toimeksi.csv"] <= 170
    for path in exports["files"].values():
        assert path.is_file()
        assert (path.parent / f"{path.stem}_truth.csv").is_file()
    assert len(pd.read_csv(path.parent / "truth.csv")) == len(truth)


def test_deterministic(gen, exports, tmp_path):
    again = gen.write_exports(tmp_path / "a", seed=0)
    pd.testing.assert_frame_equal(again["truth"], exports["truth"])
    for name in CSV_FORMATS:
        assert (tmp_path / "a" / name).read_bytes() == exports["files"][name].read_bytes()
    other = gen.write_exports(tmp_path / "b", seed=1)
    assert other["truth"]["name"].tolist() != exports["truth"]["name"].tolist()


def test_encodings_and_delimiters(exports):
    files = exports["files"]
    assert files["lahella.csv"].read_bytes().startswith(b"\xef\xbb\xbf")
    raw = files["toimeksi.csv"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "ä" in raw.decode("cp1252")
    for name, (enc, delim) in CSV_FORMATS.items():
        header = files[name].read_text(encoding=enc).splitlines()[0]
        assert delim in header and not header.startswith("\ufeff")
    ws = load_workbook(files["yhdistystori.xlsx"]).active
    assert ws["A1"].value == "Yhdistystori – yhdistysluettelo"
    assert ws["A2"].value == "Haettu 1.11.2026"
    assert [c.value for c in ws[3]][:4] == ["Yhdistyksen nimi", "Kotipaikka", "Toiminta-alue", "Toimiala"]


def test_truth_rows_are_the_file_rows(exports):
    truth = exports["truth"]
    for name, path in exports["files"].items():
        rows = _rows(path)
        t = truth[truth["file"] == name]
        header_row = 3 if name.endswith(".xlsx") else 1
        data_rows = {i for i, r in rows.items() if i > header_row and any(c.strip() for c in r)}
        assert set(t["source_row"]) == data_rows, name
        assert t["source_row"].is_unique
        for row, expected in zip(t["source_row"], t["name"], strict=True):
            assert rows[row][NAME_COLUMN.get(name, 0)] == expected, (name, row)


def test_quarantine_only_for_rows_that_cannot_be_an_association_of_a_place(exports):
    truth = exports["truth"]
    q = truth[truth["expected_quarantine"]]
    kinds = {r.split(" of row")[0] for r in q["quarantine_reason"]}
    assert kinds == {"no name", "neither domicile nor area of operation", "exact duplicate"}
    assert (truth.loc[~truth["expected_quarantine"], "quarantine_reason"] == "").all()
    for _, t in q.iterrows():
        rows = _rows(exports["files"][t["file"]])
        if t["quarantine_reason"] == "no name":
            assert rows[t["source_row"]][NAME_COLUMN.get(t["file"], 0)] == ""
        elif t["quarantine_reason"].startswith("exact duplicate"):
            first = int(t["quarantine_reason"].rsplit(" ", 1)[1])
            assert rows[first] == rows[t["source_row"]]
            assert not truth[(truth["file"] == t["file"]) & (truth["source_row"] == first)]["expected_quarantine"].any()
    # a blank domicile with an area of operation stays
    kept = truth[~truth["expected_quarantine"] & (truth["municipality"] == "")]
    assert len(kept) >= 1 and (kept["operating_area"] != "").all()


def test_truth_values_are_valid(exports):
    truth = exports["truth"]
    sectors = pd.read_csv(DATA / "sectors.csv")
    codes = set(sectors.loc[sectors["is_sote"], "code"]) - {"unclassified"}
    assert set(truth["sector"]) <= codes | {"not_sote"}
    assert (truth["is_sote"] == (truth["sector"] != "not_sote")).all()
    key = pd.read_csv(DATA / "reference_snapshot" / "municipality_key_2025.csv", dtype=str)
    assert set(truth["municipality"]) - {""} <= set(key["kunta"])
    assert set(truth["org_type"]) == {"local", "district", "national"}
    assert set(truth["paid_staff_unit"]) <= {"", "htv", "persons"}
    assert truth.loc[truth["paid_staff_unit"] == "persons", "staff_fte"].isna().all()
    for problems in truth["field_problems"]:
        assert all(isinstance(p, tuple) and len(p) == 2 for p in problems)
    on_disk = pd.read_csv(exports["files"]["toimeksi.csv"].parent / "truth.csv", keep_default_na=False)
    assert isinstance(json.loads(on_disk["field_problems"][0]), list)
    # both sote and not_sote, every sector present somewhere
    assert set(truth["sector"]) == codes | {"not_sote"}
    share = truth["ambiguous_name"].mean()
    assert 0.05 <= share <= 0.15


def test_injected_field_problems(exports):
    truth = exports["truth"]
    by_text = {}
    for name, path in exports["files"].items():
        for row, cells in _rows(path).items():
            for c in cells:
                by_text.setdefault(c, []).append((name, row))
    expected = {"n. 218": 218, "noin 200": 200, "yli 100": 100, "200–300": 250, "alle 10": 5, "1 200": 1200}
    for text, value in expected.items():
        hits = by_text[text]
        for name, row in hits:
            t = truth[(truth["file"] == name) & (truth["source_row"] == row)].iloc[0]
            assert t["members"] == value
    for text in ("ei tiedossa", "-", "paljon", "0,5", "6,5", "12,5", "-3", "31.2.2001"):
        assert text in by_text, text
    kinds = {p for ps in truth["field_problems"] for p in ps}
    assert {("members", "not a number"), ("paid_staff", "negative"), ("members", "range"),
            ("members", "upper bound"), ("members", "lower bound"), ("members", "approximate"),
            ("registration_date", "invalid date"), ("business_id", "invalid business id"),
            ("purpose", "personal data"), ("contact", "personal data")} <= kinds
    approx = truth[truth["members_approx"]]
    assert len(approx) >= 5 and approx["members"].notna().all()


def test_personal_values_are_in_their_rows(exports):
    truth = exports["truth"]
    with_values = truth[truth["personal_values"].map(len) > 0]
    assert len(with_values) > 100
    assert "040 555 0199" in {v for vs in with_values["personal_values"] for v in vs}
    cache = {}
    for _, t in with_values.iterrows():
        rows = cache.setdefault(t["file"], _rows(exports["files"][t["file"]]))
        line = " | ".join(rows[t["source_row"]])
        for v in t["personal_values"]:
            assert v in line, (t["file"], t["source_row"], v)


def test_names_that_say_nothing_have_a_category_that_does(exports):
    """An ambiguous name's category names its sector in source_categories.csv (the two files agree)."""
    def norm(s):
        return unicodedata.normalize("NFC", s).casefold().strip()

    table = pd.read_csv(DATA / "source_categories.csv", dtype=str)
    mapping = dict(zip(table["category"].map(norm), table["sector"], strict=True))
    amb = exports["truth"][exports["truth"]["ambiguous_name"]]
    assert len(amb) > 20
    for _, t in amb.iterrows():
        assert mapping.get(norm(t["category"])) == t["sector"], (t["name"], t["category"], t["sector"])
