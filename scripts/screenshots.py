"""Screenshots of a report for the README: desktop, phone and the first printed page.

Renders one regional report (by default the Keski-Suomi wellbeing services
county, code 15) from a one-county real-shaped register (what a regional lead has: a
Yhdistystori-style export of ~300 invented Keski-Suomi associations written by
``tests/data/real_exports.py``, or ``--register FILE``) as a self-contained page, opens
it in headless Chromium and writes three PNG files:

* ``report_desktop.png``: 1280 px wide, the top of the page (about two screens);
* ``report_phone.png``: 390 px wide at device scale factor 2, the top of the page;
* ``report_print_first_page.png``: the first page of the PDF that Chromium prints
  (A4, print stylesheet), rendered with ``pdftoppm`` when it is installed, else
  by Chromium's own PDF viewer.

Usage::

    python scripts/screenshots.py --out-dir docs [--register FILE | --processed-dir DIR] [--reference-dir DIR]

Without ``--processed-dir`` the register is read and its indicators built in a temporary
folder. ``make screenshots`` runs it.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from sote_analytics import config

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DESKTOP_HEIGHT = 1800  # CSS pixels of the desktop shot: about two screens
PHONE_HEIGHT = 1500  # CSS pixels of the phone shot (x2 device pixels)


def one_county_register(folder: Path) -> Path:
    """The Yhdistystori-style Keski-Suomi export of the test generator (invented associations)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "real_exports", Path(__file__).resolve().parent.parent / "tests" / "data" / "real_exports.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    return Path(gen.write_exports(folder / "exports", seed=0)["files"]["yhdistystori.xlsx"])


def build_processed(folder: Path, year: int, reference_dir: Path | None, register: Path | None) -> Path:
    """The register's indicators in ``folder``; returns the processed folder."""
    from sote_analytics.pipeline import build_indicators
    from sote_analytics.reference import load_reference

    ref = load_reference(year, reference_dir)
    build_indicators(register or one_county_register(folder), ref, folder / "processed")
    return folder / "processed"


def render(level: str, area: str, year: int, processed: Path, out_dir: Path, reference_dir: Path | None) -> Path:
    """The self-contained Finnish report of one area; exits with the error if it fails."""
    from sote_analytics.report.render.run import render_report

    r = render_report(level, area, year=year, processed_dir=processed, out_dir=out_dir,
                      reference_dir=reference_dir, self_contained=True)
    if not r.html:
        sys.exit(f"the report of {level} {area} failed: {r.error}")
    return Path(r.html)


def _wait_for_charts(page, html: Path) -> None:
    n = html.read_text("utf-8").count('class="sote-chart"')
    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {n}", timeout=60000)
    page.wait_for_timeout(500)


def _top(page, path: Path, height: int) -> None:
    """Screenshot the top ``height`` CSS pixels of the page (or all of it, if shorter)."""
    width = page.viewport_size["width"]
    full = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": min(height, full)})


def pdf_first_page_png(pdf: Path, png: Path, browser) -> None:
    """The first page of ``pdf`` as a PNG: pdftoppm (poppler) if installed, else Chromium's PDF viewer."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        subprocess.run([pdftoppm, "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(png.with_suffix(""))], check=True)
        return
    page = browser.new_page(viewport={"width": 700, "height": 960})
    page.goto(pdf.as_uri() + "#toolbar=0&navpanes=0&view=Fit")
    page.wait_for_timeout(2500)  # the viewer draws the page
    page.screenshot(path=str(png))
    page.close()


def shoot(html: Path, out_dir: Path, chromium: str) -> dict[str, Path]:
    """Write the three PNG files of ``html`` into ``out_dir``."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {k: out_dir / f"report_{k}.png" for k in ("desktop", "phone", "print_first_page")}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport=DESKTOP)
        page.goto(html.as_uri())
        _wait_for_charts(page, html)
        _top(page, paths["desktop"], DESKTOP_HEIGHT)
        page.emulate_media(media="print")
        pdf = html.with_suffix(".pdf")
        page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True, page_ranges="1")
        page.close()
        phone = browser.new_page(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        phone.goto(html.as_uri())
        _wait_for_charts(phone, html)
        _top(phone, paths["phone"], PHONE_HEIGHT)
        phone.close()
        pdf_first_page_png(pdf, paths["print_first_page"], browser)
        browser.close()
    return paths


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out-dir", type=Path, required=True, help="where the PNG files go (docs/)")
    ap.add_argument("--processed-dir", type=Path, help="processed data (default: built in a temporary folder)")
    ap.add_argument("--register", type=Path, help="the register (default: the generated one-county export)")
    ap.add_argument("--reference-dir", type=Path, help="reference folder (default: the package's resolution)")
    ap.add_argument("--year", type=int, default=config.DEFAULT_YEAR)
    ap.add_argument("--level", default="hyvinvointialue")
    ap.add_argument("--area", default="15", help="area code (15: Keski-Suomen hyvinvointialue)")
    ap.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser"),
                    help="the Chromium executable")
    args = ap.parse_args(argv)
    if not args.chromium:
        ap.error("no Chromium found: install chromium or pass --chromium PATH")
    with tempfile.TemporaryDirectory(prefix="sote-screenshots-") as tmp:
        tmp_path = Path(tmp)
        processed = args.processed_dir or build_processed(tmp_path, args.year, args.reference_dir, args.register)
        html = render(args.level, args.area, args.year, processed, tmp_path / "reports", args.reference_dir)
        for name, path in shoot(html, args.out_dir, args.chromium).items():
            print(f"{name}: {path} ({path.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
