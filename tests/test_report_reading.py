"""Reports as their readers use them: forwarded as one file, in their language, on a phone (issue 16)."""

import html
import itertools
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sote_analytics.report.render.run import render_national, render_report

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


def pdf_page_texts(data: bytes) -> list[str]:
    """The text of each page of a PDF printed by Chromium (Skia: objects in the clear, Flate streams, Type0 fonts
    with ToUnicode maps, text shown with Tj/TJ, forms drawn with Do). Enough for these tests; not a PDF reader."""
    import zlib

    objs: dict[int, tuple[bytes, bytes | None]] = {}
    for m in re.finditer(rb"(?m)^(\d+) 0 obj\s*", data):
        start = m.end()
        body = data[start:data.find(b"endobj", start)]
        s = re.match(rb"(<<.*?>>)\s*stream\r?\n", body, re.S)
        if s:
            head = s.group(1)
            raw = data[start + s.end():start + s.end() + int(re.search(rb"/Length (\d+)", head).group(1))]
            objs[int(m.group(1))] = (head, zlib.decompress(raw) if b"/FlateDecode" in head else raw)
        else:
            objs[int(m.group(1))] = (body, None)

    def ref(head: bytes, key: bytes) -> int | None:
        m = re.search(rb"/" + key + rb"\s+(\d+) 0 R", head)
        return int(m.group(1)) if m else None

    def cmap(num: int) -> dict[int, str]:
        table, text = {}, objs[num][1].decode("latin-1")
        for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
            for a, b in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                table[int(a, 16)] = bytes.fromhex(b).decode("utf-16-be")
        for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
            for a, b, c in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                base = bytes.fromhex(c).decode("utf-16-be")
                for i, code in enumerate(range(int(a, 16), int(b, 16) + 1)):
                    table[code] = base[:-1] + chr(ord(base[-1]) + i)
        return table

    def named(resources: bytes, kind: bytes) -> dict[str, int]:
        m = re.search(rb"/" + kind + rb"\s*<<(.*?)>>", resources, re.S)
        return {n.decode(): int(k) for n, k in re.findall(rb"/(\w+)\s+(\d+) 0 R", m.group(1) if m else b"")}

    def run(content: bytes, resources: bytes, depth: int = 0) -> list[str]:
        fonts = {n: cmap(tu) if (tu := ref(objs[k][0], b"ToUnicode")) else {}
                 for n, k in named(resources, b"Font").items()}
        forms, font, out = named(resources, b"XObject"), {}, []
        ops = rb"/(\w+)\s+[\d.]+\s+Tf|(\[[^\]]*\])\s*TJ|<([0-9A-Fa-f]*)>\s*Tj|/(\w+)\s+Do|\bET\b"
        for tok in re.finditer(ops, content):
            if tok.group(1):
                font = fonts.get(tok.group(1).decode(), {})
            elif tok.group(2) or tok.group(3) is not None:
                for hx in re.findall(rb"<([0-9A-Fa-f]*)>", tok.group(2)) if tok.group(2) else [tok.group(3)]:
                    out.append("".join(font.get(int(hx[i:i + 4], 16), "") for i in range(0, len(hx), 4)))
            elif tok.group(4):
                if depth < 5 and tok.group(4).decode() in forms:
                    head, stream = objs[forms[tok.group(4).decode()]]
                    out += run(stream or b"", head, depth + 1)
            else:
                out.append("\n")
        return out

    def pages(num: int) -> list[int]:
        head = objs[num][0]
        if not re.search(rb"/Type\s*/Pages", head):
            return [num]
        kids = re.search(rb"/Kids\s*\[(.*?)\]", head, re.S).group(1)
        return [p for k in re.findall(rb"(\d+) 0 R", kids) for p in pages(int(k))]

    catalog = next(k for k, (head, _) in objs.items() if re.search(rb"/Type\s*/Catalog", head))
    texts = []
    for p in pages(ref(objs[catalog][0], b"Pages")):
        head = objs[p][0]
        res = objs[r][0] if (r := ref(head, b"Resources")) else head
        m = re.search(rb"/Contents\s*\[(.*?)\]", head, re.S)
        contents = [int(k) for k in re.findall(rb"(\d+) 0 R", m.group(1))] if m else [ref(head, b"Contents")]
        texts.append("".join(t for c in contents for t in run(objs[c][1] or b"", res)))
    return texts


def squash(text: str) -> str:
    """Text without whitespace (a PDF breaks lines where the page does)."""
    return re.sub(r"\s+", "", text)


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


def test_navigation_and_rank(pages, tmp_path):
    """Links show only to files that exist: a report alone links to nothing; beside its index, workbook and
    other languages (as a run leaves them) it links to each."""
    import shutil

    from sote_analytics.report.render.folder_index import refresh_navigation

    folder = tmp_path / "nav"
    folder.mkdir()
    for key in ("fi", "sv", "en", "national"):
        shutil.copy(pages[key], folder / pages[key].name)
    alone = (folder / pages["fi"].name).read_text("utf-8")
    assert '<a href="hyvinvointialue_13_sv.html"' not in alone
    assert 'data-sote-href="hyvinvointialue_13_sv.html"' in alone
    (folder / "index.html").write_text("<html></html>", "utf-8")
    (folder / "excel").mkdir()
    (folder / "excel" / "hyvinvointialue_13.xlsx").write_bytes(b"x")
    refresh_navigation(folder)
    page = (folder / pages["fi"].name).read_text("utf-8")
    for href in ("index.html", "national_hyvinvointialue.html", "excel/hyvinvointialue_13.xlsx",
                 "hyvinvointialue_13_sv.html", "hyvinvointialue_13_en.html"):
        assert f'<a href="{href}"' in page, href
    (folder / "hyvinvointialue_13_en.html").unlink()  # a file removed: its link goes too
    refresh_navigation(folder)
    assert '<a href="hyvinvointialue_13_en.html"' not in (folder / pages["fi"].name).read_text("utf-8")
    assert re.search(r"sijalla \d+/\d+", visible_text(page))
    nat = (folder / pages["national"].name).read_text("utf-8")
    assert '<a href="hyvinvointialue_13.html"' in nat and "CC BY 4.0" in nat
    assert '<a href="hyvinvointialue_15.html"' not in nat  # not in this folder: shown as text, no link
    assert "Koko maassa on" in nat


def test_map_palette_contrast(processed, reference_dir):
    """WCAG 2.1 1.4.11 by the boundary: five sequential classes cannot each have 3:1 against their neighbours,
    so every polygon is outlined in a colour with at least 3:1 against every fill, the "no associations" fill
    and the page; the figures really draw it (README, section Reports, states the measured ratios)."""
    from sote_analytics import figures as f
    from sote_analytics.report import content as rc
    from sote_analytics.taxonomy import ALL, sote_sectors

    cr = f.contrast_ratio
    pal, gaps, outline = f.MAP_CLASSES_COLORS, f.GAPS_COLORS, f.MAP_OUTLINE
    assert len(pal) == 5 and len(set(pal)) == 5
    for fill in [*pal, *gaps, f.NO_DATA_COLOR, "#ffffff"]:
        assert cr(fill, outline) >= 3, (fill, round(cr(fill, outline), 2))
    for palette, floor in ((pal, 1.35), (gaps[1:], 1.35)):
        lum = [f.relative_luminance(c) for c in palette]
        assert lum == sorted(lum, reverse=True) and len(set(lum)) == len(lum)  # light to dark, no neutral step
        adjacent = [cr(a, b) for a, b in itertools.pairwise(palette)]
        assert min(adjacent) >= floor, [round(x, 2) for x in adjacent]
    # "no associations": white with a hatch that stands out from white and from the lightest class
    assert f.NO_DATA_COLOR not in pal and f.NO_DATA_PATTERN["shape"]
    assert cr(f.NO_DATA_PATTERN["fgcolor"], f.NO_DATA_COLOR) >= 3 and cr(f.NO_DATA_PATTERN["fgcolor"], pal[0]) >= 3
    # the maps draw every polygon with the outline, and fill only with palette colours
    ctx = rc.load_context("hyvinvointialue", "15", 2025, "fi", processed[0], reference_dir)
    fig = f.sector_map(ctx.area_boundaries, ctx.table, [ALL, *sote_sectors()[:3]], "fi")
    polys = [tr for tr in fig.data if tr.fill == "toself"]
    assert len(polys) == 22 and {tr.line.color for tr in polys} == {outline}
    assert {tr.fillcolor for tr in polys} <= {*pal, f.NO_DATA_COLOR}
    for button in fig.layout.updatemenus[0].buttons:
        assert {c for c in button.args[0]["fillcolor"] if c} <= {*pal, f.NO_DATA_COLOR}
    swatches = [tr for tr in fig.data if tr.mode == "markers"]
    assert swatches and {tr.marker.line.color for tr in swatches} == {outline}
    missing = pd.Series({c: i % 5 for i, c in enumerate(ctx.area_boundaries["code"])})
    gfig = f.gaps_map(ctx.area_boundaries, missing, "fi")
    gpolys = [tr for tr in gfig.data if tr.fill == "toself"]
    assert {tr.line.color for tr in gpolys} == {outline} and {tr.fillcolor for tr in gpolys} <= set(gaps)
    # every legend: one outlined square per class, each class its own colour
    for figure in (gfig, f.context_map(ctx.level_boundaries("hyvinvointialue"), pd.Series(
            {str(c): 1 + (c % 7) / 3 for c in range(1, 22)}), "15", "fi")):
        legend = [tr for tr in figure.data if tr.showlegend]
        assert len(legend) >= 3 and all(tr.mode == "markers" and tr.marker.line.color == outline for tr in legend)
        assert len({tr.marker.color for tr in legend}) == len(legend) and all(tr.name for tr in legend)


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


def _chromium():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("Debian's chromium is not installed")
    return chromium


def _open_report(browser, path: Path, width: int = 1200):
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.as_uri())
    n_figs = path.read_text("utf-8").count('class="sote-chart"')
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n_figs}",
                           timeout=30000)
    return page


@pytest.mark.browser
def test_printed_report_labels_every_page_and_drops_interaction_hints(pages, tmp_path):
    """Printed to PDF by headless Chromium: the synthetic label on the first and the last page (and every page
    between), no instruction for the interactive page, the directory as a short appendix."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
        page = _open_report(browser, pages["fi15"])
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        browser.close()
    (tmp_path / "report.pdf").write_bytes(pdf)
    texts = pdf_page_texts(pdf)
    label = squash(CATALOGUE["synthetic_banner"]["fi"])
    assert len(texts) >= 3, len(texts)
    assert label in squash(texts[0]) and label in squash(texts[-1])
    assert [i for i, t in enumerate(texts) if label not in squash(t)] == []
    assert "Keski-Suomen hyvinvointialue" in texts[0] and "Tunnusluvut" in texts[0]
    printed = squash("".join(texts))
    source = pages["fi15"].read_text("utf-8")
    hints = [html.unescape(x) for x in re.findall(r'<p class="sote-hint[^"]*">(.*?)</p>', source)]
    assert CATALOGUE["map_hint"]["fi"] in hints and CATALOGUE["directory_hint"]["fi"] in hints
    for hint in hints:
        assert squash(hint) not in printed, hint
    for word in ("Vie osoitin", "Napsauta", "Valitse toimiala", "Hae nimellä"):
        assert squash(word) not in printed, word
    # the data method, after the directory, is printed; the directory is a short appendix with a note
    assert squash(CATALOGUE["sec_method_title"]["fi"]) in printed
    assert squash(CATALOGUE["directory_print_note"]["fi"]) in printed
    body = re.search(r'<div [^>]*id="sote-directory"[^>]*>.*?<tbody>(.*?)</tbody>', source, re.S).group(1)
    names = [html.unescape(n) for n in re.findall(r"<tr><td>(.*?)</td>", body)]
    assert len(names) > 60, len(names)
    first, rest = names[:40], [n for n in names[40:] if n not in names[:40]]
    with_rows = [i for i, t in enumerate(texts) if any(squash(n) in squash(t) for n in first)]
    assert 1 <= len(with_rows) <= 2, with_rows
    printed_rest = [n for n in rest if squash(n) in printed]
    assert len(printed_rest) <= len(rest) // 10, printed_rest[:5]  # names also quoted elsewhere at most
    # 16 A4 pages for the Keski-Suomi demo report since it has the municipality x sector table and the
    # demo's district and national organisations (10 before)
    assert len(texts) <= 18, len(texts)
    # the method section prints whole: the last page is never the version line alone
    version = squash(CATALOGUE["version_note"]["fi"].split("{")[0])
    assert version in squash(texts[-1]) and squash(CATALOGUE["sec_method_title"]["fi"]) in squash(texts[-1])


@pytest.mark.browser
def test_map_sector_menu_works_from_the_keyboard(pages):
    """The sector menu is a labelled native select, reached with Tab; choosing with the arrow keys recolours
    the municipalities; plotly's own (mouse-only) dropdown is not drawn."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
        page = _open_report(browser, pages["fi15"])
        select = page.locator("select.sote-map-select")
        assert select.count() == 1
        sid = select.get_attribute("id")
        assert page.locator(f'label[for="{sid}"]').inner_text() == CATALOGUE["map_sector_choice"]["fi"]
        figure = page.locator("figure:has(select.sote-map-select)")
        assert figure.locator(".updatemenu-container").count() == 0
        plot = figure.locator(".js-plotly-plot")
        fills = ("el => Array.from(el.querySelectorAll('.scatterlayer .trace path.js-fill'))"
                 ".map(p => p.style.fill)")
        before = plot.evaluate(fills)
        assert len(before) >= 22  # Keski-Suomi's municipalities
        for _ in range(200):  # Tab from the top of the page until the menu has the focus
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement && document.activeElement.id") == sid:
                break
        else:
            pytest.fail("the sector menu is not reached with Tab")
        options = select.evaluate("el => Array.from(el.options).map(o => o.text)")
        assert options[0] == "Kaikki sektorit" and "Omaiset ja läheiset" in options
        page.keyboard.press("ArrowDown")
        page.wait_for_timeout(300)
        assert select.evaluate("el => el.value") == "1"
        after = plot.evaluate(fills)
        assert after != before
        legend = plot.evaluate("el => el.data.filter(d => d.showlegend && d.visible === true).map(d => d.name)")
        assert legend and all(name for name in legend)
        browser.close()


@pytest.mark.browser
def test_municipality_names_on_the_map_do_not_overlap(pages, processed, reference_dir):
    """Names sit inside their municipality and never on top of one another in the drawn map (Keski-Suomi:
    Jyväskylä, Muurame and Toivakka used to print at one spot); a name left out is still in the hover text
    and the data table."""
    from playwright.sync_api import sync_playwright
    from shapely.geometry import Point

    from sote_analytics import figures as f
    from sote_analytics.report import content as rc
    from sote_analytics.taxonomy import ALL

    ctx = rc.load_context("hyvinvointialue", "15", 2025, "fi", processed[0], reference_dir)
    gdf = ctx.area_boundaries.reset_index(drop=True)
    fig = f.sector_map(gdf, ctx.table, [ALL], "fi")
    (labels,) = [tr for tr in fig.data if tr.mode == "text"]
    shown = [(n, x, y) for n, x, y in zip(labels.text, labels.x, labels.y, strict=True) if n]
    assert {"Jyväskylä", "Muurame", "Toivakka"} <= {n for n, _, _ in shown}
    assert len(shown) >= 18, len(shown)
    names = gdf["name_fi"].tolist()
    for n, x, y in shown:
        assert gdf.geometry.iloc[names.index(n)].contains(Point(x, y)), n
    hover = " ".join(tr.text for tr in fig.data if tr.fill == "toself")
    assert all(n in hover for n in names)
    # by population, the region's centre keeps its name among its small neighbours (Turku, of 27 in Varsinais-Suomi)
    vs = rc.load_context("hyvinvointialue", "5", 2025, "fi", processed[0], reference_dir)
    def shown_names(prio) -> list[str]:
        fig = f.sector_map(vs.area_boundaries, vs.table, [ALL], "fi", label_priority=prio)
        return [n for n in next(tr for tr in fig.data if tr.mode == "text").text if n]

    by_area, by_pop = shown_names(None), shown_names(vs.ref.population)
    assert "Turku" in by_pop and "Turku" not in by_area

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=["--no-sandbox", "--disable-gpu"])
        page = _open_report(browser, pages["fi15"])
        plot = page.locator("figure:has(select.sote-map-select) .js-plotly-plot")
        boxes = plot.evaluate("el => Array.from(el.querySelectorAll('.textpoint text'))"
                              ".filter(t => t.textContent).map(t => {const r = t.getBoundingClientRect();"
                              " return [t.textContent, r.left, r.top, r.right, r.bottom];})")
        browser.close()
    assert {"Jyväskylä", "Muurame", "Toivakka"} <= {b[0] for b in boxes}
    for a, b in itertools.combinations(boxes, 2):
        assert not (a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]), (a, b)
