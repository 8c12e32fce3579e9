"""Download reference data from the official services into a cache folder, part by part.

Parts (each fetched, validated and cached on its own; see :data:`PARTS`):

``key``
    Municipalities of the year with names fi/sv/en: Statistics Finland
    classification service, ``classifications/kunta_1_<year>0101/classificationItems``.
``hierarchy``
    Sub-region, region, wellbeing services county and collaborative area of every
    municipality: ``GET correspondenceTables`` lists the tables, the one for each level
    is picked by pattern (``kunta_1_<date>#<level>_<version>_<date>``), its bare
    ``/maps`` (no ``content``/``meta``/``lang``: those answer HTTP 500 since
    October 2026) lists links ``…/maps/<municipality>/<area>``, and the area names
    come from the target classification's ``classificationItems``.
``boundaries``
    Municipal boundaries 1:4.5 million, WFS ``tilastointialueet:kunta4500k_<year>``.
``population``
    Population on 31 Dec, PxWeb table ``vaerak/11ra.px`` (variable codes since
    8 June 2026), else THL Sotkanet indicator 127 as a second, independent source.
``age`` (optional)
    Population by age group (0–17, 18–64, 65+, 75+) and municipality on 31 Dec, summed
    from the single years of age of PxWeb table ``vaerak/11re.px`` (variable codes since
    8 June 2026). The cache is complete without it; indicators per target group need it.
``mergers``
    Municipalities that ceased, from the differences between the yearly municipality
    lists, each disappearance matched with the package's own mergers table
    (``data/municipality_mergers.csv``) for its successor.

The cache has the layout of a reference folder (see :mod:`.loader`) plus a
``manifest.json`` with every part's status, URLs, retrieval time, licence and a
SHA-256 of every file. The municipality key file the loader reads is written only
when both ``key`` and ``hierarchy`` are there; the manifest's ``complete`` is true
only when every part is, and the loader uses a cache only then.

This module is the only one that opens network connections, and only when
:func:`fetch_reference` or :func:`check_services` is called.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import pandas as pd

from .. import config
from ..atomic import atomic_write_text
from ..errors import SoteAnalyticsError
from .levels import LANGUAGES, area_levels

LICENCE = "CC BY 4.0 (Statistics Finland; THL; boundaries Statistics Finland / National Land Survey)"

#: The parts of a reference cache, in fetch order.
PARTS = ("key", "hierarchy", "boundaries", "population", "mergers")

#: Parts that may fail without making the cache incomplete (fetched by default too).
OPTIONAL_PARTS = ("age",)

#: Every part, in fetch order.
ALL_PARTS = (*PARTS, *OPTIONAL_PARTS)

#: What each part is, for messages.
PART_LABELS = {
    "key": "municipality list (classification service)",
    "hierarchy": "area hierarchy (classification service correspondences)",
    "boundaries": "municipal boundaries (geo.stat.fi WFS)",
    "population": "population (PxWeb 11ra, else Sotkanet)",
    "mergers": "municipality mergers (yearly municipality lists)",
    "age": "population by age group (PxWeb 11re; optional)",
}

MANIFEST = "manifest.json"

#: Bounding box of Finland in lon/lat, used to detect a swapped axis order.
_FINLAND_LON = (19.0, 32.0)
_FINLAND_LAT = (59.0, 71.0)


class FetchError(SoteAnalyticsError, RuntimeError):
    """A download failed or returned something of the wrong shape."""


class HTTPStatusError(FetchError):
    """A service answered with an HTTP error status."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ServiceURLs:
    """Base URLs of the services (tests point them at a local server)."""

    classification: str = config.CLASSIFICATION_API
    wfs: str = config.WFS_URL
    pxweb_population: str = config.PXWEB_POPULATION_URL
    pxweb_age: str = config.PXWEB_AGE_URL
    sotkanet: str = config.SOTKANET_API
    ytj: str = config.YTJ_API


class _Client:
    """A small JSON client: retries 429 and 5xx with back-off, logs every request."""

    def __init__(self, timeout: float = 60.0, retries: int = 3, pause: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep):
        import requests

        self.session = requests.Session()
        self.session.headers["User-Agent"] = "sote-analytics reference fetch"
        self.timeout, self.retries, self.pause, self.sleep = timeout, max(1, retries), pause, sleep
        self.log: list[dict] = []

    def get(self, url: str, params: dict | None = None) -> object:
        return self.request("GET", url, params=params)

    def request(self, method: str, url: str, **kw) -> object:
        import requests

        last: Exception | None = None
        for attempt in range(self.retries):
            try:
                r = self.session.request(method, url, timeout=self.timeout, **kw)
            except requests.ConnectionError:
                host = re.sub(r"^\w+://([^/]+).*", r"\1", url)
                last = FetchError(f"{method} {r_url(url, kw)}: cannot connect to {host} (no network?)")
            except requests.RequestException as exc:
                last = FetchError(f"{method} {r_url(url, kw)}: {exc.__class__.__name__}: {exc}")
            else:
                self.log.append({"url": r.url, "method": method, "status": r.status_code,
                                 "retrieved": _now()})
                if r.ok:
                    try:
                        return r.json()
                    except ValueError:
                        raise FetchError(f"{method} {r.url}: answer is not JSON "
                                         f"({r.headers.get('content-type', '?')})") from None
                last = HTTPStatusError(f"{method} {r.url}: HTTP {r.status_code} {r.text[:200]!r}",
                                       r.status_code)
                if r.status_code != 429 and r.status_code < 500:
                    break
                wait = _retry_after(r.headers.get("Retry-After"))
                if wait is not None and attempt + 1 < self.retries:
                    self.sleep(min(wait, 60.0))
                    continue
            if attempt + 1 < self.retries:
                self.sleep(self.pause * (2**attempt))
        assert last is not None
        raise last


def r_url(url: str, kw: dict) -> str:
    """URL with its query, for messages."""
    params = kw.get("params")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _names(item: dict) -> dict[str, str]:
    return {n.get("lang"): n.get("name") for n in item.get("classificationItemNames", []) or []}


def _list_of_dicts(obj: object, what: str) -> list[dict]:
    if not isinstance(obj, list) or not obj or not all(isinstance(x, dict) for x in obj):
        raise FetchError(f"{what}: expected a non-empty JSON list of objects, got {_shape(obj)}")
    return obj


def _shape(obj: object, depth: int = 0) -> str:
    """A short description of a JSON value's shape (for messages and ``--check``)."""
    if isinstance(obj, dict):
        if depth > 1:
            return "{…}"
        keys = list(obj)[:8]
        return "{" + ", ".join(f"{k}: {_shape(obj[k], depth + 1)}" for k in keys) + \
            (", …" if len(obj) > 8 else "") + "}"
    if isinstance(obj, list):
        return f"[{len(obj)} × {_shape(obj[0], depth + 1)}]" if obj else "[]"
    return type(obj).__name__


# ---- key: the municipality list ----------------------------------------------------------
def classification_items(client: _Client, urls: ServiceURLs, local_id: str,
                         lang: str = "fi") -> list[dict]:
    """``classificationItems`` of one classification (list of ``code`` + names)."""
    return _list_of_dicts(client.get(
        f"{urls.classification}/classifications/{local_id}/classificationItems",
        params={"content": "data", "meta": "max", "lang": lang, "format": "json"},
    ), f"classification {local_id}")


def municipality_list(client: _Client, urls: ServiceURLs, year: int,
                      languages: Iterable[str] = LANGUAGES) -> pd.DataFrame:
    """Municipalities of ``year`` (``kunta``, ``municipality_name_<lang>``)."""
    names: dict[str, dict[str, str]] = {}
    for lang in languages:
        for it in classification_items(client, urls, f"kunta_1_{year}0101", lang):
            code = str(it.get("code", "")).strip()
            if not re.fullmatch(r"\d{1,3}", code):
                raise FetchError(f"kunta_1_{year}0101: item code {code!r} is not a municipality code")
            n = _names(it)
            names.setdefault(code.zfill(3), {})[lang] = n.get(lang) or next(iter(n.values()), "")
    out = pd.DataFrame({"kunta": sorted(names)})
    for lang in languages:
        out[f"municipality_name_{lang}"] = out["kunta"].map(lambda c, g=lang: names[c].get(g, ""))
    if (out["municipality_name_fi"] == "").any():
        raise FetchError(f"kunta_1_{year}0101: municipalities without a Finnish name: "
                         f"{out.loc[out['municipality_name_fi'] == '', 'kunta'].tolist()[:5]}")
    return out


# ---- hierarchy: correspondences ----------------------------------------------------------
def listed_correspondences(listing: object) -> list[str]:
    """Local ids (``a#b``) of the tables in a ``GET correspondenceTables`` answer.

    Entries are the tables' links: a JSON array of strings, which rOpenGov/geofi
    ``inst/extras/municipality_keys.R`` reads as the tibble column ``value``
    (objects with a ``value`` or ``localId`` are accepted too).

    Examples
    --------
    >>> listed_correspondences([{"value": "https://x/v2/correspondenceTables/"
    ...                          "kunta_1_20250101%23maakunta_1_20250101?format=json"}])
    ['kunta_1_20250101#maakunta_1_20250101']
    """
    if not isinstance(listing, list):
        raise FetchError(f"correspondenceTables: expected a list, got {_shape(listing)}")
    ids = []
    for entry in listing:
        text = (entry.get("value") or entry.get("localId") or "") if isinstance(entry, dict) else str(entry)
        m = re.search(r"(?:correspondenceTables/)?([^/?]+(?:%23|#)[^/?]+?)(?:\?|/|$)", str(text))
        if m:
            ids.append(unquote(m.group(1)))
    return ids


def pick_correspondence(ids: Iterable[str], source: str, target: str) -> str | None:
    """The table from ``source`` to classification ``target`` (any version, lowest first).

    Examples
    --------
    >>> pick_correspondence(["kunta_1_20250101#maakunta_2_20250101",
    ...                      "kunta_1_20250101#maakunta_1_20250101"], "kunta_1_20250101", "maakunta")
    'kunta_1_20250101#maakunta_1_20250101'
    """
    date = source.rsplit("_", 1)[-1]
    rx = re.compile(rf"{re.escape(source)}#{re.escape(target)}_(\d+)_{date}")
    found = sorted((int(m.group(1)), i) for i in ids if (m := rx.fullmatch(i)))
    return found[0][1] if found else None


def map_pairs(maps: object, what: str) -> list[tuple[str, str]]:
    """``(source code, target code)`` pairs of a ``/maps`` answer.

    Accepts the bare listing (links ending ``…/maps/<source>/<target>``: a JSON array of
    strings, which rOpenGov/geofi reads as the tibble column ``value``; objects with a
    ``value`` are accepted too) and the older ``content=data`` form
    (``sourceItem``/``targetItem``).
    """
    if not isinstance(maps, list) or not maps:
        raise FetchError(f"{what}: expected a non-empty JSON list, got {_shape(maps)}")
    pairs = []
    for m in maps:
        m = m if isinstance(m, dict) else {"value": m}
        if "sourceItem" in m and "targetItem" in m:
            pairs.append((str(m["sourceItem"]["code"]), str(m["targetItem"]["code"])))
            continue
        link = str(m.get("value", ""))
        hit = re.search(r"/maps/([^/?]+)/([^/?]+)", link)
        if not hit:
            raise FetchError(f"{what}: map entry {link[:120]!r} is not a link …/maps/<source>/<target>")
        pairs.append((unquote(hit.group(1)), unquote(hit.group(2))))
    return pairs


def _area_code(code: str) -> str:
    code = code.strip()
    return (code.lstrip("0") or "0") if code.isdigit() else code


def hierarchy(client: _Client, urls: ServiceURLs, year: int) -> tuple[pd.DataFrame, dict]:
    """Area of every municipality at every level of ``data/area_levels.yaml``."""
    source = f"kunta_1_{year}0101"
    ids = listed_correspondences(client.get(f"{urls.classification}/correspondenceTables"))
    mine = sorted(i for i in ids if i.startswith(source + "#"))
    out: pd.DataFrame | None = None
    info: dict = {"tables": {}}
    for lvl in area_levels():
        if lvl.is_constant or lvl.id == "kunta":
            continue
        table = pick_correspondence(ids, source, lvl.classification or lvl.id)
        if table is None:
            raise FetchError(
                f"{lvl.id}: no correspondence table {source}#{lvl.classification}_<version>_{year}0101 "
                f"is listed; tables from {source}: {[t.split('#', 1)[1] for t in mine] or 'none'}")
        info["tables"][lvl.id] = table
        pairs = map_pairs(client.get(
            f"{urls.classification}/correspondenceTables/{quote(table, safe='_')}/maps"), table)
        codes = {s.zfill(3): _area_code(t) for s, t in pairs}
        target = table.split("#", 1)[1]
        names: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            for it in classification_items(client, urls, target, lang):
                names.setdefault(_area_code(str(it["code"])), {})[lang] = _names(it).get(lang, "")
        unnamed = sorted(set(codes.values()) - set(names))
        if unnamed:
            raise FetchError(f"{lvl.id}: areas {unnamed[:5]} of {table} are not in {target}")
        df = pd.DataFrame({"kunta": list(codes), lvl.code_column: list(codes.values())})
        for lang in LANGUAGES:
            df[lvl.name_columns[lang]] = df[lvl.code_column].map(
                lambda c, g=lang, nm=names: nm[c].get(g) or nm[c].get("fi", ""))
        if out is None:
            out = df
        else:
            only = sorted(set(out["kunta"]) ^ set(df["kunta"]))
            if only:
                raise FetchError(f"{lvl.id}: {table} covers other municipalities than the "
                                 f"levels before it: {only[:5]}")
            out = out.merge(df, on="kunta")
    assert out is not None
    return out.sort_values("kunta").reset_index(drop=True), info


# ---- boundaries ---------------------------------------------------------------------------
def _first_xy(geom: dict) -> tuple[float, float] | None:
    coords = geom.get("coordinates") if isinstance(geom, dict) else None
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    if isinstance(coords, list) and len(coords) >= 2:
        return float(coords[0]), float(coords[1])
    return None


def _swap(coords):
    if coords and isinstance(coords[0], list):
        return [_swap(c) for c in coords]
    return [coords[1], coords[0], *coords[2:]]


def boundaries(client: _Client, urls: ServiceURLs, year: int) -> tuple[dict, dict]:
    """Municipal boundaries of ``year`` as a GeoJSON FeatureCollection in lon/lat.

    WFS 2.0 with ``EPSG:4326`` may answer in latitude/longitude order; the first
    coordinate is checked against Finland's bounding box and the axes swapped if needed.
    """
    gj = client.get(urls.wfs, params={
        "service": "WFS", "version": "2.0.0", "request": "GetFeature",
        "typeName": f"tilastointialueet:kunta4500k_{year}", "outputFormat": "application/json",
        "srsName": "EPSG:4326",
    })
    feats = gj.get("features") if isinstance(gj, dict) else None
    if not feats:
        raise FetchError(f"WFS kunta4500k_{year}: no features (got {_shape(gj)})")
    xy = _first_xy(feats[0].get("geometry") or {})
    if xy is None:
        raise FetchError(f"WFS kunta4500k_{year}: first feature has no coordinates")
    swapped = False
    if _FINLAND_LAT[0] <= xy[0] <= _FINLAND_LAT[1] and _FINLAND_LON[0] <= xy[1] <= _FINLAND_LON[1]:
        swapped = True
    elif not (_FINLAND_LON[0] <= xy[0] <= _FINLAND_LON[1] and _FINLAND_LAT[0] <= xy[1] <= _FINLAND_LAT[1]):
        raise FetchError(f"WFS kunta4500k_{year}: coordinates {xy} are neither lon/lat nor lat/lon "
                         "in Finland (was srsName ignored?)")
    out = []
    for f in feats:
        p = f.get("properties") or {}
        if "kunta" not in p:
            raise FetchError(f"WFS kunta4500k_{year}: feature without 'kunta' property; "
                             f"properties are {sorted(p)}")
        geom = f.get("geometry")
        if swapped:
            geom = {**geom, "coordinates": _swap(geom["coordinates"])}
        out.append({"type": "Feature", "geometry": geom, "properties": {
            "NATCODE": str(p["kunta"]).zfill(3), "NAMEFIN": p.get("nimi"), "NAMESWE": p.get("namn"),
            "vuosi": p.get("vuosi")}})
    return {"type": "FeatureCollection", "features": out}, {"axis_order_swapped": swapped,
                                                            "features": len(out)}


# ---- population ---------------------------------------------------------------------------
def _pick_variable(variables: dict[str, dict], patterns: Iterable[str], what: str) -> str:
    for pat in patterns:
        for code in variables:
            if re.fullmatch(pat, code):
                return code
    raise FetchError(f"PxWeb 11ra: no {what} variable; variables are {list(variables)}")


#: Variable codes of table 11ra: current first (June 2026), then the old names.
PXWEB_AREA = (r"alue_\d+_\d{8}", r"alue.*", "Alue")
PXWEB_TIME = (r"timeperiod_y", r"timeperiod_.*", "Vuosi")
PXWEB_CONTENT = (r"contentscode", "Tiedot")


def _pxweb_variables(client: _Client, url: str, table: str) -> dict[str, dict]:
    """A PxWeb table's variables by code, from its metadata (a clear error on any other shape)."""
    meta = client.get(url)
    if not isinstance(meta, dict) or "variables" not in meta:
        raise FetchError(f"PxWeb {table} metadata: expected {{variables: […]}}, got {_shape(meta)}")
    return {v["code"]: v for v in meta["variables"]}


def population_pxweb(client: _Client, urls: ServiceURLs, first_year: int) -> tuple[pd.DataFrame, dict]:
    """Population by municipality from PxWeb table 11ra (all years in the current division)."""
    variables = _pxweb_variables(client, urls.pxweb_population, "11ra")
    area = _pick_variable(variables, PXWEB_AREA, "area")
    time_ = _pick_variable(variables, PXWEB_TIME, "year")
    content = _pick_variable(variables, PXWEB_CONTENT, "contents")
    pop_codes = [c for c in variables[content]["values"] if re.fullmatch(r"(?:.*-)?vaesto", c)]
    if not pop_codes:
        raise FetchError(f"PxWeb 11ra: no population value in {content}: "
                         f"{variables[content]['values'][:10]}")
    years = [y for y in variables[time_]["values"] if y.isdigit() and int(y) >= first_year]
    areas = [a for a in variables[area]["values"] if a.startswith("KU")]
    if not years or not areas:
        raise FetchError(f"PxWeb 11ra: no years ≥ {first_year} or no KU areas in the metadata")
    query = {"query": [
        {"code": area, "selection": {"filter": "item", "values": areas}},
        {"code": content, "selection": {"filter": "item", "values": pop_codes[:1]}},
        {"code": time_, "selection": {"filter": "item", "values": years}},
    ], "response": {"format": "json-stat2"}}
    js = client.request("POST", urls.pxweb_population, json=query)
    df = parse_jsonstat_population(js)
    division = re.search(r"_(\d{8})$", area)
    return df, {"source": "pxweb", "table": urls.pxweb_population, "area_variable": area,
                "division": division.group(1) if division else None}


def parse_jsonstat_population(js: dict) -> pd.DataFrame:
    """Turn a json-stat2 answer of table 11ra into ``year, municipality_code, population``.

    The area and year dimensions are found by their codes (``alue_<n>_<date>`` and
    ``timeperiod_y`` since June 2026, ``Alue`` and ``Vuosi`` before).

    Examples
    --------
    >>> js = {"id": ["alue_23_20260101", "contentscode", "timeperiod_y"], "size": [2, 1, 1],
    ...       "dimension": {"alue_23_20260101": {"category": {"index": {"KU005": 0, "KU009": 1}}},
    ...                     "contentscode": {"category": {"index": {"vaerak-vaesto": 0}}},
    ...                     "timeperiod_y": {"category": {"index": {"2024": 0}}}},
    ...       "value": [9000, 2400]}
    >>> parse_jsonstat_population(js).values.tolist()
    [[2024, '005', 9000], [2024, '009', 2400]]
    """
    if not isinstance(js, dict) or not {"id", "size", "dimension", "value"} <= set(js):
        raise FetchError(f"json-stat2: expected id/size/dimension/value, got {_shape(js)}")
    ids, sizes = js["id"], js["size"]
    dims = {d: None for d in ids}
    area = _pick_variable(dims, PXWEB_AREA, "area")
    year = _pick_variable(dims, PXWEB_TIME, "year")
    cats = []
    for dim in ids:
        index = js["dimension"][dim]["category"]["index"]
        cats.append(sorted(index, key=index.get) if isinstance(index, dict) else list(index))
    if len(js["value"]) != int(pd.Series(sizes, dtype="int64").prod()):
        raise FetchError("json-stat2: value count does not match the dimensions")
    rows = [dict(zip(ids, combo, strict=True)) | {"value": v}
            for combo, v in zip(itertools.product(*cats), js["value"], strict=True)]
    df = pd.DataFrame(rows)
    df = df[df[area].str.startswith("KU") & df["value"].notna()]
    return pd.DataFrame({
        "year": df[year].astype(int),
        "municipality_code": df[area].str[2:].str.zfill(3),
        "population": df["value"].astype("int64"),
    }).sort_values(["year", "municipality_code"]).reset_index(drop=True)


def population_sotkanet(client: _Client, urls: ServiceURLs, first_year: int,
                        last_year: int) -> tuple[pd.DataFrame, dict]:
    """Population by municipality from THL Sotkanet (indicator 127, ``genders=total``).

    Shapes as read by rOpenGov/sotkanet (``R/get_sotkanet.R``, ``R/sotkanet_regions.R``):
    ``/regions`` lists ``{id, code, category, title}``, the data rows carry the region id.
    """
    regions = _list_of_dicts(client.get(f"{urls.sotkanet}/regions"), "Sotkanet regions")
    kunta = {r["id"]: str(r["code"]).zfill(3) for r in regions if r.get("category") == "KUNTA"}
    if not kunta:
        raise FetchError("Sotkanet regions: no region of category KUNTA")
    params = [("indicator", config.SOTKANET_POPULATION_INDICATOR), ("genders", "total")]
    params += [("years", y) for y in range(first_year, last_year + 1)]
    rows = _list_of_dicts(client.request("GET", f"{urls.sotkanet}/json", params=params),
                          "Sotkanet data")
    out = [{"year": int(r["year"]), "municipality_code": kunta[r["region"]], "population": int(r["value"])}
           for r in rows if r.get("region") in kunta and r.get("gender", "total") == "total"
           and r.get("value") is not None]
    if not out:
        raise FetchError("Sotkanet: no municipality rows for indicator 127")
    df = pd.DataFrame(out).sort_values(["year", "municipality_code"]).reset_index(drop=True)
    return df, {"source": "sotkanet", "indicator": config.SOTKANET_POPULATION_INDICATOR}


def population(client: _Client, urls: ServiceURLs, first_year: int, last_year: int) -> tuple[pd.DataFrame, dict]:
    """PxWeb, else Sotkanet; the info says which one answered and why the other did not."""
    try:
        return population_pxweb(client, urls, first_year)
    except FetchError as exc:
        try:
            df, info = population_sotkanet(client, urls, first_year, last_year)
        except FetchError as exc2:
            raise FetchError(f"PxWeb: {exc}; Sotkanet: {exc2}") from None
        info["pxweb_error"] = str(exc)
        return df, info


# ---- age: population by age group -----------------------------------------------------------
#: Variable codes of table 11re: current (June 2026) first, then the old names.
PXWEB_AGE = (r"ikaryhma_\d+_\d{8}", r"ikaryhma.*", "Ikä")
PXWEB_SEX = (r"sukupuoli_\d+_\d{8}", r"sukupuoli.*", "Sukupuoli")


def _single_age(code: str) -> int | None:
    """Age of a single-year value of 11re (``000`` … ``099``, ``100-``); None for totals."""
    m = re.fullmatch(r"(\d{1,3})(-?)", code.strip())
    return int(m.group(1)) if m else None


def population_by_age_pxweb(client: _Client, urls: ServiceURLs, year: int) -> tuple[pd.DataFrame, dict]:
    """Population by age group and municipality from PxWeb table 11re.

    The newest year not after ``year`` is asked, both sexes together (``SSS``), every
    single year of age (``000`` … ``099`` and ``100-``); the groups of
    :data:`..loader.AGE_GROUPS` are summed from them.

    Returns
    -------
    DataFrame
        ``year, kunta_code, age_group, population`` (long; one row per municipality and group).
    """
    from .loader import AGE_GROUPS

    variables = _pxweb_variables(client, urls.pxweb_age, "11re")
    area = _pick_variable(variables, PXWEB_AREA, "area")
    age = _pick_variable(variables, PXWEB_AGE, "age")
    sex = _pick_variable(variables, PXWEB_SEX, "sex")
    time_ = _pick_variable(variables, PXWEB_TIME, "year")
    query = [{"code": area, "selection": {"filter": "item", "values": [
        a for a in variables[area]["values"] if a.startswith("KU")]}}]
    ages = [a for a in variables[age]["values"] if _single_age(a) is not None]
    if len(ages) < 100 or not any(a.endswith("-") for a in ages):
        raise FetchError(f"PxWeb 11re: expected single years of age 000…099 and 100- in {age}, "
                         f"got {variables[age]['values'][:5]}… ({len(ages)} ages)")
    years = [y for y in variables[time_]["values"] if y.isdigit() and int(y) <= year]
    if not query[0]["selection"]["values"] or not years:
        raise FetchError(f"PxWeb 11re: no KU areas or no year ≤ {year} in the metadata")
    if "SSS" not in variables[sex]["values"]:
        raise FetchError(f"PxWeb 11re: no total (SSS) in {sex}: {variables[sex]['values']}")
    query += [{"code": age, "selection": {"filter": "item", "values": ages}},
              {"code": sex, "selection": {"filter": "item", "values": ["SSS"]}},
              {"code": time_, "selection": {"filter": "item", "values": [max(years, key=int)]}}]
    content = next((c for c in variables if any(re.fullmatch(p, c) for p in PXWEB_CONTENT)), None)
    if content is not None:
        pop = [c for c in variables[content]["values"] if re.fullmatch(r"(?:.*-)?vaesto", c)]
        if not pop:
            raise FetchError(f"PxWeb 11re: no population value in {content}: {variables[content]['values']}")
        query.append({"code": content, "selection": {"filter": "item", "values": pop[:1]}})
    js = client.request("POST", urls.pxweb_age, json={"query": query, "response": {"format": "json-stat2"}})
    long = jsonstat_frame(js, "PxWeb 11re")
    for dim, what in ((area, "area"), (age, "age"), (time_, "year")):
        if dim not in long:
            raise FetchError(f"PxWeb 11re answer has no {what} dimension {dim}; it has {list(long)[:-1]}")
    long = long[long[area].str.startswith("KU")]
    if long["value"].isna().any():
        raise FetchError(f"PxWeb 11re: missing values for {long.loc[long['value'].isna(), area].unique()[:5]}")
    long["age"] = long[age].map(_single_age)
    frames = []
    for group, (lo, hi) in AGE_GROUPS.items():
        sel = long[(long["age"] >= lo) & ((long["age"] <= hi) if hi is not None else True)]
        s = sel.groupby([time_, area])["value"].sum()
        frames.append(pd.DataFrame({"year": s.index.get_level_values(0).astype(int),
                                    "kunta_code": s.index.get_level_values(1).str[2:].str.zfill(3),
                                    "age_group": group, "population": s.to_numpy().astype("int64")}))
    df = pd.concat(frames, ignore_index=True).sort_values(["kunta_code", "age_group"]).reset_index(drop=True)
    return df, {"source": "pxweb", "table": urls.pxweb_age, "area_variable": area, "age_variable": age,
                "year": int(df["year"].iloc[0]), "municipalities": int(df["kunta_code"].nunique())}


def jsonstat_frame(js: object, what: str) -> pd.DataFrame:
    """A json-stat2 dataset as a long frame: one column per dimension (category codes) and ``value``.

    Examples
    --------
    >>> js = {"id": ["a", "b"], "size": [1, 2], "value": [1, None],
    ...       "dimension": {"a": {"category": {"index": ["x"]}}, "b": {"category": {"index": {"p": 1, "q": 0}}}}}
    >>> jsonstat_frame(js, "t").values.tolist()
    [['x', 'q', 1.0], ['x', 'p', nan]]
    """
    if not isinstance(js, dict) or not {"id", "size", "dimension", "value"} <= set(js):
        raise FetchError(f"{what}: expected json-stat2 id/size/dimension/value, got {_shape(js)}")
    cats = []
    for dim in js["id"]:
        index = js["dimension"][dim]["category"]["index"]
        cats.append(sorted(index, key=index.get) if isinstance(index, dict) else list(index))
    if len(js["value"]) != int(pd.Series(js["size"], dtype="int64").prod()):
        raise FetchError(f"{what}: json-stat2 value count does not match the dimensions")
    combos = list(itertools.product(*cats))
    out = pd.DataFrame(combos, columns=list(js["id"]), dtype="str") if combos else \
        pd.DataFrame(columns=list(js["id"]))
    out["value"] = pd.to_numeric(pd.Series(js["value"], dtype="object"), errors="coerce").to_numpy()
    return out


# ---- mergers ------------------------------------------------------------------------------
def derive_mergers(lists: dict[int, pd.DataFrame], known: pd.DataFrame) -> pd.DataFrame:
    """Mergers from the differences between yearly municipality lists.

    Parameters
    ----------
    lists : dict
        Year -> municipality list of 1 January (``kunta``, ``municipality_name_fi``).
    known : DataFrame
        The package's mergers table (``old_code``, ``old_name_fi``, ``new_code``,
        ``new_name_fi``, ``effective_year``), which names each successor.

    Raises
    ------
    FetchError
        Naming every municipality that disappeared without a known successor.

    Examples
    --------
    >>> y24 = pd.DataFrame({"kunta": ["507", "588"], "municipality_name_fi": ["Mäntyharju", "Pertunmaa"]})
    >>> y25 = pd.DataFrame({"kunta": ["507"], "municipality_name_fi": ["Mäntyharju"]})
    >>> known = pd.DataFrame({"old_code": [""], "old_name_fi": ["Pertunmaa"], "new_code": [""],
    ...                       "new_name_fi": ["Mäntyharju"], "effective_year": [2025]})
    >>> derive_mergers({2024: y24, 2025: y25}, known).values.tolist()
    [['588', 'Pertunmaa', '507', 'Mäntyharju', 2025]]
    """
    cols = ["old_code", "old_name_fi", "new_code", "new_name_fi", "effective_year"]
    rows, unknown = [], []
    years = sorted(lists)
    for prev, cur in itertools.pairwise(years):
        if cur != prev + 1:
            raise FetchError(f"mergers: municipality list of {prev + 1} missing")
        before = dict(zip(lists[prev]["kunta"], lists[prev]["municipality_name_fi"], strict=True))
        after = dict(zip(lists[cur]["kunta"], lists[cur]["municipality_name_fi"], strict=True))
        by_name = {v: k for k, v in after.items()}
        for code in sorted(set(before) - set(after)):
            k = known[known["effective_year"].astype(int) == cur]
            hit = k[(k["old_code"].fillna("") == code) | (k["old_name_fi"] == before[code])]
            new_code = None
            if len(hit):
                r = hit.iloc[0]
                new_code = r["new_code"] if isinstance(r["new_code"], str) and r["new_code"] else \
                    by_name.get(r["new_name_fi"])
            if new_code is None or new_code not in after:
                unknown.append(f"{code} {before[code]} (ceased {cur})")
                continue
            rows.append({"old_code": code, "old_name_fi": before[code], "new_code": new_code,
                         "new_name_fi": after[new_code], "effective_year": cur})
    if unknown:
        raise FetchError(
            "mergers: municipalities disappeared from the classification without a successor in "
            f"the package's mergers table: {', '.join(unknown)}. Add them, with a source, to "
            "src/sote_analytics/data/municipality_mergers.csv")
    return pd.DataFrame(rows, columns=cols)


def mergers(client: _Client, urls: ServiceURLs, first: int, last: int,
            current: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """Mergers that took effect in ``first`` … ``last`` (from the lists of ``first - 1`` on)."""
    from ..read.municipalities import merger_table

    lists = {}
    for y in range(first - 1, last + 1):
        if y == last and current is not None:
            lists[y] = current
        else:
            lists[y] = municipality_list(client, urls, y, languages=("fi",))
    return derive_mergers(lists, merger_table()), {"years": [first, last]}


# ---- the cache ----------------------------------------------------------------------------
def read_manifest(cache_dir: Path | str) -> dict | None:
    """The cache's manifest, or None if there is none or it cannot be read."""
    path = Path(cache_dir) / MANIFEST
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def cache_is_complete(cache_dir: Path | str, year: int) -> tuple[bool, str]:
    """Whether a fetched cache holds every part for ``year``, with the reason if not.

    Every file listed in the manifest must exist with its recorded SHA-256.
    """
    man = read_manifest(cache_dir)
    if man is None:
        return False, "no readable manifest.json"
    if man.get("year") != year:
        return False, f"the cache is for {man.get('year')}, not {year}"
    failed = [p for p in PARTS if man.get("parts", {}).get(p, {}).get("status") != "ok"]
    if failed:
        return False, "parts missing or failed: " + ", ".join(failed)
    for name, digest in man.get("files", {}).items():
        path = Path(cache_dir) / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            return False, f"{name} is missing or changed since the fetch"
    if not man.get("complete"):
        return False, "the manifest does not say complete"
    return True, "complete"


@dataclass
class _Cache:
    folder: Path
    year: int
    manifest: dict = field(default_factory=dict)

    def load(self) -> None:
        old = read_manifest(self.folder)
        if old and old.get("year") == self.year and old.get("version") == 2:
            self.manifest = old
        else:
            self.manifest = {"version": 2, "year": self.year, "parts": {}, "files": {}}
        self.manifest.update({"licence": LICENCE, "attribution": config.REFERENCE_ATTRIBUTION})

    def write(self, part: str, files: dict[str, str], info: dict, requests: list[dict]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.manifest["parts"].get(part, {}).get("files", []):
            if old not in files:
                (self.folder / old).unlink(missing_ok=True)
                self.manifest["files"].pop(old, None)
        for name, text in files.items():
            atomic_write_text(self.folder / name, text)
            self.manifest["files"][name] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        self.manifest["parts"][part] = {"status": "ok", "files": sorted(files), "retrieved": _now(),
                                        "requests": requests, **info}
        self.save()

    def fail(self, part: str, error: str, requests: list[dict]) -> None:
        prev = self.manifest["parts"].get(part, {})
        self.manifest["parts"][part] = {"status": "failed", "error": error, "retrieved": _now(),
                                        "requests": requests,
                                        # files of an earlier good fetch stay listed (and in place)
                                        "files": prev.get("files", [])}
        self.save()

    def save(self) -> None:
        parts = self.manifest["parts"]
        self.manifest["complete"] = all(parts.get(p, {}).get("status") == "ok" for p in PARTS) and \
            f"municipality_key_{self.year}.csv" in self.manifest["files"]
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.folder / MANIFEST, json.dumps(self.manifest, ensure_ascii=False, indent=2))

    def read_csv(self, part: str) -> pd.DataFrame | None:
        p = self.manifest["parts"].get(part, {})
        if p.get("status") != "ok" or not p.get("files"):
            return None
        return pd.read_csv(self.folder / p["files"][0], dtype=str, keep_default_na=False)


def _csv(df: pd.DataFrame) -> str:
    return df.to_csv(index=False, lineterminator="\n")


@dataclass
class FetchResult:
    """What :func:`fetch_reference` did: the manifest and the parts that failed."""

    cache_dir: Path
    manifest: dict
    failed: dict[str, str]

    @property
    def complete(self) -> bool:
        return bool(self.manifest.get("complete"))

    def summary(self) -> str:
        """One line per part, and what to do about a failed one."""
        lines = []
        for p in ALL_PARTS:
            info = self.manifest["parts"].get(p, {})
            status = info.get("status", "not fetched")
            extra = f" — {info['error']}" if status == "failed" else ""
            if p == "population" and info.get("source") == "sotkanet":
                extra = " (from Sotkanet: PxWeb failed)"
            lines.append(f"  {p:<11} {status:<11} {PART_LABELS[p]}{extra}")
        optional_failed = [p for p in OPTIONAL_PARTS if p in self.failed]
        if optional_failed and self.complete:
            lines.append(f"The cache is complete without the optional part(s) {', '.join(optional_failed)}: "
                         "indicators per 1,000 of a target group say the age data are missing. Retry with "
                         f"sote-analytics reference fetch --only {','.join(optional_failed)}")
        if not self.complete:
            todo = ", ".join(p for p in ALL_PARTS if p in self.failed) or "the missing parts"
            if self.failed and all("cannot connect" in e for e in self.failed.values()):
                lines.append("No service could be reached: this machine seems to have no network.")
            lines.append(
                f"The cache in {self.cache_dir} is PARTIAL and will not be used: reports use the "
                "embedded snapshot until it is complete. You can\n"
                f"  - retry only what failed:  sote-analytics reference fetch --only {todo.replace(', ', ',')}\n"
                "  - use a local folder:      SOTE_REFERENCE_DIR=/path/to/reference or --reference-dir\n"
                "  - keep using the embedded snapshot shipped with the package (nothing to do)")
        return "\n".join(lines)


def fetch_reference(
    year: int, cache_dir: Path | str, *, parts: Iterable[str] | None = None,
    population_from: int = config.POPULATION_FROM, mergers_from: int = config.MERGERS_FROM,
    urls: ServiceURLs | None = None, timeout: float = 60.0, retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> FetchResult:
    """Download the reference data of ``year`` into ``cache_dir``, part by part.

    Each part is validated and written on its own, so one failing service leaves the
    others cached; parts not asked for keep what an earlier fetch of the same year wrote.

    Parameters
    ----------
    parts : iterable of str, optional
        Subset of :data:`ALL_PARTS` (default all). The optional parts
        (:data:`OPTIONAL_PARTS`) may fail without making the cache incomplete.

    Examples
    --------
    >>> res = fetch_reference(2025, "data/raw/reference")  # doctest: +SKIP
    >>> print(res.summary())  # doctest: +SKIP
    """
    wanted = list(ALL_PARTS) if parts is None else [p for p in ALL_PARTS if p in set(parts)]
    bad = set(parts or []) - set(ALL_PARTS)
    if bad:
        raise ValueError(f"unknown parts {sorted(bad)}; choose from {', '.join(ALL_PARTS)}")
    urls = urls or ServiceURLs()
    cache = _Cache(Path(cache_dir), int(year))
    cache.load()
    failed: dict[str, str] = {}
    key_now: pd.DataFrame | None = None

    def run(part: str, job: Callable[[_Client], tuple[dict[str, str], dict]]) -> None:
        client = _Client(timeout=timeout, retries=retries, sleep=sleep)
        try:
            files, info = job(client)
        except FetchError as exc:
            failed[part] = str(exc)
            cache.fail(part, str(exc), client.log)
        else:
            cache.write(part, files, info, client.log)

    def job_key(c: _Client):
        nonlocal key_now
        key_now = municipality_list(c, urls, year)
        return {f"municipality_list_{year}.csv": _csv(key_now)}, {"municipalities": len(key_now)}

    def job_hierarchy(c: _Client):
        df, info = hierarchy(c, urls, year)
        return {f"municipality_hierarchy_{year}.csv": _csv(df)}, info

    def job_boundaries(c: _Client):
        gj, info = boundaries(c, urls, year)
        key = key_now if key_now is not None else cache.read_csv("key")
        if key is not None:
            missing = sorted(set(key["kunta"]) - {f["properties"]["NATCODE"] for f in gj["features"]})
            if missing:
                raise FetchError(f"WFS kunta4500k_{year}: no polygon for municipalities {missing[:10]}")
        return {f"municipalities_{year}_statfi_4500k.geojson": json.dumps(gj, ensure_ascii=False)}, info

    def job_population(c: _Client):
        df, info = population(c, urls, population_from, year)
        y0, y1 = int(df["year"].min()), int(df["year"].max())
        info["years"] = [y0, y1]
        return {f"population_by_municipality_{y0}_{y1}.csv": _csv(df)}, info

    def job_mergers(c: _Client):
        cur = key_now[["kunta", "municipality_name_fi"]] if key_now is not None else None
        df, info = mergers(c, urls, mergers_from, year, cur)
        return {f"municipality_mergers_{mergers_from}_{year}.csv": _csv(df)}, info | {"rows": len(df)}

    def job_age(c: _Client):
        df, info = population_by_age_pxweb(c, urls, year)
        out = df.drop(columns="year")
        return {f"population_by_age_{info['year']}.csv": _csv(out)}, info

    jobs = {"key": job_key, "hierarchy": job_hierarchy, "boundaries": job_boundaries,
            "population": job_population, "mergers": job_mergers, "age": job_age}
    for part in wanted:
        run(part, jobs[part])

    key, hier = cache.read_csv("key"), cache.read_csv("hierarchy")
    key_name = f"municipality_key_{year}.csv"
    if key is not None and hier is not None:
        only = sorted(set(key["kunta"]) ^ set(hier["kunta"]))
        if only:
            failed["hierarchy"] = f"hierarchy and municipality list differ in municipalities {only[:10]}"
            cache.fail("hierarchy", failed["hierarchy"], [])
        else:
            full = key.merge(hier, on="kunta").assign(year=year)
            atomic_write_text(cache.folder / key_name, _csv(full))
            cache.manifest["files"][key_name] = hashlib.sha256(_csv(full).encode("utf-8")).hexdigest()
    if key_name in cache.manifest["files"] and (key is None or hier is None or "hierarchy" in failed):
        # never leave a key the loader would read next to a part that did not validate
        (cache.folder / key_name).unlink(missing_ok=True)
        cache.manifest["files"].pop(key_name)
    cache.save()
    return FetchResult(cache.folder, cache.manifest, failed)


# ---- --check: the services' shapes against the code's expectations ----------------------
@dataclass
class Probe:
    """One call of ``reference fetch --check``."""

    service: str
    url: str
    expected: str
    found: str
    ok: bool


def check_services(year: int, urls: ServiceURLs | None = None, timeout: float = 30.0,
                   sleep: Callable[[float], None] = time.sleep) -> list[Probe]:
    """Run each call once and report the shape found against the shape the code expects.

    Nothing is written. Meant for a machine with network, to diagnose the next change
    at a service in one command.
    """
    urls = urls or ServiceURLs()
    c = _Client(timeout=timeout, retries=1, sleep=sleep)
    date = f"{year}0101"
    out: list[Probe] = []

    def probe(service: str, url: str, expected: str, fn: Callable[[], tuple[str, bool]]) -> None:
        try:
            found, ok = fn()
        except HTTPStatusError as exc:
            found, ok = f"HTTP {exc.status}", False
        except FetchError as exc:
            found, ok = str(exc)[:300], False
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            found, ok = f"unexpected shape: {exc.__class__.__name__} {exc}", False
        out.append(Probe(service, url, expected, found, ok))

    cls = urls.classification

    def p_items():
        items = classification_items(c, urls, f"kunta_1_{date}")
        ok = all("code" in i and "classificationItemNames" in i for i in items)
        return f"{len(items)} items {_shape(items[:1])}", ok

    probe("classification: municipality list", f"{cls}/classifications/kunta_1_{date}/classificationItems",
          "[{code, classificationItemNames: [{lang, name}]}]", p_items)

    listing: list[str] = []

    def p_listing():
        listing.extend(listed_correspondences(c.get(f"{cls}/correspondenceTables")))
        found = {}
        for lvl in area_levels():
            if not lvl.is_constant and lvl.id != "kunta":
                found[lvl.id] = pick_correspondence(listing, f"kunta_1_{date}", lvl.classification or lvl.id)
        return ", ".join(f"{k}={v.split('#')[1] if v else 'MISSING'}" for k, v in found.items()), \
            all(found.values())

    probe("classification: correspondence tables", f"{cls}/correspondenceTables",
          "[\"…/correspondenceTables/kunta_1_<date>%23<level>_<n>_<date>\"] for every level", p_listing)

    table = pick_correspondence(listing, f"kunta_1_{date}", "hyvinvointialue") or \
        f"kunta_1_{date}#hyvinvointialue_1_{date}"
    maps_url = f"{cls}/correspondenceTables/{quote(table, safe='_')}/maps"

    def p_maps():
        raw = c.get(maps_url)
        pairs = map_pairs(raw, table)
        return f"{len(pairs)} links, e.g. {str(raw[0])[-60:]!r}", True

    probe("classification: bare /maps", maps_url, "[{value: …/maps/<municipality>/<area>}]", p_maps)

    def p_maps_params():
        try:
            c.get(maps_url, params={"content": "data", "meta": "min", "lang": "fi"})
        except HTTPStatusError as exc:
            return f"HTTP {exc.status} (the fetch does not send these parameters)", True
        return "answers (the fetch does not need these parameters)", True

    probe("classification: /maps with content/meta/lang", maps_url + "?content=data&meta=min&lang=fi",
          "informational: HTTP 500 reported since 10/2026", p_maps_params)

    def p_wfs():
        gj, info = boundaries(c, urls, year)
        props = sorted(gj["features"][0]["properties"])
        return f"{info['features']} features, axis order swapped: {info['axis_order_swapped']}, " \
               f"normalised properties {props}", True

    probe("WFS boundaries", f"{urls.wfs}?typeName=tilastointialueet:kunta4500k_{year}",
          "FeatureCollection, properties kunta/nimi/namn/vuosi, coordinates in Finland", p_wfs)

    def p_pxweb():
        meta = c.get(urls.pxweb_population)
        codes = [v["code"] for v in meta["variables"]]
        vs = {v["code"]: v for v in meta["variables"]}
        area = _pick_variable(vs, PXWEB_AREA[:1], "area (alue_<n>_<date>)")
        time_ = _pick_variable(vs, PXWEB_TIME[:1], "year (timeperiod_y)")
        content = _pick_variable(vs, PXWEB_CONTENT[:1], "contentscode")
        pop = [x for x in vs[content]["values"] if x.endswith("vaesto")]
        return f"variables {codes}; population value {pop[:1]}; years {vs[time_]['values'][-1:]}; " \
               f"division {area}", bool(pop)

    probe("PxWeb population 11ra", urls.pxweb_population,
          "variables alue_<n>_<date>, contentscode (…vaesto), timeperiod_y", p_pxweb)

    def p_sotkanet():
        regions = _list_of_dicts(c.get(f"{urls.sotkanet}/regions"), "Sotkanet regions")
        n = sum(r.get("category") == "KUNTA" for r in regions)
        return f"{len(regions)} regions, {n} KUNTA; {_shape(regions[:1])}", n > 0

    probe("Sotkanet regions", f"{urls.sotkanet}/regions", "[{id, code, category: KUNTA, title}]", p_sotkanet)

    def p_ytj():
        res = c.get(f"{urls.ytj}/companies", params={"name": "yhdistys"})
        comp = res["companies"][0] if res.get("companies") else {}
        mbl = comp.get("mainBusinessLine") or {}
        types = sorted({a.get("type") for a in comp.get("addresses", [])})
        ok = "totalResults" in res and (not mbl or str(mbl.get("typeCodeSet", "")).startswith("TOIMI")) \
            and set(types) <= {1, 2}
        return f"totalResults={res.get('totalResults')}, typeCodeSet={mbl.get('typeCodeSet')!r}, " \
               f"address types {types}", ok

    probe("YTJ v3 companies", f"{urls.ytj}/companies?name=yhdistys",
          "{totalResults, companies: [{mainBusinessLine.typeCodeSet: TOIMI…, addresses.type 1|2}]}", p_ytj)

    def p_ytj_form():
        res = c.get(f"{urls.ytj}/companies", params={"companyForm": "AYH", "location": "Tampere"})
        forms = {(f.get("type"), (f.get("descriptions") or [{}])[0].get("description"))
                 for co in res.get("companies", [])[:20] for f in co.get("companyForms", [])}
        return f"totalResults={res.get('totalResults')}, forms seen {sorted(forms, key=str)[:3]}", True

    probe("YTJ v3 companyForm=AYH (informational)", f"{urls.ytj}/companies?companyForm=AYH&location=Tampere",
          "associations (aatteellinen yhdistys); AYH is unverified", p_ytj_form)
    return out


def format_probes(probes: list[Probe]) -> str:
    """The ``--check`` report as text."""
    lines = []
    for p in probes:
        lines.append(f"[{'ok' if p.ok else 'MISMATCH'}] {p.service}\n    url:      {p.url}\n"
                     f"    expected: {p.expected}\n    found:    {p.found}")
    return "\n".join(lines)
