"""Fuzzing harness: generated hostile files through every file-reading command, never a traceback.

Every generated input must end in exit 0, or exit 2 with one line naming the problem; every
output must keep the invariants: rows in = accepted + quarantined, no unknown written as 0, no
formula-leading text unescaped in a CSV, no personal data in processed outputs.

CI runs a bounded number of examples; ``make fuzz`` sets ``SOTE_FUZZ_EXAMPLES`` for a long run.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sote_analytics.cli import main

EXAMPLES = int(os.environ.get("SOTE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("SOTE_FUZZ_EXAMPLES") is None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

HEADERS = ["nimi", "Yhdistyksen nimi", "namn", "kotipaikka", "KOTIKUNTA", "hemort", "toiminta-alue",
           "verksamhetsområde", "jäsenet", "palkattu henkilöstö", "tuottaa palveluja", "rekisteröintipäivä",
           "y-tunnus", "toimiala", "kategoria", "source_row", "reason", "municipality_code", "sähköposti",
           "puhelin", "yhteyshenkilö", "tarkoitus", "x", ""]
PERSONAL_VALUES = ["matti@example.org", "040 123 4567", "Maija Meikäläinen"]
VALUES = ["Helsinki", "HELSINGIN KAUPUNKI", "Vasa stad", "Jyväskylän mlk", "Piikkiö", "091", "91.0", "999",
          "Atlantis", "paIMiZNO", "Koko Suomi", "Keski-Suomi", "Jyväskylä, Muurame ja Laukaa", "ei tiedossa",
          "okänd", "?", "-", "0", "12", "-3", "1e9", "kyllä", "nej", "31.12.1999", "2099-01-01",
          "0737546-2", "0737546-3", "=HYPERLINK(\"http://x\")", "+SUM(A1)", "@cmd", "-2+3", "Hel\u200bsinki",
          "Ｈｅｌｓｉｎｋｉ", "Kuopion Sydänyhdistys ry", "Suomen Sarkoidoosiyhdistys ry", "\"quoted\"", "a;b",
          "", " ", "x" * 300]
PERSONAL_HEADERS = {"sähköposti", "puhelin", "yhteyshenkilö"}
FORMULA_START = ("=", "+", "@")


@st.composite
def hostile_csv(draw) -> tuple[bytes, str]:
    """A register-like file: random headers, values, delimiter, encoding, title rows, ragged rows."""
    n_cols = draw(st.integers(1, 7))
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=n_cols, max_size=n_cols))
    if draw(st.booleans()):
        header[0] = "nimi"
        if n_cols > 1:
            header[1] = draw(st.sampled_from(["kotipaikka", "toiminta-alue", "hemort"]))
    rows = draw(st.lists(st.lists(st.sampled_from(VALUES), min_size=0, max_size=n_cols + 1), max_size=12))
    for row in rows:  # personal data only where a personal-data header says so
        for j, h in enumerate(header[: len(row)]):
            if h in PERSONAL_HEADERS:
                row[j] = draw(st.sampled_from(PERSONAL_VALUES))
    delim = draw(st.sampled_from([";", ",", "\t", "|"]))
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    buf = io.StringIO()
    for _ in range(draw(st.integers(0, 2))):
        buf.write("Yhdistysluettelo 2026\n")
    w = csv.writer(buf, delimiter=delim, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    text = buf.getvalue()
    if draw(st.integers(0, 9)) == 0 and not PERSONAL_HEADERS & set(header):  # an unclosed quote
        text = text.replace("\n", '\n"', 1)
    return text.encode(enc, errors="replace"), enc


def run_cli(args: list[str]) -> tuple[int, str, str]:
    """Run the console script in-process: (exit status, stdout, stderr); an uncaught exception propagates."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    argv = sys.argv
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            sys.argv = ["sote-analytics", *args]
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def _check_exit(code: int, err: str, path: Path) -> None:
    assert code in (0, 2), (code, err)
    if code == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), err
        assert "Traceback" not in err


def _check_csv_safe(path: Path) -> None:
    """No cell of a CSV the product wrote starts a spreadsheet formula."""
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            for cell in row:
                assert not cell.startswith(FORMULA_START), (path.name, cell)


def _check_no_personal(path: Path) -> None:
    text = path.read_text("utf-8")
    for v in PERSONAL_VALUES:
        assert v not in text, (path.name, v)


@FUZZ
@given(case=hostile_csv())
def test_ingest_never_tracebacks_and_keeps_invariants(case, reference_dir, tmp_path_factory):
    data, _ = case
    d = tmp_path_factory.mktemp("fz")
    f = d / "in.csv"
    f.write_bytes(data)
    code, _, err = run_cli(["ingest", str(f), "--reference-dir", str(reference_dir), "--out-dir", str(d / "o")])
    _check_exit(code, err, f)
    if code:
        return
    q = json.loads((d / "o" / "in.quality.json").read_text("utf-8"))
    assert q["rows_in"] == q["accepted"] + q["quarantined"]
    reg = pd.read_csv(d / "o" / "in.register.csv", dtype=str, keep_default_na=False)
    assert len(reg) == q["accepted"]
    for p in (d / "o").glob("*.csv"):
        _check_csv_safe(p)
        _check_no_personal(p)
    raw = {"ei tiedossa", "okänd", "?", "-"}
    if "members" in reg:  # an unknown word is missing, never 0
        src = pd.read_csv(d / "o" / "in.register.csv", dtype=str)
        assert not src["members"].isin(list(raw)).any()


@FUZZ
@given(case=hostile_csv())
def test_classify_never_tracebacks_and_writes_safe_csv(case, tmp_path_factory):
    data, _ = case
    d = tmp_path_factory.mktemp("fc")
    f = d / "names.csv"
    f.write_bytes(data)
    code, _, err = run_cli(["classify", str(f), "--out", str(d / "out.csv")])
    _check_exit(code, err, f)
    if code == 0:
        _check_csv_safe(d / "out.csv")


@settings(max_examples=max(3, EXAMPLES // 5), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=hostile_csv())
def test_indicators_never_tracebacks(case, reference_dir, tmp_path_factory):
    data, _ = case
    d = tmp_path_factory.mktemp("fi")
    f = d / "reg.csv"
    f.write_bytes(data)
    code, _, err = run_cli(["indicators", "--register", str(f), "--reference-dir", str(reference_dir),
                            "--out-dir", str(d / "p")])
    _check_exit(code, err, f)
    if code == 0:
        meta = json.loads((d / "p" / "run.json").read_text("utf-8"))
        assert meta["rows_in"] == meta["accepted"] + meta["quarantined"]
        _check_csv_safe(d / "p" / "quarantine.csv")
        _check_no_personal(d / "p" / "quarantine.csv")
        tb = pd.read_parquet(d / "p" / "indicators.parquet")
        sums = tb[tb["indicator"].isin(["members_total", "volunteers_total", "service_producers"])]
        assert not ((sums["n"] == 0) & (sums["value"] == 0)).any()  # unknown is never written as 0


# ---- regression tests named for the defects of issue 19 ----------------------------------------------
def test_regression_indicators_on_an_empty_file(reference_dir, tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text("")
    code, _, err = run_cli(["indicators", "--register", str(f), "--reference-dir", str(reference_dir),
                            "--out-dir", str(tmp_path / "p")])
    assert code == 2 and "empty.csv" in err and "empty" in err


def test_regression_indicators_on_the_register_ingest_wrote(reference_dir, tmp_path):
    """`indicators --register X` where X is what `ingest` wrote (CSV and Parquet): no 'source_row exists'."""
    src = Path(__file__).parent / "data" / "real_shaped" / "prh_extract_upper.csv"
    code, _, err = run_cli(["ingest", str(src), "--reference-dir", str(reference_dir), "--out-dir",
                            str(tmp_path / "i")])
    assert code == 0, err
    for written in ("prh_extract_upper.register.csv", "prh_extract_upper.register.parquet"):
        code, out, err = run_cli(["indicators", "--register", str(tmp_path / "i" / written), "--reference-dir",
                                  str(reference_dir), "--out-dir", str(tmp_path / written)])
        assert code == 0, err
        assert "7 rows read, 7 accepted" in out


def test_regression_export_without_processed_folder(reference_dir, tmp_path):
    code, _, err = run_cli(["export", "--area", "15", "--reference-dir", str(reference_dir), "--processed-dir",
                            str(tmp_path / "nothing")])
    assert code == 2 and "does not exist" in err


def test_regression_export_unknown_area_names_it(reference_dir, processed, tmp_path):
    out, _, _ = processed
    code, _, err = run_cli(["export", "--area", "99", "--reference-dir", str(reference_dir), "--processed-dir",
                            str(out), "--out-dir", str(tmp_path)])
    assert code == 2 and "no hyvinvointialue with code 99" in err


def test_regression_mapping_file_with_null_target(reference_dir, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("Nimi;Paikka;Muu\nA ry;Keuruu;x\n", "utf-8")
    m = tmp_path / "m.yaml"
    m.write_text("Paikka: municipality\nMuu: null\n", "utf-8")
    code, out, err = run_cli(["ingest", str(f), "--mapping", str(m), "--reference-dir", str(reference_dir),
                              "--out-dir", str(tmp_path / "o")])
    assert code == 0, err and "1 accepted" in out


@pytest.mark.parametrize("column", ["source_row", "reason"])
def test_regression_input_column_named_like_an_internal_one(reference_dir, tmp_path, column):
    f = tmp_path / "r.csv"
    f.write_text(f"Nimi;Kotipaikka;{column}\nA ry;Keuruu;7\nB ry;Atlantis;x\n", "utf-8")
    code, out, err = run_cli(["ingest", str(f), "--reference-dir", str(reference_dir), "--out-dir",
                              str(tmp_path / "o")])
    assert code == 0, err
    assert "1 accepted, 1 quarantined" in out


def test_regression_unclosed_quote_names_the_row(reference_dir, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text('Nimi;Kotipaikka\nA ry;Keuruu\n"B ry;Keuruu\nC ry;Keuruu\nD ry;Keuruu\n', "utf-8")
    code, _, err = run_cli(["ingest", str(f), "--reference-dir", str(reference_dir), "--out-dir",
                            str(tmp_path / "o")])
    assert code == 2 and "row 3" in err and "never closed" in err


def test_regression_ei_tiedossa_is_unknown_not_an_error(ref, tmp_path):
    from sote_analytics.pipeline import read_register

    f = tmp_path / "r.csv"
    f.write_text("Nimi;Kotipaikka;Jäsenet;Tuottaa palveluja\nA ry;Keuruu;ei tiedossa;okänd\nB ry;Keuruu;?;-\n",
                 "utf-8")
    res = read_register(f, ref)
    assert len(res.register) == 2 and res.register["members"].isna().all()
    assert res.register["produces_services"].isna().all()


def test_regression_fuzzy_does_not_accept_random_strings(ref):
    from sote_analytics.read.municipalities import MunicipalityResolver

    r = MunicipalityResolver(ref.key, ref.year, ref.mergers)
    assert r.resolve_one("paIMiZNO").code is None and r.resolve_one("4YLAIMaA").code is None


def test_regression_quarantine_csv_is_formula_safe(reference_dir, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("Nimi;Kotipaikka\n=HYPERLINK(\"http://evil\");Atlantis\n+SUM(A1);Atlantis\n@cmd;Atlantis\n",
                 "utf-8")
    code, _, err = run_cli(["indicators", "--register", str(f), "--reference-dir", str(reference_dir),
                            "--out-dir", str(tmp_path / "p")])
    assert code == 0, err
    _check_csv_safe(tmp_path / "p" / "quarantine.csv")


# ---- generated arguments for the commands that read the processed folder ------------------------------
LEVELS = ["hyvinvointialue", "maakunta", "seutukunta", "kunta", "yhteistyoalue", "HYVINVOINTIALUE", "county",
          "", "../etc"]
AREAS = ["15", "015", "7", "091", "99", "0", "", "abc", "=1+1", "Keski-Suomi", "1" * 40]
LANGS = ["fi", "sv", "en", "FI", "de", ""]
YEARS = ["2025", "2024", "1800", "3000", "x"]


@st.composite
def processed_arguments(draw) -> list[str]:
    """Level, areas, language and year as a user might type them, valid or not."""
    args = ["--level", draw(st.sampled_from(LEVELS))]
    for a in draw(st.lists(st.sampled_from(AREAS), min_size=1, max_size=2)):
        args += ["--area", a]
    if draw(st.booleans()):
        args += ["--year", draw(st.sampled_from(YEARS))]
    return args


@pytest.fixture(scope="module")
def small_processed(reference_dir, tmp_path_factory) -> Path:
    """A processed folder from a small register with an all-unknown area (Keuruu: no counts at all)."""
    d = tmp_path_factory.mktemp("small")
    f = d / "r.csv"
    f.write_text("Nimi;Kotipaikka;Jäsenet;Toimiala\nKeuruun Sydänyhdistys ry;Keuruu;ei tiedossa;patient_health\n"
                 "Muuramen Eläkkeensaajat ry;Muurame;;elderly\nVaasan Omaishoitajat rf;Vaasa;40;carers\n"
                 "Atlantiksen yhdistys ry;Atlantis;3;\n", "utf-8")
    code, _, err = run_cli(["indicators", "--register", str(f), "--reference-dir", str(reference_dir),
                            "--out-dir", str(d / "p")])
    assert code == 0, err
    return d / "p"


@FUZZ
@given(args=processed_arguments())
def test_export_never_tracebacks_on_generated_arguments(args, reference_dir, small_processed, tmp_path_factory):
    out = tmp_path_factory.mktemp("x")
    code, _, err = run_cli(["export", *args, "--reference-dir", str(reference_dir), "--processed-dir",
                            str(small_processed), "--out-dir", str(out)])
    _check_exit(code, err, out)
    if code == 2:  # the message names the option or value that was wrong
        assert any(w in err for w in ("level", "area", "year", "code", "key")), err
    for x in out.glob("*.xlsx"):  # every workbook written is formula-safe
        for sheet in pd.read_excel(x, sheet_name=None, dtype=str).values():
            cells = [str(c) for c in sheet.fillna("").to_numpy().ravel()]
            assert not [c for c in cells if c.startswith(FORMULA_START)], x.name


@settings(max_examples=max(3, EXAMPLES // 6), deadline=None, derandomize=os.environ.get("SOTE_FUZZ_EXAMPLES") is None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(args=processed_arguments(), language=st.sampled_from(LANGS))
@example(args=["--level", "hyvinvointialue", "--area", "15"], language="en")  # Keuruu: every count unknown
@example(args=["--level", "kunta", "--area", "091"], language="sv")  # no accepted rows in Helsinki
def test_report_never_tracebacks_on_generated_arguments(args, language, reference_dir, small_processed,
                                                        tmp_path_factory):
    """`report` with generated level, areas, language and year: exit 0 with a page per area, or exit 2
    with one line; a report whose area has no accepted rows still renders; no raw error text in a page."""
    out = tmp_path_factory.mktemp("r")
    code, _, err = run_cli(["report", *args, "--language", language, "--workers", "1", "--reference-dir",
                            str(reference_dir), "--processed-dir", str(small_processed), "--out-dir", str(out)])
    _check_exit(code, err, out)
    if code == 0:
        level = args[args.index("--level") + 1]
        for a in [args[i + 1] for i, v in enumerate(args) if v == "--area"]:
            assert list(out.glob(f"{level}_*{a.lstrip('0')}*.html")), (a, sorted(p.name for p in out.iterdir()))
    for page in out.glob("*.html"):
        text = page.read_text("utf-8")
        assert "Traceback" not in text and "Error:" not in text, page.name
        _check_no_personal(page)
