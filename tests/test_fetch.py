"""The fetchers against a local HTTP server serving the documented response shapes."""

import json

import pytest
from werkzeug import Response

from sote_analytics.reference import load_reference
from sote_analytics.reference.fetch import FetchError, ServiceURLs, fetch_reference

MUNIS = {"020": ("Akaa", "Ackas"), "091": ("Helsinki", "Helsingfors"),
         "507": ("Mäntyharju", "Mäntyharju")}
AREAS = {  # level -> municipality -> (code, fi name)
    "seutukunta_1": {"020": ("063", "Etelä-Pirkanmaa"), "091": ("011", "Helsinki"),
                     "507": ("101", "Mikkeli")},
    "maakunta_1": {"020": ("06", "Pirkanmaa"), "091": ("01", "Uusimaa"),
                   "507": ("10", "Etelä-Savo")},
    "hyvinvointialue_1": {"020": ("08", "Pirkanmaan hyvinvointialue"),
                          "091": ("90", "Helsingin kaupunki"),
                          "507": ("12", "Etelä-Savon hyvinvointialue")},
    "yhteistyoalue_1": {"020": ("3", "Sisä-Suomen yhteistyöalue"),
                        "091": ("1", "Etelä-Suomen yhteistyöalue"),
                        "507": ("2", "Itä-Suomen yhteistyöalue")},
}


def _item(code, name, lang):
    return {"code": code, "classificationItemNames": [{"lang": lang, "name": name}]}


def _square(x, y):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1],
                                                 [x, y]]]}


def _serve(httpserver):
    def classification(request):
        lang = request.args.get("lang", "fi")
        idx = 0 if lang == "fi" else 1
        return Response(json.dumps([_item(c, n[min(idx, 1)], lang) for c, n in MUNIS.items()]),
                        content_type="application/json")

    httpserver.expect_request("/cls/classifications/kunta_1_20250101/classificationItems") \
        .respond_with_handler(classification)
    for level, mapping in AREAS.items():
        maps = [{"sourceItem": _item(m, MUNIS[m][0], "fi"), "targetItem": _item(c, n, "fi")}
                for m, (c, n) in mapping.items()]
        httpserver.expect_request(
            f"/cls/correspondenceTables/kunta_1_20250101#{level}_20250101/maps"
        ).respond_with_json(maps)
    for y in (2024, 2025):
        maps = [{"sourceItem": _item(c, MUNIS[c][0], "fi"), "targetItem": _item(c, MUNIS[c][0], "fi")}
                for c in MUNIS]
        if y == 2025:
            maps.append({"sourceItem": _item("588", "Pertunmaa", "fi"),
                         "targetItem": _item("507", "Mäntyharju", "fi")})
        httpserver.expect_request(
            f"/cls/correspondenceTables/kunta_1_{y - 1}0101#kunta_1_{y}0101/maps"
        ).respond_with_json(maps)
    feats = [{"type": "Feature", "properties": {"kunta": c, "nimi": n[0], "namn": n[1], "vuosi": 2025},
              "geometry": _square(20 + i, 60)} for i, (c, n) in enumerate(MUNIS.items())]
    httpserver.expect_request("/wfs", query_string={
        "service": "WFS", "version": "2.0.0", "request": "GetFeature",
        "typeName": "tilastointialueet:kunta4500k_2025", "outputFormat": "application/json",
        "srsName": "EPSG:4326"}).respond_with_json({"type": "FeatureCollection", "features": feats})
    httpserver.expect_request("/px", method="GET").respond_with_json({"variables": [
        {"code": "Alue", "values": ["SSS", "KU020", "KU091", "KU507"]},
        {"code": "Tiedot", "values": ["vaesto"]},
        {"code": "Vuosi", "values": ["2014", "2023", "2024"]}]})
    js = {"version": "2.0", "class": "dataset", "id": ["Alue", "Tiedot", "Vuosi"],
          "size": [3, 1, 2],
          "dimension": {"Alue": {"category": {"index": {"KU020": 0, "KU091": 1, "KU507": 2}}},
                        "Tiedot": {"category": {"index": {"vaesto": 0}}},
                        "Vuosi": {"category": {"index": {"2023": 0, "2024": 1}}}},
          "value": [16500, 16400, 674500, 684000, 5500, 7900]}
    httpserver.expect_request("/px", method="POST").respond_with_json(js)
    return ServiceURLs(classification=httpserver.url_for("/cls"), wfs=httpserver.url_for("/wfs"),
                       pxweb_population=httpserver.url_for("/px"))


def test_fetch_writes_a_cache_that_loads(httpserver, tmp_path):
    urls = _serve(httpserver)
    manifest = fetch_reference(2025, tmp_path, population_from=2020, mergers_from=2024, urls=urls,
                               retries=1)
    assert set(manifest["files"]) == {
        "municipality_key_2025.csv", "municipalities_2025_statfi_4500k.geojson",
        "population_by_municipality_2023_2024.csv", "municipality_mergers_2024_2025.csv"}
    assert all(r["url"].startswith("http://localhost") for r in manifest["requests"])
    assert "CC BY 4.0" in manifest["licence"]

    ref = load_reference(2025, reference_dir=tmp_path)
    assert ref.municipality_codes == ["020", "091", "507"]
    assert ref.areas("hyvinvointialue").set_index("code").loc["12", "name_fi"] == \
        "Etelä-Savon hyvinvointialue"
    assert ref.key.set_index("kunta_code").loc["091", "kunta_name_sv"] == "Helsingfors"
    assert ref.population_year == 2024
    assert int(ref.population["091"]) == 684000
    assert len(ref.boundaries("hyvinvointialue")) == 3
    assert ("588", "507") in set(zip(ref.mergers["old_code"], ref.mergers["new_code"], strict=True))


def test_fetch_failure_is_clear_and_writes_nothing(httpserver, tmp_path):
    httpserver.expect_request("/cls/classifications/kunta_1_20250101/classificationItems") \
        .respond_with_data("oops", status=503)
    urls = ServiceURLs(classification=httpserver.url_for("/cls"), wfs=httpserver.url_for("/wfs"),
                       pxweb_population=httpserver.url_for("/px"))
    with pytest.raises(FetchError, match="SOTE_REFERENCE_DIR"):
        fetch_reference(2025, tmp_path / "cache", urls=urls, retries=2)
    assert not (tmp_path / "cache").exists()


def test_real_services_are_not_reachable_from_tests():
    """The suite blocks outgoing sockets (pytest-socket): an accidental download fails loudly,
    and fails with the blocker's error, not a time-out."""
    import socket

    from pytest_socket import SocketConnectBlockedError

    with pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
