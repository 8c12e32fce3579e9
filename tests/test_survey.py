"""Survey statistics: suppression never leaks, intervals, response rates."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sote_analytics.indicators.survey import (
    crosstab,
    likert,
    multiple_choice,
    response_rates,
    single_choice,
    suppress,
)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 6).flatmap(lambda r: st.integers(1, 6).flatmap(
    lambda c: st.lists(st.lists(st.integers(0, 12), min_size=c, max_size=c), min_size=r, max_size=r))),
    st.integers(2, 6))
def test_suppressed_cells_never_leak_through_totals(cells, k):
    t = pd.DataFrame(cells)
    t.loc["total"] = t.sum()
    t["total"] = t.sum(axis=1)
    out = suppress(t, k)
    hidden = out.isna().to_numpy()
    vals = t.to_numpy()
    assert not ((vals > 0) & (vals < k) & ~hidden).any()  # every small cell is hidden
    for line in list(hidden) + list(hidden.T):  # no row or column has exactly one hidden cell
        assert line.sum() != 1
    assert (out.fillna(-1).to_numpy()[~hidden] == vals[~hidden]).all()  # visible cells unchanged


def test_crosstab_suppresses_margins_too():
    s = pd.DataFrame({"area": ["A"] * 12 + ["B"] * 3, "sector": ["x"] * 6 + ["y"] * 6 + ["x", "x", "y"]})
    ct = crosstab(s, "area", "sector", k=5)
    assert np.isnan(ct.at["B", "x"]) and np.isnan(ct.at["B", "y"]) and np.isnan(ct.at["B", "Yhteensä"])
    assert ct.at["Yhteensä", "Yhteensä"] == 15
    # column x now has B hidden, so a second cell of that column must go too
    assert ct["x"].isna().sum() >= 2


def test_single_and_multiple_choice_with_wilson():
    s = pd.DataFrame({"q": ["kyllä"] * 12 + ["ei"] * 6 + ["ehkä"] * 2,
                      "m": ["a;b"] * 10 + ["b"] * 10})
    sc = single_choice(s, "q").set_index("option")
    assert sc.at["kyllä", "share"] == pytest.approx(12 / 20)
    assert sc.at["kyllä", "lower"] < 0.6 < sc.at["kyllä", "upper"]
    assert sc["suppressed"].sum() == 2  # "ehkä" (2) and one more, or the total would reveal it
    mc = multiple_choice(s, "m").set_index("option")
    assert mc.at["a", "share"] == 0.5 and mc.at["b", "share"] == 1.0


def test_likert_mean_interval_and_agree_share():
    s = pd.DataFrame({"l": [1, 2, 3, 4, 5] * 4})
    res = likert(s, "l")
    assert res["mean"] == 3 and res["mean_lower"] < 3 < res["mean_upper"]
    assert res["agree_share"] == pytest.approx(8 / 20)
    assert likert(s.head(3), "l")["suppressed"] is True


def test_response_rates_against_register(ref, demo_dir):
    from sote_analytics.read.ingest import ingest

    survey = pd.read_csv(demo_dir / "survey.csv", dtype={"seutukunta_code": str})
    reg = ingest(demo_dir / "register.csv", ref).register
    rr = response_rates(survey, reg, ref)
    assert set(rr["area"]) == set(survey["seutukunta_code"])
    visible = rr.dropna(subset=["respondents"])
    assert ((visible["respondents"] == 0) | (visible["respondents"] >= 5)).all()  # no small cell shown
    assert rr["suppressed"].any() and rr.loc[rr["suppressed"], "response_rate"].isna().all()
    assert rr["associations"].sum() > rr["respondents"].fillna(0).sum()
    shown = visible[visible["respondents"] > 0]
    assert (shown["response_rate"] == shown["respondents"] / shown["associations"]).all()
