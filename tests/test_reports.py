"""The report notebook executed end to end, exported to HTML, and checked."""

import json
import re
import shutil
from pathlib import Path

import pytest

from sote_analytics.report.run import render_batch

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "reports" / "regional_report.ipynb"


@pytest.fixture(scope="module")
def batch(processed, reference_dir, tmp_path_factory):
    processed_dir, _, _ = processed
    out = tmp_path_factory.mktemp("reports")
    result = render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=out,
                          reference_dir=reference_dir, areas=["15", "90", "999"], workers=2,
                          notebook=NOTEBOOK, progress=False)
    return out, result


def test_good_areas_render_and_bad_area_is_named(batch):
    out, result = batch
    ok = {r.area for r in result.results if r.html}
    assert ok == {"15", "90"}
    assert [r.area for r in result.failed] == ["999"]
    assert "999" in result.failed[0].error
    assert not (out / "hyvinvointialue_999.html").exists()
    assert Path(result.failed[0].executed).exists()  # kept for debugging
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["errors"]) == {"999"}
    assert not list(out.glob(".*.tmp"))


def test_html_has_no_code_and_has_the_sections(batch):
    out, _ = batch
    page = (out / "hyvinvointialue_15.html").read_text(encoding="utf-8")
    assert '<html lang="fi">' in page
    assert "Plotly.newPlot" in page
    assert 'src="assets/plotly.min.js"' in page and (out / "assets" / "plotly.min.js").exists()
    assert "cdn.plot.ly" not in page.split("plotly.min.js")[0]
    forbidden_marks = ("processed_dir", "rc.load_context", "import ", "Parameters",
                       'class="jp-CodeMirrorEditor', '<div class="highlight', "require.js", "mathjax")
    for forbidden in forbidden_marks:
        assert forbidden not in page, forbidden
    for heading in ("Tunnusluvut", "Toimialat", "Kartta", "Kuntakattavuus ja katvealueet",
                    "Aineisto ja menetelmä"):
        assert f">{heading}<" in page or f"{heading}</h2>" in page, heading
    assert "SYNTEETTINEN ESIMERKKIAINEISTO" in page
    assert "Keski-Suomen hyvinvointialue" in page
    assert "Lähde: Tilastokeskus, Maanmittauslaitos, THL (CC BY 4.0)" in page
    assert "Traceback" not in page and "Warning" not in page


def test_index_links_reports_with_key_figures(batch):
    out, _ = batch
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="hyvinvointialue_15.html"' in index
    assert 'href="hyvinvointialue_90.html"' in index
    assert "SYNTEETTINEN" in index
    assert re.search(r"Keski-Suomen hyvinvointialue</a></td><td>\d", index)


@pytest.mark.browser
def test_report_renders_in_chromium_with_map_and_no_console_errors(batch, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    out, _ = batch
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        for name in ("hyvinvointialue_15.html", "index.html"):
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            problems = []
            page.on("console", lambda m, pr=problems: m.type == "error" and pr.append(m.text))
            page.on("pageerror", lambda e, pr=problems: pr.append(str(e)))
            page.goto((out / name).as_uri())
            page.wait_for_load_state("load")
            if name != "index.html":
                page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=15000)
                # the map: one filled polygon trace per municipality of Keski-Suomi (22)
                maps = page.locator(".js-plotly-plot").nth(1)
                assert maps.locator(".scatterlayer .trace").count() == 22
                assert page.locator(".js-plotly-plot").nth(0).locator(".barlayer .trace").count() == 2
                page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            assert problems == [], problems
            page.close()
        browser.close()
