"""Download reference data from the official services into a cache folder.

Sources (all CC BY 4.0):

* Statistics Finland classification service: municipality names (fi/sv/en),
  the correspondences municipality -> sub-region, region, wellbeing services
  county, collaborative area, and between the municipality lists of two years
  (which give the mergers);
* Statistics Finland WFS (geo.stat.fi): municipal boundaries 1:4.5 million;
* Statistics Finland PxWeb table 11ra: population by municipality, 31 Dec.

The cache has the layout of a reference folder (see :mod:`.loader`) plus a
``manifest.json`` recording every URL, the retrieval time, the licence and a
SHA-256 of every file. This module is the only one that opens network
connections, and only when :func:`fetch_reference` is called.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .. import config
from .levels import LANGUAGES, area_levels

LICENCE = "CC BY 4.0 (Statistics Finland; boundaries National Land Survey of Finland)"


class FetchError(RuntimeError):
    """A download failed or returned something of the wrong shape."""


@dataclass(frozen=True)
class ServiceURLs:
    """Base URLs of the services (tests point them at a local server)."""

    classification: str = config.CLASSIFICATION_API
    wfs: str = config.WFS_URL
    pxweb_population: str = config.PXWEB_POPULATION_URL


class _Client:
    def __init__(self, timeout: float = 60.0, retries: int = 3, pause: float = 0.5):
        import requests

        self.session = requests.Session()
        self.session.headers["User-Agent"] = "sote-analytics reference fetch"
        self.timeout, self.retries, self.pause = timeout, retries, pause
        self.log: list[dict] = []

    def request(self, method: str, url: str, **kw):
        import requests

        last = None
        for attempt in range(self.retries):
            try:
                r = self.session.request(method, url, timeout=self.timeout, **kw)
                if r.status_code in (429, 500, 502, 503, 504):
                    raise requests.HTTPError(f"HTTP {r.status_code}", response=r)
                r.raise_for_status()
                self.log.append({"url": url, "method": method,
                                 "retrieved": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
                return r.json()
            except (requests.RequestException, ValueError) as exc:
                last = exc
                status = getattr(getattr(exc, "response", None), "status_code", None)
                if status is not None and status < 500 and status != 429:
                    break
                time.sleep(self.pause * (2**attempt))
        raise FetchError(f"{method} {url} failed: {last}. Is the network reachable? "
                         f"Without network, use SOTE_REFERENCE_DIR or --reference-dir.")


def _names(item: dict) -> dict[str, str]:
    return {n.get("lang"): n.get("name") for n in item.get("classificationItemNames", [])}


def _fetch_key(client: _Client, urls: ServiceURLs, year: int) -> pd.DataFrame:
    date = f"{year}0101"
    names: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        items = client.request(
            "GET", f"{urls.classification}/classifications/kunta_1_{date}/classificationItems",
            params={"content": "data", "meta": "min", "lang": lang},
        )
        if not isinstance(items, list) or not items:
            raise FetchError(f"classification kunta_1_{date}: empty or unexpected response")
        for it in items:
            names.setdefault(str(it["code"]).zfill(3), {})[lang] = _names(it).get(lang) \
                or next(iter(_names(it).values()), "")
    key = pd.DataFrame({"kunta": sorted(names)})
    for lang in LANGUAGES:
        key[f"municipality_name_{lang}"] = key["kunta"].map(lambda c, g=lang: names[c].get(g, ""))
    for lvl in area_levels():
        if lvl.is_constant or lvl.id == "kunta":
            continue
        local_id = quote(f"kunta_1_{date}#{lvl.classification}_{date}", safe="_")
        codes: dict[str, str] = {}
        lvl_names: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            maps = client.request(
                "GET", f"{urls.classification}/correspondenceTables/{local_id}/maps",
                params={"content": "data", "meta": "min", "lang": lang},
            )
            for m in maps:
                src = str(m["sourceItem"]["code"]).zfill(3)
                tgt = str(m["targetItem"]["code"]).lstrip("0") or "0"
                codes[src] = tgt
                lvl_names.setdefault(tgt, {})[lang] = _names(m["targetItem"]).get(lang, "")
        missing = sorted(set(key["kunta"]) - set(codes))
        if missing:
            raise FetchError(f"{lvl.id}: no area for municipalities {missing[:5]}")
        key[lvl.code_column] = key["kunta"].map(codes)
        for lang in LANGUAGES:
            key[lvl.name_columns[lang]] = key[lvl.code_column].map(
                lambda c, g=lang, ln=lvl_names: ln[c].get(g) or ln[c].get("fi", ""))
    key["year"] = year
    return key


def _fetch_boundaries(client: _Client, urls: ServiceURLs, year: int) -> dict:
    gj = client.request("GET", urls.wfs, params={
        "service": "WFS", "version": "2.0.0", "request": "GetFeature",
        "typeName": f"tilastointialueet:kunta4500k_{year}", "outputFormat": "application/json",
        "srsName": "EPSG:4326",
    })
    feats = gj.get("features") if isinstance(gj, dict) else None
    if not feats:
        raise FetchError(f"WFS kunta4500k_{year}: no features")
    for f in feats:
        p = f.get("properties", {})
        f["properties"] = {"NATCODE": str(p.get("kunta", p.get("NATCODE"))).zfill(3),
                           "NAMEFIN": p.get("nimi", p.get("NAMEFIN")),
                           "NAMESWE": p.get("namn", p.get("NAMESWE"))}
    return {"type": "FeatureCollection", "features": feats}


def _fetch_population(client: _Client, urls: ServiceURLs, first_year: int) -> pd.DataFrame:
    meta = client.request("GET", urls.pxweb_population)
    variables = {v["code"]: v for v in meta.get("variables", [])}
    for needed in ("Alue", "Vuosi", "Tiedot"):
        if needed not in variables:
            raise FetchError(f"PxWeb 11ra: variable {needed} missing; got {list(variables)}")
    years = [y for y in variables["Vuosi"]["values"] if int(y) >= first_year]
    areas = [a for a in variables["Alue"]["values"] if a.startswith("KU")]
    query = {"query": [
        {"code": "Alue", "selection": {"filter": "item", "values": areas}},
        {"code": "Tiedot", "selection": {"filter": "item", "values": ["vaesto"]}},
        {"code": "Vuosi", "selection": {"filter": "item", "values": years}},
    ], "response": {"format": "json-stat2"}}
    js = client.request("POST", urls.pxweb_population, json=query)
    return parse_jsonstat_population(js)


def parse_jsonstat_population(js: dict) -> pd.DataFrame:
    """Turn a json-stat2 answer of table 11ra into ``year, municipality_code, population``.

    Examples
    --------
    >>> js = {"id": ["Alue", "Tiedot", "Vuosi"], "size": [2, 1, 1],
    ...       "dimension": {"Alue": {"category": {"index": {"KU005": 0, "KU009": 1}}},
    ...                     "Tiedot": {"category": {"index": {"vaesto": 0}}},
    ...                     "Vuosi": {"category": {"index": {"2024": 0}}}},
    ...       "value": [9000, 2400]}
    >>> parse_jsonstat_population(js).values.tolist()
    [[2024, '005', 9000], [2024, '009', 2400]]
    """
    import itertools

    ids, sizes = js["id"], js["size"]
    cats = []
    for dim in ids:
        index = js["dimension"][dim]["category"]["index"]
        ordered = sorted(index, key=index.get) if isinstance(index, dict) else list(index)
        cats.append(ordered)
    if len(js["value"]) != int(pd.Series(sizes).prod()):
        raise FetchError("json-stat2: value count does not match the dimensions")
    rows = [dict(zip(ids, combo, strict=True)) | {"value": v}
            for combo, v in zip(itertools.product(*cats), js["value"], strict=True)]
    df = pd.DataFrame(rows)
    df = df[df["Alue"].str.startswith("KU") & df["value"].notna()]
    return pd.DataFrame({
        "year": df["Vuosi"].astype(int),
        "municipality_code": df["Alue"].str[2:].str.zfill(3),
        "population": df["value"].astype("int64"),
    }).sort_values(["year", "municipality_code"]).reset_index(drop=True)


def _fetch_mergers(client: _Client, urls: ServiceURLs, first: int, last: int) -> pd.DataFrame:
    rows = []
    for y in range(first, last + 1):
        local_id = quote(f"kunta_1_{y - 1}0101#kunta_1_{y}0101", safe="_")
        maps = client.request("GET", f"{urls.classification}/correspondenceTables/{local_id}/maps",
                              params={"content": "data", "meta": "min", "lang": "fi"})
        for m in maps:
            src, tgt = str(m["sourceItem"]["code"]).zfill(3), str(m["targetItem"]["code"]).zfill(3)
            if src != tgt:
                rows.append({"old_code": src, "old_name_fi": _names(m["sourceItem"]).get("fi", ""),
                             "new_code": tgt, "new_name_fi": _names(m["targetItem"]).get("fi", ""),
                             "effective_year": y})
    return pd.DataFrame(rows, columns=["old_code", "old_name_fi", "new_code", "new_name_fi",
                                       "effective_year"])


def fetch_reference(
    year: int, cache_dir: Path | str, *, population_from: int = 2015, mergers_from: int = 2014,
    urls: ServiceURLs | None = None, timeout: float = 60.0, retries: int = 3,
) -> dict:
    """Download the reference data of ``year`` into ``cache_dir``; return the manifest.

    Files are written only when every download succeeded, so a failed fetch
    never leaves a half-updated cache.

    Examples
    --------
    >>> fetch_reference(2025, "data/raw/reference")  # doctest: +SKIP
    """
    urls = urls or ServiceURLs()
    client = _Client(timeout=timeout, retries=retries)
    key = _fetch_key(client, urls, year)
    boundaries = _fetch_boundaries(client, urls, year)
    population = _fetch_population(client, urls, population_from)
    mergers = _fetch_mergers(client, urls, mergers_from, year)

    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    y0, y1 = int(population["year"].min()), int(population["year"].max())
    files = {
        f"municipality_key_{year}.csv": key.to_csv(index=False, lineterminator="\n"),
        f"municipalities_{year}_statfi_4500k.geojson": json.dumps(boundaries, ensure_ascii=False),
        f"population_by_municipality_{y0}_{y1}.csv": population.to_csv(index=False,
                                                                       lineterminator="\n"),
        f"municipality_mergers_{mergers_from}_{year}.csv": mergers.to_csv(index=False,
                                                                         lineterminator="\n"),
    }
    manifest = {"year": year, "licence": LICENCE, "attribution": config.REFERENCE_ATTRIBUTION,
                "requests": client.log, "files": {}}
    for name, text in files.items():
        tmp = cache / f".{name}.tmp"
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(cache / name)
        manifest["files"][name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    (cache / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), "utf-8")
    return manifest
