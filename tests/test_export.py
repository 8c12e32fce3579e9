"""Excel export: sheets, Finnish headers, number formats, dictionary, sources, formula neutralising."""

import openpyxl
import pandas as pd
import pytest

from sote_analytics.export import write_workbook
from sote_analytics.indicators.engine import compute_indicators
from sote_analytics.read.register import canonicalize


def test_workbook_for_an_area(processed, ref, tmp_path):
    _, _, ind = processed
    path = write_workbook(ind, ref, "hyvinvointialue", "15", tmp_path, synthetic=True)
    wb = openpyxl.load_workbook(path)
    assert {"Tiedot", "Yhdistykset", "Kattavuus", "Henkilöstö", "Palvelut", "Katvealueet", "Tietosanasto",
            "Lähteet"} <= set(wb.sheetnames)
    info = {r[0]: r[1] for r in wb["Tiedot"].iter_rows(values_only=True)}
    assert "SYNTEETTINEN" in info["HUOM"] and info["Alue"] == "Keski-Suomen hyvinvointialue"
    ws = wb["Henkilöstö"]
    headers = [c.value for c in ws[1]]
    assert headers[0] == "Toimiala" and "Palkattua henkilöstöä" in headers
    col = headers.index("Palkattua henkilöstöä") + 1
    assert ws.cell(2, col).number_format == "0.0 %"
    assert ws.cell(2, 1).value == "Kaikki sektorit"
    assert ws.cell(2, col).value == pytest.approx(ind.table.query(
        "area_level == 'hyvinvointialue' and area_code == '15' and sector == 'ALL' and "
        "indicator == 'paid_staff_share'")["value"].iloc[0])
    assert wb["Yhdistykset"].cell(2, 2).number_format == "#,##0"
    assert any("CC BY 4.0" in str(r[2]) for r in wb["Lähteet"].iter_rows(values_only=True))


def test_formula_injection_is_neutralised(ref, tmp_path):
    raw = pd.DataFrame({"name": ["=HYPERLINK(\"http://evil\")", "B ry"], "municipality": ["Kokkola", "Kannus"],
                        "sector": ["elderly", "elderly"]})
    reg = canonicalize(raw, ref).register
    ind = compute_indicators(reg, ref)
    path = write_workbook(ind, ref, "hyvinvointialue", "18", tmp_path)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)


def test_swedish_workbook_has_swedish_sheets_and_headers(processed, ref, tmp_path):
    _, _, ind = processed
    path = write_workbook(ind, ref, "hyvinvointialue", "17", tmp_path, synthetic=True, language="sv")
    assert path.name == "hyvinvointialue_17_sv.xlsx"
    wb = openpyxl.load_workbook(path)
    assert {"Uppgifter", "Föreningar", "Täckning", "Luckor", "Ordlista", "Källor"} <= set(wb.sheetnames)
    info = {r[0]: r[1] for r in wb["Uppgifter"].iter_rows(values_only=True)}
    assert "SYNTETISKA" in info["OBS"] and info["Område"] == "Österbottens välfärdsområde"
    assert wb["Föreningar"].cell(1, 1).value == "Sektor"
