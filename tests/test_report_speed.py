"""What the faster report compute (issue 30 part 2, issue 25) must keep: the inputs kept across the reports of a
warm process are read again when they change, the directory lists the associations the report is about, the
figures are valid plotly figures, and the palette has one home. No timings here: bench/bench_report_compute.py
measures them."""

from __future__ import annotations

import ast
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "sote_analytics"


@pytest.fixture(scope="module")
def county(processed, reference_dir):
    from sote_analytics.report import content as rc

    return rc.load_context("hyvinvointialue", "15", 2025, "fi", processed[0], reference_dir)


def test_inputs_are_kept_across_reports_and_read_again_when_the_indicators_change(ref, demo_dir, processed,
                                                                                    reference_dir, tmp_path):
    """Two reports of an unchanged folder share the loaded indicators; a folder rebuilt from another register
    gives the new values, not the kept ones."""
    import shutil

    from sote_analytics.i18n import name_column
    from sote_analytics.pipeline import build_indicators
    from sote_analytics.report import content as rc

    out = tmp_path / "processed"
    shutil.copytree(processed[0], out)  # the session's build of the demo register, copied: rebuilt below
    first = rc.load_context("hyvinvointialue", "15", 2025, "fi", out, reference_dir)
    again = rc.load_context("hyvinvointialue", "15", 2025, "fi", out, reference_dir)
    assert again.indicators is first.indicators and again.ref is first.ref
    before = first.value("associations")["value"]

    reg = pd.read_csv(demo_dir / "register.csv", dtype=str, keep_default_na=False)
    mine = set(first.members[name_column("fi", "kunta_name")])
    drop = reg.index[reg["municipality"].isin(mine)][::2]  # half of the county's associations
    smaller = tmp_path / "register_smaller.csv"
    reg.drop(index=drop).to_csv(smaller, index=False)
    _, ind = build_indicators(smaller, ref, out)

    after = rc.load_context("hyvinvointialue", "15", 2025, "fi", out, reference_dir)
    assert after.indicators is not first.indicators
    want = ind.table[(ind.table["area_level"] == "hyvinvointialue") & (ind.table["area_code"] == "15")
                     & (ind.table["indicator"] == "associations") & (ind.table["sector"] == "ALL")]["value"].iloc[0]
    assert after.value("associations")["value"] == want < before
    assert str(int(want)) in re.sub(r"\D", "", rc.key_figures(after).data)  # the section shows the new count


def test_a_kept_table_answers_like_the_table(county):
    """The index, the rows of an area and the level rows kept per table are what filtering the table gives;
    a value handed out is a copy (changing it changes nothing kept)."""
    from sote_analytics.report import content as rc

    tb = county.table
    want = tb[(tb["area_level"] == "hyvinvointialue") & (tb["area_code"] == "15")]
    pd.testing.assert_frame_equal(county.rows(), want)
    pd.testing.assert_frame_equal(rc.level_rows(tb, "kunta"), tb[tb["area_level"] == "kunta"])
    assert rc.table_indicators(tb) == set(tb["indicator"])
    row = county.value("associations")
    row["value"] = -1
    assert county.value("associations")["value"] >= 0


def test_directory_lists_the_sote_associations_so_a_large_register_keeps_its_directory(processed, reference_dir,
                                                                                         tmp_path, monkeypatch):
    """A register with as many associations of other sectors again (a national register): the directory lists
    the area's sote associations only, and a limit between the two counts keeps the table."""
    from sote_analytics import config
    from sote_analytics.report import content as rc
    from sote_analytics.store import Store
    from sote_analytics.taxonomy import sote_sectors

    folder = tmp_path / "processed"
    shutil.copytree(processed[0], folder)
    d = pd.read_parquet(folder / "directory.parquet")
    other = d.assign(association_id=d["association_id"].astype(str) + "-x", sector="not_sote",
                     name=d["name"].astype(str) + " ry (muu)")
    Store(folder).write_directory(pd.concat([d, other], ignore_index=True))

    ctx = rc.load_context("hyvinvointialue", "15", 2025, "fi", folder, reference_dir)
    everyone = Store(folder).directory(ctx.members["kunta_code"])
    assert set(ctx.directory["sector"]) <= set(sote_sectors())
    assert len(everyone) == 2 * len(ctx.directory) > 0
    monkeypatch.setattr(config, "DIRECTORY_MAX_ROWS", len(ctx.directory) + 1)
    html = rc.directory(ctx).data
    assert "<table" in html and html.count("<tr>") == len(ctx.directory) + 1
    assert "(muu)" not in html


def test_directory_rows_are_the_associations_sorted_by_name(county):
    """One row per association: escaped name, municipality name, sector label, services; sorted by name."""
    from sote_analytics.report import content as rc
    from sote_analytics.taxonomy import sector_label

    html = rc.directory(county).data
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", body)
    d = county.directory
    assert len(rows) == len(d)
    names = [r[0] for r in rows]
    assert [n.casefold() for n in names] == sorted(n.casefold() for n in names)
    first = d.iloc[0]
    mun = str(county.municipality_names.get(first["municipality_code"], first["municipality_code"]))
    import html as html_mod

    assert (html_mod.escape(str(first["name"])), html_mod.escape(mun),
            html_mod.escape(sector_label(str(first["sector"]), "fi"))) in {r[:3] for r in rows}


def _figures(ctx):
    from sote_analytics import explorer, figures

    tb = ctx.table
    secs = ["ALL", "elderly", "disability"]
    level_b = ctx.level_boundaries("hyvinvointialue")
    per = tb[(tb["area_level"] == "hyvinvointialue") & (tb["sector"] == "ALL")
             & (tb["indicator"] == "associations_per_1000")].set_index("area_code")["value"]
    return {
        "sector_bar": figures.sector_bar(tb, "hyvinvointialue", "15"),
        "share_bar": figures.share_bar(tb, "hyvinvointialue", "15", "paid_staff_share"),
        "sector_map": figures.sector_map(ctx.area_boundaries, tb, secs, "fi", label_priority=ctx.ref.population),
        "context_map": figures.context_map(level_b, per, "15"),
        "gaps_map": figures.gaps_map(ctx.area_boundaries, pd.Series({"179": 2}), "fi"),
        "choropleth": explorer.choropleth_figure(tb, level_b, "hyvinvointialue", highlight="15"),
        "ranked_bar": explorer.ranked_bar_figure(tb, "hyvinvointialue", highlight="15"),
    }


def test_figures_are_valid_plotly_figures_with_their_own_title_room(county):
    """Every figure round-trips through a validated ``go.Figure``, serialises as ``to_dict`` does, takes a title
    with room for it, and has a template of its own (changing one figure's changes no other's)."""
    import plotly.graph_objects as go
    from plotly.utils import PlotlyJSONEncoder

    from sote_analytics.figures import TITLE_DEFAULTS
    from sote_analytics.report.fragments import figure_dict

    figs = _figures(county)
    for name, fig in figs.items():
        again = go.Figure(fig.to_plotly_json())  # validated: raises on anything invalid
        assert again.to_plotly_json() == fig.to_plotly_json(), name
        assert json.dumps(figure_dict(fig), cls=PlotlyJSONEncoder) == json.dumps(fig.to_dict(), cls=PlotlyJSONEncoder)
        assert fig.layout.template.layout.title.automargin is TITLE_DEFAULTS["automargin"], name
        fig.update_layout(title="Otsikko")
        assert fig.layout.title.text == "Otsikko" and fig.layout.template.layout.title.automargin, name
        with pytest.raises(ValueError):
            fig.update_layout(no_such_property=1)  # still validated for the analyst
    figs["sector_bar"].layout.template.layout.paper_bgcolor = "black"
    assert figs["share_bar"].layout.template.layout.paper_bgcolor != "black"
    assert _figures(county)["sector_bar"].layout.template.layout.paper_bgcolor != "black"


def test_figure_dict_converts_exactly_what_plotly_converts():
    """figure_dict's one walk gives plotly's result (a deep copy, then convert_to_base64) on arrays anywhere: as a
    dict's value, inside lists and tuples, under the keys plotly skips (left as they are), and in lists of plain
    values (shared, never converted)."""
    import copy

    import numpy as np
    from _plotly_utils.utils import convert_to_base64
    from plotly.utils import PlotlyJSONEncoder

    from sote_analytics.report.fragments import _serialisable

    arr = np.array([1.5, 2.5])
    obj = {"x": arr, "y": [1, None, 2], "z": (arr, {"w": np.arange(3)}), "range": np.array([0, 1]),
           "geojson": {"c": np.array([3.0])}, "customdata": [[1, "a"], (2, {"v": np.array([7], dtype=np.int8)})],
           "layers": [{"q": arr}], "n": {"m": {"k": np.array([True, False])}}, "s": "text", "e": []}
    expected = copy.deepcopy(obj)
    convert_to_base64(expected)
    got = _serialisable(obj)
    assert json.dumps(got, cls=PlotlyJSONEncoder) == json.dumps(expected, cls=PlotlyJSONEncoder)
    assert isinstance(obj["x"], np.ndarray) and isinstance(obj["z"][1]["w"], np.ndarray)  # the input unchanged
    assert got["y"] is obj["y"]  # a list of plain values is shared


def test_maps_built_in_one_construction_equal_the_step_by_step_api(county):
    """The report's maps are validated in one construction; the public step-by-step helpers (polygon_figure,
    legend_swatch, add_area_labels, map_layout: what an analyst and api.py use) give the same figure."""
    from sote_analytics import figures

    b = county.area_boundaries.reset_index(drop=True)
    names = b["name_fi"].tolist()
    fig = figures.gaps_map(b, pd.Series({"179": 2, b["code"].iloc[1]: 5}), "fi", label_priority=county.ref.population)
    step = figures.polygon_figure([{k: tr[k] for k in ("fillcolor", "line", "text", "name")}
                                   for tr in fig.to_plotly_json()["data"][:len(b)]], b)
    for tr in fig.data[len(b):-1]:
        figures.legend_swatch(step, tr.name, tr.marker.color, tr.legendrank)
    assert figures.add_area_labels(step, b, names, figures.GAPS_MAP_HEIGHT, county.ref.population) != []
    figures.map_layout(step, b, figures.GAPS_MAP_HEIGHT, fig.layout.legend.title.text)
    assert fig.to_dict() == step.to_dict()
    assert fig.layout.template.layout.title.automargin is True  # the real template, not the placeholder


def test_the_kept_context_map_is_the_areas_own_map(processed, reference_dir):
    """The national context map is built once per level and values, each report outlining its own area in a
    copy: reports in any order give the dict and the section HTML of a map built for that area alone; other
    values or another language give their own map, and the kept map is never changed."""
    from sote_analytics import figures
    from sote_analytics.report import content as rc
    from sote_analytics.report.fragments import figure_dict

    def plain(ctx):  # the section as without the kept map
        rc._CONTEXT_MAPS.clear()
        return rc.maps(ctx).data

    rc._CONTEXT_MAPS.clear()
    sections = {}
    for area in ("15", "90", "13", "15"):
        ctx = rc.load_context("hyvinvointialue", area, 2025, "fi", processed[0], reference_dir)
        sections[area] = rc.maps(ctx).data  # the kept map, after the previous area's report
        assert sections[area] == plain(ctx), area
        rc.maps(ctx)  # keep it for the next area
    assert sections["15"] != sections["90"]
    b = ctx.level_boundaries("hyvinvointialue")
    per = pd.Series(range(len(b)), index=b["code"], dtype=float)
    kept = json.dumps(rc.context_figure(b, per, "15", "fi"), sort_keys=True)
    for area, lang, values in (("90", "fi", per), ("15", "sv", per), ("15", "fi", per.iloc[::-1] * 2), ("", "fi", per)):
        got = rc.context_figure(b, values, area, lang)
        assert got == figure_dict(figures.context_map(b, values, area, lang)), (area, lang)
    assert json.dumps(rc.context_figure(b, per, "15", "fi"), sort_keys=True) == kept


def test_serialising_a_figure_leaves_it_unchanged(county):
    """figure_dict shares the figure's coordinate lists: the base64 conversion must not touch the figure."""
    from sote_analytics.report.fragments import figure_dict

    fig = _figures(county)["sector_bar"]
    before = fig.to_plotly_json()
    figure_dict(fig)
    assert fig.to_plotly_json() == before


def test_one_palette(county):
    """figures.PALETTE is the source: the stylesheet's colour variables are its colours, the stylesheet has no
    other copy of them, the explorer's colours are read from figures."""
    from sote_analytics import explorer, figures

    css = (SRC / "templates" / "sote" / "sote.css").read_text("utf-8")
    root = re.search(r":root\s*{([^}]*)}", css).group(1)
    variables = dict(re.findall(r"(--[\w-]+)\s*:\s*([^;]+);", root))
    for var, key in figures.CSS_VARIABLES.items():
        assert variables[var].strip().lower() == figures.PALETTE[key].lower(), var
    rest = css.replace(root, "").lower()
    for color in figures.PALETTE.values():
        assert color.lower() not in rest, f"{color} copied in sote.css outside :root"
    assert explorer.BAR_COLOR == figures.AREA_COLOR and explorer.HIGHLIGHT_COLOR == figures.HIGHLIGHT_COLOR
    assert figures.PALETTE["text"] == figures.MAP_OUTLINE


def test_explorer_uses_no_private_name_of_figures():
    """The explorer's map is drawn with figures' public functions."""
    tree = ast.parse((SRC / "explorer.py").read_text("utf-8"))
    private = [a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
               and node.module.endswith("figures") for a in node.names if a.name.startswith("_")]
    assert private == []


def test_warm_kernel_freezes_its_preload(tmp_path):
    """After the preload the kernel's objects are in the collector's permanent generation (gc.freeze), and the
    user namespace has no new name."""
    from sote_analytics.report.render.kernels import WarmKernel

    with WarmKernel(tmp_path, tmp_path / "kernel.log", preload=("json",)) as k:
        k.prepare()
        res = k._reply(k._send("", {"n": "__import__('gc').get_freeze_count()",
                                    "names": "sorted(k for k in get_ipython().user_ns if not k.startswith('_'))"}),
                       "freeze count")["user_expressions"]
        assert int(res["n"]["data"]["text/plain"]) > 0
        assert "gc" not in res["names"]["data"]["text/plain"]
        before = int(res["n"]["data"]["text/plain"])
        # what a report keeps (a module-level cache) is frozen by the reset before the next report
        k._reply(k._send("import json; json._kept = [{'a': [i]} for i in range(5000)]"), "keep")
        assert k._reset_and_fingerprint() == k.baseline
        res = k._reply(k._send("", {"n": "__import__('gc').get_freeze_count()"}), "freeze count")["user_expressions"]
        assert int(res["n"]["data"]["text/plain"]) >= before + 10_000
