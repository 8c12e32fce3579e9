"""Formula-safe everywhere (issue 29, item 6): a hostile reference folder (a formula in its folder name and
in every area name) and a hostile register (formulas in headers, names, purposes, the file name) through
ingest, classify, indicators and export: 0 formula cells in every CSV and workbook written."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_fuzz_cli import run_cli

EVIL = '=HYPERLINK("http://evil.example","x")'
#: The same in a file or folder name (no slash).
EVIL_NAME = '=HYPERLINK("evil","x")'
FORMULA = re.compile(r"^[=+\-@\t\r]")
NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?")


def formula_cells(folder: Path) -> list[tuple[str, str]]:
    """(file, cell) of every CSV or workbook cell under ``folder`` that a spreadsheet would run."""
    found = []
    for p in sorted(folder.rglob("*")):
        if p.suffix == ".csv":
            with open(p, encoding="utf-8", newline="") as fh:
                cells = [c for row in csv.reader(fh) for c in row]
        elif p.suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(p)  # not read-only: the cell's data type tells a formula
            cells = []
            for ws in wb.worksheets:
                for row in ws.iter_rows():
                    for c in row:
                        if c.data_type == "f":
                            found.append((p.name, f"formula {c.value}"))
                        elif isinstance(c.value, str):
                            cells.append(c.value)
        else:
            continue
        found += [(p.name, c) for c in cells if FORMULA.match(c) and not NUMBER.fullmatch(c)]
    return found


@pytest.fixture(scope="module")
def hostile_reference(reference_dir, tmp_path_factory) -> Path:
    """The reference with a formula in its folder name and before every area name of every level."""
    d = tmp_path_factory.mktemp("ref") / f"{EVIL_NAME}ref"
    shutil.copytree(reference_dir, d)
    for p in d.iterdir():
        p.chmod(0o644)
    for key in d.glob("municipality_key_*.csv"):
        k = pd.read_csv(key, dtype=str, keep_default_na=False)
        for c in k.columns:
            if "_name_" in c and not c.startswith("municipality_name_fi") and not c.startswith(
                    "municipality_name_sv"):
                k[c] = "=" + k[c] + '&HYPERLINK("http://evil")'
        k.to_csv(key, index=False)
    return d


def test_no_formula_cell_in_any_csv_or_workbook(hostile_reference, tmp_path):
    reg = tmp_path / f"{EVIL_NAME}.csv"
    reg.write_text(f"Nimi;Kotipaikka;Tarkoitus;{EVIL_NAME};+Muu;@Lisä;Jäsenet\n"
                   f"{EVIL};Kuopio;+SUM(A1);=1+1;-2+3;@cmd;12\n"
                   f"Kuopion Sydänyhdistys ry;Kuopio;-cmd' /C calc'!A0;x;y;z;-5\n"
                   f"@SUM(1);Atlantis;=cmd;a;b;c;3\n"
                   f"+Vaasan Omaishoitajat rf;Vaasa;@TAB;a;b;c;40\n", "utf-8")
    ref = ["--reference-dir", str(hostile_reference)]
    code, _, err = run_cli(["indicators", "--register", str(reg), "--out-dir", str(tmp_path / "p"), *ref])
    assert code == 0, err
    code, _, err = run_cli(["export", "--level", "hyvinvointialue", "--all", "--processed-dir", str(tmp_path / "p"),
                            "--out-dir", str(tmp_path / "x"), *ref])
    assert code == 0, err
    code, _, err = run_cli(["ingest", str(reg), "--out-dir", str(tmp_path / "i"), *ref])
    assert code == 0, err
    code, _, err = run_cli(["classify", str(reg), "--out", str(tmp_path / "c" / "out.csv")])
    assert code == 0, err
    written = [p for p in tmp_path.rglob("*") if p.suffix in (".csv", ".xlsx") and p != reg]
    names = {p.name for p in written}
    assert {"indicators.csv", "quarantine.csv", "field_problems.csv", "municipality_sector_counts.csv",
            "tarkistettavat.xlsx", "out.csv", "indicators_excel.csv"} <= names, names
    assert any(n.startswith("hyvinvointialue_") and n.endswith(".xlsx") for n in names)  # the covered counties
    ind = pd.read_csv(tmp_path / "p" / "indicators.csv", dtype=str)
    assert ind["area_name"].str.contains("HYPERLINK").any()  # the hostile names did reach the table
    assert formula_cells(tmp_path / "p") + formula_cells(tmp_path / "x") + formula_cells(tmp_path / "i") \
        + formula_cells(tmp_path / "c") == []


def test_the_ytj_register_csv_is_formula_safe(tmp_path):
    from sote_analytics.sources.ytj_register import write_register

    reg = pd.DataFrame({"name": [EVIL, "+A", "B ry"], EVIL: ["@x", "-1", "ok"], "n": [1, 2, 3]})
    paths = write_register(reg, tmp_path / "r")
    assert formula_cells(tmp_path) == []
    assert pd.read_parquet(paths["parquet"])["name"].tolist()[0] == EVIL  # the data itself is kept as it is
