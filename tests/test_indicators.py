"""Every indicator on a small hand-made register equals hand-computed values,
and property tests for the invariants on random registers."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sote_analytics.indicators.definitions import data_dictionary, definitions
from sote_analytics.indicators.engine import compute_indicators, coverage_gaps, snapshot_change
from sote_analytics.indicators.stats import wilson_interval
from sote_analytics.read.register import canonicalize

AS_OF = dt.date(2025, 12, 31)
# Keski-Pohjanmaa (hyvinvointialue 18) has 8 municipalities; Kokkola 272, Kannus 217.
ROWS = [
    # name, municipality, sector, staff, produces, members, volunteers, registered
    ("Kokkolan Eläkkeensaajat ry", "Kokkola", "elderly", "0", "ei", "120", "10", "1.1.2000"),
    ("Karleby pensionärer rf", "Karleby", "elderly", "2", "kyllä", "80", "", "30.6.1990"),
    ("Kokkolan Työttömät ry", "272", "employment", "5", "kyllä", "40", "20", "1.1.2020"),
    ("Kannuksen Eläkeläiset ry", "Kannus", "elderly", "", "", "", "5", ""),
    ("Kannuksen VPK ry", "217", "rescue", "0", "ei", "30", "30", "1.1.1950"),
    ("Keski-Pohjanmaan Eläkeläisten piiri ry", "Kokkola", "elderly", "9", "kyllä", "500", "50", "1.1.1980"),
]


@pytest.fixture(scope="module")
def small(ref):
    raw = pd.DataFrame(ROWS, columns=["name", "municipality", "sector", "paid_staff", "produces_services",
                                      "members", "volunteers", "registration_date"])
    res = canonicalize(raw, ref, "hand-made")
    reg = res.register.assign(is_headquarters=res.register["name"].str.contains("piiri"))
    assert res.rows_in == 6 and len(res.quarantine) == 0
    return reg, compute_indicators(reg, ref, "hand-made", as_of=AS_OF)


def v(ind, indicator, sector="ALL", level="hyvinvointialue", code="18"):
    t = ind.table
    row = t[(t.area_level == level) & (t.area_code == code) & (t.sector == sector) & (t.indicator == indicator)]
    assert len(row) == 1, (indicator, sector, level, code)
    return row.iloc[0]


def test_every_indicator_is_defined_and_in_the_dictionary(small):
    _, ind = small
    assert set(ind.table["indicator"]) <= set(definitions())
    assert set(data_dictionary()["indicator"]) == set(definitions())


def test_counts_shares_rank_headquarters(small, ref):
    _, ind = small
    pop18 = int(ref.areas("hyvinvointialue").set_index("code").at["18", "population"])
    total = int(ref.population.sum())
    assert v(ind, "associations")["value"] == 5  # the district organisation is not local
    assert v(ind, "associations", "elderly")["value"] == 3
    assert v(ind, "associations", "elderly", "kunta", "272")["value"] == 2
    assert v(ind, "associations", "ALL", "hyvinvointialue", "15")["value"] == 0
    assert v(ind, "associations_per_1000")["value"] == pytest.approx(5 / pop18 * 1000)
    assert v(ind, "share_of_national")["value"] == pytest.approx(1.0)
    assert v(ind, "population_share")["value"] == pytest.approx(pop18 / total)
    assert v(ind, "location_quotient")["value"] == pytest.approx(total / pop18)
    assert v(ind, "rank_per_1000")["value"] == 1
    assert v(ind, "rank_per_1000", "ALL", "hyvinvointialue", "15")["value"] == 2  # all others tie at 0
    assert v(ind, "headquarters")["value"] == 1
    assert v(ind, "headquarters", "elderly", "kunta", "272")["value"] == 1


def test_headquarters_can_be_included(small, ref):
    reg, _ = small
    ind = compute_indicators(reg, ref, include_headquarters=True, as_of=AS_OF)
    assert v(ind, "associations")["value"] == 6


def test_coverage(small, ref):
    _, ind = small
    pop = ref.population
    pop18 = int(ref.areas("hyvinvointialue").set_index("code").at["18", "population"])
    c = v(ind, "municipality_coverage")
    assert c["value"] == pytest.approx(2 / 8) and c["n"] == 8
    assert v(ind, "municipality_coverage", "employment")["value"] == pytest.approx(1 / 8)
    assert v(ind, "population_coverage")["value"] == pytest.approx((pop["272"] + pop["217"]) / pop18)
    assert v(ind, "population_coverage", "employment")["value"] == pytest.approx(pop["272"] / pop18)
    gaps = coverage_gaps(ind.municipality_counts, ref, "hyvinvointialue", "18")
    assert len(gaps[gaps.sector == "elderly"]) == 6


def test_staff(small, ref):
    _, ind = small
    pop18 = int(ref.areas("hyvinvointialue").set_index("code").at["18", "population"])
    s = v(ind, "paid_staff_share")
    assert (s["value"], s["n"], s["unknown"]) == (0.5, 4, 1)
    lo, hi = wilson_interval(np.array([2]), np.array([4]))
    assert (s["lower"], s["upper"]) == pytest.approx((lo[0], hi[0]))
    assert v(ind, "paid_staff_median")["value"] == 3.5
    assert v(ind, "paid_staff_mean")["value"] == 3.5
    assert v(ind, "paid_staff_per_1000")["value"] == pytest.approx(7 / pop18 * 1000)


def test_services_members_volunteers(small, ref):
    _, ind = small
    pop18 = int(ref.areas("hyvinvointialue").set_index("code").at["18", "population"])
    p = v(ind, "service_producers")
    assert (p["value"], p["n"], p["unknown"]) == (2, 4, 1)
    assert v(ind, "service_producer_share")["value"] == 0.5
    m = v(ind, "members_total")
    assert (m["value"], m["n"], m["unknown"]) == (270, 4, 1)
    assert v(ind, "members_per_1000")["value"] == pytest.approx(270 / pop18 * 1000)
    assert v(ind, "members_median")["value"] == 60
    assert v(ind, "volunteers_total")["value"] == 65
    assert v(ind, "volunteers_median")["value"] == 15
    assert v(ind, "volunteers_per_1000")["value"] == pytest.approx(65 / pop18 * 1000)


def test_age(small):
    _, ind = small
    ages = sorted((AS_OF - d).days / 365.2425 for d in
                  (dt.date(2000, 1, 1), dt.date(1990, 6, 30), dt.date(2020, 1, 1), dt.date(1950, 1, 1)))
    a = v(ind, "age_median")
    assert a["value"] == pytest.approx((ages[1] + ages[2]) / 2) and a["unknown"] == 1
    assert v(ind, "age_share_under_10")["value"] == 0.25
    assert v(ind, "age_share_10_29")["value"] == 0.25
    assert v(ind, "age_share_30_plus")["value"] == 0.5
    regs = ind.registrations
    r = regs[(regs.area_level == "hyvinvointialue") & (regs.area_code == "18") & (regs.sector == "ALL")]
    assert dict(zip(r["year"], r["registrations"], strict=True)) == {1950: 1, 1990: 1, 2000: 1, 2020: 1}


def test_activity(small, ref):
    reg, _ = small
    ids = reg["association_id"].tolist()
    act = pd.DataFrame({"association_id": ids[:3], "participants": [100, 50, None], "grants_stea": [0, 1000, 5000]})
    ind = compute_indicators(reg, ref, as_of=AS_OF, activity=act)
    pop18 = int(ref.areas("hyvinvointialue").set_index("code").at["18", "population"])
    p = v(ind, "participants_total")
    assert (p["value"], p["n"], p["unknown"]) == (150, 2, 3)
    assert v(ind, "participants_per_association")["value"] == 75
    assert v(ind, "grants_stea_per_1000")["value"] == pytest.approx(6000 / pop18 * 1000)


def test_snapshot_change(ref):
    old = pd.DataFrame({"register_number": ["1", "2", "3"], "municipality_code": ["272", "217", "091"]})
    new = pd.DataFrame({"register_number": ["2", "3", "4"], "municipality_code": ["272", "091", "217"]})
    t = snapshot_change(old, new, ref)
    area = t[(t.area_level == "hyvinvointialue") & (t.area_code == "18")].set_index("indicator")["value"]
    # 1 ceased (Kokkola), 4 new (Kannus), 2 moved within the area (Kannus -> Kokkola)
    assert area.to_dict() == {"new_associations": 1, "ceased_associations": 1, "moved_in": 0, "moved_out": 0,
                              "net_change": 0}
    kok = t[(t.area_level == "kunta") & (t.area_code == "272")].set_index("indicator")["value"]
    assert (kok["moved_in"], kok["ceased_associations"], kok["net_change"]) == (1, 1, 0)


def test_unknown_shown_as_unknown_not_zero(small):
    _, ind = small
    s = v(ind, "paid_staff_share", "elderly")
    assert (s["n"], s["unknown"]) == (2, 1)


def test_wilson_interval_known_value():
    lo, hi = wilson_interval(np.array([2, 0]), np.array([10, 0]))
    assert lo[0] == pytest.approx(0.0567, abs=1e-3) and hi[0] == pytest.approx(0.5098, abs=1e-3)
    assert np.isnan(lo[1])


def test_demo_register_goes_through_without_loss(processed):
    _, res, ind = processed
    assert res.rows_in == len(res.register) + len(res.quarantine)
    assert len(res.quarantine) == 0
    assert "SYNTHETIC" in ind.table["source"].iloc[0]


def test_rows_that_are_no_association_of_a_place_are_quarantined_and_bad_fields_are_field_problems(ref):
    raw = pd.DataFrame({"name": ["A ry", "", "C ry", "D ry"],
                        "municipality": ["Helsinki", "Espoo", "Atlantis", "Turku"],
                        "paid_staff": ["1", "0", "0", "-3"]})
    res = canonicalize(raw, ref, "bad")
    assert res.rows_in == len(res.register) + len(res.quarantine) == 4
    reasons = dict(zip(res.quarantine["source_row"], res.quarantine["reason"], strict=True))
    assert "name missing" in reasons[2]
    assert "unknown municipality" in reasons[3] and reasons[3].startswith("no location")
    # a negative staff count is a field problem: D ry stays, its staff unknown
    d = res.register.set_index("name").loc["D ry"]
    assert pd.isna(d["paid_staff"]) and d["field_problems"] == "paid_staff"
    assert res.field_problems[["source_row", "column", "kind"]].values.tolist() == [[4, "paid_staff",
                                                                                      "paid_staff: negative …"]]


# ---------------------------------------------------------------------------- properties
SECTORS = ["elderly", "child_family", "disability", "employment", "unclassified"]


@st.composite
def registers(draw, codes):
    n = draw(st.integers(1, 60))
    mun = draw(st.lists(st.sampled_from(codes), min_size=n, max_size=n))
    sec = draw(st.lists(st.sampled_from(SECTORS), min_size=n, max_size=n))
    staff = draw(st.lists(st.one_of(st.none(), st.integers(0, 20)), min_size=n, max_size=n))
    return pd.DataFrame({"association_id": [f"a{i}" for i in range(n)], "municipality_code": mun,
                         "sector": sec, "paid_staff": pd.array(staff, dtype="Int64")})


@pytest.fixture(scope="module")
def some_codes(ref):
    return [*ref.members("hyvinvointialue", "18")["kunta_code"].tolist(), "091", "179"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_invariants(ref, some_codes, data):
    reg = data.draw(registers(some_codes))
    t = compute_indicators(reg, ref).table
    cnt = t[t.indicator == "associations"]
    total = cnt[cnt.sector == "ALL"].set_index(["area_level", "area_code"])["value"]
    # ALL is the classified sote associations: unclassified ones are their own row, never in the total
    parts = cnt[~cnt.sector.isin(["ALL", "unclassified"])].groupby(["area_level", "area_code"])["value"].sum()
    pd.testing.assert_series_equal(total.sort_index(), parts.sort_index(), check_names=False)
    assert total.xs("SSS", level=1).iloc[0] == int((reg["sector"] != "unclassified").sum())
    unc = cnt[cnt.sector == "unclassified"].set_index(["area_level", "area_code"])["value"]
    assert unc.xs("SSS", level=1).iloc[0] == int((reg["sector"] == "unclassified").sum())
    cov = t[t.indicator.isin(["municipality_coverage", "population_coverage"])]["value"]
    assert cov.between(0, 1).all()
    per = t[t.indicator == "associations_per_1000"].set_index(["area_level", "area_code", "sector"])["value"]
    counts = cnt.set_index(["area_level", "area_code", "sector"])["value"]
    pops = pd.concat({lvl: ref.areas(lvl).set_index("code")["population"] for lvl in t.area_level.unique()})
    pop = pd.Series([pops[(lv, c)] for lv, c, _ in per.index], index=per.index)
    np.testing.assert_allclose(per * pop / 1000, counts.reindex(per.index), rtol=1e-9, atol=1e-9)
    iv = t.dropna(subset=["lower"])
    assert ((iv["lower"] <= iv["value"] + 1e-12) & (iv["value"] <= iv["upper"] + 1e-12)).all()


def test_pipeline_adds_snapshot_change_when_a_previous_register_is_given(ref, tmp_path):
    from sote_analytics.pipeline import build_indicators

    old = tmp_path / "old.csv"
    new = tmp_path / "new.csv"
    old.write_text("nimi;kotipaikka;rekisterinumero\nA ry;Kokkola;1\nB ry;Kannus;2\n", encoding="utf-8")
    new.write_text("nimi;kotipaikka;rekisterinumero\nB ry;Kokkola;2\nC ry;Kannus;3\n", encoding="utf-8")
    _, ind = build_indicators(new, ref, tmp_path / "p", previous_path=old)
    t = ind.table
    kok = t[(t.area_level == "kunta") & (t.area_code == "272")].set_index("indicator")["value"]
    assert (kok["ceased_associations"], kok["moved_in"], kok["net_change"]) == (1, 1, 0)
    kan = t[(t.area_level == "kunta") & (t.area_code == "217")].set_index("indicator")["value"]
    assert (kan["new_associations"], kan["moved_out"], kan["net_change"]) == (1, 1, 0)


def test_area_tables_do_not_depend_on_the_tables_row_order(demo_ind, ref):
    """The municipality x sector table and the coverage gaps read one area's rows through the table's
    lookups (grouped once): a table whose rows come in any order gives the same tables as the one written."""
    from dataclasses import replace

    import pandas as pd

    from sote_analytics.indicators.engine import coverage_gaps, municipality_sector_table

    shuffled = replace(demo_ind, table=demo_ind.table.sample(frac=1, random_state=3),
                       municipality_counts=demo_ind.municipality_counts.sample(frac=1, random_state=4))
    for level, code in [("hyvinvointialue", "15"), ("hyvinvointialue", "90"), ("kunta", "179"), ("koko_maa", "SSS")]:
        pd.testing.assert_frame_equal(municipality_sector_table(shuffled, ref, level, code),
                                      municipality_sector_table(demo_ind, ref, level, code))
        for by in ("domicile", "operating_area"):
            pd.testing.assert_frame_equal(coverage_gaps(shuffled.municipality_counts, ref, level, code, by),
                                          coverage_gaps(demo_ind.municipality_counts, ref, level, code, by))
    own = municipality_sector_table(demo_ind, ref, "hyvinvointialue", "15")
    t = demo_ind.table
    dist = t[(t["area_level"] == "hyvinvointialue") & (t["area_code"] == "15")
             & (t["indicator"] == "district_associations")].set_index("sector")["value"]
    assert (own.loc["district"] == dist.reindex(own.columns).fillna(0).astype(int)).all()


def test_area_rows_are_the_areas_own_after_the_table_changes_in_place(demo_ind):
    """A table sorted, relabelled or grown in place after it was grouped is grouped again: ``area_rows`` never
    hands out another area's rows (the figures and workbooks take an analyst's table as it is)."""
    import warnings

    from sote_analytics.indicators.lookup import area_rows

    def by_mask(t, level, code):
        return t[(t["area_level"] == level) & (t["area_code"] == code)]

    t = demo_ind.table.copy()
    assert area_rows(t, "hyvinvointialue", "15").equals(by_mask(t, "hyvinvointialue", "15"))
    with warnings.catch_warnings():  # pandas 3.1 deprecates inplace; an analyst's older code still does it
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        t.sort_values(["indicator", "area_code"], inplace=True)  # same object, rows moved
    got = area_rows(t, "hyvinvointialue", "15")
    assert got.sort_index().equals(by_mask(t, "hyvinvointialue", "15").sort_index())
    t.loc[t["area_code"] == "15", "area_code"] = "15x"  # relabelled in place
    assert area_rows(t, "hyvinvointialue", "15").empty
    assert len(area_rows(t, "hyvinvointialue", "15x")) == len(got)
    t.loc[len(t) + 10**6] = t.iloc[0]  # grown in place
    assert len(area_rows(t, t.iloc[0]["area_level"], t.iloc[0]["area_code"])) == len(
        by_mask(t, t.iloc[0]["area_level"], t.iloc[0]["area_code"]))
