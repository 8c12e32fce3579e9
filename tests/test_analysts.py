"""Issue 28: figures that behave like plotly, mistakes that say what is wrong, the helpers a notebook needs."""

from __future__ import annotations

import json
import re

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


@pytest.fixture(scope="module")
def demo_ind(ref, demo_dir):
    res = sa.read_register(demo_dir / "register.csv", ref)
    return sa.compute_indicators(res.register, ref, "demo")


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
