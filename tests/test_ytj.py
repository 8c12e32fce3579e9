"""The YTJ client against a local server serving the documented v3 JSON shape."""

import pandas as pd
import pytest

from sote_analytics.net import RateLimiter
from sote_analytics.sources.ytj import YTJClient, YTJUnavailableError, enrich


def _company(bid, mun, employer=True, ended=False):
    entries = [{"type": "1", "register": "1", "registrationDate": "1990-01-01"}]
    if employer:
        entries.append({"type": "1", "register": "7", "registrationDate": "2001-01-01",
                        "endDate": "2020-01-01" if ended else None})
    return {"totalResults": 1, "companies": [{
        "businessId": {"value": bid, "registrationDate": "1990-01-01"},
        "names": [{"name": "Testiyhdistys ry", "type": "1"}],
        "mainBusinessLine": {"type": "88999", "typeCodeSet": "TOIMI4",
                             "descriptions": [{"languageCode": "1", "description": "Muu sosiaalitoiminta"}]},
        "addresses": [{"type": 1, "postOffices": [{"city": "JYVÄSKYLÄ", "languageCode": "1",
                                                    "municipalityCode": mun}]}],
        "registeredEntries": entries}]}


def test_enrich_caches_and_resumes(httpserver, tmp_path):
    httpserver.expect_request("/companies", query_string={"businessId": "0737546-2"}) \
        .respond_with_json(_company("0737546-2", "179"))
    httpserver.expect_request("/companies", query_string={"businessId": "1572860-0"}) \
        .respond_with_json(_company("1572860-0", "91", ended=True))
    httpserver.expect_request("/companies", query_string={"businessId": "2535509-4"}) \
        .respond_with_json({"totalResults": 0, "companies": []})
    reg = pd.DataFrame({"association_id": ["a", "b", "c", "d"],
                        "business_id": ["0737546-2", "1572860-0", "2535509-4", None]})
    limiter = RateLimiter(6000)
    client = YTJClient(tmp_path, base_url=httpserver.url_for("/"), limiter=limiter)
    out = enrich(reg, client).set_index("association_id")
    assert out.loc["a", "ytj_tol_code"] == "88999"
    assert out.loc["a", "ytj_municipality_code"] == "179"
    assert bool(out.loc["a", "ytj_employer_register"]) is True
    assert bool(out.loc["b", "ytj_employer_register"]) is False  # employer entry ended
    assert out.loc["b", "ytj_municipality_code"] == "091"
    assert out.loc["c", "ytj_status"] == "not_found"
    assert pd.isna(out.loc["d", "ytj_status"])
    assert client.requests_made == 3 and len(list(tmp_path.glob("*.json"))) == 3
    again = YTJClient(tmp_path, base_url=httpserver.url_for("/"), limiter=limiter)
    enrich(reg, again)
    assert again.requests_made == 0  # resumed entirely from the cache


def test_enrichment_reads_the_record_with_the_registers_parser():
    """One parser: no registeredEntries at all is unknown (None) in the enrichment too, not "no"."""
    from sote_analytics.sources.ytj import enrichment_row

    payload = _company("0737546-2", "179")
    assert enrichment_row(payload, "0737546-2")["ytj_employer_register"] is True
    del payload["companies"][0]["registeredEntries"]
    row = enrichment_row(payload, "0737546-2")
    assert row["ytj_employer_register"] is None and row["ytj_municipality_code"] == "179"
    assert enrichment_row(payload, "1572860-0")["ytj_status"] == "not_found"


def test_rate_limiter_spaces_requests():
    t, slept = [0.0], []

    def sleep(s):
        slept.append(s)
        t[0] += s

    rl = RateLimiter(300, clock=lambda: t[0], sleep=sleep)
    for _ in range(4):
        rl.wait()
    assert slept == pytest.approx([0.2, 0.2, 0.2])


def test_offline_stops_with_clear_message(tmp_path):
    client = YTJClient(tmp_path, base_url="http://127.0.0.1:9", limiter=RateLimiter(1e6), timeout=1,
                       max_connection_failures=2)
    with pytest.raises(YTJUnavailableError, match="Run again later to resume"):
        client.fetch(["0737546-2", "1572860-0", "2535509-4"])


# ---------------------------------------------------------------------------- national register (search + bulk)
import datetime as dt  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import ytj_synthetic as ys  # noqa: E402
from werkzeug import Response  # noqa: E402

from sote_analytics.sources import ytj_records as records  # noqa: E402
from sote_analytics.sources import ytj_register as yr  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "ytj"
TODAY = dt.date(2026, 10, 1)


def _fixture() -> dict:
    return json.loads((FIXTURES / "associations.json").read_text("utf-8"))


class FakeYTJ:
    """A local /companies + /all_companies serving answers by query, counting requests."""

    def __init__(self, answers: dict[tuple, list[dict]], per_page: int = 100):
        self.answers, self.per_page = answers, per_page
        self.calls: list[dict] = []
        self.fail: dict[tuple, list[int]] = {}  # key -> HTTP statuses to answer first
        self.bulk: bytes = b""
        self.ranges: list[str | None] = []

    def companies(self, request):
        args = dict(request.args)
        self.calls.append(dict(args))
        page = int(args.pop("page", 1))
        key = (*tuple(sorted(args.items())), ("page", page))
        if self.fail.get(key):
            status = self.fail[key].pop(0)
            return Response("Liian monta pyyntöä", status=status, headers={"Retry-After": "3"})
        start, end = args.pop("registrationDateStart", None), args.pop("registrationDateEnd", None)
        items = self.answers.get(tuple(sorted(args.items())), [])
        if start or end:  # the --all split: records registered within the window
            items = [c for c in items if (start or "") <= (c.get("registrationDate") or "")[:10] <= (end or "9")]
        n_pages = max(-(-len(items) // self.per_page), 1)
        if page > n_pages:  # documented: a page past the end answers the first page
            page = 1
        body = {"totalResults": len(items), "companies": items[(page - 1) * self.per_page: page * self.per_page]}
        return Response(json.dumps(body), content_type="application/json")

    def all_companies(self, request):
        rng = request.headers.get("Range")
        self.ranges.append(rng)
        if rng:
            start = int(rng.split("=")[1].rstrip("-"))
            return Response(self.bulk[start:], status=206, content_type="application/zip")
        return Response(self.bulk, content_type="application/zip")

    def install(self, httpserver):
        httpserver.expect_request("/companies").respond_with_handler(self.companies)
        httpserver.expect_request("/all_companies").respond_with_handler(self.all_companies)
        httpserver.expect_request("/post_codes").respond_with_handler(self.post_codes)
        return httpserver.url_for("/")

    def post_codes(self, request):
        """Helsinki's one post office of these tests, named per language as ``/post_codes`` does."""
        city = {"fi": "HELSINKI", "sv": "HELSINGFORS"}[request.args["lang"]]
        lang = {"fi": "1", "sv": "2"}[request.args["lang"]]
        return Response(json.dumps([{"postCode": "00100", "city": city, "active": True, "languageCode": lang,
                                     "municipalityCode": "091"}]), content_type="application/json")


def _http(**kw) -> yr.Http:
    slept: list[float] = []
    h = yr.Http(limiter=RateLimiter(1e6), sleep=slept.append, **kw)
    h.slept = slept  # type: ignore[attr-defined]
    return h


def test_parse_several_addresses_changed_domicile_and_no_street():
    rows = [records.parse_company(c) for c in _fixture()["companies"]]
    a, dissolved, _liquidation, no_address = rows
    # three addresses: the latest visiting address (moved to Muurame in 2023) wins over the
    # older visiting one and the postal one
    assert (a["municipality"], a["municipality_basis"]) == ("500", "visiting_address")
    assert a["name"] == "Jyväskylän Omaishoitajat ry"  # current name, not the ended one
    assert (dissolved["municipality"], dissolved["municipality_basis"]) == ("249", "postal_address")
    assert no_address["municipality"] is None
    assert not any(k in r for r in rows for k in ("street", "postCode", "co", "buildingNumber"))


def test_status_and_employer_register_history():
    a, dissolved, liquidation, unknown = (records.parse_company(c) for c in _fixture()["companies"])
    assert (a["status"], dissolved["status"], liquidation["status"]) == ("active", "dissolved", "in_liquidation")
    assert dissolved["end_date"] == "2018-03-31"
    # left the employer register in 2012, back in 2016: registered now, both periods kept
    assert a["has_employer_registration"] is True
    assert a["employer_registration_periods"] == "2001-01-01..2012-06-30; 2016-09-01.."
    assert dissolved["has_employer_registration"] is False  # only an ended period
    assert liquidation["has_employer_registration"] is False  # entries listed, none in register 7
    assert unknown["has_employer_registration"] is None  # no registeredEntries at all: unknown
    assert a["tol_code"] == "88109" and a["tol_code_set"] == "TOIMI4"


def test_bulk_filter_by_form_name_when_code_is_numeric():
    recs = _fixture()["companies"]
    assert records.is_association(recs[2])  # form code "99", Finnish name "Aatteellinen yhdistys"
    company = {**recs[0], "companyForms": [{"type": "16", "version": 1,
                                            "descriptions": [{"languageCode": "1", "description": "Osakeyhtiö"}]}]}
    assert not records.is_association(company)


def _helsinki_answers(n: int, ref) -> dict:
    items = [c for c in ys.synthetic_associations(ref, n, seed=3)]
    for c in items:
        for a in c["addresses"]:
            a["postOffices"] = [{"city": "HELSINKI", "languageCode": "1", "municipalityCode": "091"}]
    outside = json.loads(json.dumps(_fixture()["companies"][0]))  # found by post office, lives in 500
    return {(("companyForm", "AYH"), ("location", "HELSINKI")): [*items, outside]}


def test_search_pages_filters_municipality_and_resumes_from_cache(httpserver, tmp_path, ref):
    fake = FakeYTJ(_helsinki_answers(250, ref))
    url = fake.install(httpserver)
    reg, man = yr.build_ytj_register(tmp_path, ref, ["091"], base_url=url, http=_http(), today=TODAY)
    with_address = sum(1 for c in fake.answers[next(iter(fake.answers))][:-1] if c["addresses"])
    assert len(reg) == with_address and set(reg["municipality_code"]) == {"091"}
    assert man["counts"]["outside_requested_municipalities"] == 1
    assert man["counts"]["quarantined"] == 250 - with_address
    pages = [c.get("page") for c in fake.calls if c.get("location") == "HELSINKI" and c["companyForm"] == "AYH"]
    assert pages == [None, "2", "3"]  # 251 results, 100 a page; the first page without 'page'
    assert {c["location"] for c in fake.calls} == {"HELSINKI", "HELSINGFORS"}
    assert man["licence"] == "CC BY 4.0" and man["url"].endswith("/companies")
    n = len(fake.calls)
    again, man2 = yr.build_ytj_register(tmp_path, ref, ["091"], base_url=url, offline=True, today=TODAY)
    assert len(fake.calls) == n and man2["http"]["pages_from_cache"] == man["http"]["pages_fetched"]
    assert again["association_id"].tolist() == reg["association_id"].tolist()


def test_interrupted_download_resumes_and_corrupt_page_refetched(httpserver, tmp_path, ref):
    fake = FakeYTJ(_helsinki_answers(250, ref))
    key = (("companyForm", "AYH"), ("location", "HELSINKI"), ("page", 3))
    fake.fail[key] = [500]
    url = fake.install(httpserver)
    with pytest.raises(yr.YTJFetchError, match="HTTP 500"):
        yr.build_ytj_register(tmp_path, ref, ["091"], base_url=url, http=_http(), today=TODAY)
    before = len(fake.calls)
    assert before == 3
    page2 = next(tmp_path.glob("search/*AYH*HELSINKI*/page-00002.json"))
    page2.write_text('{"payload": {"companies": [', "utf-8")  # truncated by a crash
    reg, man = yr.build_ytj_register(tmp_path, ref, ["091"], base_url=url, http=_http(), today=TODAY)
    resumed = fake.calls[before:]
    helsinki = [c.get("page") for c in resumed if c.get("location") == "HELSINKI" and c["companyForm"] == "AYH"]
    assert helsinki == ["2", "3"]  # page 1 from the cache; 2 was corrupt; 3 had failed
    assert man["http"]["pages_refetched_corrupt"] == 1
    assert len(reg) > 200


def test_rate_limit_429_backs_off_then_gives_up(httpserver, tmp_path, ref):
    fake = FakeYTJ(_helsinki_answers(20, ref))
    fake.fail[(("companyForm", "AYH"), ("location", "HELSINKI"), ("page", 1))] = [429, 429]
    url = fake.install(httpserver)
    http = _http()
    reg, man = yr.build_ytj_register(tmp_path, ref, ["091"], base_url=url, http=http, today=TODAY)
    assert http.slept == [3.0, 3.0] and man["http"]["throttled"] == 2 and len(reg) > 10
    fake.fail[(("companyForm", "SÄÄ"), ("location", "HELSINKI"), ("page", 1))] = [429] * 9
    with pytest.raises(yr.YTJFetchError, match="too many requests"):
        yr.build_ytj_register(tmp_path / "b", ref, ["091"], base_url=url, http=_http(max_retries=2), today=TODAY)


def test_rate_limiter_keeps_below_published_limit():
    t, slept = [0.0], []
    rl = RateLimiter(250, clock=lambda: t[0], sleep=lambda s: (slept.append(s), t.__setitem__(0, t[0] + s)))
    for _ in range(301):
        rl.wait()
    assert t[0] >= 60.0  # 300 requests take at least a minute: under 300 a minute


def test_offline_messages(tmp_path, ref):
    with pytest.raises(yr.YTJOfflineError, match=r"not in the cache .* fetch it first"):
        yr.build_ytj_register(tmp_path, ref, ["091"], offline=True)
    with pytest.raises(YTJUnavailableError, match="unreachable"):
        yr.build_ytj_register(tmp_path, ref, ["091"], base_url="http://127.0.0.1:9",
                              http=_http(timeout=1))
    with pytest.raises(yr.YTJFetchError, match="--all"):
        yr.build_ytj_register(tmp_path, ref)


def test_bulk_download_resumes_with_range_and_streams(httpserver, tmp_path, ref):
    fake = FakeYTJ({})
    company = ys.company_record(__import__("numpy").random.default_rng(1), "0112038-9", "Esimerkki Oy",
                                ("16", "Osakeyhtiö"), ("049", "Espoo"), "70100")
    records = [*ys.synthetic_associations(ref, 300, seed=5), company]
    fake.bulk = ys.write_bulk_zip(records, tmp_path / "src.zip").read_bytes()
    url = fake.install(httpserver)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "all_companies.zip.part").write_bytes(fake.bulk[: len(fake.bulk) // 2])  # interrupted
    _reg, man = yr.build_ytj_register(cache, ref, download_bulk_file=True, base_url=url, http=_http(), today=TODAY)
    assert fake.ranges == [f"bytes={len(fake.bulk) // 2}-"]
    assert (cache / "all_companies.zip").read_bytes() == fake.bulk
    assert man["counts"]["records_seen"] == 301 and man["counts"]["associations_and_foundations"] == 300
    assert man["mode"] == "bulk"
    # offline afterwards: read from the cache, no request
    yr.build_ytj_register(cache, ref, download_bulk_file=True, offline=True, today=TODAY)
    assert len(fake.ranges) == 1
    (cache / "all_companies.zip").write_bytes(b"PK\x03\x04 not a zip")
    fake.bulk = b"garbage"
    with pytest.raises(yr.YTJFetchError, match="not a readable ZIP"):
        yr.build_ytj_register(cache, ref, download_bulk_file=True, base_url=url, http=_http(), today=TODAY)
    assert not (cache / "all_companies.zip.part").exists()


def test_truncated_bulk_file_is_an_error():
    with pytest.raises(yr.YTJFetchError, match="truncated"):
        list(yr.iter_json_array(io.StringIO('[{"a": 1}, {"b": '), chunk=5))
    with pytest.raises(yr.YTJFetchError, match="truncated"):
        list(yr.iter_json_array(io.StringIO('[{"a": 1}, '), chunk=5))


def test_realistic_2000_associations_all_mode(httpserver, tmp_path, ref):
    """SYNTHETIC fixture (generated by the project) of 2,200 records in the v3 shape, --all."""
    items = ys.synthetic_associations(ref, 2200, seed=11)
    fake = FakeYTJ({(("companyForm", "AYH"),): [c for c in items if c["companyForms"][0]["type"] == "AYH"],
                    (("companyForm", "SÄÄ"),): [c for c in items if c["companyForms"][0]["type"] == "SÄÄ"]})
    url = fake.install(httpserver)
    reg, man = yr.build_ytj_register(tmp_path, ref, all_=True, base_url=url, http=_http(), today=TODAY,
                                     synthetic=True)
    assert len(reg) >= 1900 and man["synthetic"] is True
    from sote_analytics.read.register import CANONICAL_COLUMNS, schema

    assert list(reg.columns[: len(CANONICAL_COLUMNS)]) == CANONICAL_COLUMNS
    assert set(yr.YTJ_COLUMNS) <= set(reg.columns)
    schema().validate(reg)
    assert reg["paid_staff"].isna().all() and reg["members"].isna().all()  # unknown, never 0
    assert (reg["source"] == "ytj").all()
    dissolved = reg["status"].eq("dissolved")
    assert 0 < dissolved.sum() < len(reg) and len(yr.current(reg)) == len(reg) - dissolved.sum()
    trends = yr.founded_ended_per_year(reg, ref, level="hyvinvointialue")
    assert trends["founded"].sum() == reg["registration_year"].notna().sum()
    assert trends["ended"].sum() == (dissolved & reg["end_date"].notna()).sum()
    assert (trends["net"] == trends["founded"] - trends["ended"]).all()
    assert set(trends["area_code"]) <= set(ref.key["hyvinvointialue_code"])
    by_mun = yr.founded_ended_per_year(reg)
    assert set(by_mun["area_code"]) <= set(ref.key["kunta_code"])


def test_tol_is_second_signal_after_name(ref):
    recs = _fixture()["companies"]
    from sote_analytics.pipeline import apply_classification

    flat = __import__("pandas").DataFrame([records.parse_company(c) for c in recs[:3]])
    unclassified, _q = yr.to_canonical(flat, ref, TODAY)
    assert "sector_source" not in unclassified  # the sources stage does not classify
    reg = yr.add_classification(unclassified, lambda r: apply_classification(r, sector_given=False))
    by = reg.set_index("business_id")
    assert by.loc["0737546-2", "sector_source"] == "name_rule"  # the name decides (carers)
    assert by.loc["2535509-4", "sector"] == "other_sote"  # 'Tukiranka ry': no name rule; TOL 88
    assert by.loc["2535509-4", "sector_source"] == "tol"
    assert by.loc["2535509-4", "classification_rule"] == "TOL88"


def test_cli_register_fetch_writes_parquet_and_csv(tmp_path, ref, reference_dir):
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    z = ys.write_bulk_zip(ys.synthetic_associations(ref, 120, seed=2), tmp_path / "b.zip")
    out = tmp_path / "out" / "ytj_register"
    r = CliRunner().invoke(app, ["register", "fetch", "--source", "ytj", "--bulk", str(z), "--out", str(out),
                                 "--cache-dir", str(tmp_path / "c"), "--reference-dir", str(reference_dir)])
    assert r.exit_code == 0, r.output
    csv = out.with_suffix(".csv").read_text("utf-8")
    assert out.with_suffix(".parquet").exists() and "Esimerkkikatu" not in csv and "postCode" not in csv
    assert json.loads((tmp_path / "c" / "manifest.json").read_text())["attribution"].startswith("Lähde: Patentti")
    r = CliRunner().invoke(app, ["register", "fetch", "--source", "other", "--all"])
    assert r.exit_code == 2 and "unknown source" in r.output


@pytest.mark.slow
def test_run_source_ytj_into_reports(tmp_path, ref, reference_dir, monkeypatch):
    """2,200 synthetic associations in the real YTJ shape through `run --source ytj` into reports (the whole
    country's indicators; one county's report and the national overview rendered: ``--area 15``)."""
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    monkeypatch.chdir(tmp_path)
    z = ys.write_bulk_zip(ys.synthetic_associations(ref, 2200, seed=5), tmp_path / "all_companies.zip")
    r = CliRunner().invoke(app, ["run", "--source", "ytj", "--bulk", str(z), "--cache-dir", str(tmp_path / "c"),
                                 "--level", "hyvinvointialue", "--area", "15", "--reference-dir", str(reference_dir),
                                 "--workers", "2"])
    assert r.exit_code == 0, r.output
    meta = json.loads((tmp_path / "sote-output" / "processed" / "run.json").read_text("utf-8"))
    assert meta["source_kind"] == "ytj" and meta["dissolved"] > 0 and meta["current"] > 1000
    assert meta["rows_in"] == meta["accepted"] + meta["quarantined"]
    page = (tmp_path / "sote-output" / "reports" / "hyvinvointialue_15.html").read_text("utf-8")
    assert "Perustetut ja lakanneet" in page and "Y-tunnus" in page  # trends and the coverage note
    ind = pd.read_parquet(tmp_path / "sote-output" / "processed" / "indicators.parquet")
    total = ind.query("area_level == 'koko_maa' and sector == 'ALL' and indicator == 'associations'")["value"]
    assert total.iloc[0] <= meta["current"]  # dissolved associations are not in current counts
