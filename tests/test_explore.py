"""The interactive explorer: construction, linked callbacks, the notebook, and JupyterLab in a browser."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

import sote_analytics as sa

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
PRH_FILE = ROOT / "tests" / "data" / "ingest" / "01_prh_utf8.csv"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def table(demo_ind):
    return demo_ind.table


def _map_values(fig) -> pd.Series:
    return pd.Series({tr.meta[0]: tr.meta[1] for tr in fig.data if tr.meta}).sort_index()


def _outlined(fig) -> list[str]:
    return [tr.meta[0] for tr in fig.data if tr.meta and tr.line.width == 3]


def test_construction_offers_the_tables_choices(table, ref):
    ex = sa.explore(table, ref, level="hyvinvointialue", sector="ALL")
    assert [v for _, v in ex.level.options] == ["kunta", "seutukunta", "maakunta", "hyvinvointialue",
                                                "yhteistyoalue"]
    assert len(ex.area.options) == len(ref.areas("hyvinvointialue"))
    assert ex.area.value in set(ref.areas("hyvinvointialue")["code"])
    assert ex.indicator.value == "associations_per_1000"
    assert "ALL" in [v for _, v in ex.sector.options] and "elderly" in [v for _, v in ex.sector.options]
    # the first map: every wellbeing area with its table value, the chosen area outlined
    want = sa.select(table, level="hyvinvointialue", sector="ALL", indicator="associations_per_1000")
    pd.testing.assert_series_equal(_map_values(ex.map_figure),
                                   want.set_index("area_code")["value"].sort_index(), check_names=False)
    assert _outlined(ex.map_figure) == [ex.area.value]
    assert set(ex.selection["indicator"]) >= {"associations", "associations_per_1000"}
    assert "<table" in ex.table_html.value and "font-weight:bold" in ex.table_html.value
    assert ex.widget.children  # a displayable ipywidgets box


def test_unknown_level_or_sector_is_a_clear_error(table, ref):
    with pytest.raises(ValueError, match="level 'region'"):
        sa.explore(table, ref, level="region")
    with pytest.raises(ValueError, match="sector 'sport'"):
        sa.explore(table, ref, sector="sport")


def test_callbacks_redraw_linked_views(table, ref):
    ex = sa.explore(table, ref, level="hyvinvointialue")
    ex.level.value = "seutukunta"
    codes = set(ref.areas("seutukunta")["code"])
    assert {c for _, c in ex.area.options} == codes
    assert set(_map_values(ex.map_figure).index) == codes
    assert len(ex.bar_figure.data[0].y) == ex.bar_figure.data[0].x.__len__() <= len(codes)

    ex.sector.value = "mental_substance"
    r = sa.ranking(table, "seutukunta", "mental_substance")
    r = r[r["value"].notna()]
    assert list(ex.bar_figure.data[0].y) == r["area_name"].tolist()
    assert list(ex.bar_figure.data[0].x) == pytest.approx(r["value"].tolist())

    lowest = r["area_code"].iloc[-1]
    ex.area.value = lowest
    assert _outlined(ex.map_figure) == [lowest]
    colors = dict(zip(r["area_code"], ex.bar_figure.data[0].marker.color, strict=True))
    assert colors[lowest] == "#D55E00" and sum(c == "#D55E00" for c in colors.values()) == 1
    sel = sa.select(table, level="seutukunta", area=lowest, sector="mental_substance")
    assert ex.selection["value"].tolist() == pytest.approx(sel["value"].tolist(), nan_ok=True)

    before = _map_values(ex.map_figure)
    ex.indicator.value = "associations"
    counts = sa.select(table, level="seutukunta", sector="mental_substance", indicator="associations")
    after = _map_values(ex.map_figure)
    pd.testing.assert_series_equal(after, counts.set_index("area_code")["value"].sort_index(), check_names=False)
    assert not after.equals(before)
    assert _outlined(ex.map_figure) == [lowest]  # the area survives an indicator change


def test_level_change_keeps_a_valid_area_and_indicator(table, ref):
    ex = sa.explore(table, ref, level="maakunta", indicator="location_quotient")
    ex.level.value = "kunta"
    assert ex.area.value in set(ref.areas("kunta")["code"])
    assert ex.indicator.value == "location_quotient"
    assert len(_map_values(ex.map_figure)) == len(ref.areas("kunta"))


# ---------------------------------------------------------------------- the notebook
def _run_notebook(tmp_path: Path, **params) -> dict:
    """Execute the notebook with papermill in its own process (two executions in one test
    process hung on the second kernel's widget messages)."""
    out = tmp_path / "out.ipynb"
    args = [str(Path(sys.executable).with_name("papermill")), str(NOTEBOOK), str(out), "--cwd", str(NOTEBOOK.parent),
            "-k", "python3", "--no-progress-bar"]
    for k, v in params.items():
        args += ["-p", k, str(v)]
    with open(tmp_path / "papermill.log", "w") as log:  # a file, not a pipe: a lingering kernel keeps pipes open
        subprocess.run(args, check=True, stdout=log, stderr=subprocess.STDOUT, timeout=600)
    return json.loads(out.read_text("utf-8"))


@pytest.mark.slow
def test_explore_notebook_runs_on_the_demo(tmp_path, ref):
    xlsx = tmp_path / "selection.xlsx"
    nb = _run_notebook(tmp_path, export_path=str(xlsx))
    assert not [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
                if o.get("output_type") == "error"]
    exported = pd.read_excel(xlsx, sheet_name="seutukunnat", dtype={"area_code": str})
    assert len(exported) == len(ref.areas("seutukunta"))
    assert set(exported["sector"]) == {"mental_substance"}
    assert exported["source"].str.contains("SYNTHETIC").all()
    plotly_outputs = [o for c in nb["cells"] for o in c.get("outputs", [])
                      if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(plotly_outputs) >= 2  # the map and the chart


@pytest.mark.slow
def test_explore_notebook_runs_on_a_real_shaped_register(tmp_path, ref):
    xlsx = tmp_path / "selection.xlsx"
    _run_notebook(tmp_path, register=str(PRH_FILE), export_path=str(xlsx))
    exported = pd.read_excel(xlsx, dtype={"area_code": str})
    assert set(exported["source"]) == {str(PRH_FILE)}
    # one mental-health association per ... none in the file: every sub-region has 0
    assert exported["n"].sum() == 0


# ---------------------------------------------------------------------- JupyterLab in a browser
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


@pytest.mark.slow
@pytest.mark.browser
def test_explorer_shows_a_map_in_jupyterlab(tmp_path, reference_dir):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    nbdir = tmp_path / "notebooks"
    nbdir.mkdir()
    nb = json.loads(NOTEBOOK.read_text("utf-8"))
    for cell in nb["cells"]:  # the export goes to the temporary folder, not the repository
        if "parameters" in cell["metadata"].get("tags", []):
            src = "".join(cell["source"])
            cell["source"] = src.replace('"../reports/explore_selection.xlsx"', repr(str(tmp_path / "sel.xlsx")))
    (nbdir / "explore.ipynb").write_text(json.dumps(nb), "utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    jupyter = Path(sys.executable).with_name("jupyter")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
           "SOTE_REFERENCE_DIR": str(reference_dir)}
    proc = subprocess.Popen(
        [str(jupyter), "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(port),
         f"--ServerApp.token={token}", "--notebook-dir", str(nbdir), "--LabApp.expose_app_in_browser=True",
         *(["--allow-root"] if os.geteuid() == 0 else []),
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "lab.log", "w"))  # noqa: SIM115
    try:
        _wait_for(f"http://127.0.0.1:{port}/api/status?token={token}", proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/lab/tree/explore.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60000)
            page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                                   " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                                   timeout=60000)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
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
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_explorer_explains_missing_age_data(ref, reference_dir, tmp_path):
    """Need versus supply without age data in the reference: the explorer says why, not an empty chart."""
    from sote_analytics.explorer import Explorer
    from sote_analytics.pipeline import build_indicators
    from sote_analytics.store import Store

    build_indicators(Path(__file__).parent / "data" / "real_shaped" / "swedish_register.csv", ref, tmp_path)
    table = Store(tmp_path).load_indicators().table
    ex = Explorer(table, ref, level="hyvinvointialue", sector="elderly")
    assert "associations_per_1000_target_group" not in [v for _, v in ex.indicator.options]
    assert "ikäryhmittäin" in ex.note.value and "--only age" in ex.note.value
