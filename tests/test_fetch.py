"""The fetchers against a local HTTP server serving the services' current response shapes.

Fixtures: ``tests/fixtures/reference/`` (README there names where each shape was seen).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
import requests
from werkzeug import Response

from sote_analytics.reference import load_reference, resolve_reference
from sote_analytics.reference.cache import ALL_PARTS, PARTS, cache_is_complete
from sote_analytics.reference.fetch import check_services, fetch_reference, format_probes
from sote_analytics.reference.services import ServiceURLs

FIX = Path(__file__).parent / "fixtures" / "reference"


def _fx(name: str):
    return json.loads((FIX / name).read_text("utf-8"))


class Services:
    """The official services as a local server; attributes switch failure modes."""

    def __init__(self, httpserver):
        self.server = httpserver
        self.items = _fx("classification_items.json")
        self.maps = _fx("correspondence_maps_bare.json")
        self.wfs = _fx("wfs_kunta4500k_2025.json")
        self.px_meta = _fx("pxweb_11ra_metadata.json")
        self.px_data = _fx("pxweb_11ra_jsonstat2.json")
        self.age_meta = _fx("pxweb_11re_metadata.json")
        self.age_data = _fx("pxweb_11re_jsonstat2.json")
        self.age_status = 200
        self.age_queries: list[dict] = []
        self.wfs_status = 200
        self.px_status = 200
        self.throttle = 0  # answer 429 this many times first
        self.hits: list[str] = []
        s = httpserver
        self.listing = _fx("correspondence_tables.json")
        s.expect_request("/cls/correspondenceTables").respond_with_handler(lambda r: self._json(self.listing))
        for cid in self.items:
            s.expect_request(f"/cls/classifications/{cid}/classificationItems") \
                .respond_with_handler(lambda r, c=cid: self._items(r, c))
        for tid in self.maps:
            s.expect_request(f"/cls/correspondenceTables/{tid}/maps") \
                .respond_with_handler(lambda r, t=tid: self._maps(r, t))
        s.expect_request("/wfs").respond_with_handler(self._wfs)
        s.expect_request("/px", method="GET").respond_with_handler(
            lambda r: self._px(self.px_meta))
        s.expect_request("/px", method="POST").respond_with_handler(lambda r: self._px(self.px_data))
        s.expect_request("/px-age", method="GET").respond_with_handler(lambda r: self._age(r, self.age_meta))
        s.expect_request("/px-age", method="POST").respond_with_handler(lambda r: self._age(r, self.age_data))
        s.expect_request("/sotkanet/regions").respond_with_json(_fx("sotkanet_regions.json"))
        s.expect_request("/sotkanet/json").respond_with_json(_fx("sotkanet_json_127.json"))
        s.expect_request("/ytj/companies").respond_with_json(_fx("ytj_companies_association.json"))
        self.urls = ServiceURLs(classification=s.url_for("/cls"), wfs=s.url_for("/wfs"),
                                pxweb_population=s.url_for("/px"), pxweb_age=s.url_for("/px-age"),
                                sotkanet=s.url_for("/sotkanet"),
                                ytj=s.url_for("/ytj"))

    def _json(self, obj, status=200):
        return Response(json.dumps(obj, ensure_ascii=False), status=status, content_type="application/json")

    def _items(self, request, cid):
        if self.throttle:
            self.throttle -= 1
            return Response("Too many requests", status=429, headers={"Retry-After": "2"})
        return self._json(self.items[cid][request.args.get("lang", "fi")])

    def _maps(self, request, tid):
        # Since October 2026 the service answers 500 when content, meta or lang is given.
        if {"content", "meta", "lang"} & set(request.args):
            return Response('{"message":"Internal Server Error"}', status=500,
                            content_type="application/json")
        self.hits.append(request.full_path)
        return self._json(self.maps[tid])

    def _wfs(self, request):
        if self.wfs_status != 200:
            return Response("Service Unavailable", status=self.wfs_status)
        assert request.args["typeName"] == "tilastointialueet:kunta4500k_2025"
        return self._json(self.wfs)

    def _age(self, request, obj):
        if self.age_status != 200:
            return Response("Bad Request", status=self.age_status)
        if request.method == "POST":
            self.age_queries.append(request.get_json())
        return self._json(obj)

    def _px(self, obj):
        if self.px_status != 200:
            return Response("Bad Request", status=self.px_status)
        return self._json(obj)


@pytest.fixture
def services(httpserver):
    return Services(httpserver)


def _fetch(services, cache, **kw):
    kw.setdefault("population_from", 2023)
    kw.setdefault("mergers_from", 2025)
    return fetch_reference(2025, cache, urls=services.urls, retries=2, sleep=lambda s: None, **kw)


def test_fetch_with_todays_shapes_gives_a_complete_cache_that_loads(services, tmp_path):
    res = _fetch(services, tmp_path)
    assert res.failed == {} and res.complete
    man = res.manifest
    assert {p: man["parts"][p]["status"] for p in PARTS} == dict.fromkeys(PARTS, "ok")
    assert man["parts"]["hierarchy"]["tables"]["hyvinvointialue"] == \
        "kunta_1_20250101#hyvinvointialue_1_20250101"
    assert man["parts"]["population"]["source"] == "pxweb"
    assert man["parts"]["population"]["area_variable"] == "alue_23_20260101"
    assert cache_is_complete(tmp_path, 2025) == (True, "complete")
    # the bare /maps was asked without content/meta/lang (which answer HTTP 500)
    assert services.hits and all("content=" not in h and "lang=" not in h for h in services.hits)

    ref = load_reference(2025, reference_dir=tmp_path)
    assert ref.municipality_codes == ["020", "091", "507"]
    hva = ref.areas("hyvinvointialue").set_index("code")
    assert hva.loc["12", "name_fi"] == "Etelä-Savon hyvinvointialue"
    assert hva.loc["8", "name_sv"] == "Birkalands välfärdsområde"  # "08" from the service
    assert ref.key.set_index("kunta_code").loc["091", "kunta_name_sv"] == "Helsingfors"
    assert ref.population_year == 2025 and int(ref.population["091"]) == 694392
    assert len(ref.boundaries("maakunta")) == 3
    # Pertunmaa left the 2025 list; its successor comes from the package's mergers table
    m = ref.mergers
    assert ("588", "507", 2025) in set(zip(m["old_code"], m["new_code"], m["effective_year"], strict=True))


def test_maps_with_parameters_answers_500(services):
    url = services.urls.classification + \
        "/correspondenceTables/kunta_1_20250101%23maakunta_1_20250101/maps"
    assert requests.get(url, params={"content": "data", "meta": "min", "lang": "fi"}).status_code == 500
    links = requests.get(url).json()
    assert links[0].endswith("/maps/020/06")


def test_a_failing_part_leaves_the_others_cached_and_is_not_taken_for_complete(
        services, tmp_path, monkeypatch):
    services.wfs_status = 503
    res = _fetch(services, tmp_path)
    assert set(res.failed) == {"boundaries"} and not res.complete
    assert "HTTP 503" in res.failed["boundaries"]
    for p in ("key", "hierarchy", "population", "mergers"):
        assert res.manifest["parts"][p]["status"] == "ok"
    assert (tmp_path / "municipality_key_2025.csv").is_file()
    text = res.summary()
    assert "boundaries  failed" in text and "--only boundaries" in text and "SOTE_REFERENCE_DIR" in text

    # the loader passes over the partial cache and says so
    monkeypatch.delenv("SOTE_REFERENCE_DIR", raising=False)
    origin = resolve_reference(cache_dir=tmp_path, year=2025)
    assert origin.kind == "embedded"
    assert "parts missing or failed: boundaries" in origin.detail

    # retrying only what failed completes the cache without refetching the rest
    services.wfs_status = 200
    before = {p: res.manifest["parts"][p]["retrieved"] for p in ("key", "population")}
    res2 = _fetch(services, tmp_path, parts=["boundaries"])
    assert res2.complete and res2.failed == {}
    assert {p: res2.manifest["parts"][p]["retrieved"] for p in ("key", "population")} == before
    assert resolve_reference(cache_dir=tmp_path, year=2025).kind == "cache"
    ref = load_reference(2025, cache_dir=tmp_path)
    assert ref.origin.kind == "cache" and "fetched" in ref.notes[0]


def test_a_changed_file_makes_the_cache_incomplete(services, tmp_path):
    _fetch(services, tmp_path)
    pop = next(tmp_path.glob("population_by_municipality_*.csv"))
    pop.write_text(pop.read_text("utf-8").replace("694392", "1"), "utf-8")
    ok, why = cache_is_complete(tmp_path, 2025)
    assert not ok and pop.name in why
    assert not cache_is_complete(tmp_path, 2024)[0]


def test_old_pxweb_table_id_400_falls_back_to_sotkanet(services, tmp_path):
    services.px_status = 400  # what the long id statfin_vaerak_pxt_11ra.px answers since June 2026
    res = _fetch(services, tmp_path)
    pop = res.manifest["parts"]["population"]
    assert res.complete and pop["source"] == "sotkanet" and "HTTP 400" in pop["pxweb_error"]
    df = pd.read_csv(tmp_path / "population_by_municipality_2023_2024.csv", dtype={"municipality_code": str})
    assert sorted(df["municipality_code"].unique()) == ["020", "091", "507"]  # no MAAKUNTA rows
    assert int(df.query("year == 2024 and municipality_code == '091'")["population"].iloc[0]) == 694392
    assert "from Sotkanet" in res.summary()


def test_pre_june_2026_pxweb_shape_is_still_read(services, tmp_path):
    meta = copy.deepcopy(services.px_meta)
    rename = {"alue_23_20260101": "Alue", "contentscode": "Tiedot", "timeperiod_y": "Vuosi"}
    for v in meta["variables"]:
        v["code"] = rename[v["code"]]
    meta["variables"][1]["values"] = ["vaesto", "vaesto_p"]
    data = copy.deepcopy(services.px_data)
    data["id"] = [rename[i] for i in data["id"]]
    data["dimension"] = {rename[k]: v for k, v in data["dimension"].items()}
    services.px_meta, services.px_data = meta, data
    res = _fetch(services, tmp_path, parts=["population"])
    assert res.manifest["parts"]["population"]["area_variable"] == "Alue"


def test_wfs_in_latitude_longitude_order_is_swapped(services, tmp_path):
    def swap(c):
        return [swap(x) for x in c] if isinstance(c[0], list) else [c[1], c[0]]

    for f in services.wfs["features"]:
        f["geometry"]["coordinates"] = swap(f["geometry"]["coordinates"])
    res = _fetch(services, tmp_path, parts=["key", "boundaries"])
    assert res.manifest["parts"]["boundaries"]["axis_order_swapped"] is True
    gj = json.loads((tmp_path / "municipalities_2025_statfi_4500k.geojson").read_text("utf-8"))
    assert gj["features"][0]["geometry"]["coordinates"][0][0][0] == [21, 61]
    assert gj["features"][0]["properties"]["NATCODE"] == "020"


def test_boundaries_missing_a_municipality_fail_that_part(services, tmp_path):
    services.wfs["features"] = services.wfs["features"][:2]
    res = _fetch(services, tmp_path, parts=["key", "boundaries"])
    assert "507" in res.failed["boundaries"]


def test_a_disappeared_municipality_without_known_successor_is_named(services, tmp_path):
    for lang in ("fi", "sv", "en"):
        services.items["kunta_1_20240101"][lang].append(
            {"code": "999", "classificationItemNames": [{"lang": lang, "name": "Kuvitteellinen"}]})
    res = _fetch(services, tmp_path, parts=["key", "mergers"])
    assert "999 Kuvitteellinen (ceased 2025)" in res.failed["mergers"]
    assert "municipality_mergers.csv" in res.failed["mergers"]
    assert res.manifest["parts"]["key"]["status"] == "ok"


def test_a_missing_level_table_says_what_is_listed(services, tmp_path):
    services.listing = [u for u in services.listing if "yhteistyoalue" not in u]
    res = _fetch(services, tmp_path, parts=["hierarchy"])
    msg = res.failed["hierarchy"]
    assert "yhteistyoalue" in msg and "hyvinvointialue_1_20250101" in msg


def test_rate_limiting_is_retried_after_the_servers_pause(services, tmp_path):
    services.throttle = 1
    waits: list[float] = []
    res = fetch_reference(2025, tmp_path, urls=services.urls, parts=["key"], retries=3,
                          sleep=waits.append)
    assert res.manifest["parts"]["key"]["status"] == "ok"
    assert waits == [2.0]
    assert [r["status"] for r in res.manifest["parts"]["key"]["requests"]][:2] == [429, 200]


def test_check_reports_found_against_expected_shapes(services):
    probes = {p.service: p for p in check_services(2025, urls=services.urls, sleep=lambda s: None)}
    assert all(p.ok for p in probes.values()), format_probes(list(probes.values()))
    assert "alue_23_20260101" in probes["PxWeb population 11ra"].found
    assert "HTTP 500" in probes["classification: /maps with content/meta/lang"].found
    ytj = probes["YTJ v3 companies"].found
    assert "typeCodeSet='TOIMI3'" in ytj and "address types [1, 2]" in ytj
    assert "yhteistyoalue=yhteistyoalue_1_20250101" in probes["classification: correspondence tables"].found


def test_check_flags_a_shape_change(services):
    services.px_meta = {"variables": [{"code": "Alue", "values": ["KU020"]},
                                      {"code": "Vuosi", "values": ["2024"]},
                                      {"code": "Tiedot", "values": ["vaesto"]}]}
    services.wfs_status = 503
    probes = {p.service: p for p in check_services(2025, urls=services.urls, sleep=lambda s: None)}
    assert not probes["PxWeb population 11ra"].ok
    assert "no area (alue_<n>_<date>) variable" in probes["PxWeb population 11ra"].found
    assert probes["WFS boundaries"].found == "HTTP 503"
    assert "MISMATCH] PxWeb" in format_probes(list(probes.values()))


def test_loader_uses_the_embedded_snapshot_without_env_or_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("SOTE_REFERENCE_DIR", raising=False)
    monkeypatch.setenv("SOTE_DATA_DIR", str(tmp_path / "data"))
    ref = load_reference(2025)
    assert ref.origin.kind == "embedded"
    assert len(ref.key) == 308 and len(ref.areas("hyvinvointialue")) == 23
    assert ref.notes[0].startswith("Reference data: the compact snapshot embedded in the package, built ")
    assert len(ref.boundaries("hyvinvointialue")) == 23  # 2023 polygons, Pertunmaa dissolved
    assert 5_500_000 < int(ref.population.sum()) < 5_700_000


def test_a_partial_cache_is_not_taken_for_complete(tmp_path, monkeypatch, reference_dir):
    monkeypatch.delenv("SOTE_REFERENCE_DIR", raising=False)
    cache = tmp_path / "cache"
    cache.mkdir()
    # a key file alone (what the old loader accepted) and a manifest that is not complete
    (cache / "municipality_key_2025.csv").write_bytes((reference_dir / "municipality_key_2025.csv").read_bytes())
    (cache / "manifest.json").write_text(json.dumps({"version": 2, "year": 2025, "complete": False, "parts": {
        "key": {"status": "ok"}, "hierarchy": {"status": "ok"}, "boundaries": {"status": "failed"}}}))
    origin = resolve_reference(cache_dir=cache, year=2025)
    assert origin.kind == "embedded"
    assert "boundaries" in origin.detail and "population" in origin.detail
    # the option and the environment variable still come first
    monkeypatch.setenv("SOTE_REFERENCE_DIR", str(reference_dir))
    assert resolve_reference(cache_dir=cache, year=2025).kind == "env"
    assert resolve_reference(reference_dir, cache_dir=cache, year=2025).kind == "reference-dir"


def test_no_source_for_the_year_says_how_to_fix(tmp_path, monkeypatch):
    from sote_analytics.reference import ReferenceNotFoundError

    monkeypatch.delenv("SOTE_REFERENCE_DIR", raising=False)
    with pytest.raises(ReferenceNotFoundError, match=r"reference fetch --year 2019"):
        resolve_reference(cache_dir=tmp_path, year=2019)


def test_real_services_are_not_reachable_from_tests():
    """The suite blocks outgoing sockets (pytest-socket): an accidental download fails loudly,
    and fails with the blocker's error, not a time-out."""
    import socket

    from pytest_socket import SocketConnectBlockedError

    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_embedded_snapshot_is_what_the_script_builds_and_ships_in_the_wheel(reference_dir, tmp_path):
    import importlib.util
    import tomllib

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("build_snapshot", root / "scripts" / "build_reference_snapshot.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    shipped = root / "src" / "sote_analytics" / "data" / "reference_snapshot"
    meta = json.loads((shipped / "snapshot.json").read_text("utf-8"))
    mod.build(reference_dir, tmp_path, 2025, pop_years=8, tolerance=meta["simplify_tolerance_degrees"],
              digits=meta["coordinate_decimals"])
    for name in meta["outputs"]:
        if name != "README.md":  # carries the build date
            assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name
    assert sum(p.stat().st_size for p in shipped.iterdir()) < 1_500_000
    assert "CC BY 4.0" in (shipped / "README.md").read_text("utf-8")
    data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    assert "data/reference_snapshot/*" in data["tool"]["setuptools"]["package-data"]["sote_analytics"]


def test_offline_fetch_says_no_network_and_what_to_do(tmp_path):
    import socket

    with socket.socket() as s:  # a local port nobody listens on: connection refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    urls = ServiceURLs(classification=base, wfs=base, pxweb_population=base, sotkanet=base, ytj=base)
    res = fetch_reference(2025, tmp_path, urls=urls, retries=1, sleep=lambda s: None)
    assert set(res.failed) == set(ALL_PARTS) and not res.complete
    text = res.summary()
    assert "no network" in text and "embedded snapshot" in text and "--only key,hierarchy" in text
    assert not (tmp_path / "municipality_key_2025.csv").exists()


def _fixture_sum(services, kunta: str, lo: int, hi: int | None) -> int:
    """Sum of the 11re fixture's single ages lo..hi (hi None: and over) for one municipality."""
    js = services.age_data
    areas = js["dimension"]["alue_23_20260101"]["category"]["index"]
    ages = js["dimension"]["ikaryhma_10_20180101"]["category"]["index"]
    n_age = js["size"][1]
    total = 0
    for code, i in ages.items():
        age = int(code.rstrip("-"))
        if age >= lo and (hi is None or age <= hi):
            total += js["value"][areas["KU" + kunta] * n_age + i]
    return total


def test_age_part_sums_single_years_of_11re_into_age_groups(services, tmp_path):
    res = _fetch(services, tmp_path)
    assert res.failed == {} and res.complete
    age = res.manifest["parts"]["age"]
    assert age["status"] == "ok" and age["age_variable"] == "ikaryhma_10_20180101" and age["year"] == 2025
    # the query: every single year of age (not the total SSS), both sexes together, the newest year <= 2025
    q = {x["code"]: x["selection"]["values"] for x in services.age_queries[-1]["query"]}
    assert q["ikaryhma_10_20180101"][0] == "000" and q["ikaryhma_10_20180101"][-1] == "100-"
    assert "SSS" not in q["ikaryhma_10_20180101"] and len(q["ikaryhma_10_20180101"]) == 101
    assert q["sukupuoli_9_20180101"] == ["SSS"] and q["timeperiod_y"] == ["2025"]
    assert q["contentscode"] == ["vaerak-vaesto"] and "SSS" not in q["alue_23_20260101"]

    df = pd.read_csv(tmp_path / "population_by_age_2025.csv", dtype={"kunta_code": str})
    assert list(df.columns) == ["kunta_code", "age_group", "population"]
    got = df.set_index(["kunta_code", "age_group"])["population"]
    for kunta in ("020", "091", "507"):
        assert got[(kunta, "0_17")] == _fixture_sum(services, kunta, 0, 17)
        assert got[(kunta, "18_64")] == _fixture_sum(services, kunta, 18, 64)
        assert got[(kunta, "65_plus")] == _fixture_sum(services, kunta, 65, None)  # 100- included
        assert got[(kunta, "75_plus")] == _fixture_sum(services, kunta, 75, None)

    ref = load_reference(2025, reference_dir=tmp_path)
    assert ref.population_by_age_year == 2025
    hva = ref.target_population("hyvinvointialue", "65_plus")
    mun_hva = ref.area_of("hyvinvointialue")
    for code in hva.index:  # an area's figure is the sum of its municipalities
        members = [k for k, a in mun_hva.items() if a == code]
        assert hva[code] == sum(_fixture_sum(services, k, 65, None) for k in members)


def test_a_failing_age_part_leaves_the_cache_complete_and_says_so(services, tmp_path):
    services.age_status = 400
    res = _fetch(services, tmp_path)
    assert set(res.failed) == {"age"} and "HTTP 400" in res.failed["age"]
    assert res.complete and cache_is_complete(tmp_path, 2025) == (True, "complete")
    assert "--only age" in res.summary() and "optional" in res.summary()
    assert not list(tmp_path.glob("population_by_age_*.csv"))
    assert load_reference(2025, reference_dir=tmp_path).population_by_age is None


def test_age_metadata_without_single_years_fails_the_part_with_what_was_found(services, tmp_path):
    meta = copy.deepcopy(services.age_meta)
    meta["variables"][1]["values"] = ["SSS", "0-14", "15-64", "65-"]
    services.age_meta = meta
    res = _fetch(services, tmp_path, parts=["age"])
    assert "single years of age" in res.failed["age"] and "0-14" in res.failed["age"]


class _Answer:
    def __init__(self, status, headers=None):
        self.status_code, self.headers, self.url, self.text = status, headers or {}, "http://svc.test/a", ""
        self.ok = status < 400

    def json(self):
        return {"status": self.status_code}

    def close(self):
        pass


class _Session:
    """requests.Session-like: answers the given statuses in turn (an exception is raised)."""

    def __init__(self, answers):
        self.answers, self.calls = list(answers), 0

    def request(self, method, url, **kw):
        self.calls += 1
        a = self.answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return a


def test_the_one_client_retries_429_and_5xx_with_retry_after_else_back_off():
    from sote_analytics.net import Client, HTTPStatusError

    slept: list[float] = []
    s = _Session([_Answer(503), _Answer(429, {"Retry-After": "7"}), _Answer(500), _Answer(200)])
    c = Client(retries=3, backoff=0.5, sleep=slept.append, session=s)
    assert c.get_json("http://svc.test/a") == {"status": 200}
    assert slept == [0.5, 7.0, 2.0] and (c.requests_made, c.throttled, c.retried) == (4, 3, 3)
    assert [e["status"] for e in c.log] == [503, 429, 500, 200]
    # a 404 is not asked again; 429 past the retries is the caller's to judge
    c = Client(retries=3, sleep=slept.append, session=_Session([_Answer(404)]))
    with pytest.raises(HTTPStatusError, match="HTTP 404"):
        c.get_json("http://svc.test/a")
    c = Client(retries=1, sleep=lambda s: None, session=_Session([_Answer(429), _Answer(429)]))
    assert c.get("http://svc.test/a").status_code == 429 and c.requests_made == 2


def test_the_one_client_names_host_and_url_when_it_cannot_connect():
    from sote_analytics.net import Client, RateLimiter, UnreachableError

    t, waits = [0.0], []
    limiter = RateLimiter(60, clock=lambda: t[0], sleep=lambda s: (waits.append(s), t.__setitem__(0, t[0] + s)))
    s = _Session([requests.ConnectionError("refused")] * 2)
    c = Client(retries=1, retry_connection_errors=True, limiter=limiter, sleep=lambda s: None, session=s)
    with pytest.raises(UnreachableError, match=r"GET http://svc.test:81/x\?a=1: cannot connect to svc.test:81") as e:
        c.get("http://svc.test:81/x", params={"a": 1})
    assert e.value.cause_name == "ConnectionError" and s.calls == 2 and waits == [1.0]  # 60 a minute
    s = _Session([requests.ConnectionError("refused")])
    with pytest.raises(UnreachableError):
        Client(retries=3, session=s).get("http://svc.test/x")  # connection errors not retried by default
    assert s.calls == 1
