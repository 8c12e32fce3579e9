"""Impact in figures (issue 26 item 5): activity totals, medians, n and coverage, volunteering as full-time
equivalents and euros on a stated basis, a trend over years, and the survey's numeric answers."""

from __future__ import annotations

import html
import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sote_analytics.cli import app
from sote_analytics.indicators.engine import compute_indicators
from sote_analytics.indicators.impact import basis
from sote_analytics.pipeline import read_register

EXAMPLES = Path(__file__).parent.parent / "examples"


def _register(tmp_path: Path, ref) -> pd.DataFrame:
    f = tmp_path / "r.csv"
    f.write_text("tunniste;nimi;kotipaikka\nA;Jyväskylän Eläkkeensaajat ry;Jyväskylä\n"
                 "B;Laukaan Omaishoitajat ry;Laukaa\nC;Muuramen Sydänyhdistys ry;Muurame\n"
                 "D;Keuruun Invalidit ry;Keuruu\n", "utf-8")
    return read_register(f, ref).register


def test_activity_totals_medians_coverage_and_volunteering_estimates(ref, tmp_path):
    reg = _register(tmp_path, ref)
    act = pd.DataFrame({"association_id": ["A", "B", "C", "A", "B"], "year": [2025, 2025, 2025, 2024, 2024],
                        "volunteer_hours": [1000, 300, None, 800, 200], "participants": [120, 40, 60, 100, 30]})
    ind = compute_indicators(reg, ref, "x", activity=act)
    t = ind.table.query("area_level == 'hyvinvointialue' and area_code == '15' and sector == 'ALL'").set_index(
        "indicator")
    # by hand: 2025 only (the latest year): hours 1000 + 300 from 2 of 4 associations
    assert t.loc["volunteer_hours_total", "value"] == 1300 and t.loc["volunteer_hours_total", "n"] == 2
    assert t.loc["volunteer_hours_median", "value"] == 650
    assert t.loc["volunteer_hours_coverage", "value"] == pytest.approx(2 / 4)
    assert t.loc["participants_total", "value"] == 220 and t.loc["participants_coverage", "value"] == 0.75
    b = basis()
    assert t.loc["volunteer_hours_fte", "value"] == pytest.approx(1300 / b["fte_hours"]["value"])
    assert t.loc["volunteer_hours_value", "value"] == pytest.approx(1300 * b["hourly_value"]["value"])
    trend = ind.activity_trend.query("area_level == 'hyvinvointialue' and area_code == '15'")
    hours = trend[trend["measure"] == "volunteer_hours"].set_index("year")["total"]
    assert hours.to_dict() == {2024: 1000, 2025: 1300}


def test_the_basis_is_sourced():
    b = basis()
    for part in ("fte_hours", "hourly_value"):
        assert b[part]["source"].startswith("http") and b[part]["derivation"]


def test_report_shows_activity_and_the_survey_in_figures(tmp_path, reference_dir):
    """A Pohjois-Savo register (the generator's Toimeksi-style export), a two-year activity file and the
    example survey: the county report's activity section gives the figures with n and the estimates."""
    spec = importlib.util.spec_from_file_location("real_exports", Path(__file__).parent / "data" / "real_exports.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    files = gen.write_exports(tmp_path / "exports", seed=0)["files"]
    from sote_analytics.reference import load_reference

    reg = read_register(files["toimeksi.csv"], load_reference(2025, reference_dir)).register
    ids = reg["association_id"].head(30).tolist()
    act = pd.DataFrame({"association_id": ids * 2, "year": [2024] * 30 + [2025] * 30,
                        "volunteer_hours": [100] * 30 + [120] * 30, "events": [5] * 60})
    act_path = tmp_path / "toiminta.csv"
    act.to_csv(act_path, index=False)
    out = tmp_path / "o"
    r = CliRunner().invoke(app, ["run", str(files["toimeksi.csv"]), "--activity", str(act_path), "--survey",
                                 str(EXAMPLES / "oma_kysely.csv"), "--out-dir", str(out), "--workers", "2",
                                 "--area", "13", "--reference-dir", str(reference_dir)])
    assert r.exit_code == 0, r.output
    page = html.unescape((out / "reports" / "hyvinvointialue_13.html").read_text("utf-8"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", page, flags=re.S)))
    assert "Toiminta luvuin" in text and "Toiminta vuosittain" in text and "Toiminta seutukunnittain" in text
    head = reg.head(30)
    # the figures count the area's local sote associations: those of the 30 that are reported here
    local = int((~head["sector"].isin(["not_sote"]) & ~head["is_headquarters"].astype(bool)
                 & head["municipality_code"].notna()).sum())
    assert f"{local} / " in text  # coverage: reported by n of the area's associations
    assert "henkilötyövuotta" in text and "arvio" in text
    assert "Toiminta kyselyn mukaan" in text
