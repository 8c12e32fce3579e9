"""The report notebooks executed end to end, exported to HTML, and checked."""

import json
import re
import shutil
from pathlib import Path

import pytest

from sote_analytics.i18n import t
from sote_analytics.report.render.publication import render_batch

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "reports" / "regional_report.ipynb"
HEADINGS_FI = ["Tunnusluvut", "Toimialat", "Kartat", "Katvealueet", "Resurssit", "Kehitys", "Kyselyn tulokset",
               "Yhdistyshakemisto", "Aineisto ja menetelmä"]


@pytest.fixture(scope="module")
def batch(processed, reference_dir, tmp_path_factory, monkeypatch_module):
    processed_dir, _, _ = processed
    out = tmp_path_factory.mktemp("reports")
    monkeypatch_module.chdir(ROOT)  # the national notebook is found relative to the project
    result = render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=out,
                          reference_dir=reference_dir, areas=["13", "90", "999"], workers=2,
                          notebook=NOTEBOOK, progress=False)
    return out, result


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_good_areas_render_and_bad_area_is_named(batch):
    out, result = batch
    ok = {r.area for r in result.results if r.html}
    assert ok == {"13", "90", "national"}
    assert [r.area for r in result.failed] == ["999"]
    assert "999" in result.failed[0].error
    assert not (out / "hyvinvointialue_999.html").exists()
    assert Path(result.failed[0].executed).exists()  # kept for debugging
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["runs"][-1]["errors"]) == {"hyvinvointialue_999"}
    assert manifest["version"] and manifest["runs"][-1]["seconds"] > 0
    rec = manifest["reports"]["hyvinvointialue_13"]
    assert {"data", "reference", "notebook", "code", "texts", "parameters"} <= set(rec["inputs"])
    assert re.fullmatch(r"[0-9a-f]{64}", rec["inputs_hash"]) and manifest["reports"]["hyvinvointialue_999"]["error"]
    assert not list(out.glob(".*.tmp"))


def test_html_has_no_code_and_has_the_sections(batch):
    out, _ = batch
    page = (out / "hyvinvointialue_13.html").read_text(encoding="utf-8")
    assert '<html lang="fi">' in page
    assert "Plotly.newPlot" in page
    assert 'src="assets/plotly.min.js"' in page and (out / "assets" / "plotly.min.js").exists()
    assert "cdn." not in page and "require.js" not in page and "mathjax" not in page.lower()
    forbidden_marks = ("processed_dir", "rc.load_context", "import ", "Parameters", "display(",
                       'class="jp-CodeMirrorEditor', '<div class="highlight', "jp-InputArea")
    for forbidden in forbidden_marks:
        assert forbidden not in page, forbidden
    positions = [page.find(f"<h2>{h}</h2>") for h in HEADINGS_FI]
    found = dict(zip(HEADINGS_FI, positions, strict=True))
    assert all(p > 0 for p in positions) and positions == sorted(positions), found
    assert page.count("<h1>") == 1 and page.find("<h1>") < positions[0]
    assert "SYNTEETTINEN ESIMERKKIAINEISTO" in page
    assert "Pohjois-Savon hyvinvointialue" in page
    assert "Lähde: Tilastokeskus, Maanmittauslaitos, THL (CC BY 4.0)" in page
    assert "Traceback" not in page and "Warning" not in page
    assert 'aria-label="' in page and "<figcaption>" in page  # text alternatives
    assert len(re.findall(r"<details class=.sote-data.", page)) >= 2  # data tables for the charts
    size_without_plotly = len(page.encode())
    assert size_without_plotly < 500_000


def test_helsinki_single_municipality_report(batch):
    out, _ = batch
    page = (out / "hyvinvointialue_90.html").read_text(encoding="utf-8")
    assert "Helsingin kaupunki" in page and "<h2>Katvealueet</h2>" in page


def test_national_overview(batch):
    out, _ = batch
    page = (out / "national_hyvinvointialue.html").read_text(encoding="utf-8")
    assert "<h2>Vertailu</h2>" in page and "<h2>Toimialat hyvinvointialueittain</h2>" in page
    assert "Plotly.newPlot" in page and "SYNTEETTINEN" in page
    for name in ("Lapin hyvinvointialue", "Helsingin kaupunki", "Ahvenanmaa"):
        assert name in page


def test_index_links_reports_with_key_figures(batch):
    out, _ = batch
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="hyvinvointialue_13.html"' in index and 'href="hyvinvointialue_90.html"' in index
    assert 'href="national_hyvinvointialue.html"' in index
    assert "SYNTEETTINEN" in index and '<html lang="fi">' in index
    assert re.search(r"Pohjois-Savon hyvinvointialue</a></td>\s*<td>\d", index)
    assert "999" in index  # the failed area is named
    row = re.search(r'<tr id="hyvinvointialue-999">(.*?)</tr>', index, re.S).group(1)
    assert t("report_failed", "fi").split(";")[0] in row
    raw = next(r.error for r in batch[1].failed)
    for leak in (raw, raw.splitlines()[-1], "Traceback", "Error:", str(ROOT)):
        assert leak not in index, leak  # the exception stays in the manifest


def test_index_accumulates_runs_and_forgets_deleted_reports(batch, processed, reference_dir, tmp_path):
    """A second and third run (another level, another language) keep the first run's rows in index.html."""
    first_out, first = batch
    out = tmp_path / "reports"
    shutil.copytree(first_out, out)
    (out / "hyvinvointialue_90.html").unlink()  # removed by hand: no longer listed
    kw = dict(year=2025, processed_dir=processed[0], out_dir=out, reference_dir=reference_dir, workers=1,
              progress=False, national=False)
    second = render_batch("maakunta", areas=["18"], **kw)
    third = render_batch("hyvinvointialue", areas=["13"], language="sv", **kw)
    assert not second.failed and not third.failed
    index = (out / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r'<tr id="([^"]+)"', index)
    assert sorted(ids) == ["hyvinvointialue-13", "hyvinvointialue-999", "maakunta-18"], ids
    assert index.find('id="level-hyvinvointialue"') < index.find('id="level-maakunta"')
    assert 'href="national_hyvinvointialue.html"' in index and 'href="maakunta_18.html"' in index
    row = re.search(r'<tr id="hyvinvointialue-13">(.*?)</tr>', index, re.S).group(1)
    assert 'href="hyvinvointialue_13.html"' in row and 'href="hyvinvointialue_13_sv.html"' in row
    assert re.search(r"<td>\d[\d\u00a0]*</td><td>\d+,\d\d</td>", row)  # the first run's key figures
    sv = (out / "index_sv.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in sv and "Norra Savolax välfärdsområde" in sv and "Kajanaland" in sv
    raw = first.failed[0].error
    for page in (index, sv):
        assert raw not in page and "Traceback" not in page
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == 2 and manifest["runs"][-1]["errors"] == {}
    kept = {(r["level"], r["area"]) for r in manifest["reports"].values()}
    assert {("maakunta", "18"), ("hyvinvointialue", "13"), ("hyvinvointialue", "999")} <= kept
    assert ("hyvinvointialue", "90") not in kept


HOSTILE = "<img src=x onerror=alert(1)>"
SCRIPT = "</script><script>alert(2)</script>"


@pytest.fixture(scope="module")
def hostile_reports(ref, reference_dir, tmp_path_factory, monkeypatch_module):
    from sote_analytics.pipeline import build_indicators

    tmp = tmp_path_factory.mktemp("hostile")
    rows = [
        (HOSTILE, "Kokkola", "Maija Mehiläinen", "maija.mehilainen@example.fi", "040 765 4321"),
        (SCRIPT, "Kannus", "Pekka Puhelin", "pekka@example.com", "+358 50 123 4567"),
        ("Kokkolan Eläkkeensaajat ry", "Kokkola", "Liisa Luottamus", "liisa@example.fi", "044 111 2222"),
        ("Karleby pensionärer rf", "Karleby", "Anna Andersson", "anna@example.se", "050 333 4444"),
    ]
    reg = tmp / "register.csv"
    reg.write_text("Yhdistyksen nimi;Kotipaikka;Puheenjohtaja;Sähköposti;Puhelin\n"
                   + "\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    processed = tmp / "processed"
    build_indicators(reg, ref, processed)
    out = tmp / "reports"
    monkeypatch_module.chdir(ROOT)
    fi = render_batch("hyvinvointialue", year=2025, processed_dir=processed, out_dir=out,
                      reference_dir=reference_dir, areas=["18"], workers=1, progress=False, national=False)
    sv = render_batch("hyvinvointialue", year=2025, processed_dir=processed, out_dir=out, language="sv",
                      reference_dir=reference_dir, areas=["18"], workers=1, progress=False, national=False)
    assert not fi.failed and not sv.failed, (fi.failed, sv.failed)
    return out


def test_hostile_names_are_escaped(hostile_reports):
    page = (hostile_reports / "hyvinvointialue_18.html").read_text(encoding="utf-8")
    assert HOSTILE not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # shown as text in the directory
    assert "<script>alert(2)" not in page


def test_no_personal_data_in_reports(hostile_reports):
    for f in hostile_reports.glob("*.html"):
        page = f.read_text(encoding="utf-8")
        for secret in ("Mehiläinen", "maija.mehilainen@example.fi", "040 765 4321", "Pekka Puhelin",
                       "pekka@example.com", "123 4567", "Liisa Luottamus", "anna@example.se", "@example"):
            assert secret not in page, (f.name, secret)


def test_swedish_report(hostile_reports):
    page = (hostile_reports / "hyvinvointialue_18_sv.html").read_text(encoding="utf-8")
    assert '<html lang="sv">' in page
    for heading in ("Nyckeltal", "Sektorer", "Kartor", "Luckor", "Föreningsregister", "Data och metod"):
        assert f"<h2>{heading}</h2>" in page, heading
    assert "SYNTETISKA" not in page  # a real-looking (not synthetic) register: no banner
    assert "Mellersta Österbottens välfärdsområde" in page
    assert "Keski-Pohjanmaan hyvinvointialue" not in page  # no Finnish area name in the Swedish page
    assert re.search(r"\d,\d\d", page)  # decimal comma in sv


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
        for name in ("hyvinvointialue_13.html", "index.html", "national_hyvinvointialue.html"):
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            problems = []
            page.on("console", lambda m, pr=problems: m.type == "error" and pr.append(m.text))
            page.on("pageerror", lambda e, pr=problems: pr.append(str(e)))
            page.on("requestfailed", lambda r, pr=problems: pr.append(f"request failed: {r.url}"))
            page.goto((out / name).as_uri())
            page.wait_for_load_state("load")
            if name == "hyvinvointialue_13.html":
                page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=15000)
                maps = page.locator(".js-plotly-plot").nth(1)
                # one filled polygon per municipality of Pohjois-Savo (19) + legend traces
                assert maps.locator(".scatterlayer .trace").count() >= 19
                assert page.locator(".js-plotly-plot").nth(0).locator(".barlayer .trace").count() == 2
                # the sector menu: applying a button's restyle recolours the municipalities
                fills = ("el => Array.from(el.querySelectorAll('.scatterlayer .trace path.js-fill'))"
                         ".map(p => p.style.fill)")
                before = maps.evaluate(fills)
                labels = maps.evaluate("el => el.layout.updatemenus[0].buttons.map(b => b.label)")
                assert labels[0] == "Kaikki sektorit" and "Omaiset ja läheiset" in labels
                maps.evaluate("el => { const b = el.layout.updatemenus[0].buttons.find("
                              "x => x.label === 'Omaiset ja läheiset'); return Plotly.restyle(el, ...b.args); }")
                page.wait_for_timeout(300)
                assert maps.evaluate(fills) != before
                # the directory works from the keyboard: focus the search box, type, see fewer rows
                total = page.locator("#sote-directory tbody tr").count()
                page.focus("#sote-directory input")
                page.keyboard.type("Kuopio")
                shown = page.locator("#sote-directory tbody tr").count()
                assert 0 < shown < total
                page.locator("#sote-directory th button").first.focus()
                page.keyboard.press("Enter")
                assert page.locator("#sote-directory th").first.get_attribute("aria-sort") == "descending"
                page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
            assert problems == [], (name, problems)
            page.close()
        browser.close()


@pytest.mark.parametrize("limit", [None, 50])
def test_directory_of_a_large_area_is_a_count_and_a_pointer_not_a_huge_table(processed, reference_dir, limit,
                                                                              monkeypatch):
    """The directory lists the area's associations, one row each; above the configured limit (the country
    in the demo) the section says how many there are and where to find them instead."""
    from sote_analytics import config
    from sote_analytics.report import content as rc

    processed_dir, _, _ = processed
    ctx = rc.load_context("hyvinvointialue", "15", 2025, "fi", processed_dir, reference_dir)
    n = len(ctx.directory)
    if limit is not None:
        monkeypatch.setattr(config, "DIRECTORY_MAX_ROWS", limit)
    html = rc.directory(ctx).data
    assert "Yhdistyshakemisto" in html
    if limit is None:
        assert n < config.DIRECTORY_MAX_ROWS and html.count("<tr>") == n + 1
    else:
        assert n > limit and "<table" not in html
        assert f"Alueella on {n:,} yhdistystä".replace(",", "\u00a0") in html
