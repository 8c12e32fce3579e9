"""STEA grants: fetch (local server, real JSON shape), resume, join, grant signal, indicators by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from werkzeug import Response

from sote_analytics.net import RateLimiter
from sote_analytics.sources import stea
from sote_analytics.taxonomy import ALL

FIXTURES = Path(__file__).parent / "fixtures" / "stea"


class FakeSTEA:
    """``/api/organisation/<id>`` from the fixture files; 404 for the rest; optional failures."""

    def __init__(self):
        self.calls: list[int] = []
        self.broken: set[int] = set()  # ids answered 503 (the interruption)

    def handler(self, request):
        oid = int(request.path.rsplit("/", 1)[1])
        self.calls.append(oid)
        if oid in self.broken:
            return Response("Service Unavailable", status=503)
        f = FIXTURES / f"organisation_{oid}.json"
        if not f.exists():
            return Response('{"message": "not found"}', status=404, content_type="application/json")
        return Response(f.read_text("utf-8"), content_type="application/json")

    def install(self, httpserver) -> str:
        import re

        httpserver.expect_request(re.compile(r"/api/organisation/\d+")).respond_with_handler(self.handler)
        return httpserver.url_for("/api/organisation")


def _fetch(url, cache, first=1, last=6, **kw):
    return stea.fetch_stea(cache, first, last, base_url=url, limiter=RateLimiter(1e6), sleep=lambda s: None, **kw)


def test_fetch_caches_found_and_absent_and_resumes_after_interruption(httpserver, tmp_path):
    fake = FakeSTEA()
    url = fake.install(httpserver)
    fake.broken = {4, 5, 6}  # the service goes down after id 3
    with pytest.raises(stea.STEAFetchError, match="run again to resume"):
        _fetch(url, tmp_path, max_failures=2, max_retries=1)
    assert fake.calls == [1, 2, 3, 4, 4, 5, 5]  # one retry each after 503, stopped after two failures
    assert sorted(p.name for p in tmp_path.glob("org-*.json")) == ["org-00001.json", "org-00002.json",
                                                                  "org-00003.json"]
    fake.broken, fake.calls = set(), []
    man = _fetch(url, tmp_path)
    assert fake.calls == [4, 5, 6]  # ids 1-3 were not asked again
    c = man["counts"]
    assert (c["from_cache"], c["found"], c["absent"], c["requests"]) == (3, 2, 1, 3)
    fake.calls = []
    man = _fetch(url, tmp_path)
    assert fake.calls == [] and man["counts"]["from_cache"] == 6
    orgs, grants = stea.read_stea(tmp_path)
    assert sorted(orgs["organisation_id"]) == [1, 2, 4, 6]  # 3 has no name, 5 answered 404
    assert len(grants) == 7 and grants["year"].dtype == "Int64"
    one = orgs.set_index("organisation_id").loc[1]
    assert one["business_id"] == "0737546-2" and "seudun" in one["name_history"]
    assert grants.loc[grants["organisation_id"] == 2, "organisation_name"].iloc[0] == "Muuramen Sydänyhdistys ry"
    assert pd.isna(grants.query("organisation_id == 1 and year == 2026")["granted"].iloc[0])  # pending


def test_bad_range(tmp_path):
    with pytest.raises(stea.STEAFetchError, match="bad id range"):
        stea.fetch_stea(tmp_path, 5, 2)


def _register() -> pd.DataFrame:
    return pd.DataFrame({
        "association_id": ["a1", "a2", "a3", "a4", "a5", "a6"],
        "business_id": pd.array(["0737546-2", None, None, None, None, "1572860-0"], dtype="string"),
        "name": ["Jyväskylän Omaishoitajat ry", "MUURAMEN  Sydänyhdistys ry", "Keuruun Eläkkeensaajat ry",
                 "Keuruun Eläkkeensaajat ry", "Keuruun Mielenterveysseura ry", "Keuruun Kuntoutujat ry"],
        "municipality_code": ["179", "500", "249", "249", "249", "249"],
        "sector": ["carers", "unclassified", "elderly", "elderly", "unclassified", "unclassified"],
        "sector_classified": ["carers", "unclassified", "elderly", "elderly", "unclassified", "unclassified"],
        "classification_rule": ["CA01", "", "EL01", "EL01", "", ""],
        "sector_source": ["name_rule", "", "name_rule", "name_rule", "", ""],
    })


def _grants(tmp_path) -> tuple[pd.DataFrame, pd.DataFrame]:
    for f in FIXTURES.glob("organisation_*.json"):
        oid = int(f.stem.split("_")[1])
        (tmp_path / f"org-{oid:05d}.json").write_text(json.dumps(
            {"organisation_id": oid, "status": "found" if json.loads(f.read_text())["name"] else "absent",
             "payload": json.loads(f.read_text("utf-8")), "retrieved_at": "2026-11-30T10:00:00+00:00"}), "utf-8")
    return stea.read_stea(tmp_path)


def test_join_by_business_id_then_exact_name_never_fuzzy(tmp_path):
    orgs, grants = _grants(tmp_path)
    joined, summary = stea.join_to_register(grants, _register(), orgs)
    by_org = joined.groupby("organisation_id")[["association_id", "match"]].first()
    assert by_org.loc[1].tolist() == ["a1", "business_id"]
    assert by_org.loc[2].tolist() == ["a2", "name"]  # no ID on either side; the same name once normalised
    assert pd.isna(by_org.loc[4, "association_id"])  # its ID is not in the register; the name is ambiguous
    assert pd.isna(by_org.loc[6, "association_id"])  # 'r.y.' is not 'ry': never a fuzzy accept
    assert summary["ambiguous_names_not_accepted"] == ["Keuruun Eläkkeensaajat ry"]
    assert summary["grants_by_business_id"] == 4 and summary["grants_by_name"] == 1
    assert summary["organisations_unmatched"] == 2


def test_grant_signal_gives_a_sector_only_where_the_name_gave_none(tmp_path):
    orgs, grants = _grants(tmp_path)
    reg = _register()
    joined, _ = stea.join_to_register(grants, reg, orgs)
    out = stea.stea_sector_signal(reg, joined).set_index("association_id")
    assert out.loc["a1", "sector"] == "carers" and out.loc["a1", "classification_rule"] == "CA01"  # name kept
    assert out.loc["a2", "sector"] not in ("unclassified", "not_sote")
    assert out.loc["a2", "classification_rule"] in (stea.RULE_STEA_PURPOSE, stea.RULE_STEA)
    assert out.loc["a2", "sector_source"] == "stea"
    assert out.loc["a6", "sector"] == "unclassified"  # no grant, no signal


def test_indicators_per_1000_by_hand(tmp_path, ref):
    """Jyväskylä 145,887, Muurame 10,486, Keski-Suomen hyvinvointialue 272,437 inhabitants (2022)."""
    pop = ref.areas("kunta").set_index("code")["population"]
    assert (pop["179"], pop["500"]) == (145887, 10486)
    assert ref.areas("hyvinvointialue").set_index("code").at["15", "population"] == 272437
    orgs, grants = _grants(tmp_path)
    reg = _register()
    joined, _ = stea.join_to_register(grants, reg, orgs)
    rows = stea.stea_indicators(joined, stea.stea_sector_signal(reg, joined), ref, "2026-11-30T10:00:00")
    from sote_analytics.indicators.definitions import TABLE_COLUMNS

    assert list(rows.columns) == TABLE_COLUMNS
    v = rows.set_index(["area_level", "area_code", "sector", "year", "indicator"])["value"]
    # Jyväskylä 2025: 50,000 + 30,000 = 80,000 EUR to one association; 80,000 * 1,000 / 145,887 = 548.37
    assert v[("kunta", "179", ALL, 2025, "stea_grants_total")] == 80000
    assert v[("kunta", "179", ALL, 2025, "stea_grants_per_1000")] == pytest.approx(548.37, abs=0.005)
    assert v[("kunta", "179", ALL, 2025, "stea_funded_associations")] == 1
    assert v[("kunta", "179", "carers", 2025, "stea_grants_total")] == 80000
    # Muurame 2025: 12,000 (joined by name); 12,000 * 1,000 / 10,486 = 1,144.38
    assert v[("kunta", "500", ALL, 2025, "stea_grants_per_1000")] == pytest.approx(1144.38, abs=0.005)
    # the wellbeing services county: 92,000 to two associations; 92,000 * 1,000 / 272,437 = 337.69; 46,000 each
    assert v[("hyvinvointialue", "15", ALL, 2025, "stea_grants_total")] == 92000
    assert v[("hyvinvointialue", "15", ALL, 2025, "stea_grants_per_1000")] == pytest.approx(337.69, abs=0.005)
    assert v[("hyvinvointialue", "15", ALL, 2025, "stea_grants_per_association")] == 46000
    assert v[("kunta", "179", ALL, 2024, "stea_grants_total")] == 70000
    assert (2026 not in set(rows["year"])) and v[("kunta", "249", ALL, 2025, "stea_grants_total")] == 0
    assert pd.isna(v[("kunta", "249", ALL, 2025, "stea_grants_per_association")])
    assert rows.attrs["unmatched_granted"] == 13000  # Keuruu's two grants that joined nothing
    assert rows["source"].iloc[0] == "STEA (avustukset.stea.fi), 2026-11-30"


def test_cli_resources_fetch(httpserver, tmp_path):
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    fake = FakeSTEA()
    url = fake.install(httpserver)
    out = tmp_path / "out"
    args = ["resources", "fetch", "--source", "stea", "--first-id", "1", "--last-id", "6", "--out", str(out),
            "--cache-dir", str(tmp_path / "c"), "--per-minute", "100000", "--base-url", url]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "4 organisations found, 2 absent" in r.output
    g = stea.read_grants(out / "stea_grants.csv")
    assert len(g) == 7 and (out / "stea_manifest.json").exists()
    r = CliRunner().invoke(app, args)
    assert "6 from the cache" in r.output and "0 requests" in r.output
    r = CliRunner().invoke(app, ["resources", "fetch", "--source", "other"])
    assert r.exit_code == 2 and "unknown source" in r.output


@pytest.mark.slow
def test_stea_grants_in_a_report(tmp_path, ref, reference_dir, monkeypatch):
    """A YTJ-based run with a `stea` grants file (the proposed wiring) -> the resources section shows them."""
    import ytj_synthetic as ys

    from sote_analytics import pipeline
    from sote_analytics.report import content

    z = ys.write_bulk_zip(ys.synthetic_associations(ref, 600, seed=8), tmp_path / "b.zip")
    out = tmp_path / "processed"
    real = pipeline.store_indicators
    seen: dict = {}

    def wired(res, ref_, processed_dir, *a, counted=None, meta=None, **kw):
        keski = counted[counted["municipality_code"].map(ref_.area_of("hyvinvointialue")) == "15"]
        bids = keski["business_id"].dropna().head(3).tolist()
        grants = pd.DataFrame({"organisation_id": [1, 2, 3], "business_id": bids,
                               "organisation_name": ["x", "y", "z"], "year": [2025, 2025, 2025],
                               "requested": [0, 0, 0], "proposed": [0, 0, 0], "granted": [10000, 20000, 30000],
                               "purpose": ["vertaistuki", "", ""]})
        grants.to_csv(tmp_path / "stea_grants.csv", index=False)
        (tmp_path / "stea_manifest.json").write_text(json.dumps({"retrieved_at": "2026-11-30T10:00:00+00:00"}))
        reg, rows, summary = stea.attach_stea(counted, tmp_path / "stea_grants.csv", ref_)
        seen.update(summary)
        return real(res, ref_, processed_dir, *a, counted=reg, extra_rows=rows,
                    meta={**(meta or {}), "stea_retrieved_at": summary["stea_retrieved_at"]}, **kw)

    monkeypatch.setattr(pipeline, "store_indicators", wired)
    pipeline.build_ytj_indicators(tmp_path / "c", ref, out, bulk=z, synthetic=True)
    assert seen["grants_by_business_id"] == 3
    ctx = content.load_context("hyvinvointialue", "15", 2025, "fi", out, reference_dir)
    html = content.resources(ctx).data
    per_1000 = round(60000 * 1000 / 272437)  # 220 EUR per 1,000 inhabitants, by hand
    assert "Vuonna 2025 STEA myönsi alueen 3 yhdistykselle yhteensä 60" in html
    assert f"({per_1000} euroa / 1 000 asukasta, 20" in html.replace("\u00a0", " ")
    assert "avustukset.stea.fi (haettu 30.11.2026)" in html
