"""The YTJ client against a local server serving the documented v3 JSON shape."""

import pandas as pd
import pytest

from sote_analytics.ytj import RateLimiter, YTJClient, YTJUnavailableError, enrich


def _company(bid, mun, employer=True, ended=False):
    entries = [{"type": "1", "register": "1", "registrationDate": "1990-01-01"}]
    if employer:
        entries.append({"type": "1", "register": "7", "registrationDate": "2001-01-01",
                        "endDate": "2020-01-01" if ended else None})
    return {"totalResults": 1, "companies": [{
        "businessId": {"value": bid, "registrationDate": "1990-01-01"},
        "names": [{"name": "Testiyhdistys ry", "type": "1"}],
        "mainBusinessLine": {"type": "88999", "typeCodeSet": "TOL2008",
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
