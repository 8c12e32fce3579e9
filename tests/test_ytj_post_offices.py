"""YTJ by every post office: ``/post_codes`` fan-out, numeric form codes, the ``--all`` date split.

A local server answers like the v3 service: ``/companies`` filters its records by
``companyForm`` (letter code asked, numeric code in the answer), ``location`` (any post
office name of any address, any language), ``postCode`` and the registration-date window,
and pages by 100 (a page past the end answers the first page). The shapes and their
evidence: tests/fixtures/ytj/README.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import ytj_synthetic as ys
from werkzeug import Response

from sote_analytics.net import RateLimiter
from sote_analytics.sources import ytj_records as records
from sote_analytics.sources import ytj_register as yr

FIXTURES = Path(__file__).parent / "fixtures" / "ytj"
TODAY = dt.date(2026, 10, 1)
#: The letter code asked -> the numeric code answered (PRH's YRMU list; see the README).
ASKED_TO_ANSWERED = {"AYH": "6", "SÄÄ": "18"}


def _companies() -> list[dict]:
    return json.loads((FIXTURES / "raasepori_companies.json").read_text("utf-8"))["companies"]


class FakeV3:
    """``/companies``, ``/post_codes``, ``/description`` over a list of records; counts requests."""

    def __init__(self, records: list[dict], per_page: int = 100):
        self.records, self.per_page = records, per_page
        self.calls: list[dict] = []
        self.other_calls: list[str] = []

    @staticmethod
    def _form(c: dict) -> str:
        return str(c["companyForms"][0]["type"])

    def _match(self, c: dict, args: dict) -> bool:
        if "companyForm" in args and self._form(c) != ASKED_TO_ANSWERED.get(args["companyForm"], args["companyForm"]):
            return False
        addrs = c.get("addresses") or []
        if "location" in args and args["location"].upper() not in {
                po["city"].upper() for a in addrs for po in a.get("postOffices") or []}:
            return False
        if "postCode" in args and args["postCode"] not in {a.get("postCode") for a in addrs}:
            return False
        reg = (c.get("registrationDate") or "")[:10]
        if "registrationDateStart" in args and not reg >= args["registrationDateStart"]:
            return False
        return not ("registrationDateEnd" in args and not reg <= args["registrationDateEnd"])

    def companies(self, request):
        args = dict(request.args)
        self.calls.append(dict(args))
        page = int(args.pop("page", 1))
        items = [c for c in self.records if self._match(c, args)]
        n_pages = max(-(-len(items) // self.per_page), 1)
        if page > n_pages:
            page = 1
        body = {"totalResults": len(items), "companies": items[(page - 1) * self.per_page: page * self.per_page]}
        return Response(json.dumps(body, ensure_ascii=False), content_type="application/json")

    def post_codes(self, request):
        self.other_calls.append(f"post_codes?lang={request.args['lang']}")
        text = (FIXTURES / f"post_codes_{request.args['lang']}.json").read_text("utf-8")
        return Response(text, content_type="application/json")

    def description(self, request):
        self.other_calls.append(f"description?code={request.args['code']}")
        text = (FIXTURES / f"description_{request.args['code']}_{request.args['lang']}.txt").read_text("utf-8")
        return Response(text, content_type="text/plain; charset=utf-8")

    def install(self, httpserver) -> str:
        httpserver.expect_request("/companies").respond_with_handler(self.companies)
        httpserver.expect_request("/post_codes").respond_with_handler(self.post_codes)
        httpserver.expect_request("/description").respond_with_handler(self.description)
        return httpserver.url_for("/")


def _http() -> yr.Http:
    return yr.Http(limiter=RateLimiter(1e6), sleep=lambda s: None)


RASEBORG = {"1000001-2", "1000015-1", "1000022-3", "1000029-0", "1000036-2", "1000050-6"}


def test_three_post_offices_one_swedish_return_all_their_associations(httpserver, tmp_path, ref):
    fake = FakeV3(_companies())
    url = fake.install(httpserver)
    reg, man = yr.build_ytj_register(tmp_path, ref, ["710"], base_url=url, http=_http(), today=TODAY)
    assert set(reg["business_id"]) == RASEBORG  # Karjaa, Tammisaari/Ekenäs and Bromarv (Swedish only)
    assert set(reg["municipality_code"]) == {"710"}
    by = reg.set_index("business_id")
    assert by.loc["1000050-6", "municipality_basis"] == "post_code"  # no municipalityCode: by 10300
    assert by.loc["1000029-0", "company_form"] == "Säätiö"
    asked = {c["location"] for c in fake.calls}
    assert asked == {"KARJAA", "TAMMISAARI", "BROMARV", "KARIS", "EKENÄS"}  # the inactive 10320 adds none
    assert man["fan_out"]["queries_per_municipality"] == {"710": 5}
    assert man["counts"]["outside_requested_municipalities"] == 1  # the Inkoo one asked via Karjaa
    assert man["fan_out"]["post_codes_retrieved_at"]["fi"] and man["code_lists"]["YRMU"]["entries"] == 11
    assert man["http"]["requests"] == len(fake.calls) + 3  # 2 post office lists + 1 code list
    assert all(q["records"] == q["total_results"] for q in man["queries"])

    # the old way (the municipality's own names) finds none of them: no post office is called Raasepori
    old, _ = yr.build_ytj_register(tmp_path / "old", ref, ["710"], base_url=url, http=_http(), today=TODAY,
                                   by="municipality_name")
    assert len(old) == 0

    # resumable: a second run is answered from the cache alone
    n = len(fake.calls) + len(fake.other_calls)
    again, man2 = yr.build_ytj_register(tmp_path, ref, ["710"], base_url=url, offline=True, today=TODAY)
    assert len(fake.calls) + len(fake.other_calls) == n
    assert sorted(again["business_id"]) == sorted(reg["business_id"])
    assert man2["http"]["pages_from_cache"] == man["http"]["pages_fetched"]


def test_fan_out_by_post_code_finds_the_same(httpserver, tmp_path, ref):
    fake = FakeV3(_companies())
    url = fake.install(httpserver)
    reg, _man = yr.build_ytj_register(tmp_path, ref, ["710"], base_url=url, http=_http(), today=TODAY,
                                     by="post_code")
    assert set(reg["business_id"]) == RASEBORG
    assert {c["postCode"] for c in fake.calls} == {"10300", "10600", "10570"}


def test_numeric_form_codes_only(tmp_path, ref):
    """Answers with numeric codes and no descriptions: 6 and 18 are kept, 16 (Osakeyhtiö) is not."""
    recs = _companies()
    for c in recs:
        c["companyForms"][0].pop("descriptions", None)
    assert [records.form_letter(c) for c in recs[:5]] == ["AYH", "AYH", "AYH", "SÄÄ", "AYH"]
    assert records.form_letter(recs[7]) is None
    bulk = tmp_path / "bulk.json"
    bulk.write_text(json.dumps(recs, ensure_ascii=False), "utf-8")
    reg, man = yr.build_ytj_register(tmp_path / "c", ref, bulk=bulk, today=TODAY)
    assert "1000057-3" not in set(reg["business_id"])  # the limited company
    assert set(reg["company_form"]) == {"Aatteellinen yhdistys", "Säätiö"}  # named from the codes
    assert len(reg) == 7 and man["counts"]["quarantined"] == 1  # no municipality code, no post code table
    assert man["counts"]["records_seen"] == 9 and man["counts"]["associations_and_foundations"] == 8


def test_code_list_pinned_with_date_and_parsed(httpserver, tmp_path):
    fake = FakeV3([])
    url = fake.install(httpserver)
    doc = yr.code_list("YRMU", tmp_path, url, _http())
    assert doc["entries"]["6"] == "Aatteellinen yhdistys" and doc["retrieved_at"]
    assert yr.form_codes_from(doc) == {"6": "AYH", "18": "SÄÄ"}
    assert yr.code_list("YRMU", tmp_path, url, None, offline=True)["retrieved_at"] == doc["retrieved_at"]
    assert fake.other_calls == ["description?code=YRMU"]


def test_all_split_by_registration_date_never_pages_past_the_limit(httpserver, tmp_path, ref):
    items = ys.synthetic_associations(ref, 1500, seed=4)
    for c in items:  # answers carry numeric codes
        c["companyForms"][0]["type"] = ASKED_TO_ANSWERED[c["companyForms"][0]["type"]]
    fake = FakeV3(items)
    url = fake.install(httpserver)
    reg, man = yr.build_ytj_register(tmp_path, ref, all_=True, base_url=url, http=_http(), today=TODAY,
                                     max_results=300, synthetic=True)
    paged = [c for c in fake.calls if "page" in c]
    assert paged and max(int(c["page"]) for c in paged) <= 3  # 300 results = 3 pages of 100
    leaves = [q for q in man["queries"] if "registrationDateStart" in q["params"]]
    assert all(q["total_results"] <= 300 for q in leaves)
    assert sum(q["records"] for q in leaves) == len(items)
    assert man["fan_out"]["date_windows_split"] > 0
    check = man["fan_out"]["date_split_check"]
    assert check["AYH"]["without_registration_date_or_missed"] == 0
    assert check["AYH"]["unsplit_total"] + check["SÄÄ"]["unsplit_total"] == len(items)
    assert man["counts"]["associations_and_foundations"] == len({c["businessId"]["value"] for c in items})
    assert len(reg) > 1200
    n = len(fake.calls)  # resumable: the same split is read back from the cache, on any later day
    again, _ = yr.build_ytj_register(tmp_path, ref, all_=True, base_url=url, offline=True,
                                     today=TODAY + dt.timedelta(days=40), max_results=300, synthetic=True)
    assert len(fake.calls) == n and len(again) == len(reg)


def test_unknown_fan_out_and_offline_post_codes(tmp_path, ref):
    with pytest.raises(yr.YTJFetchError, match="unknown fan-out"):
        yr.build_ytj_register(tmp_path, ref, ["710"], by="guess", offline=True)
    with pytest.raises(yr.YTJOfflineError, match="post office list"):
        yr.build_ytj_register(tmp_path, ref, ["710"], offline=True)


def test_cli_register_fetch_by_post_office(httpserver, tmp_path, reference_dir):
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    fake = FakeV3(_companies())
    url = fake.install(httpserver)
    out = tmp_path / "out" / "reg"
    args = ["register", "fetch", "--source", "ytj", "--municipality", "710", "--out", str(out), "--cache-dir",
            str(tmp_path / "c"), "--per-minute", "100000", "--base-url", url, "--reference-dir", str(reference_dir)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "YTJ: 6 associations/foundations" in r.output and "10 queries" in r.output
    assert set(pd.read_csv(out.with_suffix(".csv"), dtype=str)["business_id"]) == RASEBORG
    r = CliRunner().invoke(app, [*args, "--by", "post-code"])
    assert r.exit_code == 0 and "0 requests" not in r.output  # other queries: asked anew
