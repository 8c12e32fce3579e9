"""The analysts' public API: lazy import, selection, ranking and figures built from real-looking data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sote_analytics as sa

ROOT = Path(__file__).resolve().parents[1]
PRH_FILE = ROOT / "tests" / "data" / "ingest" / "01_prh_utf8.csv"



def test_import_is_cheap_and_api_loads_on_first_use():
    code = ("import sys, sote_analytics as sa\n"
            "heavy = {'pandas', 'plotly', 'geopandas', 'ipywidgets', 'sote_analytics.api'}\n"
            "before = sorted(heavy & set(sys.modules))\n"
            "sa.select\n"
            "after = sorted({'sote_analytics.api', 'plotly', 'ipywidgets'} & set(sys.modules))\n"
            "print(before, after)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[] ['sote_analytics.api']"


def test_every_public_name_resolves_and_unknown_names_fail():
    for name in sa.__all__:
        assert getattr(sa, name) is not None
    assert "explore" in dir(sa)
    with pytest.raises(AttributeError, match="no_such_thing"):
        sa.no_such_thing  # noqa: B018


def test_select_by_code_name_and_lists(demo_ind, ref):
    t = demo_ind.table
    by_code = sa.select(t, level="kunta", area="179", sector="ALL", indicator="associations_per_1000")
    by_name = sa.select(t, level="kunta", area="Jyväskylä", sector="ALL", indicator="associations_per_1000")
    assert len(by_code) == 1 and by_code.equals(by_name)
    n = sa.select(t, level="kunta", area="179", sector="ALL", indicator="associations")["value"].iloc[0]
    pop = ref.population["179"]
    assert by_code["value"].iloc[0] == pytest.approx(n / pop * 1000)
    two = sa.select(t, level="hyvinvointialue", sector=["elderly", "carers"], indicator="associations")
    assert set(two["sector"]) == {"elderly", "carers"}
    assert len(two) == 2 * len(ref.areas("hyvinvointialue"))
    with pytest.raises(sa.UnknownValueError, match="No such place"):  # issue 28: no silent empty selection
        sa.select(t, level="kunta", area="No such place")


def test_ranking_orders_values_and_puts_missing_last(demo_ind, ref):
    r = sa.ranking(demo_ind.table, "seutukunta", "mental_substance")
    assert len(r) == len(ref.areas("seutukunta"))
    vals = r["value"].dropna().to_numpy()
    assert (np.diff(vals) <= 0).all()
    assert r["rank"].iloc[0] == 1 and r["value"].iloc[0] == vals.max()
    low = sa.ranking(demo_ind.table, "seutukunta", "mental_substance", ascending=True)
    assert low["value"].iloc[0] == vals.min()


def test_choropleth_carries_the_table_values(demo_ind, ref):
    t = demo_ind.table
    fig = sa.choropleth(t, ref, "seutukunta", "mental_substance", highlight="171")
    polys = [tr for tr in fig.data if tr.meta]
    want = sa.select(t, level="seutukunta", sector="mental_substance",
                     indicator="associations_per_1000").set_index("area_code")["value"]
    got = pd.Series({m.meta[0]: m.meta[1] for m in polys})
    assert len(got) == len(ref.areas("seutukunta"))
    pd.testing.assert_series_equal(got.sort_index(), want.reindex(got.index).sort_index(), check_names=False)
    outlined = [tr.meta[0] for tr in polys if tr.line.width == 3]
    assert outlined == ["171"]
    # a higher value never gets a lighter class colour than a lower one
    from sote_analytics.figures import MAP_CLASSES_COLORS
    order = {c: i for i, c in enumerate(MAP_CLASSES_COLORS)}
    pairs = sorted((tr.meta[1], order[tr.fillcolor]) for tr in polys if tr.fillcolor in order)
    assert [c for _, c in pairs] == sorted(c for _, c in pairs)


def test_ranked_bar_and_sector_bar_show_the_table(demo_ind):
    t = demo_ind.table
    fig = sa.ranked_bar(t, "hyvinvointialue", "elderly", highlight="15")
    r = sa.ranking(t, "hyvinvointialue", "elderly")
    assert list(fig.data[0].y) == r["area_name"].tolist()
    assert list(fig.data[0].x) == pytest.approx(r["value"].tolist())
    colors = dict(zip(r["area_code"], fig.data[0].marker.color, strict=True))
    assert colors["15"] != colors[next(c for c in r["area_code"] if c != "15")]
    bar = sa.sector_bar(t, "hyvinvointialue", "15")
    eld = sa.select(t, level="hyvinvointialue", area="15", sector="elderly", indicator="associations_per_1000")
    from sote_analytics.taxonomy import sector_label
    i = list(bar.data[0].y).index(sector_label("elderly"))
    assert bar.data[0].x[i] == pytest.approx(eld["value"].iloc[0])


def test_gaps_map_counts_sectors_without_associations(demo_ind, ref):
    fig = sa.gaps_map(demo_ind.municipality_counts, ref)
    mc = demo_ind.municipality_counts
    from sote_analytics.taxonomy import sote_sectors
    sectors = [s for s in sote_sectors() if s != "unclassified"]
    code = ref.municipality_codes[0]
    have = mc[(mc["kunta_code"] == code) & mc["sector"].isin(sectors) & (mc["associations"] > 0)]
    name = ref.areas("kunta").set_index("code").at[code, "name_fi"]
    text = next(tr.text for tr in fig.data if tr.text and tr.text.startswith(f"{name}:"))
    assert text == f"{name}: {len(sectors) - have['sector'].nunique()}"


def test_classify_names_on_real_shaped_names():
    out = sa.classify_names(["Saarijärven Eläkkeensaajat ry", "Jyväskylän Työttömät ry"])
    assert out["sector"].tolist() == ["elderly", "employment"]


def test_real_shaped_register_end_to_end(ref):
    """A PRH-shaped file (Finnish headers, municipality names): its four associations on the map."""
    res = sa.read_register(PRH_FILE, ref)
    assert len(res.register) == 4
    ind = sa.compute_indicators(res.register, ref, PRH_FILE.name)
    fig = sa.choropleth(ind.table, ref, "kunta", "ALL", "associations")
    got = {tr.meta[0]: tr.meta[1] for tr in fig.data if tr.meta}
    assert {c for c, v in got.items() if v > 0} == set(res.register["municipality_code"])
    per = sa.select(ind.table, level="kunta", area="Saarijärvi", sector="elderly", indicator="associations_per_1000")
    assert per["value"].iloc[0] == pytest.approx(1000 / ref.population[per["area_code"].iloc[0]])


def test_explore_reads_a_processed_folder(processed, ref):
    out, _, ind = processed
    ex = sa.explore(out, ref, level="maakunta")
    assert ex.level.value == "maakunta"
    assert len(ex.area.options) == len(ref.areas("maakunta"))
    pd.testing.assert_frame_equal(ex.table, ind.table)
    assert isinstance(sa.Store(out).load_indicators().table, pd.DataFrame)
