"""YTJ's completeness against PRH's official counts: the data file, its loader, the rows, the reports."""

from __future__ import annotations

import pandas as pd
import pytest

from sote_analytics.sources import official_counts as oc


def test_official_counts_file_is_dated_sourced_and_adds_up():
    c = oc.official_counts()
    assert set(c["source"]) == {"prh", "soste"}
    assert c["as_of"].ne("").all() and c["page_url"].str.startswith("https://").all() and c["licence"].ne("").all()
    prh = oc.official_counts("prh", "maakunta")
    wide = prh.pivot(index="area_code", columns="purpose_class", values="count")
    full = wide.drop(index=oc.AHVENANMAA)
    parts = [str(k) for k in range(1, 10)] + ["unclassified"]
    assert (full[parts].sum(axis=1) == full["total"]).all()  # every region's classes add up to its total
    assert len(full) == 18 and oc.prh_national() == (107851, 18)  # the 107,851 outside Åland
    assert pd.isna(wide.loc[oc.AHVENANMAA, "total"])  # cut in the stored page: unknown, not 0
    assert oc.prh_as_of() == "2025-01-02"
    soste = oc.official_counts("soste")
    assert int(soste.query("purpose_class == 'sote'")["count"].iloc[0]) == 10183
    by_area = soste.query("level == 'hyvinvointialue'").set_index("area_code")["count"]
    assert by_area.to_dict() == {"90": 1799, "5": 938, "8": 935}


def test_region_codes_match_the_reference(ref):
    codes = set(ref.areas("maakunta")["code"].astype(str))
    assert set(oc.official_counts("prh", "maakunta")["area_code"]) == codes
    hva = ref.areas("hyvinvointialue").set_index("code")["name_fi"]
    for r in oc.official_counts("soste", "hyvinvointialue").itertuples():
        assert hva[r.area_code] == r.area_name_fi


def test_completeness_rows_by_hand(ref):
    key = ref.key.set_index("kunta_code")
    jkl = "179"  # Jyväskylä, Keski-Suomi (13)
    assert key.at[jkl, "maakunta_code"] == "13"
    reg = pd.DataFrame({"municipality_code": [jkl, jkl, jkl, "091"],
                        "company_form": ["Aatteellinen yhdistys", "Aatteellinen yhdistys", "Säätiö",
                                         "Aatteellinen yhdistys"]})
    rows = oc.completeness_rows(reg, ref).set_index(["area_level", "area_code", "indicator"])["value"]
    assert rows[("maakunta", "13", "ytj_associations_with_business_id")] == 2  # the foundation is not counted
    assert rows[("maakunta", "13", "prh_registered_associations")] == 5330
    assert rows[("maakunta", "13", "ytj_share_of_prh_register")] == pytest.approx(2 / 5330)
    assert rows[("maakunta", "13", "prh_sote_associations")] == 354
    assert rows[("koko_maa", "SSS", "ytj_associations_with_business_id")] == 3
    assert rows[("koko_maa", "SSS", "prh_registered_associations")] == 107851
    assert pd.isna(rows[("maakunta", "21", "ytj_share_of_prh_register")])
    from sote_analytics.indicators.definitions import TABLE_COLUMNS, definitions

    assert list(oc.completeness_rows(reg, ref).columns) == TABLE_COLUMNS
    assert set(oc.COMPLETENESS_INDICATORS) <= set(definitions())


@pytest.mark.slow
def test_completeness_in_a_ytj_report_and_the_national_overview(tmp_path, ref, reference_dir, monkeypatch):
    """A YTJ-based processed folder with the completeness rows (the proposed wiring) -> both reports."""
    import ytj_synthetic as ys

    from sote_analytics import pipeline
    from sote_analytics.report import content, national

    real = pipeline.store_indicators

    def wired(res, ref_, processed_dir, *a, counted=None, **kw):  # the one line proposed for build_ytj_indicators
        return real(res, ref_, processed_dir, *a, counted=counted, extra_rows=oc.completeness_rows(counted, ref_), **kw)

    monkeypatch.setattr(pipeline, "store_indicators", wired)
    z = ys.write_bulk_zip(ys.synthetic_associations(ref, 1200, seed=3), tmp_path / "b.zip")
    out = tmp_path / "processed"
    pipeline.build_ytj_indicators(tmp_path / "c", ref, out, bulk=z, synthetic=True)
    ctx = content.load_context("maakunta", "13", 2025, "en", out, reference_dir)
    html = content.resources(ctx).data
    n = int(ctx.value("ytj_associations_with_business_id")["value"])
    assert f"YTJ: {n} associations with a business ID; PRH&#x27;s register: 5,330 associations in Central Finland " \
           "(2025-01-02)" in html
    assert "neither figure includes foundations" in html
    kctx = content.load_context("kunta", "179", 2025, "fi", out, reference_dir)
    assert "PRH:n yhdistysrekisterissä 5" in content.open_resources(kctx)  # the region's figure, named
    nctx = national.load_national("maakunta", 2025, "fi", out, reference_dir)
    page = national.links_and_sources(nctx).data
    assert "YTJ:n kattavuus" in page and "2.1.2025" in page and "Keski-Suomi" in page
