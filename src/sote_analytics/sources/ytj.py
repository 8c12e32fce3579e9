"""Optional enrichment from PRH's open YTJ API v3 (CC BY 4.0), by business ID.

For each business ID: main business line (TOL code; ``typeCodeSet`` TOIMI3 = TOL 2008,
TOIMI4 = TOL 2025), municipality code of the visiting address, else the postal one
(neither is the registered domicile), and whether the association is in the employer register
(register ``"7"`` with no end date; unknown when the record lists no registers) as a paid-staff
proxy. The record is read by the one parser of :mod:`.ytj_records`, the national register's too.

The client is batched, rate-limited (the service allows about 300 queries a
minute shared by all users; we stay below), caches every answer on disk (one
JSON file per business ID), is resumable (cached IDs are not asked again) and
offline-safe (network errors are recorded per ID; after repeated connection
failures it stops with a clear message). It is used only by the explicit
``sote-analytics ytj`` command, never during a report run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..net import Client, FetchError, RateLimiter, UnreachableError
from .ytj_records import YTJ_URL, YTJUnavailableError, business_id_of, parse_company

__all__ = ["ENRICH_COLUMNS", "YTJ_URL", "RateLimiter", "YTJClient", "YTJUnavailableError", "enrich",
           "enrichment_row"]

ENRICH_COLUMNS = ["business_id", "ytj_status", "ytj_tol_code", "ytj_municipality_code",
                  "ytj_employer_register", "ytj_error"]


def enrichment_row(payload: dict, business_id: str) -> dict:
    """The ``ytj_*`` fields of one ``/companies?businessId=`` answer (the record read by :func:`.parse_company`).

    ``ytj_employer_register`` is None when the record has no ``registeredEntries`` (unknown).
    """
    match = next((c for c in payload.get("companies") or [] if business_id_of(c) == business_id), None)
    if match is None:
        return {"business_id": business_id, "ytj_status": "not_found", "ytj_tol_code": None,
                "ytj_municipality_code": None, "ytj_employer_register": None, "ytj_error": None}
    row = parse_company(match)  # municipality: visiting address (type 1), else postal (type 2)
    return {"business_id": business_id, "ytj_status": "found", "ytj_tol_code": row["tol_code"],
            "ytj_municipality_code": row["municipality"],
            "ytj_employer_register": row["has_employer_registration"], "ytj_error": None}


class YTJClient:
    """Cached, rate-limited client of the YTJ open data API v3.

    Parameters
    ----------
    cache_dir : path
        One JSON file per business ID is kept here.
    base_url : str
        API base (tests point it at a local server).
    per_minute : float
        Request rate ceiling (the service's shared limit is ~300/min).
    """

    def __init__(self, cache_dir: Path | str, base_url: str = YTJ_URL, per_minute: float = 250,
                 timeout: float = 30.0, max_connection_failures: int = 3,
                 limiter: RateLimiter | None = None):
        self.cache = Path(cache_dir)
        self.base_url = base_url.rstrip("/")
        self.max_failures = max_connection_failures
        # one attempt a business ID: a refusal is recorded for that ID (asked again next run)
        self.http = Client(timeout=timeout, retries=0, limiter=limiter or RateLimiter(per_minute),
                           user_agent="sote-analytics ytj enrichment")

    @property
    def requests_made(self) -> int:
        return self.http.requests_made

    def _path(self, business_id: str) -> Path:
        return self.cache / f"{business_id}.json"

    def lookup(self, business_id: str) -> dict:
        """One business ID, from the cache or the service."""
        path = self._path(business_id)
        if path.exists():
            try:
                rec = json.loads(path.read_text("utf-8"))
                if isinstance(rec, dict) and rec.get("business_id") == business_id:
                    return rec
            except (ValueError, UnicodeDecodeError):
                pass  # a corrupt cache file is fetched again and rewritten
        import requests

        r = self.http.get(f"{self.base_url}/companies", params={"businessId": business_id})
        if r.status_code == 404:
            payload: dict = {"companies": []}
        elif r.status_code == 429:
            raise requests.HTTPError("YTJ rate limit reached (HTTP 429)", response=r)
        else:
            r.raise_for_status()
            payload = r.json()
        rec = enrichment_row(payload, business_id)
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rec, ensure_ascii=False), "utf-8")
        tmp.replace(path)
        return rec

    def fetch(self, business_ids: Iterable[str], progress: bool = False) -> pd.DataFrame:
        """Look up many business IDs (distinct, empty ones skipped); errors are recorded per ID."""
        import requests
        from tqdm import tqdm

        ids = sorted({b for b in business_ids if isinstance(b, str) and b})
        rows, failures = [], 0
        for bid in tqdm(ids, disable=not progress, desc="YTJ", unit="id"):
            try:
                rows.append(self.lookup(bid))
                failures = 0
            except UnreachableError as exc:
                failures += 1
                rows.append(_error_row(bid, f"connection failed: {exc.cause_name}"))
                if failures >= self.max_failures:
                    raise YTJUnavailableError(
                        f"YTJ service unreachable after {failures} attempts; {len(rows) - failures} "
                        f"IDs cached in {self.cache}. Run again later to resume.") from None
            except (FetchError, requests.RequestException) as exc:
                rows.append(_error_row(bid, str(exc)))
        return pd.DataFrame(rows, columns=ENRICH_COLUMNS)


def _error_row(bid: str, msg: str) -> dict:
    return {"business_id": bid, "ytj_status": "error", "ytj_tol_code": None,
            "ytj_municipality_code": None, "ytj_employer_register": None, "ytj_error": msg}


def enrich(register: pd.DataFrame, client: YTJClient, progress: bool = False) -> pd.DataFrame:
    """Add the ``ytj_*`` columns to a canonical register (rows without business ID get NA)."""
    found = client.fetch(register["business_id"].dropna(), progress=progress)
    return register.merge(found, on="business_id", how="left")
