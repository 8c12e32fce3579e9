"""Reports that know what the register covers (issue 26): a one-county file gets its county's reports,
official figures to compare with, the municipality x sector table, links that work and the reader's words.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sote_analytics.cli import app
from sote_analytics.i18n import catalogue

EXAMPLES = Path(__file__).parent.parent / "examples"
COUNTY = "15"  # Keski-Suomi: the example register is a Keski-Suomi file
#: The reader's words are the catalogue's (src/sote_analytics/data/i18n.yaml), not copied here.
FI = catalogue("fi")


def _run(args: list[str]) -> str:
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def county_run(tmp_path_factory, reference_dir):
    """The example Keski-Suomi file through `run`, then Swedish and English county reports and two
    municipality reports into the same folder (every level the lead would build, every language)."""
    out = tmp_path_factory.mktemp("county") / "out"
    ref = ["--reference-dir", str(reference_dir)]
    console = _run(["run", str(EXAMPLES / "yhdistysluettelo.csv"), "--out-dir", str(out), "--workers", "2", *ref])
    processed, reports = out / "processed", out / "reports"
    common = ["--processed-dir", str(processed), "--out-dir", str(reports), "--workers", "2", *ref]
    for lang in ("sv", "en"):
        _run(["report", "--level", "hyvinvointialue", "--all", "--language", lang, *common])
    _run(["report", "--level", "kunta", "--all", "--within", "kunta:179,992", *common])
    _run(["export", "--level", "hyvinvointialue", "--all", "--processed-dir", str(processed), *ref])
    return {"console": console, "processed": processed, "reports": reports}


def _visible_text(page: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL | re.IGNORECASE)
    body = re.sub(r"<li\b[^>]*\shidden>.*?</li>", " ", body, flags=re.DOTALL)  # links to files not there
    body = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(re.sub(r"\s+", " ", body))


def test_a_one_county_file_builds_only_its_county(county_run):
    reports = county_run["reports"]
    county = sorted(p.name for p in reports.glob("hyvinvointialue_*.html"))
    assert county == [f"hyvinvointialue_{COUNTY}.html", f"hyvinvointialue_{COUNTY}_en.html",
                      f"hyvinvointialue_{COUNTY}_sv.html"]
    assert sorted(p.name for p in (reports / "excel").glob("*.xlsx")) == [f"hyvinvointialue_{COUNTY}.xlsx"]
    assert "the register covers: Keski-Suomen hyvinvointialue (inferred" in county_run["console"]
    meta = json.loads((county_run["processed"] / "run.json").read_text("utf-8"))
    assert meta["scope"]["national"] is False and meta["scope"]["areas"] == [["hyvinvointialue", COUNTY]]
    index = _visible_text((reports / "index.html").read_text("utf-8"))
    assert "Aineisto kattaa: Keski-Suomen hyvinvointialue" in index and "22 aluetta" in index


def test_no_rank_or_national_figure_is_computed_from_the_file(county_run):
    page = _visible_text((county_run["reports"] / f"hyvinvointialue_{COUNTY}.html").read_text("utf-8"))
    assert "sijalla" not in page and "Sijaintiosamäärä" not in page
    assert FI["country_official"] in page and "10 183" in page  # SOSTE's national count, not the file's
    assert "Aineisto kattaa: Keski-Suomen hyvinvointialue" in page
    # a share on fewer than 30 associations says so beside it (the file's paid-staff share rests on 11)
    assert re.search(r"\d+ % \(\d+ %–\d+ %, n = \d+\)", page.replace("\u00a0", " "))


def test_the_national_overview_of_a_one_county_file_says_what_it_covers(county_run):
    page = _visible_text((county_run["reports"] / "national_hyvinvointialue.html").read_text("utf-8"))
    assert "Aineisto kattaa: Keski-Suomen hyvinvointialue" in page and "10 183" in page
    assert "Koko maassa on" not in page and "Sijaintiosamäärä" not in page
    assert "Kymenlaakson hyvinvointialue" not in page  # an area outside the file is not a row of zeros


def test_official_comparison_and_completeness_with_their_date(county_run):
    from sote_analytics.sources.official_counts import prh_by_region

    page = _visible_text((county_run["reports"] / f"hyvinvointialue_{COUNTY}.html").read_text("utf-8"))
    prh = int(prh_by_region("3")["13"])  # Keski-Suomi region, class 3 (social and health)
    assert f"PRH:n yhdistysrekisterissä {prh:,}".replace(",", "\u00a0") in page or \
        f"PRH:n yhdistysrekisterissä {prh:,}".replace(",", " ") in page
    assert "2.1.2025" in page and "Keski-Suomi (sama alue)" in page


def test_the_municipality_by_sector_table_matches_a_hand_count(county_run, ref):
    from sote_analytics.indicators.engine import municipality_sector_table
    from sote_analytics.store import Store

    ind = Store(county_run["processed"]).load_indicators()
    t = municipality_sector_table(ind, ref, "hyvinvointialue", COUNTY)
    # by hand from examples/yhdistysluettelo.csv: local sote associations domiciled in Jyväskylä (179):
    # Katulähetys (mental), Martat (other sote), Kriisikeskus Mobile (mental); the district ones (Omaishoitajat,
    # Monikkoperheet, Sovatek) are the area's own, not Jyväskylä's
    assert t.loc["179", "mental_substance"] == 2 and t.loc["179", "other_sote"] == 1 and t.loc["179", "ALL"] == 3
    assert t.loc["district", "ALL"] == 3 and t.loc["own", "ALL"] == t.loc["local", "ALL"] + 3
    assert t.loc["local", "ALL"] == t.drop(index=["local", "district", "own"])["ALL"].sum() == 15
    page = (county_run["reports"] / f"hyvinvointialue_{COUNTY}.html").read_text("utf-8")
    assert FI["mxs_title"] in page and FI["mxs_own_total"] in page
    from openpyxl import load_workbook

    wb = load_workbook(county_run["reports"] / "excel" / f"hyvinvointialue_{COUNTY}.xlsx", read_only=True)
    assert wb.sheetnames[0] == "Kunnat ja toimialat"
    rows = {r[0]: r for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert rows["Jyväskylä"][-1] == 3 and rows[FI["mxs_own_total"]][-1] == 18
    info = {r[0]: r[1] for r in wb.worksheets[1].iter_rows(values_only=True)}
    assert info["Yhdistysaineisto"] == "yhdistysluettelo.csv"
    assert info[FI["x_scope"]] == "Keski-Suomen hyvinvointialue"
    assert info["Rivit"] == "luettu 26, hyväksytty 24, hylätty 2"


def test_every_link_of_every_page_works(county_run):
    """A crawler over every HTML file of the run (all levels built, fi/sv/en): no dead link."""
    reports = county_run["reports"]
    pages = sorted(reports.glob("*.html"))
    assert len(pages) >= 8
    dead = []
    for p in pages:
        text = p.read_text("utf-8")
        ids = set(re.findall(r'\bid="([^"]+)"', text))
        for href in re.findall(r'<a\b[^>]*?\shref="([^"]+)"', text):
            href = html.unescape(href)
            if href.startswith(("http://", "https://", "mailto:", "data:", "blob:", "javascript:")):
                continue
            target, _, anchor = href.partition("#")
            if not target:
                if anchor and anchor not in ids:
                    dead.append((p.name, href))
                continue
            if not (reports / target).exists():
                dead.append((p.name, href))
    assert not dead, dead[:10]
    # the workbook link is there now that the workbook is written, and the other languages are linked
    page = (reports / f"hyvinvointialue_{COUNTY}.html").read_text("utf-8")
    assert f'href="excel/hyvinvointialue_{COUNTY}.xlsx"' in page and f'href="hyvinvointialue_{COUNTY}_sv.html"' in page


def test_no_snake_case_id_or_command_line_in_what_a_reader_sees(county_run):
    offenders = []
    for p in sorted(county_run["reports"].glob("*.html")):
        text = _visible_text(p.read_text("utf-8"))
        text = re.sub(r"\S+\.(?:html|xlsx|csv|json|ipynb)\b", " ", text)  # file names are not ids
        ids = set(re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text))
        commands = re.findall(r"sote-analytics [a-z]{3,}|(?<![\w-])--[a-z][a-z-]+", text)
        if ids or commands:
            offenders.append((p.name, sorted(ids)[:5], commands[:3]))
    assert not offenders, offenders


def test_level_kunta_writes_the_countys_municipalities(tmp_path, reference_dir):
    out = tmp_path / "k"
    _run(["run", str(EXAMPLES / "yhdistysluettelo.csv"), "--level", "kunta", "--out-dir", str(out),
          "--workers", "2", "--reference-dir", str(reference_dir), "--within", "hyvinvointialue:15"])
    from sote_analytics.reference import load_reference

    members = set(load_reference(2025, reference_dir).members("hyvinvointialue", COUNTY)["kunta_code"])
    built = {p.stem.split("_")[1] for p in (out / "reports").glob("kunta_*.html")}
    assert built == members
    page = _visible_text((out / "reports" / "kunta_992.html").read_text("utf-8"))  # Äänekoski
    assert "sijalla" not in page or "aineiston kattamista alueista" in page
    # peers only among covered municipalities: none of them from outside Keski-Suomi
    assert "Hämeenkyrö" not in page


def test_scope_can_be_given_and_within_limits(tmp_path, reference_dir):
    out = tmp_path / "s"
    console = _run(["run", str(EXAMPLES / "yhdistysluettelo.csv"), "--scope", "koko_maa", "--out-dir", str(out),
                    "--workers", "2", "--reference-dir", str(reference_dir), "--within", "hyvinvointialue:15,13"])
    assert "the register covers: Koko maa (given)" in console or "Whole country" in console
    assert sorted(p.name for p in (out / "reports").glob("hyvinvointialue_*.html")) == [
        "hyvinvointialue_13.html", "hyvinvointialue_15.html"]
    r = CliRunner().invoke(app, ["run", str(EXAMPLES / "yhdistysluettelo.csv"), "--scope", "maakunta:99",
                                 "--out-dir", str(tmp_path / "bad"), "--reference-dir", str(reference_dir)])
    assert r.exit_code == 2 and "maakunta has no area '99'" in r.output


def test_scope_inference_on_generated_exports(ref, tmp_path):
    import importlib.util

    from sote_analytics.indicators.scope import infer_scope
    from sote_analytics.pipeline import read_register

    spec = importlib.util.spec_from_file_location("real_exports", Path(__file__).parent / "data" / "real_exports.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    files = gen.write_exports(tmp_path, seed=0)["files"]
    s = infer_scope(read_register(files["yhdistystori.xlsx"], ref).register, ref)
    assert (s.national, s.areas) == (False, (("hyvinvointialue", COUNTY),))
    s = infer_scope(read_register(files["toimeksi.csv"], ref).register, ref)
    assert (s.national, s.areas) == (False, (("hyvinvointialue", "13"),))  # Pohjois-Savo


def test_a_national_register_is_national(ref):
    from sote_analytics.indicators.scope import infer_scope

    reg = pd.DataFrame({"municipality_code": ref.key["kunta_code"].astype(str), "sector": "elderly",
                        "org_type": "local"})
    assert infer_scope(reg, ref).national


@pytest.mark.browser
def test_a_directory_without_domiciles_shows_no_empty_chart(tmp_path, reference_dir):
    """examples/oma_rekisteri.csv gives areas of operation only: the report leads with what it has."""
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.skip("Debian's chromium is not installed")
    out = tmp_path / "d"
    _run(["run", str(EXAMPLES / "oma_rekisteri.csv"), "--out-dir", str(out), "--workers", "2",
          "--reference-dir", str(reference_dir), "--within", "hyvinvointialue:13"])
    page_path = out / "reports" / "hyvinvointialue_13.html"
    text = _visible_text(page_path.read_text("utf-8"))
    assert FI["no_local_lead"].split(",")[0] in text  # "Aineistossa ei ole alueen paikallisia yhdistyksiä"
    assert FI["no_local_left_out"].split(",")[0] in text  # "Kotipaikan mukaiset luvut ja kaaviot jätetään pois"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(page_path.as_uri())
        page.wait_for_timeout(1500)
        empty = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')].filter(el => {
            const vals = (el.data || []).flatMap(tr => [...(tr.x || []), ...(tr.z || [])])
                .filter(v => typeof v === 'number');
            return vals.length === 0 || vals.every(v => v === 0);
        }).length""")
        browser.close()
    assert empty == 0
