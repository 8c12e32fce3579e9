"""The official services' answers, parsed: one function per call, each validating the shape it gets.

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
``age``
    Population by age group (0–17, 18–64, 65+, 75+) and municipality on 31 Dec, summed
    from the single years of age of PxWeb table ``vaerak/11re.px`` (variable codes since
    8 June 2026).
``mergers``
    Municipalities that ceased, from the differences between the yearly municipality
    lists, each disappearance matched with the package's own mergers table
    (``data/municipality_mergers.csv``) for its successor.

Every function takes a :class:`..net.Client` (the one HTTP client, which retries and logs)
and the :class:`ServiceURLs`; a wrong shape raises :class:`FetchError` saying what was found.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

import pandas as pd

from .. import config
from ..i18n import LANGUAGES
from ..net import Client, FetchError
from .levels import area_levels
from .loader import AGE_GROUPS, merger_table

#: Bounding box of Finland in lon/lat, used to detect a swapped axis order.
_FINLAND_LON = (19.0, 32.0)
_FINLAND_LAT = (59.0, 71.0)


@dataclass(frozen=True)
class ServiceURLs:
    """Base URLs of the services (tests point them at a local server)."""

    classification: str = config.CLASSIFICATION_API
    wfs: str = config.WFS_URL
    pxweb_population: str = config.PXWEB_POPULATION_URL
    pxweb_age: str = config.PXWEB_AGE_URL
    sotkanet: str = config.SOTKANET_API
    ytj: str = config.YTJ_API


def _names(item: dict) -> dict[str, str]:
    return {n.get("lang"): n.get("name") for n in item.get("classificationItemNames", []) or []}


def list_of_dicts(obj: object, what: str) -> list[dict]:
    if not isinstance(obj, list) or not obj or not all(isinstance(x, dict) for x in obj):
        raise FetchError(f"{what}: expected a non-empty JSON list of objects, got {shape(obj)}")
    return obj


def shape(obj: object, depth: int = 0) -> str:
    """A short description of a JSON value's shape (for messages and ``--check``)."""
    if isinstance(obj, dict):
        if depth > 1:
            return "{…}"
        keys = list(obj)[:8]
        return "{" + ", ".join(f"{k}: {shape(obj[k], depth + 1)}" for k in keys) + \
            (", …" if len(obj) > 8 else "") + "}"
    if isinstance(obj, list):
        return f"[{len(obj)} × {shape(obj[0], depth + 1)}]" if obj else "[]"
    return type(obj).__name__


# ---- key: the municipality list ----------------------------------------------------------
def classification_items(client: Client, urls: ServiceURLs, local_id: str,
                         lang: str = "fi") -> list[dict]:
    """``classificationItems`` of one classification (list of ``code`` + names)."""
    return list_of_dicts(client.get_json(
        f"{urls.classification}/classifications/{local_id}/classificationItems",
        params={"content": "data", "meta": "max", "lang": lang, "format": "json"},
    ), f"classification {local_id}")


def municipality_list(client: Client, urls: ServiceURLs, year: int,
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
        raise FetchError(f"correspondenceTables: expected a list, got {shape(listing)}")
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
        raise FetchError(f"{what}: expected a non-empty JSON list, got {shape(maps)}")
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


def hierarchy(client: Client, urls: ServiceURLs, year: int) -> tuple[pd.DataFrame, dict]:
    """Area of every municipality at every level of ``data/area_levels.yaml``."""
    source = f"kunta_1_{year}0101"
    ids = listed_correspondences(client.get_json(f"{urls.classification}/correspondenceTables"))
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
        pairs = map_pairs(client.get_json(
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


def boundaries(client: Client, urls: ServiceURLs, year: int) -> tuple[dict, dict]:
    """Municipal boundaries of ``year`` as a GeoJSON FeatureCollection in lon/lat.

    WFS 2.0 with ``EPSG:4326`` may answer in latitude/longitude order; the first
    coordinate is checked against Finland's bounding box and the axes swapped if needed.
    """
    gj = client.get_json(urls.wfs, params={
        "service": "WFS", "version": "2.0.0", "request": "GetFeature",
        "typeName": f"tilastointialueet:kunta4500k_{year}", "outputFormat": "application/json",
        "srsName": "EPSG:4326",
    })
    feats = gj.get("features") if isinstance(gj, dict) else None
    if not feats:
        raise FetchError(f"WFS kunta4500k_{year}: no features (got {shape(gj)})")
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
def pick_variable(variables: dict[str, dict], patterns: Iterable[str], what: str) -> str:
    for pat in patterns:
        for code in variables:
            if re.fullmatch(pat, code):
                return code
    raise FetchError(f"PxWeb 11ra: no {what} variable; variables are {list(variables)}")


#: Variable codes of table 11ra: current first (June 2026), then the old names.
PXWEB_AREA = (r"alue_\d+_\d{8}", r"alue.*", "Alue")
PXWEB_TIME = (r"timeperiod_y", r"timeperiod_.*", "Vuosi")
PXWEB_CONTENT = (r"contentscode", "Tiedot")


def _pxweb_variables(client: Client, url: str, table: str) -> dict[str, dict]:
    """A PxWeb table's variables by code, from its metadata (a clear error on any other shape)."""
    meta = client.get_json(url)
    if not isinstance(meta, dict) or "variables" not in meta:
        raise FetchError(f"PxWeb {table} metadata: expected {{variables: […]}}, got {shape(meta)}")
    return {v["code"]: v for v in meta["variables"]}


def population_pxweb(client: Client, urls: ServiceURLs, first_year: int) -> tuple[pd.DataFrame, dict]:
    """Population by municipality from PxWeb table 11ra (all years in the current division)."""
    variables = _pxweb_variables(client, urls.pxweb_population, "11ra")
    area = pick_variable(variables, PXWEB_AREA, "area")
    time_ = pick_variable(variables, PXWEB_TIME, "year")
    content = pick_variable(variables, PXWEB_CONTENT, "contents")
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
    js = client.request_json("POST", urls.pxweb_population, json=query)
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
        raise FetchError(f"json-stat2: expected id/size/dimension/value, got {shape(js)}")
    ids, sizes = js["id"], js["size"]
    dims = {d: None for d in ids}
    area = pick_variable(dims, PXWEB_AREA, "area")
    year = pick_variable(dims, PXWEB_TIME, "year")
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


def population_sotkanet(client: Client, urls: ServiceURLs, first_year: int,
                        last_year: int) -> tuple[pd.DataFrame, dict]:
    """Population by municipality from THL Sotkanet (indicator 127, ``genders=total``).

    Shapes as read by rOpenGov/sotkanet (``R/get_sotkanet.R``, ``R/sotkanet_regions.R``):
    ``/regions`` lists ``{id, code, category, title}``, the data rows carry the region id.
    """
    regions = list_of_dicts(client.get_json(f"{urls.sotkanet}/regions"), "Sotkanet regions")
    kunta = {r["id"]: str(r["code"]).zfill(3) for r in regions if r.get("category") == "KUNTA"}
    if not kunta:
        raise FetchError("Sotkanet regions: no region of category KUNTA")
    params = [("indicator", config.SOTKANET_POPULATION_INDICATOR), ("genders", "total")]
    params += [("years", y) for y in range(first_year, last_year + 1)]
    rows = list_of_dicts(client.request_json("GET", f"{urls.sotkanet}/json", params=params),
                          "Sotkanet data")
    out = [{"year": int(r["year"]), "municipality_code": kunta[r["region"]], "population": int(r["value"])}
           for r in rows if r.get("region") in kunta and r.get("gender", "total") == "total"
           and r.get("value") is not None]
    if not out:
        raise FetchError("Sotkanet: no municipality rows for indicator 127")
    df = pd.DataFrame(out).sort_values(["year", "municipality_code"]).reset_index(drop=True)
    return df, {"source": "sotkanet", "indicator": config.SOTKANET_POPULATION_INDICATOR}


def population(client: Client, urls: ServiceURLs, first_year: int, last_year: int) -> tuple[pd.DataFrame, dict]:
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


def population_by_age_pxweb(client: Client, urls: ServiceURLs, year: int) -> tuple[pd.DataFrame, dict]:
    """Population by age group and municipality from PxWeb table 11re.

    The newest year not after ``year`` is asked, both sexes together (``SSS``), every
    single year of age (``000`` … ``099`` and ``100-``); the groups of
    :data:`.loader.AGE_GROUPS` are summed from them.

    Returns
    -------
    DataFrame
        ``year, kunta_code, age_group, population`` (long; one row per municipality and group).
    """
    variables = _pxweb_variables(client, urls.pxweb_age, "11re")
    area = pick_variable(variables, PXWEB_AREA, "area")
    age = pick_variable(variables, PXWEB_AGE, "age")
    sex = pick_variable(variables, PXWEB_SEX, "sex")
    time_ = pick_variable(variables, PXWEB_TIME, "year")
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
    js = client.request_json("POST", urls.pxweb_age, json={"query": query, "response": {"format": "json-stat2"}})
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
        raise FetchError(f"{what}: expected json-stat2 id/size/dimension/value, got {shape(js)}")
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


def mergers(client: Client, urls: ServiceURLs, first: int, last: int,
            current: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """Mergers that took effect in ``first`` … ``last`` (from the lists of ``first - 1`` on)."""
    lists = {}
    for y in range(first - 1, last + 1):
        if y == last and current is not None:
            lists[y] = current
        else:
            lists[y] = municipality_list(client, urls, y, languages=("fi",))
    return derive_mergers(lists, merger_table()), {"years": [first, last]}
