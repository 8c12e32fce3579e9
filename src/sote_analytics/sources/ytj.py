"""Optional enrichment from PRH's open YTJ API v3 (CC BY 4.0), by business ID.

For each business ID: main business line (TOL code; ``typeCodeSet`` TOIMI3 = TOL 2008,
TOIMI4 = TOL 2025), municipality code of the visiting address, else the postal one
(neither is the registered domicile), and whether the association is in the employer register
(register ``"7"`` with no end date) as a paid-staff proxy.

The client is batched, rate-limited (the service allows about 300 queries a
minute shared by all users; we stay below), caches every answer on disk (one
JSON file per business ID), is resumable (cached IDs are not asked again) and
offline-safe (network errors are recorded per ID; after repeated connection
failures it stops with a clear message). It is used only by the explicit
``sote-analytics ytj`` command, never during a report run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import SoteAnalyticsError

YTJ_URL = "https://avoindata.prh.fi/opendata-ytj-api/v3"
EMPLOYER_REGISTER = "7"
ENRICH_COLUMNS = ["business_id", "ytj_status", "ytj_tol_code", "ytj_municipality_code",
                  "ytj_employer_register", "ytj_error"]


class YTJUnavailableError(SoteAnalyticsError, RuntimeError):
    """The YTJ service could not be reached (repeatedly)."""


@dataclass
class RateLimiter:
    """At most ``per_minute`` calls a minute, spaced evenly.

    Examples
    --------
    >>> t = [0.0]; slept = []
    >>> rl = RateLimiter(120, clock=lambda: t[0], sleep=lambda s: (slept.append(s), t.__setitem__(0, t[0] + s)))
    >>> rl.wait(); rl.wait(); slept
    [0.5]
    """

    per_minute: float = 250
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float | None = None

    def wait(self) -> None:
        now = self.clock()
        if self._next is not None and now < self._next:
            self.sleep(self._next - now)
            now = self._next
        self._next = now + 60.0 / self.per_minute


def parse_company(payload: dict, business_id: str) -> dict:
    """Pick the fields we use from one ``/companies`` answer (documented v3 shape)."""
    companies = payload.get("companies") or []
    match = None
    for c in companies:
        bid = c.get("businessId")
        value = bid.get("value") if isinstance(bid, dict) else bid
        if value == business_id:
            match = c
            break
    if match is None:
        return {"business_id": business_id, "ytj_status": "not_found", "ytj_tol_code": None,
                "ytj_municipality_code": None, "ytj_employer_register": None, "ytj_error": None}
    line = match.get("mainBusinessLine") or {}
    tol = line.get("type")
    from .ytj_register import municipality_of

    mun, _ = municipality_of(match)  # visiting address (type 1), else postal (type 2)
    entries = match.get("registeredEntries") or []
    employer = any(str(e.get("register")) == EMPLOYER_REGISTER and not e.get("endDate") for e in entries)
    return {"business_id": business_id, "ytj_status": "found", "ytj_tol_code": tol,
            "ytj_municipality_code": mun, "ytj_employer_register": employer, "ytj_error": None}


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
        import requests

        self.cache = Path(cache_dir)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.limiter = limiter or RateLimiter(per_minute)
        self.max_failures = max_connection_failures
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "sote-analytics ytj enrichment"
        self.requests_made = 0

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

        self.limiter.wait()
        self.requests_made += 1
        r = self.session.get(f"{self.base_url}/companies", params={"businessId": business_id},
                             timeout=self.timeout)
        if r.status_code == 404:
            payload: dict = {"companies": []}
        elif r.status_code == 429:
            raise requests.HTTPError("YTJ rate limit reached (HTTP 429)", response=r)
        else:
            r.raise_for_status()
            payload = r.json()
        rec = parse_company(payload, business_id)
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
            except requests.ConnectionError as exc:
                failures += 1
                rows.append(_error_row(bid, f"connection failed: {exc.__class__.__name__}"))
                if failures >= self.max_failures:
                    raise YTJUnavailableError(
                        f"YTJ service unreachable after {failures} attempts; {len(rows) - failures} "
                        f"IDs cached in {self.cache}. Run again later to resume.") from None
            except requests.RequestException as exc:
                rows.append(_error_row(bid, str(exc)))
        return pd.DataFrame(rows, columns=ENRICH_COLUMNS)


def _error_row(bid: str, msg: str) -> dict:
    return {"business_id": bid, "ytj_status": "error", "ytj_tol_code": None,
            "ytj_municipality_code": None, "ytj_employer_register": None, "ytj_error": msg}


def enrich(register: pd.DataFrame, client: YTJClient, progress: bool = False) -> pd.DataFrame:
    """Add the ``ytj_*`` columns to a canonical register (rows without business ID get NA)."""
    found = client.fetch(register["business_id"].dropna(), progress=progress)
    return register.merge(found, on="business_id", how="left")
