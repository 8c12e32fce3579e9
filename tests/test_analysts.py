"""Issue 28: figures that behave like plotly, mistakes that say what is wrong, the helpers a notebook needs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import sote_analytics as sa

#: Every public figure function of the package's top level, with the arguments that draw it on the demo.
FIGURES = {
    "choropleth": lambda ind, ref: sa.choropleth(ind.table, ref, "hyvinvointialue", "elderly"),
    "ranked_bar": lambda ind, ref: sa.ranked_bar(ind.table, "hyvinvointialue", "elderly"),
    "sector_bar": lambda ind, ref: sa.sector_bar(ind.table, "maakunta", "13"),
    "share_bar": lambda ind, ref: sa.share_bar(ind.table, "maakunta", "13"),
    "sector_map": lambda ind, ref: sa.sector_map(ind.table, ref, ["elderly", "mental_substance"]),
    "gaps_map": lambda ind, ref: sa.gaps_map(ind.municipality_counts, ref),
}



def _figure_json(html: str) -> list:
    """The arguments of ``Plotly.newPlot`` in plotly's HTML (data, layout, config) as JSON values."""
    m = re.search(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(.*)\)\s*};?\s*</script>", html, re.S)
    assert m, "no Plotly.newPlot call"
    dec = json.JSONDecoder()
    out, s = [], m.group(1)
    while s and len(out) < 3:
        val, end = dec.raw_decode(s)
        out.append(val)
        s = s[end:].lstrip(", \n")
    return out


def test_every_public_figure_is_public():
    figure_functions = {n for n in sa.__all__ if n in FIGURES}
    assert figure_functions == set(FIGURES)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_update_layout_title_shows_in_html_and_has_room(name, demo_ind, ref):
    fig = FIGURES[name](demo_ind, ref)
    assert fig._validate, "built with _validate=False"
    assert fig.layout.title.text in (None, "")
    untitled_top = fig.layout.margin.t
    fig.update_layout(title="X-otsikko")
    assert fig.layout.title.text == "X-otsikko"
    _, layout, _ = _figure_json(fig.to_html(include_plotlyjs=False))
    assert layout["title"]["text"] == "X-otsikko"
    # room for it: the template lets the title push the top margin (drawn by plotly.js)
    assert layout["template"]["layout"]["title"]["automargin"] is True
    assert fig.layout.margin.t == untitled_top
    # the usual idioms work on a validated figure
    fig.update_traces(hoverlabel=dict(bgcolor="white"))
    with pytest.raises(ValueError):
        fig.update_layout(no_such_property=1)


# ---------------------------------------------------------------------- ids and names at the API's edge
@pytest.mark.parametrize(("call", "valid"), [
    (lambda t: sa.select(t, sector="mental_health"), ["mental_substance"]),
    (lambda t: sa.select(t, indicator="associations_per_100"), ["associations_per_1000"]),
    (lambda t: sa.ranking(t, "seutukunnat"), ["seutukunta"]),
    (lambda t: sa.ranking(t, "seutukunta", "elderly", "paid_staf_share"), ["paid_staff_share"]),
    (lambda t: sa.select(t, level="maakunta", area="Keski-Suomen maakunta"), ["Keski-Suomi (13)"]),
    (lambda t: sa.sector_bar(t, "hyvinvointialue", "Keski-Suomi"), ["Keski-Suomen hyvinvointialue (15)"]),
    (lambda t: sa.indicator_names("de"), ["fi", "sv", "en"]),
    (lambda t: sa.sectors("de"), ["fi", "sv", "en"]),
    (lambda t: sa.share_bar(t, "maakunta", "13", "associations"), ["paid_staff_share"]),
    (lambda t: sa.ranked_bar(t, "kunta", "ALL", language="se"), ["fi", "sv", "en"]),
])
def test_bad_ids_raise_with_the_valid_or_closest_values(call, valid, demo_ind):
    with pytest.raises(sa.UnknownValueError) as err:
        call(demo_ind.table)
    assert isinstance(err.value, sa.SoteAnalyticsError) and isinstance(err.value, ValueError)
    for v in valid:
        assert v in str(err.value)


def test_bad_ids_on_maps_and_explorer(demo_ind, ref):
    with pytest.raises(sa.UnknownValueError, match="mental_substance"):
        sa.sector_map(demo_ind.table, ref, ["elderly", "mental_health"])
    with pytest.raises(sa.UnknownValueError, match="hyvinvointialue"):
        sa.choropleth(demo_ind.table, ref, "hyvinvointialueet")
    with pytest.raises(sa.UnknownValueError, match="elderly"):
        sa.explore(demo_ind.table, ref, sector="eldrly")
    with pytest.raises(sa.UnknownValueError, match="en"):
        sa.gaps_map(demo_ind.municipality_counts, ref, language="english")


def test_areas_by_code_or_finnish_or_swedish_name_any_case(demo_ind, ref):
    t = demo_ind.table
    want = sa.select(t, level="maakunta", area="13", sector="ALL", indicator="associations")
    assert len(want) == 1
    for name in ("Keski-Suomi", "keski-suomi", "MELLERSTA FINLAND", " Central  Finland "):
        got = sa.select(t, level="maakunta", area=name, sector="ALL", indicator="associations")
        assert got.equals(want), name
    # Swedish names of municipalities too, and a code without its leading zeros
    hki = sa.select(t, level="kunta", area="helsingfors", sector="ALL", indicator="associations")
    assert hki["area_code"].tolist() == ["091"]
    assert sa.select(t, level="kunta", area="91", sector="ALL", indicator="associations").equals(hki)
    # a bar of an area given by name
    fig = sa.sector_bar(t, "maakunta", "Keski-Suomi")
    assert fig.data[0].name == "Keski-Suomi"


def test_classify_names_takes_a_string_a_list_or_a_series():
    import pandas as pd

    one = sa.classify_names("Kuopion Mielenterveysseura ry")
    assert len(one) == 1 and one["sector"].iloc[0] == "mental_substance"
    assert one["classification_rule"].iloc[0] == one["rule"].iloc[0]
    two = sa.classify_names(["Kuopion Mielenterveysseura ry", "Keuruun Eläkkeensaajat ry"])
    assert two["sector"].tolist() == ["mental_substance", "elderly"]
    s = pd.Series(["Keuruun Eläkkeensaajat ry"], index=[7])
    out = sa.classify_names(s, purposes=["eläkeläisten virkistys"])
    assert out.index.tolist() == [7] and out["sector"].tolist() == ["elderly"]


def test_compute_indicators_on_a_raw_frame_says_what_to_call_first(ref):
    import pandas as pd

    raw = pd.DataFrame({"Yhdistyksen nimi": ["A ry"], "Kotipaikka": ["Jyväskylä"]})
    with pytest.raises(sa.NotClassifiedError, match=r"sa\.read_register"):
        sa.compute_indicators(raw, ref)


# ---------------------------------------------------------------------- helpers
def test_within_keeps_the_areas_inside_a_parent(demo_ind, ref):
    t = demo_ind.table
    sub = sa.ranking(t, "seutukunta", "mental_substance", within=("hyvinvointialue", "15"))
    key = ref.key
    want = set(key.loc[key["hyvinvointialue_code"] == "15", "seutukunta_code"])
    assert set(sub["area_code"]) == want and sub["rank"].iloc[0] == 1
    by_name = sa.ranking(t, "seutukunta", "mental_substance",
                         within=("hyvinvointialue", "Keski-Suomen hyvinvointialue"))
    assert by_name.equals(sub)
    kunnat = sa.select(t, level="kunta", sector="ALL", indicator="associations", within=("maakunta", "Keski-Suomi"))
    assert set(kunnat["area_code"]) == set(key.loc[key["maakunta_code"] == "13", "kunta_code"])
    with pytest.raises(TypeError, match="within"):
        sa.select(t, within="13")


def test_ranking_by_the_lower_bound_of_a_share(demo_ind):
    r = sa.ranking(demo_ind.table, "seutukunta", "ALL", "paid_staff_share", by="lower")
    lower = r["lower"].dropna().to_numpy()
    assert (lower[:-1] >= lower[1:]).all()


def test_sectors_and_indicators_as_tidy_frames():
    s = sa.sectors("sv")
    assert {"sector", "label", "covers"} <= set(s.columns)
    assert s.set_index("sector").at["elderly", "label"] == "Äldre och pensionärer"
    i = sa.indicator_list("en")
    assert {"indicator", "name", "unit", "definition"} <= set(i.columns)
    assert i.set_index("indicator").at["associations_per_1000", "name"] == "Associations per 1,000 inhabitants"


def test_every_rule_has_plain_descriptions():
    from sote_analytics.classify.classifier import rule_descriptions, sector_rules

    d = rule_descriptions()
    assert set(d) == set(sector_rules()["code"])
    for code, words in d.items():
        assert words["fi"].strip() and words["en"].strip(), code
        assert len(words["en"]) < 140, code


def test_explain_names_and_a_register(demo_read, ref):
    why = sa.explain(["Kuopion Mielenterveysseura ry", "Jyväskylän Eläkkeensaajat ry", "Suomen Punainen Risti",
                      "Kuokkalan Pursiseura"], language="fi")
    assert why["sector"].tolist() == ["mental_substance", "elderly", "general_health", "unclassified"]
    assert why["sector_source"].tolist() == ["name_rule", "name_rule", "known_org", "none"]
    assert why["classification_rule"].tolist()[:2] == ["MS01", "EL01"]
    assert why["matched"].tolist() == ["mielenterv", "eläkkeensaaj", "suomen punainen risti", ""]
    assert why["description"].iloc[0].startswith("Mielenterveys")
    res = demo_read  # sa.read_register of the demo register (conftest)
    reg_why = sa.explain(res)
    assert len(reg_why) == len(res.register)
    ruled = reg_why[reg_why["classification_rule"].str.fullmatch(r"[A-Z]{2}\d\d")]
    # the words that matched are in the name (the rules run on the normalised name)
    assert (ruled["matched"] != "").mean() > 0.95
    assert all(m in n.casefold() for m, n in zip(ruled["matched"], ruled["name"], strict=True) if m)


def test_write_workbook_and_excel_csv(demo_ind, ref, tmp_path):
    from openpyxl import load_workbook

    p = sa.write_workbook(demo_ind, ref, "hyvinvointialue", "keski-suomen hyvinvointialue", tmp_path)
    assert p.name == "hyvinvointialue_15.xlsx"
    assert len(load_workbook(p).sheetnames) > 3
    t = sa.select(demo_ind.table, level="maakunta", sector="ALL", indicator="paid_staff_share")
    excel = sa.to_csv(t, tmp_path / "excel.csv")
    raw = excel.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    head, first = raw.decode("utf-8-sig").splitlines()[:2]
    assert head.split(";")[:3] == ["area_level", "area_code", "area_name"]
    assert "," in first.split(";")[head.split(";").index("value")]  # decimal comma
    plain = sa.to_csv(t, tmp_path / "plain.csv", excel=False).read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf") and plain.splitlines()[0].startswith(b"area_level,area_code")


def test_to_png_with_kaleido_and_the_system_chromium(demo_ind, tmp_path):
    import shutil

    pytest.importorskip("kaleido", reason="PNG export needs kaleido (pip install 'kaleido>=1')")
    if not shutil.which("chromium") and not shutil.which("google-chrome"):
        pytest.skip("kaleido needs a Chrome or Chromium on the machine (apt-get install chromium)")
    fig = sa.sector_bar(demo_ind.table, "maakunta", "13").update_layout(title="Keski-Suomi")
    p = sa.to_png(fig, tmp_path / "bar.png", scale=1)
    data = p.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (900, fig.layout.height)


@pytest.mark.parametrize("failures", [1, 2])
def test_to_png_tries_a_page_that_was_not_ready_once_more(demo_ind, tmp_path, monkeypatch, failures):
    import plotly.io as pio

    pytest.importorskip("kaleido")

    class JavascriptError(Exception):  # the name kaleido's error has (kaleido._kaleido_tab._errors)
        pass

    calls = []

    def write_image(fig, target, **kw):
        calls.append(target)
        if len(calls) <= failures:
            raise JavascriptError("ReferenceError: kaleido_scopes is not defined")
        Path(target).write_bytes(b"\x89PNG")

    monkeypatch.setattr(pio, "write_image", write_image)
    fig = sa.sector_bar(demo_ind.table, "maakunta", "13")
    if failures == 1:  # once: the second try draws it
        assert sa.to_png(fig, tmp_path / "bar.png").read_bytes() == b"\x89PNG" and len(calls) == 2
    else:  # twice: one clear error, not kaleido's traceback
        with pytest.raises(sa.SoteAnalyticsError, match="failed in the browser twice"):
            sa.to_png(fig, tmp_path / "bar.png")
        assert len(calls) == 2


# ---------------------------------------------------------------------- the explorer and the one map style
def test_explorer_level_change_keeps_a_valid_area(demo_ind, ref):
    ex = sa.explore(demo_ind.table, ref, level="hyvinvointialue")
    ex.area.value = "91"
    assert ex.area.label == "Ahvenanmaa (91)"
    ex.level.value = "seutukunta"
    key = ref.key
    aland = set(key.loc[key["hyvinvointialue_code"] == "91", "seutukunta_code"])
    assert ex.area.value in aland and "Lappeenranta" not in ex.area.label
    ex.area.value = "131"  # Jyväskylän seutukunta
    ex.level.value = "kunta"
    assert ex.area.value == "179"  # Jyväskylä: most of the sub-region's people
    ex.level.value = "hyvinvointialue"
    assert ex.area.value == "15"


def test_explorer_shows_n_and_intervals_of_shares_in_percent(demo_ind, ref):
    ex = sa.explore(demo_ind.table, ref, level="seutukunta", indicator="paid_staff_share")
    bar = ex.bar_figure.data[0]
    assert all(re.search(r"\(n=\d[\d\s\xa0]*\)$", y) for y in bar.y)
    assert bar.error_x.array is not None and len(bar.error_x.array) == len(bar.y)
    assert max(bar.x) <= 100 and ex.bar_figure.layout.xaxis.ticksuffix == " %"
    assert "95 %" in bar.hovertemplate
    # ranked by the interval's lower bound
    lower = [v - m for v, m in zip(bar.x, bar.error_x.arrayminus, strict=True)]
    assert lower == sorted(lower, reverse=True)
    # legend and hover in per cent
    swatches = [tr.name for tr in ex.map_figure.data if tr.mode == "markers"]
    assert swatches and all("%" in name for name in swatches)
    polys = [tr for tr in ex.map_figure.data if tr.meta]
    assert all("%" in tr.text or tr.text.endswith("–") for tr in polys)


@pytest.mark.parametrize(("language", "header"), [("en", "Indicator"), ("sv", "Indikator"), ("fi", "Indikaattori")])
def test_explorer_table_header_is_translated(demo_ind, ref, language, header):
    ex = sa.explore(demo_ind.table, ref, level="maakunta", language=language)
    assert f"<th>{header}</th>" in ex.table_html.value
    ex.area.value = "13"
    assert ex.area.label == {"fi": "Keski-Suomi (13)", "sv": "Mellersta Finland (13)",
                             "en": "Central Finland (13)"}[language]
    assert ex.table is not demo_ind.table or language == "fi"  # the caller's table keeps its Finnish names
    if language != "fi":
        assert "Indikaattori" not in ex.table_html.value and "Arvo" not in ex.table_html.value


def test_choropleth_has_the_reports_map_style(demo_ind, ref):
    from sote_analytics.figures import MAP_OUTLINE, NO_DATA_PATTERN

    fig = sa.choropleth(demo_ind.table, ref, "kunta", "carers")
    polys = [tr for tr in fig.data if tr.meta]
    assert {tr.line.color for tr in polys} == {MAP_OUTLINE}
    empty = [tr for tr in polys if not tr.meta[1] > 0]
    assert empty and all(tr.fillpattern.shape == NO_DATA_PATTERN["shape"] for tr in empty)
    assert "white" not in {tr.line.color for tr in polys}
    legend = [tr.name for tr in fig.data if tr.mode == "markers"]
    assert "ei yhdistyksiä" in legend
    assert not [tr for tr in fig.data if tr.mode == "text"]  # names only on request
    named = sa.choropleth(demo_ind.table, ref, "hyvinvointialue", "carers", labels=True)
    texts = [tr for tr in named.data if tr.mode == "text"]
    assert len(texts) == 1 and "Lapin hyvinvointialue" in texts[0].text


# ---------------------------------------------------------------------- the README's worked examples
def _readme_blocks(section: str) -> list[str]:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    start = text.index(f"\n## {section}\n")
    end = text.find("\n## ", start + 1)
    body = text[start:end if end != -1 else None]
    return re.findall(r"```python\n(.*?)```", body, re.S)


def test_readme_analysing_in_jupyterlab_runs(tmp_path, monkeypatch, reference_dir):
    import shutil

    blocks = _readme_blocks("Analysing in JupyterLab")
    assert len(blocks) == 6  # reading the register and the five tasks
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOTE_REFERENCE_DIR", str(reference_dir))
    png_ok = shutil.which("chromium") is not None
    try:
        import kaleido  # noqa: F401
    except ImportError:
        png_ok = False
    if not png_ok:  # the last line of task 5 needs kaleido and a browser: everything else still runs
        from sote_analytics import api

        monkeypatch.setattr(api, "to_png", lambda fig, path, **kw: Path(path).write_bytes(b"\x89PNG"))
    ns: dict = {}
    for i, block in enumerate(blocks):
        exec(compile(block, f"README block {i}", "exec"), ns)
    # task 1: the sub-regions of the county, against the country
    assert len(ns["mh"]) == 6 and ns["mh"]["vs_country"].notna().all()
    assert "Mielenterveys" in ns["fig"].layout.title.text or ns["fig"].layout.title.text.startswith("Paid")
    # task 2: covered by an area of operation only (the demo's district organisations)
    assert len(ns["covered_only"]) > 0 and (ns["covered_only"]["operating"] > 0).all()
    # task 3: intervals
    paid = ns["paid"].dropna(subset=["value"])
    assert len(paid) > 5 and (paid["lower"] <= paid["value"]).all() and (paid["value"] <= paid["upper"]).all()
    # task 4: one row per own name, each with its signal
    assert len(ns["why"]) == 4 and ns["why"]["signal"].str.len().gt(0).all()
    assert ns["why"]["sector"].tolist()[:3] == ["mental_substance", "elderly", "patient_health"]
    # task 5: the files
    for name in ("mielenterveys_seutukunnat.csv", "hyvinvointialue_15.xlsx", "kartta.html", "kartta.png"):
        assert (tmp_path / "out" / name).is_file(), name
    assert (tmp_path / "out" / "mielenterveys_seutukunnat.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "Mielenterveys" in (tmp_path / "out" / "kartta.html").read_text("utf-8")


# ---------------------------------------------------------------------- the notebook and JupyterLab
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "explore.ipynb"


@pytest.mark.slow
def test_explore_notebook_reads_the_processed_demo_folder(processed, tmp_path, reference_dir):
    """With ``make demo``'s processed folder there the notebook reads it (no demo rebuild)."""
    import subprocess
    import sys

    out_dir, _, _ = processed
    from sote_analytics.store import Store

    assert Store(out_dir).synthetic
    out = tmp_path / "out.ipynb"
    args = [str(Path(sys.executable).with_name("papermill")), str(NOTEBOOK), str(out), "--cwd", str(NOTEBOOK.parent),
            "-k", "python3", "--no-progress-bar", "-p", "processed_dir", str(out_dir),
            "-p", "export_path", str(tmp_path / "sel.xlsx")]
    with open(tmp_path / "papermill.log", "w") as log:
        subprocess.run(args, check=True, stdout=log, stderr=subprocess.STDOUT, timeout=600,
                       env={**__import__("os").environ, "SOTE_REFERENCE_DIR": str(reference_dir)})
    nb = json.loads(out.read_text("utf-8"))
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c.get("outputs", []))
    assert f"luettu / read {out_dir}" in text
    assert not [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]


