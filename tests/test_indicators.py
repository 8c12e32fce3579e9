"""Every indicator on a small hand-made register equals hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from sote_analytics.indicators import compute_indicators, coverage_gaps, wilson_interval
from sote_analytics.register import canonicalize

# Keski-Pohjanmaa (hyvinvointialue 18) has 8 municipalities; Kokkola 272, Kannus 217.
ROWS = [
    # name, municipality, sector, paid_staff, members, produces_services
    ("Kokkolan Eläkkeensaajat ry", "Kokkola", "elderly", "0", "120", "ei"),
    ("Karleby pensionärer rf", "Karleby", "elderly", "2", "80", "kyllä"),
    ("Kokkolan Työttömät ry", "272", "employment", "5", "40", "kyllä"),
    ("Kannuksen Eläkeläiset ry", "Kannus", "elderly", "", "60", "ei"),
    ("Kannuksen VPK ry", "217", "rescue", "0", "30", "ei"),
]


@pytest.fixture(scope="module")
def small(ref):
    raw = pd.DataFrame(ROWS, columns=["name", "municipality", "sector", "paid_staff", "members",
                                      "produces_services"])
    res = canonicalize(raw, ref, "hand-made")
    assert res.rows_in == 5 and len(res.quarantine) == 0
    return res, compute_indicators(res.register, ref, "hand-made")


def _v(table, level, code, sector, indicator):
    row = table[(table.area_level == level) & (table.area_code == code) & (table.sector == sector)
                & (table.indicator == indicator)]
    assert len(row) == 1
    return row.iloc[0]


def test_counts(small):
    _, ind = small
    t = ind.table
    assert _v(t, "hyvinvointialue", "18", "ALL", "associations")["value"] == 5
    assert _v(t, "hyvinvointialue", "18", "elderly", "associations")["value"] == 3
    assert _v(t, "kunta", "272", "elderly", "associations")["value"] == 2
    assert _v(t, "koko_maa", "SSS", "rescue", "associations")["value"] == 1
    assert _v(t, "hyvinvointialue", "15", "ALL", "associations")["value"] == 0


def test_per_1000(small, ref):
    _, ind = small
    pop18 = int(ref.population[ref.members("hyvinvointialue", "18")["kunta_code"]].sum())
    got = _v(ind.table, "hyvinvointialue", "18", "ALL", "associations_per_1000")
    assert got["value"] == pytest.approx(5 / pop18 * 1000)
    kannus = _v(ind.table, "kunta", "217", "elderly", "associations_per_1000")
    assert kannus["value"] == pytest.approx(1 / int(ref.population["217"]) * 1000)


def test_coverage_and_gaps(small, ref):
    _, ind = small
    cov = _v(ind.table, "hyvinvointialue", "18", "ALL", "municipality_coverage")
    assert cov["value"] == pytest.approx(2 / 8) and cov["n"] == 8
    assert _v(ind.table, "hyvinvointialue", "18", "employment", "municipality_coverage")["value"] \
        == pytest.approx(1 / 8)
    gaps = coverage_gaps(ind.municipality_counts, ref, "hyvinvointialue", "18")
    elderly_gaps = set(gaps.loc[gaps.sector == "elderly", "kunta_code"])
    assert len(elderly_gaps) == 6 and {"272", "217"}.isdisjoint(elderly_gaps)


def test_paid_staff_share_excludes_unknown(small):
    _, ind = small
    got = _v(ind.table, "hyvinvointialue", "18", "ALL", "paid_staff_share")
    # known staff: 4 rows (Kannus pensioners unknown); with staff: 2
    assert got["value"] == pytest.approx(2 / 4)
    assert got["n"] == 4 and got["unknown"] == 1
    lo, hi = wilson_interval(np.array([2]), np.array([4]))
    assert (got["lower"], got["upper"]) == pytest.approx((lo[0], hi[0]))
    assert got["lower"] < got["value"] < got["upper"]


def test_wilson_interval_known_value():
    lo, hi = wilson_interval(np.array([2, 0]), np.array([10, 0]))
    assert lo[0] == pytest.approx(0.0567, abs=1e-3) and hi[0] == pytest.approx(0.5098, abs=1e-3)
    assert np.isnan(lo[1])


def test_sectors_add_up_to_total_for_every_area(processed):
    _, _, ind = processed
    cnt = ind.table[ind.table.indicator == "associations"]
    total = cnt[cnt.sector == "ALL"].set_index(["area_level", "area_code"])["value"]
    parts = cnt[cnt.sector != "ALL"].groupby(["area_level", "area_code"])["value"].sum()
    pd.testing.assert_series_equal(total.sort_index(), parts.sort_index(), check_names=False)


def test_demo_register_goes_through_without_loss(processed):
    _, res, ind = processed
    assert res.rows_in == len(res.register) + len(res.quarantine)
    assert len(res.quarantine) == 0
    assert "SYNTHETIC" in ind.table["source"].iloc[0]


def test_bad_rows_are_quarantined_with_reasons(ref):
    raw = pd.DataFrame({"name": ["A ry", "", "C ry", "D ry"],
                        "municipality": ["Helsinki", "Espoo", "Atlantis", "Turku"],
                        "paid_staff": ["1", "0", "0", "-3"]})
    res = canonicalize(raw, ref, "bad")
    assert res.rows_in == len(res.register) + len(res.quarantine) == 4
    reasons = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    assert "name missing" in reasons[2]
    assert "unknown municipality" in reasons[3]
    assert "paid_staff" in reasons[4]
