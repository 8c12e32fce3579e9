"""The interactive explorer: construction, linked callbacks, the notebook, and JupyterLab in a browser."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import sote_analytics as sa

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"
PRH_FILE = ROOT / "tests" / "data" / "ingest" / "01_prh_utf8.csv"


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
