"""Real-shaped registers end to end: areas of operation, national organisations, old and genitive names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from sote_analytics.pipeline import read_register
from sote_analytics.read.ingest import write_ingest

CORPUS = Path(__file__).parent / "data" / "real_shaped"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_shaped_file(name, ref):
    exp = EXPECTED[name]
    res = read_register(CORPUS / name, ref)
    r = res.result
    assert r.rows_in == len(r.register) + len(r.quarantine)  # every row read is accounted for
    assert (r.rows_in, len(r.register), len(r.quarantine)) == (exp["rows"], exp["accepted"], exp["quarantined"])
    reasons = " | ".join(r.quarantine["reason"]) if len(r.quarantine) else ""
    for sub in exp.get("reasons", []):
        assert sub in reasons
    by_name = r.register.set_index("name")
    for key, column in (("domiciles", "municipality_code"), ("org_types", "org_type"),
                        ("levels", "operating_area_level"), ("sectors", "sector"),
                        ("unresolved", "operating_area_unresolved")):
        for org, value in exp.get(key, {}).items():
            assert by_name.at[org, column] == value, (org, column)


def test_keski_suomi_covers_exactly_the_22_municipalities_of_wellbeing_area_15(ref):
    res = read_register(CORPUS / "link_directory.csv", ref)
    row = res.register.set_index("name").loc["Keski-Suomen Esimerkkipiiri ry"]
    codes = set(row["operating_area_codes"].split("|"))
    assert codes == set(ref.members("hyvinvointialue", "15")["kunta_code"]) and len(codes) == 22
    assert pd.isna(row["municipality_code"]) and bool(row["is_headquarters"])


def test_koko_suomi_is_national_and_covers_every_municipality(ref):
    res = read_register(CORPUS / "link_directory.csv", ref)
    row = res.register.set_index("name").loc["Esimerkkiliitto ry"]
    assert row["org_type"] == "national" and row["operating_area_level"] == "koko_maa"
    assert len(row["operating_area_codes"].split("|")) == len(ref.key)


def test_coverage_by_area_of_operation_differs_from_domicile(ref):
    """A district organisation operating in Keski-Suomi covers its municipalities by area of operation only."""
    from sote_analytics.indicators.engine import compute_indicators

    reg = read_register(CORPUS / "link_directory.csv", ref).register
    reg = reg.assign(sector="disability")
    tb = compute_indicators(reg, ref).table
    sel = tb[(tb["area_level"] == "hyvinvointialue") & (tb["area_code"] == "15") & (tb["sector"] == "disability")]
    v = sel.set_index("indicator")["value"]
    assert v["municipality_coverage_operating_area"] == 1.0
    assert v["municipality_coverage"] < 1.0  # by domicile, only Jyväskylä, Muurame and Laukaa (local rows)


def test_personal_data_never_reaches_the_written_register(ref, tmp_path):
    res = read_register(CORPUS / "lahella_export.csv", ref)
    assert set(res.info.personal_data_columns) == {"Yhteyshenkilö", "Sähköposti", "Puhelin"}
    paths = write_ingest(res, tmp_path)
    for key in ("register_csv", "quarantine_csv"):
        text = Path(paths[key]).read_text("utf-8")
        assert "example.org" not in text and "040 123" not in text and "Meikäläinen" not in text
    kept = read_register(CORPUS / "lahella_export.csv", ref, keep_personal_data=True)
    assert "extra_Sähköposti" in kept.register.columns


def test_unknown_words_are_missing_not_errors(ref):
    res = read_register(CORPUS / "lahella_export.csv", ref)
    row = res.register.set_index("name").loc["Saarijärven Ystävät ry"]
    assert pd.isna(row["source_category"]) and row["municipality_code"] == "729"


@pytest.mark.slow
def test_run_on_a_real_shaped_file_from_an_empty_folder(reference_dir, tmp_path, monkeypatch):
    """`sote-analytics run FILE` from a folder that is not the repository: reports, index, Excel."""
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    work = tmp_path / "empty"
    work.mkdir()
    monkeypatch.chdir(work)
    src = work / "rekisteri.csv"
    src.write_bytes((CORPUS / "swedish_register.csv").read_bytes())
    r = CliRunner().invoke(app, ["run", str(src), "--level", "hyvinvointialue", "--language", "sv", "--area", "17",
                                 "--reference-dir", str(reference_dir), "--workers", "2"])
    assert r.exit_code == 0, r.output
    out = work / "sote-output" / "reports"
    assert (out / "index_sv.html").exists() and (out / "hyvinvointialue_17_sv.html").exists()
    page = (out / "hyvinvointialue_17_sv.html").read_text("utf-8")
    assert "Plotly.newPlot" in page and "SYNTET" not in page.upper()  # real data: no synthetic banner
    assert (out / "excel" / "hyvinvointialue_17_sv.xlsx").exists()


def test_svenskfinland_is_the_bilingual_and_swedish_speaking_municipalities(ref):
    from sote_analytics.read.operating_area import OperatingAreaResolver

    a = OperatingAreaResolver(ref).resolve_one("Svenskfinland")
    expected = set(ref.key.loc[ref.key["kielisuhde_code"].astype(str).isin(["1", "2", "3"]), "kunta_code"])
    assert set(a.codes) == expected and "091" in a.codes and "297" not in a.codes  # Helsinki yes, Kuopio no


@pytest.mark.parametrize("text,level,n", [
    ("Pohjois-Savon hyvinvointialue", "hyvinvointialue", None), ("Österbotten", "maakunta", None),
    ("Jyväskylän seutu", "seutukunta", None), ("Jyväskylä, Muurame ja Laukaa", "list", 3),
    ("Vasa och Korsholm", "list", 2), ("koko maa", "koko_maa", None), ("Helsingin kaupunki", "kunta", 1),
])
def test_operating_area_forms(ref, text, level, n):
    from sote_analytics.read.operating_area import OperatingAreaResolver

    a = OperatingAreaResolver(ref).resolve_one(text)
    assert a.level == level and not a.unresolved
    if n is not None:
        assert len(a.codes) == n


def test_report_lists_national_and_district_organisations_working_in_the_area(ref, reference_dir, tmp_path):
    from sote_analytics.pipeline import build_indicators
    from sote_analytics.report import content as rc

    build_indicators(CORPUS / "link_directory.csv", ref, tmp_path)
    ctx = rc.load_context("hyvinvointialue", "15", 2025, "fi", tmp_path, reference_dir)
    page = rc.operating_organisations(ctx).data
    assert "Keski-Suomen Esimerkkipiiri ry" in page and "Esimerkkiliitto ry" in page
    assert "Pohjois-Savon Tukipiiri ry" not in page  # operates in wellbeing area 13 only
    assert "22 / 22" in page  # Keski-Suomi covers every municipality of the area
    gaps = rc.gaps(ctx).data
    assert "Kuntakattavuus toiminta-alueen mukaan" in gaps and "kotipaikan mukaan" in gaps
    other = rc.load_context("hyvinvointialue", "13", 2025, "sv", tmp_path, reference_dir)
    page = rc.operating_organisations(other).data
    assert "Pohjois-Savon Tukipiiri ry" in page and "Keski-Suomen Esimerkkipiiri ry" not in page
    assert "Riks- och distriktsorganisationer" in page
    # no local association in Keski-Suomi: no claim of a rank among the areas (all such areas tie for last)
    assert ctx.value("associations")["value"] == 0 and rc.rank_sentence(ctx) == ""


def test_peers_are_the_same_group_and_size_band(ref, reference_dir, tmp_path):
    from sote_analytics.pipeline import build_indicators
    from sote_analytics.report import content as rc

    # peers come from what the register covers: say it covers the country (the file itself covers Pohjanmaa)
    build_indicators(CORPUS / "swedish_register.csv", ref, tmp_path, scope="koko_maa")
    ctx = rc.load_context("kunta", "905", 2025, "fi", tmp_path, reference_dir)
    p = rc.peers(ctx)
    me = p.set_index("kunta_code").loc["905"]
    assert p["kunta_code"].iloc[0] == "905" and len(p) > 1
    assert (p["kuntaryhmitys_code"].astype(str) == str(me["kuntaryhmitys_code"])).all()
    assert p["population"].between(me["population"] * 0.5, me["population"] * 1.5).all()
    assert "Vaasa *" in rc.maps(ctx).data and "js-plotly-plot" not in rc.maps(ctx).data
    # inferred: the file covers Pohjanmaa, so no peer from outside it is shown as a municipality of zeros
    build_indicators(CORPUS / "swedish_register.csv", ref, tmp_path / "own")
    own_ctx = rc.load_context("kunta", "905", 2025, "fi", tmp_path / "own", reference_dir)
    assert not own_ctx.scope.national
    assert set(rc.peers(own_ctx)["kunta_code"]) <= set(own_ctx.scope.municipalities) | {"905"}
