"""The `stea` input of a run (`run FILE --stea stea_grants.csv`): grants joined by business ID, shown
in the county report's resources section, per 1,000 inhabitants checked by hand."""

from __future__ import annotations

import json

import pandas as pd


def test_build_indicators_with_stea_grants(tmp_path, ref, reference_dir):
    from sote_analytics.pipeline import build_indicators
    from sote_analytics.report import content

    reg = tmp_path / "r.csv"
    reg.write_text("nimi;kotipaikka;y-tunnus\nJyväskylän Omaishoitajat ry;Jyväskylä;0737546-2\n"
                   "Keuruun Tukiyhdistys ry;Keuruu;1572860-0\nLaukaan Eläkeläiset ry;Laukaa;\n", "utf-8")
    grants = pd.DataFrame({"organisation_id": [1, 2], "business_id": ["0737546-2", "1572860-0"],
                           "organisation_name": ["Jyväskylän Omaishoitajat ry", "Keuruun Tukiyhdistys ry"],
                           "year": [2025, 2025], "requested": [0, 0], "proposed": [0, 0],
                           "granted": [40000, 20000], "purpose": ["omaishoitajien vertaistuki", "kriisiapu"]})
    grants.to_csv(tmp_path / "stea_grants.csv", index=False)
    (tmp_path / "stea_manifest.json").write_text(json.dumps({"retrieved_at": "2026-11-30T10:00:00+00:00"}))
    res, ind = build_indicators(reg, ref, tmp_path / "p", stea_path=tmp_path / "stea_grants.csv")
    t = ind.table.query("area_level == 'hyvinvointialue' and area_code == '15' and sector == 'ALL'")
    row = t.set_index("indicator")
    assert row.loc["stea_grants_total", "value"] == 60000
    pop = ref.areas("hyvinvointialue").set_index("code").at["15", "population"]
    assert row.loc["stea_grants_per_1000", "value"] == 60000 * 1000 / pop  # by hand
    meta = json.loads((tmp_path / "p" / "run.json").read_text("utf-8"))
    assert meta["stea"]["grants_by_business_id"] == 2
    ctx = content.load_context("hyvinvointialue", "15", 2025, "fi", tmp_path / "p", reference_dir)
    html = content.resources(ctx).data
    assert "STEA myönsi alueen 2 yhdistykselle" in html
    # the grant signal: an unclassified recipient becomes sote
    keuruu = res.register.set_index("name").loc["Keuruun Tukiyhdistys ry"]
    assert keuruu["sector"] != "unclassified"
