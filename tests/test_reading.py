"""No silent misreads (issue 29, item 5): the file readers say what they decided or refuse with one line."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from test_fuzz_cli import run_cli

from sote_analytics.read import ingest as ing
from sote_analytics.read.ingest import IngestError, read_rows


def _ingest(path, reference_dir, tmp_path, *extra):
    return run_cli(["ingest", str(path), "--out-dir", str(tmp_path / "o"), "--reference-dir", str(reference_dir),
                    *extra])


def test_a_quote_that_swallows_one_line_is_named(reference_dir, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text('Nimi;Kotipaikka;Tarkoitus\nA ry;Keuruu;"Tukea\nB ry;Keuruu;Apua"\nC ry;Keuruu;x\n', "utf-8")
    code, _, err = _ingest(f, reference_dir, tmp_path)
    assert code == 2 and "row 2" in err and "never closed" in err and "1 line was" in err


def test_a_line_break_inside_a_text_is_not_a_swallowed_row(reference_dir, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text('Nimi;Kotipaikka;Tarkoitus\nA ry;Keuruu;"Tukea\nja apua"\nC ry;Keuruu;x\n', "utf-8")
    code, out, err = _ingest(f, reference_dir, tmp_path)
    assert code == 0, err
    assert "2 rows read, 2 accepted" in out


def test_one_cp1252_line_in_a_utf8_file_is_repaired_alone(reference_dir, tmp_path):
    f = tmp_path / "r.csv"
    f.write_bytes("Nimi;Kotipaikka;Jäsenet\nÄänekosken Omaiset ry;Äänekoski;12\nJyväskylän ry;Jyväskylä;3\n".encode()
                  + "Vöyrin Pensionärer rf;Vörå;40\n".encode("cp1252")
                  + "Hämeenlinnan ry;Hämeenlinna;5\n".encode())
    rows, info = read_rows(f)
    assert info.encoding == "utf-8 (1 line repaired from cp1252)"
    assert rows[0] == ["Nimi", "Kotipaikka", "Jäsenet"] and rows[3][0] == "Vöyrin Pensionärer rf"
    code, out, err = _ingest(f, reference_dir, tmp_path)
    assert code == 0, err
    assert "4 rows read, 4 accepted, 0 quarantined" in out


def test_a_comma_in_a_quoted_header_does_not_make_commas_the_delimiter():
    text = 'Nimi;Kotipaikka;"=HYPERLINK(""a"",""b"")"\nA ry;Kuopio;x\nB ry;Vaasa;y\nC ry;Oulu;z\n'
    assert ing._sniff_delimiter(text) == ";"


def _workbook(path, sheets: dict[str, list[list]], hidden=(), merges=None):
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if name in hidden:
            ws.sheet_state = "hidden"
        for m in (merges or {}).get(name, []):
            ws.merge_cells(m)
    wb.save(path)
    return path


REG = [["Nimi", "Kotipaikka"], ["Keuruun Sydänyhdistys ry", "Keuruu"], ["Vaasan Omaishoitajat rf", "Vaasa"]]


def test_a_hidden_first_sheet_is_not_read(reference_dir, tmp_path):
    f = _workbook(tmp_path / "r.xlsx", {"vanha": [["Nimi", "Kotipaikka"], ["Vanha ry", "Atlantis"]],
                                       "rekisteri": REG}, hidden={"vanha"})
    code, out, err = _ingest(f, reference_dir, tmp_path)
    assert code == 0, err
    assert "sheet 'rekisteri'" in out and "hidden sheet(s) not read: vanha" in out
    assert "2 rows read, 2 accepted" in out


def test_of_several_sheets_the_register_shaped_one_is_read_and_said(reference_dir, tmp_path):
    f = _workbook(tmp_path / "r.xlsx", {"Ohje": [["Tämä on ohje"], ["Täytä toinen välilehti"]], "Data": REG})
    _rows, info = read_rows(f)
    assert info.sheet == "Data" and any("only one of 2 visible sheets" in n for n in info.notes)
    code, out, _err = _ingest(f, reference_dir, tmp_path)
    assert code == 0 and "note: sheet 'Data' read" in out


def test_two_register_shaped_sheets_ask_for_sheet(reference_dir, tmp_path):
    f = _workbook(tmp_path / "r.xlsx", {"2025": REG, "2026": REG})
    code, _, err = _ingest(f, reference_dir, tmp_path)
    assert code == 2 and "--sheet" in err and "'2025'" in err and "'2026'" in err
    code, out, err = _ingest(f, reference_dir, tmp_path, "--sheet", "2026")
    assert code == 0 and "sheet '2026'" in out


def test_merged_municipality_cells_are_filled_down(reference_dir, tmp_path):
    f = _workbook(tmp_path / "r.xlsx", {"r": [["Nimi", "Kotipaikka"], ["A ry", "Keuruu"], ["B ry", None],
                                              ["C ry", None], ["D ry", "Vaasa"]]}, merges={"r": ["B2:B4"]})
    rows, info = read_rows(f)
    assert [r[1] for r in rows[1:]] == ["Keuruu", "Keuruu", "Keuruu", "Vaasa"]
    assert any("2 merged cells filled" in n for n in info.notes)


def test_formulas_without_saved_values_are_reported(tmp_path):
    f = _workbook(tmp_path / "r.xlsx", {"r": [["Nimi", "Kotipaikka"], ["=CONCAT(\"A\",\" ry\")", "Keuruu"],
                                              ["B ry", "Keuruu"]]})
    _rows, info = read_rows(f)
    assert any("1 formula cells have no saved value" in n for n in info.notes)


def test_xlsx_limits_are_checked_before_loading(tmp_path, monkeypatch):
    f = _workbook(tmp_path / "r.xlsx", {"r": REG})
    monkeypatch.setattr(ing, "MAX_XLSX_UNCOMPRESSED", 1000)
    with pytest.raises(IngestError, match="unpacks to"):
        read_rows(f)


def test_a_giant_cell_in_a_small_workbook_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(ing, "MAX_FIELD_CHARS", 1000)
    f = _workbook(tmp_path / "r.xlsx", {"r": [["Nimi", "Kotipaikka"], ["a" * 5000, "Keuruu"]]})
    with pytest.raises(IngestError, match="longer than 1,000 characters"):
        read_rows(f)


def test_too_many_rows_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(ing, "MAX_ROWS", 2)
    f = _workbook(tmp_path / "r.xlsx", {"r": REG})
    with pytest.raises(IngestError, match="more than 2 rows"):
        read_rows(f)
