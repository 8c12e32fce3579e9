"""Reports as their readers use them: forwarded as one file, in their language, on a phone (issue 16)."""

import html
import re
import shutil
from pathlib import Path

import pytest
import yaml

from sote_analytics.report.run import render_national, render_report

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = yaml.safe_load((ROOT / "src/sote_analytics/data/i18n.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def pages(processed, reference_dir, tmp_path_factory):
    """Pohjois-Savo (the demo survey's area) in fi, sv and en, and the national overview, each self-contained."""
    processed_dir, _, _ = processed
    out = tmp_path_factory.mktemp("reading")
    done = {}
    for lang in ("fi", "sv", "en"):
        r = render_report("hyvinvointialue", "13", year=2025, processed_dir=processed_dir, out_dir=out,
                          language=lang, reference_dir=reference_dir, self_contained=True)
        assert r.html, (lang, r.error, r.traceback)
        done[lang] = Path(r.html)
    r = render_report("hyvinvointialue", "15", year=2025, processed_dir=processed_dir, out_dir=out,
                      reference_dir=reference_dir, self_contained=True)
    assert r.html, r.error
    done["fi15"] = Path(r.html)
    r = render_national("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=out,
                        reference_dir=reference_dir, self_contained=True)
    assert r.html, (r.error, r.traceback)
    done["national"] = Path(r.html)
    return done


def visible_text(page: str) -> str:
    """The page's text without scripts, styles and tags (what a reader sees)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_self_contained_report_is_small_and_needs_no_assets(pages):
    page = pages["fi"].read_text("utf-8")
    assert 'src="assets/' not in page and 'id="sote-plotly-gz"' in page
    assert len(page.encode()) < 1_500_000, len(page.encode())


def test_survey_shows_every_question_with_labels_and_response_rate(pages):
    page = pages["fi"].read_text("utf-8")
    text = visible_text(page)
    for column in ("yhteistyo_hyvinvointialueen_kanssa", "haluaa_kumppaniksi", "toiminnan_muodot",
                   "osallistujat_vuodessa"):
        assert CATALOGUE[f"sq_{column}"]["fi"] in text, column  # likert, single, multiple, numeric
        assert column not in text  # no raw column names
    assert re.search(r"Kyselyyn vastasi \d+ alueen [\d\u00a0]+ yhdistyksestä \(\d+\u00a0%\)", text)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_no_strings_of_other_languages_and_no_identifiers(pages, lang):
    text = visible_text(pages[lang].read_text("utf-8"))
    own = {v[lang] for v in CATALOGUE.values()}
    for key, entry in CATALOGUE.items():
        for other in ("fi", "sv", "en"):
            s = entry[other]
            if other == lang or "{" in s or len(s) < 12 or s in own:
                continue
            assert s not in text, (lang, key, other, s)
    # snake_case identifiers (column or indicator ids) never reach the reader
    idents = set(re.findall(r"\b[a-z]+_[a-z0-9_]+\b", text)) - {"meta_json"}
    assert not idents, idents
    if lang != "en":
        for english in ("SYNTHETIC DEMO DATA", "Population of", "Boundaries of", "Reference data"):
            assert english not in text, english


def test_titles_name_kind_and_area_in_the_language(pages):
    titles = {k: re.search(r"<title>(.*?)</title>", p.read_text("utf-8")).group(1) for k, p in pages.items()}
    assert len(set(titles.values())) == len(titles), titles
    assert "Pohjois-Savon hyvinvointialue" in titles["fi"]
    assert "Norra Savolax välfärdsområde" in titles["sv"] and "Sote-järjestöt" not in titles["sv"]
    assert titles["en"].startswith("Social and health associations")
    sv = pages["sv"].read_text("utf-8")
    assert "Lähde:" not in visible_text(sv) and "Källa:" in sv
    assert "foreningar_hyvinvointialue_13.csv" in sv


def test_paid_staff_plain_and_unknown_not_zero(pages):
    text = visible_text(pages["fi"].read_text("utf-8"))
    assert re.search(r"\d+\u00a0% yhdistyksistä on palkattua henkilöstöä \([\d\u00a0]+ / [\d\u00a0]+, n = ", text)
    assert re.search(r"\d+\u00a0% toimii ilman palkattua henkilöstöä", text)
    assert "vähintään" in text and "– = tieto puuttuu (ei nolla)" in text


def test_navigation_and_rank(pages):
    page = pages["fi"].read_text("utf-8")
    for href in ("index.html", "national_hyvinvointialue.html", "hyvinvointialue_13.xlsx",
                 "hyvinvointialue_13_sv.html", "hyvinvointialue_13_en.html"):
        assert f'href="{href}"' in page, href
    assert re.search(r"sijalla \d+/\d+", visible_text(page))
    nat = pages["national"].read_text("utf-8")
    assert 'href="hyvinvointialue_13.html"' in nat and "CC BY 4.0" in nat and "Koko maassa on" in nat


def test_national_overview_survives_a_tiny_register(ref, reference_dir, tmp_path, monkeypatch):
    """Most areas have no accepted rows: shares are missing there, and the overview still renders."""
    from sote_analytics.pipeline import build_indicators

    reg = tmp_path / "register.csv"
    reg.write_text("Yhdistyksen nimi;Kotipaikka\nKokkolan Eläkkeensaajat ry;Kokkola\n"
                   "Kannuksen Mielenterveysyhdistys ry;Kannus\n", encoding="utf-8")
    build_indicators(reg, ref, tmp_path / "processed")
    monkeypatch.chdir(ROOT)
    r = render_national("hyvinvointialue", year=2025, processed_dir=tmp_path / "processed", out_dir=tmp_path / "out",
                        reference_dir=reference_dir, self_contained=True)
    assert r.html, (r.error, r.traceback)
    assert "Lapin hyvinvointialue" in Path(r.html).read_text("utf-8")


@pytest.mark.browser
def test_forwarded_report_renders_alone_and_fits_a_phone(pages, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    alone = tmp_path / "mail"
    alone.mkdir()
    shutil.copy(pages["fi15"], alone / "report.html")  # no assets/ folder beside it
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        problems = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.goto((alone / "report.html").as_uri())
        page.wait_for_selector(".js-plotly-plot .barlayer .trace", timeout=20000)
        page.wait_for_selector(".js-plotly-plot .scatterlayer .trace", timeout=20000)
        n_figs = page.locator(".sote-chart").count()
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n_figs}",
                               timeout=20000)
        assert page.locator(".sote-charts-missing").count() == 0
        assert problems == [], problems
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto((alone / "report.html").as_uri())
        phone.wait_for_selector(".js-plotly-plot .barlayer .trace", timeout=20000)
        phone.wait_for_timeout(500)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()


@pytest.mark.browser
def test_report_has_no_serious_accessibility_violations(pages):
    """axe-core (bundled by axe-playwright-python) on a Finnish and a Swedish county report."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Debian's chromium is not installed")
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for key in ("fi15", "sv", "national"):
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.goto(pages[key].as_uri())
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20000)
            violations = axe.run(page).response["violations"]
            bad = [(v["id"], v["impact"], len(v["nodes"])) for v in violations
                   if v["impact"] in ("serious", "critical")]
            assert not bad, (key, bad)
        browser.close()
