"""The explorer in JupyterLab in Chromium: one JupyterLab server and one browser for every test here (each
test opens its notebook in a workspace of its own and shuts its kernel down)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
#: The JavaScript condition of a notebook whose kernel JupyterLab has started.
KERNEL_READY = ("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel")

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # loopback only
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"jupyter lab did not answer at {url}")


@dataclass
class Lab:
    """A running JupyterLab (``url`` with its token) serving ``notebooks``, and a Chromium ``browser``."""

    url: str
    token: str
    notebooks: Path
    browser: object

    def open(self, notebook: str, viewport: dict):
        """A new page with ``notebook`` open in a workspace of its own, its kernel started, all cells run."""
        page = self.browser.new_page(viewport=viewport)
        page.goto(f"{self.url}/lab/workspaces/{Path(notebook).stem}/tree/{notebook}?token={self.token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60000)
        page.wait_for_function(KERNEL_READY, timeout=60000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        return page

    def shut_down_kernels(self) -> None:
        """End every session's kernel (a test's kernel does not compute beside the next test)."""
        with urllib.request.urlopen(f"{self.url}/api/sessions?token={self.token}", timeout=10) as r:
            sessions = json.loads(r.read())
        for s in sessions:
            req = urllib.request.Request(f"{self.url}/api/sessions/{s['id']}?token={self.token}", method="DELETE")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(req, timeout=10).close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory, reference_dir):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("lab")
    notebooks = root / "notebooks"
    notebooks.mkdir()
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(root / "workspaces"), "SOTE_REFERENCE_DIR": str(reference_dir)}
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("jupyter")), "lab", "--no-browser", "--ip", "127.0.0.1", "--port",
         str(port), f"--ServerApp.token={token}", "--notebook-dir", str(notebooks),
         "--LabApp.expose_app_in_browser=True", *(["--allow-root"] if os.geteuid() == 0 else []),
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(root / "lab.log", "w"))  # noqa: SIM115
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(f"{url}/api/status?token={token}", proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            yield Lab(url, token, notebooks, browser)
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_explorer_shows_a_map_in_jupyterlab(lab, processed, tmp_path):
    """The explore notebook, as after ``make demo`` (it reads the processed demo folder; the notebook without one
    is run by test_explore.py), shows its map in JupyterLab."""
    nb = json.loads(NOTEBOOK.read_text("utf-8"))
    for cell in nb["cells"]:  # the export goes to the temporary folder, not the repository
        if "parameters" in cell["metadata"].get("tags", []):
            src = "".join(cell["source"])
            assert '"../reports/explore_selection.xlsx"' in src and '"../data/processed"' in src
            cell["source"] = (src.replace('"../reports/explore_selection.xlsx"', repr(str(tmp_path / "sel.xlsx")))
                              .replace('"../data/processed"', repr(str(processed[0]))))
    (lab.notebooks / "explore.ipynb").write_text(json.dumps(nb), "utf-8")
    page = lab.open("explore.ipynb", {"width": 1400, "height": 1000})
    try:
        # the explorer cell's output: an ipywidgets box holding a plotly map of filled polygons
        plot = page.locator(".jp-OutputArea .widget-vbox .js-plotly-plot").first
        plot.wait_for(state="visible", timeout=120000)
        page.wait_for_function(
            "document.querySelectorAll('.widget-vbox .js-plotly-plot .scatterlayer path.js-fill').length >= 23",
            timeout=60000)
        fills = plot.evaluate("el => el.querySelectorAll('.scatterlayer path.js-fill').length")
        assert fills >= 23  # the 23 wellbeing areas (some are several polygons)
        assert page.locator(".widget-vbox .widget-dropdown select").count() == 4
        plot.scroll_into_view_if_needed()
        shot = tmp_path / "explorer.png"
        page.locator(".jp-OutputArea .widget-vbox").first.screenshot(path=str(shot))
        if os.environ.get("SOTE_SCREENSHOT_DIR"):  # refresh the README's screenshot
            shutil.copy(shot, Path(os.environ["SOTE_SCREENSHOT_DIR"]) / "explorer.png")
    finally:
        page.close()
        lab.shut_down_kernels()


def test_explorer_in_jupyterlab_changes_level_sector_and_indicator(lab, processed, tmp_path):
    """JupyterLab in Chromium: the English explorer (on the processed demo folder, as the README's analysts do
    after ``make demo``) goes to sub-regions, a sector and a share; the bar chart shows n and intervals, the
    table header is English. Screenshots: ``$SOTE_SCREENSHOT_DIR`` (docs/)."""
    from sote_analytics.indicators.definitions import definitions
    from sote_analytics.reference import get_level
    from sote_analytics.taxonomy import sector_label

    code = ("import sote_analytics as sa\n"
            "ref = sa.load_reference(2025)\n"
            f"ind = sa.Store({str(processed[0])!r}).load_indicators()\n"
            "explorer = sa.explore(ind.table, ref, level='hyvinvointialue', language='en')\n"
            "explorer")
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "source": code, "outputs": [], "execution_count": None}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    (lab.notebooks / "explorer_en.ipynb").write_text(json.dumps(nb), "utf-8")
    page = lab.open("explorer_en.ipynb", {"width": 1400, "height": 1700})
    try:
        box = page.locator(".jp-OutputArea .widget-vbox").first
        box.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=180000)
        selects = box.locator(".widget-dropdown select")
        assert selects.count() == 4
        table = box.locator("table.sote-explorer-table")
        assert table.locator("th").all_inner_texts() == ["Indicator", "Value", "95 % interval", "n"]

        plots_text = ("() => [...document.querySelectorAll('.widget-vbox .js-plotly-plot')]"
                      ".map(e => e.textContent).join('|')")

        def choose(i: int, label: str) -> None:
            before = page.evaluate(plots_text)
            selects.nth(i).select_option(label=label)
            page.wait_for_function(f"b => ({plots_text})() !== b", arg=before, timeout=60000)

        choose(0, get_level("seutukunta").label["en"])
        choose(2, sector_label("mental_substance", "en"))
        choose(3, definitions()["paid_staff_share"]["en"])
        page.wait_for_timeout(1500)
        bars = box.locator(".js-plotly-plot").nth(1)
        assert bars.locator(".errorbar").count() > 10  # the 95 % intervals of the shares
        labels = bars.locator(".ytick text").all_text_contents()
        assert labels and all(re.search(r"\(n=\d", t) for t in labels)
        legend = box.locator(".js-plotly-plot").first.locator(".legendtext").all_text_contents()
        assert any("%" in t for t in legend)
        assert table.locator("tr").count() > 5
        with contextlib.suppress(Exception):  # JupyterLab's news question would cover the table
            page.get_by_role("button", name="No").click(timeout=3000)
        shot = tmp_path / "explorer_en_share.png"
        box.screenshot(path=str(shot))
        if os.environ.get("SOTE_SCREENSHOT_DIR"):
            shutil.copy(shot, Path(os.environ["SOTE_SCREENSHOT_DIR"]) / shot.name)
    finally:
        page.close()
        lab.shut_down_kernels()
