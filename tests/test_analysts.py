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
