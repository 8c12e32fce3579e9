"""Reading survey exports (issue 24): every tool's shape, areas and sectors by values, no personal data
anywhere, suppression that fits what is counted."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from sote_analytics.errors import SoteAnalyticsError
from sote_analytics.read.personal import is_email, is_personal_header, is_phone, looks_personal_column, redact_text
from sote_analytics.read.survey_read import SurveyError, read_survey
from sote_analytics.store import Store

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data"))
import survey_exports as se  # noqa: E402

RS = se.respondents(40)
Q = se.QUESTIONS
SHAPES = {
    "webropol_xlsx": lambda p: se.webropol_xlsx(p / "webropol.xlsx", RS),
    "webropol_two_row_header_xlsx": lambda p: se.webropol_two_row_xlsx(p / "webropol_two_rows.xlsx", RS),
    "webropol_csv_cp1252": lambda p: se.webropol_csv(p / "webropol.csv", RS),
    "webropol_csv_comma": lambda p: se.webropol_csv(p / "webropol_comma.csv", RS, delimiter=","),
    "forms_xlsx": lambda p: se.forms_xlsx(p / "forms.xlsx", RS),
    "google_csv": lambda p: se.google_csv(p / "google.csv", RS),
    "google_csv_en": lambda p: se.google_csv(p / "google_en.csv", RS, timestamp="Timestamp"),
    "plain_csv_bom": lambda p: se.plain_csv(p / "plain.csv", RS),
    "example": lambda p: ROOT / "examples" / "oma_kysely.csv",
}
PERSONAL_VALUES = [v for r in RS for v in (r.name, r.email, r.phone)]


def _no_personal(text: str) -> None:
    for v in PERSONAL_VALUES:
        assert v not in text, v
    assert not re.search(r"@example\.fi|040 555 01\d\d", text)


# ---------------------------------------------------------------------------- personal.py
@pytest.mark.parametrize("header", [
    "S-posti", "Sähköposti", "Email", "E-mail", "Epost", "E-post", "Puh.", "Puhelin", "Tel", "Telefon", "Mobile",
    "GSM", "Osoite", "Postiosoite", "Katuosoite", "Yhteystiedot", "Yhteyshenkilö", "Vastuuhenkilö", "Puheenjohtaja",
    "Sihteeri", "Chairperson", "Chair", "Ordf.", "Ordförande", "Kontaktuppgifter", "Kontaktperson", "Henkilö",
    "Nimi (vastaaja)", "Vastaajan nimi", "Respondent name", "Contact", "Address", "Adress", "Henkilötunnus",
    "Syntymäaika", "Rahastonhoitaja", "Sähköpostiosoite"])
def test_personal_headers_are_caught(header):
    assert is_personal_header(header)


@pytest.mark.parametrize("header", [
    "nimi", "Yhdistyksen nimi", "Järjestön nimi", "namn", "name", "Organisation", "kotipaikka", "toiminta-alue",
    "henkilöstö", "Palkattua henkilöstöä (htv)", "henkilökunta", "henkilöjäsenet", "jäsenmäärä", "Verkko-osoite",
    "Seutukunta", "Järjestön toimiala", "Osallistujia vuodessa", "Kuinka monta henkilöä osallistui?"])
def test_association_headers_are_not_personal(header):
    assert not is_personal_header(header)


def test_phone_and_email_values():
    for v in ("040 555 0001", "040-5550001", "+358 40 555 0001", "(09) 123 4567", "09-1234567", "0405550001"):
        assert is_phone(v), v
    for v in ("2024", "00100", "1234567-8", "0123456-7", "1 200", "01.02.2024", "2024-05-01", "12,5", "200-300"):
        assert not is_phone(v), v
    assert is_email("x@example.fi") and not is_email("x at example")


def test_personal_columns_by_values_and_redaction():
    assert looks_personal_column(pd.Series([r.name for r in RS], dtype="str"))
    assert looks_personal_column(pd.Series([r.phone for r in RS[:5]] + [pd.NA], dtype="string"))
    assert not looks_personal_column(pd.Series([r.association for r in RS]))
    assert not looks_personal_column(pd.Series([r.area for r in RS]))
    s = pd.Series(["Soita (09) 123 4567 tai x@example.fi", pd.NA, "Tilat 1 200 m2 vuonna 2024"], dtype="string")
    out, n = redact_text(s)
    assert n == 1 and out[0] == "Soita [poistettu] tai [poistettu]" and pd.isna(out[1])
    assert out[2] == "Tilat 1 200 m2 vuonna 2024" and out.dtype == s.dtype


# ---------------------------------------------------------------------------- read_survey
@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("survey_exports")
    return {name: make(d) for name, make in SHAPES.items()}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_every_shape_reads_every_respondent_as_the_truth(ref, exports, shape):
    res = read_survey(exports[shape], ref)
    s, rep = res.survey, res.report
    assert len(s) == len(RS) == rep["respondents"] == rep["rows_read"]  # none silently dropped
    assert list(s.columns[:4]) == ["seutukunta_code", "area_level", "area_code", "sector"]
    for col, attr in (("seutukunta_code", "seutukunta_code"), ("area_level", "area_level"),
                      ("area_code", "area_code"), ("sector", "sector")):
        got = [None if pd.isna(v) else v for v in s[col]]
        assert got == [getattr(r, attr) for r in RS], col
    unknown_area = sum(1 for r in RS if r.area_level is None)
    assert sum(rep["unmatched_areas"].values()) == unknown_area > 0
    assert rep["unmatched_sectors"] == {"Kulttuuri": sum(1 for r in RS if r.sector_text == "Kulttuuri")}
    # kinds and values
    kinds = rep["kinds"]
    assert kinds[Q["likert_text"]] == kinds[Q["likert_num"]] == "likert"
    assert kinds[Q["single"]] == "single" and kinds[Q["multi"]] == "multi"
    assert kinds[Q["participants"]] == kinds[Q["volunteers"]] == kinds[Q["hours"]] == "numeric"
    assert [None if pd.isna(v) else int(v) for v in s[Q["likert_text"]]] == [r.likert for r in RS]
    assert s[Q["likert_num"]].tolist() == [r.likert_num for r in RS]
    assert [None if pd.isna(v) else float(v) for v in s[Q["participants"]]] == [r.participants for r in RS]
    assert s[Q["hours"]].astype(float).tolist() == [r.hours for r in RS]
    assert [set(v.split(";")) for v in s[Q["multi"]]] == [set(r.options) for r in RS]
    # metadata, personal data and free text are gone
    assert Q["free"] in rep["free_text_columns"] and Q["free"] not in s
    assert not {"Vastausaika", "ID", "Start time", "Completion time", "Aikaleima", "Timestamp"} & set(s.columns)
    assert rep["personal_columns"]
    assert set(rep["personal_columns"]).isdisjoint(s.columns)
    _no_personal(s.to_csv() + str(rep))
    assert res.questions[Q["multi"]] == Q["multi"]


def test_forms_respondent_name_column_is_dropped_but_an_association_name_is_not_personal(ref, exports):
    rep = read_survey(exports["forms_xlsx"], ref).report
    assert rep["personal_columns"] == ["Email", "Name"]
    assert rep["metadata_columns"] == ["ID", "Start time", "Completion time"]
    rep = read_survey(exports["webropol_xlsx"], ref).report
    assert rep["personal_columns"] == ["Vastaajan nimi", "Sähköposti", "Puhelin"]
    assert "Yhdistyksen nimi" in rep["free_text_columns"]  # an association's name: free text, not personal
    assert rep["header_row"] == 4  # two title rows and a blank row above the header


def test_kept_free_text_is_redacted(ref, exports):
    res = read_survey(exports["webropol_csv_cp1252"], ref, keep_free_text=True)
    free = res.survey[Q["free"]]
    assert res.kinds[Q["free"]] == "free" and Q["free"] in res.report["free_text_kept"]
    assert res.report["redactions"] > 0
    assert free.str.contains(r"\[poistettu\]").sum() == res.report["redactions"]
    assert "Yhteistyö on sujunut hyvin kunnan kanssa" in " ".join(free.dropna())  # the rest is kept
    _no_personal(res.survey.to_csv())


def test_the_example_survey(ref):
    res = read_survey(ROOT / "examples" / "oma_kysely.csv", ref)
    rep = res.report
    assert rep["respondents"] == 40 and rep["with_subregion"] == 40 - 2 - 2 - 2
    assert rep["area_levels"]["maakunta"] == 2 and rep["area_levels"]["hyvinvointialue"] == 2
    assert rep["personal_columns"] == ["Vastaajan nimi", "Sähköposti", "Puhelin"]
    assert (res.survey["seutukunta_code"].dropna().isin(["111", "112", "113", "114", "115"])).all()


def test_the_demo_shape_still_reads_as_before(ref, demo_dir):
    raw = pd.read_csv(demo_dir / "survey.csv", dtype={"seutukunta_code": str})
    res = read_survey(demo_dir / "survey.csv", ref)
    s = res.survey
    assert s["seutukunta_code"].tolist() == raw["seutukunta_code"].tolist()
    assert s["sector"].tolist() == raw["sector"].tolist()
    for col in ("yhteistyo_hyvinvointialueen_kanssa", "osallistujat_vuodessa", "vapaaehtoistunnit_vuodessa"):
        assert s[col].tolist() == raw[col].tolist(), col
    assert res.kinds == {"yhteistyo_hyvinvointialueen_kanssa": "likert", "haluaa_kumppaniksi": "single",
                         "toiminnan_muodot": "multi", "osallistujat_vuodessa": "numeric",
                         "vapaaehtoistunnit_vuodessa": "numeric"}


def test_user_errors_are_clear(ref, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("", "utf-8")
    with pytest.raises(SoteAnalyticsError, match="empty"):
        read_survey(empty, ref)
    no_area = tmp_path / "no_area.csv"
    no_area.write_text("Kysymys 1;Kysymys 2\nkyllä;3\nei;4\n", "utf-8")
    with pytest.raises(SurveyError, match="no area column found"):
        read_survey(no_area, ref)
    header_only = tmp_path / "header.csv"
    header_only.write_text("Seutukunta;Toimiala\n", "utf-8")
    with pytest.raises(SurveyError):
        read_survey(header_only, ref)
    with pytest.raises(SurveyError, match="organisations or persons"):
        read_survey(no_area, ref, kind="people")


# ---------------------------------------------------------------------------- stored and shown
@pytest.mark.parametrize("shape", ["webropol_csv_cp1252", "webropol_csv_comma"])
def test_webropol_csv_no_longer_crashes_or_drops_answers(ref, exports, shape, tmp_path):
    """Regression: pd.read_csv raised ParserError on the ;-separated export and kept no answers of the
    comma-separated one."""
    store = Store(tmp_path)
    store.write_survey(exports[shape], ref)
    s = store.survey()
    assert len(s) == len(RS) and s["seutukunta_code"].notna().sum() == sum(1 for r in RS if r.seutukunta_code)
    _no_personal(s.to_csv() + store.file("survey_report.json").read_text("utf-8"))
    assert store.survey_report()["rows_read"] == len(RS)
    store.write_survey(None, ref)
    assert store.survey() is None and store.survey_report() == {}


@pytest.fixture(scope="module")
def survey_processed(ref, demo_dir, exports, tmp_path_factory):
    """The demo register with the invented Webropol survey, as organisations; and a copy as persons."""
    from sote_analytics.pipeline import build_indicators

    orgs = tmp_path_factory.mktemp("survey_orgs")
    build_indicators(demo_dir / "register.csv", ref, orgs, survey_path=exports["webropol_xlsx"])
    persons = tmp_path_factory.mktemp("survey_persons")
    shutil.copytree(orgs, persons, dirs_exist_ok=True)
    Store(persons).write_survey(exports["webropol_xlsx"], ref, kind="persons", k=5, keep_free_text=True)
    return orgs, persons


def _section(processed: Path, reference_dir: Path, lang: str = "fi") -> str:
    from sote_analytics.report.content import load_context, survey

    ctx = load_context("hyvinvointialue", "13", 2025, lang, processed, reference_dir)
    return survey(ctx).data


def _first_table(html: str) -> list[list[str]]:
    body = html[html.index("<table"):html.index("</table>")]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]


def test_organisation_survey_shows_counts_unsuppressed(survey_processed, reference_dir):
    html = _section(survey_processed[0], reference_dir)
    rows = _first_table(html)
    header, cells = rows[0], rows[1:]
    assert "Kuopio" in header and "Ylä-Savo" in header and "Pohjois-Savo (seutukunta ei tiedossa)" in header
    assert all("–" not in c for r in cells for c in r[1:])  # nothing hidden
    in_area = sum(1 for r in RS if r.area_level is not None)
    assert cells[-1][-1] == str(in_area)  # the county-level answers count in the county's report
    small = [int(c) for r in cells for c in r[1:] if c.isdigit() and 0 < int(c) < 5]
    assert small  # counts of 1-4 organisations are shown
    assert "40 vastausta luettu, 3 henkilötietosaraketta poistettu." in html
    _no_personal(html)


def test_person_survey_hides_small_cells_and_never_shows_free_text(survey_processed, reference_dir):
    html = _section(survey_processed[1], reference_dir)
    cells = [c for r in _first_table(html)[1:] for c in r[1:]]
    assert "–" in cells
    assert not [c for c in cells if c.isdigit() and 0 < int(c) < 5]
    for r in RS:
        if r.free:
            assert r.free not in html and r.free.split(" (")[0] not in html
    assert "vastasi tähän avoimeen kysymykseen" in html
    _no_personal(html)


def test_cli_indicators_with_the_example_survey_and_one_report(reference_dir, tmp_path):
    from typer.testing import CliRunner

    from sote_analytics.cli import app
    from sote_analytics.report.render.run import render_report

    out = tmp_path / "processed"
    r = CliRunner().invoke(app, ["indicators", "--register", str(ROOT / "examples" / "oma_rekisteri.csv"),
                                 "--survey", str(ROOT / "examples" / "oma_kysely.csv"), "--out-dir", str(out),
                                 "--reference-dir", str(reference_dir), "--survey-kind", "organisations",
                                 "--survey-min-cell", "3"])
    assert r.exit_code == 0, r.output
    assert Store(out).survey_report()["k"] == 3
    rep = render_report("hyvinvointialue", "13", year=2025, processed_dir=out, out_dir=tmp_path / "reports",
                        reference_dir=reference_dir, self_contained=False)
    assert rep.html, (rep.error, rep.traceback)
    page = Path(rep.html).read_text("utf-8")
    assert "Kyselyn tulokset" in page and "Toimiala × Alue" in page and "Ylä-Savo" in page
    assert "Toimintamuodot" in page and "Osallistujia vuodessa" in page
    _no_personal(page)
    bad = CliRunner().invoke(app, ["indicators", "--register", str(ROOT / "examples" / "oma_rekisteri.csv"),
                                   "--survey", str(ROOT / "examples" / "oma_kysely.csv"), "--out-dir", str(out),
                                   "--reference-dir", str(reference_dir), "--survey-kind", "people"])
    assert bad.exit_code == 2 and "organisations or persons" in bad.output


_CELLS = ["Kuopio", "Ylä-Savo", "Pohjois-Savo", "Vasa", "Muu", "Vammaisjärjestö", "kyllä", "ei", "3", "n. 200",
          "1 200", "Täysin samaa mieltä", "x@example.fi", "040 555 0001", "Seutukunta", "", " ", "a;b", "a, b",
          "1", "0", "091", "Maija Meikäläinen", "Start time", "Name", "Toimintamuodot: Neuvonta", '"', "\u200b"]


def test_fuzzed_files_read_or_fail_with_a_clear_error(ref, tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    cell = st.one_of(st.sampled_from(_CELLS), st.text(max_size=6))
    table = st.lists(st.lists(cell, min_size=0, max_size=6), min_size=0, max_size=8)

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(table, st.sampled_from([";", ",", "\t"]))
    def check(rows, sep):
        f = tmp_path / "fuzz.csv"
        f.write_text("\n".join(sep.join(r) for r in rows), "utf-8")
        try:
            res = read_survey(f, ref)
        except SoteAnalyticsError:
            return
        assert len(res.survey) == res.report["respondents"]
        _no_personal(res.survey.to_csv())

    check()


def test_typed_in_other_answers_are_never_options(ref, tmp_path):
    """Forms write an "Other" text into the choice column: it becomes "muu", never an option verbatim."""
    f = tmp_path / "google_other.csv"
    rows = ["Timestamp,Seutukunta,Toimintamuodot,Kumppaniksi?"]
    for i in range(12):
        rows.append(f'2026/03/01 10:{i:02d},Kuopio,"Vertaistuki, Neuvonta",{"kyllä" if i % 2 else "ei"}')
    rows.append('2026/03/01 11:00,Ylä-Savo,"Vertaistuki, Retki Matin mökille joka kesä",'
                '"Emme ole vielä päättäneet asiasta hallituksessa"')
    f.write_text("\n".join(rows), "utf-8")
    res = read_survey(f, ref)
    s = res.survey
    assert res.kinds == {"Toimintamuodot": "multi", "Kumppaniksi?": "single"}
    assert s["Toimintamuodot"].iloc[-1] == "Vertaistuki;muu" and s["Kumppaniksi?"].iloc[-1] == "muu"
    assert res.report["typed_in_answers"] == 2
    assert "mökille" not in s.to_csv() and "hallituksessa" not in s.to_csv()
