"""Download reference data from the official services into a cache folder, part by part.

Parts (each fetched, validated and cached on its own; see :data:`.cache.PARTS` and
:mod:`.services` for what each part asks and how its answer is read): ``key``, ``hierarchy``,
``boundaries``, ``population``, ``mergers`` and the optional ``age``. The cache and its
manifest are :mod:`.cache`'s.

Network connections are opened (through :class:`..net.Client`) only when
:func:`fetch_reference` or :func:`check_services` is called.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from .. import config
from ..net import RETRY_STATUSES, Client, FetchError, HTTPStatusError
from .cache import ALL_PARTS, OPTIONAL_PARTS, PART_LABELS, PARTS, CacheWriter, cache_is_complete, csv_text
from .levels import area_levels
from .services import (
    PXWEB_AREA,
    PXWEB_CONTENT,
    PXWEB_TIME,
    ServiceURLs,
    boundaries,
    classification_items,
    hierarchy,
    list_of_dicts,
    listed_correspondences,
    map_pairs,
    mergers,
    municipality_list,
    pick_correspondence,
    pick_variable,
    population,
    population_by_age_pxweb,
    shape,
)

#: Names this module hands on (callers of the earlier single module import them from here).
__all__ = ["ALL_PARTS", "OPTIONAL_PARTS", "PARTS", "FetchError", "FetchResult", "HTTPStatusError", "Probe",
           "ServiceURLs", "cache_is_complete", "check_services", "fetch_reference", "format_probes",
           "reference_client"]


def reference_client(timeout: float = 60.0, retries: int = 3,
                     sleep: Callable[[float], None] = time.sleep) -> Client:
    """The client of the reference fetch: ``retries`` attempts in all, on 429, 5xx and connection failures.

    Waits the answer's ``Retry-After`` (at most 60 s), else 0.5 s, 1 s, 2 s, …
    """
    return Client(timeout=timeout, retries=max(1, retries) - 1, backoff=0.5, max_wait=60.0,
                  retry_statuses=RETRY_STATUSES, retry_connection_errors=True, sleep=sleep,
                  user_agent="sote-analytics reference fetch")


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
    cache = CacheWriter(Path(cache_dir), int(year))
    cache.load()
    failed: dict[str, str] = {}
    key_now: pd.DataFrame | None = None

    def run(part: str, job: Callable[[Client], tuple[dict[str, str], dict]]) -> None:
        client = reference_client(timeout=timeout, retries=retries, sleep=sleep)
        try:
            files, info = job(client)
        except FetchError as exc:
            failed[part] = str(exc)
            cache.fail(part, str(exc), client.log)
        else:
            cache.write(part, files, info, client.log)

    def job_key(c: Client):
        nonlocal key_now
        key_now = municipality_list(c, urls, year)
        return {f"municipality_list_{year}.csv": csv_text(key_now)}, {"municipalities": len(key_now)}

    def job_hierarchy(c: Client):
        df, info = hierarchy(c, urls, year)
        return {f"municipality_hierarchy_{year}.csv": csv_text(df)}, info

    def job_boundaries(c: Client):
        gj, info = boundaries(c, urls, year)
        key = key_now if key_now is not None else cache.read_csv("key")
        if key is not None:
            missing = sorted(set(key["kunta"]) - {f["properties"]["NATCODE"] for f in gj["features"]})
            if missing:
                raise FetchError(f"WFS kunta4500k_{year}: no polygon for municipalities {missing[:10]}")
        return {f"municipalities_{year}_statfi_4500k.geojson": json.dumps(gj, ensure_ascii=False)}, info

    def job_population(c: Client):
        df, info = population(c, urls, population_from, year)
        y0, y1 = int(df["year"].min()), int(df["year"].max())
        info["years"] = [y0, y1]
        return {f"population_by_municipality_{y0}_{y1}.csv": csv_text(df)}, info

    def job_mergers(c: Client):
        cur = key_now[["kunta", "municipality_name_fi"]] if key_now is not None else None
        df, info = mergers(c, urls, mergers_from, year, cur)
        return {f"municipality_mergers_{mergers_from}_{year}.csv": csv_text(df)}, info | {"rows": len(df)}

    def job_age(c: Client):
        df, info = population_by_age_pxweb(c, urls, year)
        out = df.drop(columns="year")
        return {f"population_by_age_{info['year']}.csv": csv_text(out)}, info

    jobs = {"key": job_key, "hierarchy": job_hierarchy, "boundaries": job_boundaries,
            "population": job_population, "mergers": job_mergers, "age": job_age}
    for part in wanted:
        run(part, jobs[part])

    cache.assemble_key(failed)
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
    c = reference_client(timeout=timeout, retries=1, sleep=sleep)
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
        return f"{len(items)} items {shape(items[:1])}", ok

    probe("classification: municipality list", f"{cls}/classifications/kunta_1_{date}/classificationItems",
          "[{code, classificationItemNames: [{lang, name}]}]", p_items)

    listing: list[str] = []

    def p_listing():
        listing.extend(listed_correspondences(c.get_json(f"{cls}/correspondenceTables")))
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
        raw = c.get_json(maps_url)
        pairs = map_pairs(raw, table)
        return f"{len(pairs)} links, e.g. {str(raw[0])[-60:]!r}", True

    probe("classification: bare /maps", maps_url, "[{value: …/maps/<municipality>/<area>}]", p_maps)

    def p_maps_params():
        try:
            c.get_json(maps_url, params={"content": "data", "meta": "min", "lang": "fi"})
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
        meta = c.get_json(urls.pxweb_population)
        codes = [v["code"] for v in meta["variables"]]
        vs = {v["code"]: v for v in meta["variables"]}
        area = pick_variable(vs, PXWEB_AREA[:1], "area (alue_<n>_<date>)")
        time_ = pick_variable(vs, PXWEB_TIME[:1], "year (timeperiod_y)")
        content = pick_variable(vs, PXWEB_CONTENT[:1], "contentscode")
        pop = [x for x in vs[content]["values"] if x.endswith("vaesto")]
        return f"variables {codes}; population value {pop[:1]}; years {vs[time_]['values'][-1:]}; " \
               f"division {area}", bool(pop)

    probe("PxWeb population 11ra", urls.pxweb_population,
          "variables alue_<n>_<date>, contentscode (…vaesto), timeperiod_y", p_pxweb)

    def p_sotkanet():
        regions = list_of_dicts(c.get_json(f"{urls.sotkanet}/regions"), "Sotkanet regions")
        n = sum(r.get("category") == "KUNTA" for r in regions)
        return f"{len(regions)} regions, {n} KUNTA; {shape(regions[:1])}", n > 0

    probe("Sotkanet regions", f"{urls.sotkanet}/regions", "[{id, code, category: KUNTA, title}]", p_sotkanet)

    def p_ytj():
        res = c.get_json(f"{urls.ytj}/companies", params={"name": "yhdistys"})
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
        res = c.get_json(f"{urls.ytj}/companies", params={"companyForm": "AYH", "location": "Tampere"})
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
