"""A national register of associations and foundations from PRH's YTJ open data (API v3).

Two ways in, both explicit (``sote-analytics register fetch --source ytj``), never
during a report run:

* **search** (default): ``GET {base}/companies?companyForm=AYH|SÄÄ[&location=…][&page=n]``,
  paged by 100 (``page`` is documented in the v3 OpenAPI schema; a page past the
  end answers the *first* page again, so the page count comes from
  ``totalResults`` and a repeated first page stops the loop). ``location`` is a
  post office name (postitoimipaikka), not a municipality: a municipality is asked
  by its Finnish and Swedish names and the answers are then filtered on the
  municipality code of the address.
* **bulk**: the ``/all_companies`` ZIP (one JSON array, ~1.5 GB unpacked) is
  downloaded resumably (HTTP Range) and streamed record by record. The schema
  describes it as companies *in the trade register*; associations are in the
  association register, so the bulk file may not contain them. It is supported
  (and benchmarked) because it is the cheap way when it does.

Every answer is cached on disk (one file per page, written atomically); a page
that does not parse is fetched again; a run interrupted half-way resumes from
the cache; ``offline=True`` never touches the network. Requests are spaced below
the published shared limit (300 queries a minute for all users, avoindata.prh.fi)
and HTTP 429 answers back off.

What is kept is what the register needs: business ID, current name, company
form, registration and end dates, status, main line of business (TOL), the
municipality code of the address, and the employer-register history. Street
addresses, c/o lines and post codes are never kept (for associations the postal
address is often a board member's home).

The evidence for every shape and code is in ``tests/fixtures/ytj/README.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd

from ..atomic import atomic_path, atomic_write_text
from ..errors import SoteAnalyticsError
from ..ytj import YTJ_URL, RateLimiter, YTJUnavailableError

LICENCE = "CC BY 4.0"
ATTRIBUTION = "Lähde: Patentti- ja rekisterihallitus (PRH), YTJ avoin data (CC BY 4.0)"
#: companyForm values of the v3 search for non-profit associations and foundations.
SEARCH_FORMS = ("AYH", "SÄÄ")
#: Finnish names of those forms as answers describe them (``companyForms[].descriptions``).
FORM_NAMES_FI = {"aatteellinen yhdistys": "AYH", "säätiö": "SÄÄ"}
EMPLOYER_REGISTER = "7"
VISITING, POSTAL = 1, 2
SITUATION_STATUS = {"SELTILA": "in_liquidation", "KONK": "in_bankruptcy", "SANE": "in_restructuring"}
STATUSES = ("active", "in_liquidation", "in_bankruptcy", "in_restructuring", "dissolved")
#: Columns added to the canonical register by this source.
YTJ_COLUMNS = [
    "status", "end_date", "tol_code", "tol_name", "tol_code_set", "has_employer_registration",
    "employer_registration_periods", "registration_year", "company_form", "municipality_basis",
    "source",
]
COVERAGE_NOTE = (
    "YTJ lists only associations and foundations that have a business ID (Y-tunnus); "
    "registered associations without one are absent, so counts are an undercount. "
    "Municipality is that of the visiting address, else the postal address, not the registered "
    "domicile (the open data has no domicile field). Employer register = a paid-staff proxy: "
    "being registered as an employer, not a count of staff."
)


class YTJFetchError(SoteAnalyticsError, RuntimeError):
    """The YTJ data could not be fetched or read."""


class YTJOfflineError(YTJFetchError):
    """Offline and the cache lacks what was asked."""


@cache
def ytj_codes() -> pd.DataFrame:
    """The code table ``data/ytj_codes.csv`` (kind, code, names, sector hint, source)."""
    text = resources.files("sote_analytics").joinpath("data/ytj_codes.csv").read_text("utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def tol_divisions() -> pd.DataFrame:
    """TOL divisions relevant to associations, indexed by 2-digit code."""
    codes = ytj_codes()
    return codes[codes["kind"] == "tol_division"].set_index("code")


# ---------------------------------------------------------------------------- parsing
def _fi(descriptions: list | None) -> str | None:
    """The Finnish description (language code 1), else the first one."""
    descs = [d for d in descriptions or [] if isinstance(d, dict) and d.get("description")]
    for d in descs:
        if str(d.get("languageCode")) == "1":
            return str(d["description"])
    return str(descs[0]["description"]) if descs else None


def _current(items: list | None) -> list[dict]:
    """Entries without an end date, version 1 first (the schema: 1 = current version)."""
    cur = [i for i in items or [] if isinstance(i, dict) and not i.get("endDate")]
    return sorted(cur, key=lambda i: (i.get("version") not in (1, None), -_ordinal(i.get("registrationDate"))))


def _ordinal(value: object) -> int:
    try:
        return dt.date.fromisoformat(str(value)[:10]).toordinal()
    except ValueError:
        return 0


def business_id_of(company: dict) -> str | None:
    """``businessId`` is an object ``{"value": …}`` in v3 (a plain string is accepted too)."""
    bid = company.get("businessId")
    value = bid.get("value") if isinstance(bid, dict) else bid
    return str(value).strip() if value else None


def form_of(company: dict) -> tuple[str | None, str | None]:
    """Current company form: (code as given, Finnish name)."""
    cur = _current(company.get("companyForms"))
    if not cur:
        return None, None
    return (str(cur[0]["type"]) if cur[0].get("type") is not None else None), _fi(cur[0].get("descriptions"))


def is_association(company: dict) -> bool:
    """Non-profit association or foundation, by the form's code or its Finnish name."""
    code, name = form_of(company)
    return code in SEARCH_FORMS or (name or "").strip().casefold() in FORM_NAMES_FI


def municipality_of(company: dict) -> tuple[str | None, str | None]:
    """Municipality code of the visiting address, else the postal one; the latest of each type.

    Returns (code, basis) with basis ``visiting_address`` / ``postal_address``.
    """
    addrs = [a for a in company.get("addresses") or [] if isinstance(a, dict)]
    order = sorted(addrs, key=lambda a: ({VISITING: 0, POSTAL: 1}.get(_int(a.get("type")), 2),
                                         -_ordinal(a.get("registrationDate"))))
    for a in order:
        for po in a.get("postOffices") or []:
            code = po.get("municipalityCode") if isinstance(po, dict) else None
            if code and str(code).strip().isdigit():
                basis = {VISITING: "visiting_address", POSTAL: "postal_address"}.get(_int(a.get("type")), "address")
                return str(code).strip().zfill(3), basis
    return None, None


def _int(v: object) -> int | None:
    try:
        return int(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def employer_history(company: dict) -> tuple[bool | None, str | None]:
    """(registered now, periods ``start..end; start..``) in the employer register (register 7).

    ``None`` when the record has no ``registeredEntries`` at all (unknown, not "no").
    """
    entries = company.get("registeredEntries")
    if entries is None:
        return None, None
    rows = [e for e in entries if isinstance(e, dict) and str(e.get("register")) == EMPLOYER_REGISTER]
    rows.sort(key=lambda e: _ordinal(e.get("registrationDate")))
    periods = "; ".join(f"{(e.get('registrationDate') or '?')[:10]}..{(e.get('endDate') or '')[:10]}" for e in rows)
    return any(not e.get("endDate") for e in rows), (periods or None)


def status_of(company: dict) -> str:
    """``dissolved`` if the record has an end date, else the current situation, else ``active``."""
    if company.get("endDate"):
        return "dissolved"
    for s in _current(company.get("companySituations")):
        st = SITUATION_STATUS.get(str(s.get("type")))
        if st:
            return st
    return "active"


def parse_company(company: dict) -> dict:
    """One v3 company record -> one flat row (no street address, no person data)."""
    names = [n for n in company.get("names") or [] if isinstance(n, dict) and str(n.get("type")) == "1"]
    cur = _current(names) or names
    line = company.get("mainBusinessLine") or {}
    tol = str(line.get("type") or "").strip()
    tol = tol if tol.isdigit() and int(tol) else None
    form_code, form_name = form_of(company)
    mun, basis = municipality_of(company)
    employer, periods = employer_history(company)
    bid = company.get("businessId") if isinstance(company.get("businessId"), dict) else {}
    reg = company.get("registrationDate") or bid.get("registrationDate")
    return {
        "business_id": business_id_of(company),
        "name": cur[0].get("name") if cur else None,
        "registration_date": str(reg)[:10] if reg else None,
        "end_date": str(company["endDate"])[:10] if company.get("endDate") else None,
        "status": status_of(company),
        "municipality": mun,
        "municipality_basis": basis,
        "tol_code": tol,
        "tol_name": _fi(line.get("descriptions")) if tol else None,
        "tol_code_set": line.get("typeCodeSet") if tol else None,
        "company_form_code": form_code,
        "company_form": form_name,
        "has_employer_registration": employer,
        "employer_registration_periods": periods,
        "ytj_status_code": company.get("status"),
    }


# ---------------------------------------------------------------------------- HTTP
@dataclass
class Http:
    """A rate-limited session with back-off on HTTP 429 and 503.

    Parameters
    ----------
    limiter : RateLimiter
        Spacing of requests (default 250 a minute, below the shared 300).
    max_retries : int
        Retries of one request after 429/503 before giving up.
    backoff : float
        First back-off in seconds (doubles), unless the answer has ``Retry-After``.
    """

    limiter: RateLimiter = field(default_factory=RateLimiter)
    max_retries: int = 5
    backoff: float = 2.0
    timeout: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    requests_made: int = 0
    throttled: int = 0
    _session: object = None

    def session(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "sote-analytics (register fetch --source ytj)"
        return self._session

    def get(self, url: str, params: dict | None = None, headers: dict | None = None, stream: bool = False):
        """GET with rate limiting and back-off; connection failures raise ``YTJUnavailableError``."""
        import requests

        delay = self.backoff
        for attempt in range(self.max_retries + 1):
            self.limiter.wait()
            self.requests_made += 1
            try:
                r = self.session().get(url, params=params, headers=headers, timeout=self.timeout, stream=stream)
            except requests.ConnectionError as exc:
                raise YTJUnavailableError(f"YTJ service unreachable ({exc.__class__.__name__}) at {url}") from None
            if r.status_code not in (429, 503):
                return r
            self.throttled += 1
            if attempt == self.max_retries:
                break
            wait = _retry_after(r.headers.get("Retry-After"), delay)
            r.close()
            self.sleep(wait)
            delay *= 2
        raise YTJFetchError(f"YTJ kept answering HTTP {r.status_code} (too many requests) after "
                            f"{self.max_retries} retries; the cache is kept, run again later to resume.")


def _retry_after(value: str | None, default: float) -> float:
    try:
        return max(0.0, min(float(value), 600.0)) if value is not None else default
    except ValueError:
        return default


# ---------------------------------------------------------------------------- search paging
def _slug(params: dict) -> str:
    text = "&".join(f"{k}={params[k]}" for k in sorted(params))
    safe = re.sub(r"[^A-Za-z0-9=&_-]+", "_", text)[:80]
    return f"{safe}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"


@dataclass
class SearchStats:
    pages_fetched: int = 0
    pages_cached: int = 0
    pages_refetched_corrupt: int = 0
    queries: list = field(default_factory=list)


def search_pages(params: dict, cache_dir: Path, base_url: str, http: Http | None, offline: bool,
                 stats: SearchStats, progress: bool = False) -> Iterator[dict]:
    """Yield every company of one ``/companies`` query, page by page, through the cache."""
    folder = Path(cache_dir) / "search" / _slug(params)
    url = f"{base_url.rstrip('/')}/companies"

    def page(n: int) -> dict:
        path = folder / f"page-{n:05d}.json"
        if path.exists():
            try:
                doc = json.loads(path.read_text("utf-8"))
                if isinstance(doc.get("payload", {}).get("companies"), list):
                    stats.pages_cached += 1
                    return doc["payload"]
            except (ValueError, UnicodeDecodeError, AttributeError):
                pass
            stats.pages_refetched_corrupt += 1
        if offline or http is None:
            raise YTJOfflineError(
                f"YTJ page {n} of {params} is not in the cache {folder}; fetch it first with "
                f"`sote-analytics register fetch --source ytj` (needs network).")
        r = http.get(url, params=params if n == 1 else {**params, "page": n})
        if r.status_code == 404:
            payload = {"totalResults": 0, "companies": []}
        elif r.status_code >= 400:
            raise YTJFetchError(f"YTJ answered HTTP {r.status_code} to {r.url}: {r.text[:300]}")
        else:
            try:
                payload = r.json()
            except ValueError:
                raise YTJFetchError(f"YTJ answer to {r.url} is not JSON") from None
            if not isinstance(payload, dict) or not isinstance(payload.get("companies"), list):
                raise YTJFetchError(f"YTJ answer to {r.url} lacks a 'companies' list")
        stats.pages_fetched += 1
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps({"params": params, "page": n, "url": url,
                                            "retrieved_at": _now(), "payload": payload}, ensure_ascii=False))
        return payload

    first = page(1)
    total = int(first.get("totalResults") or 0)
    per_page = max(len(first["companies"]), 1)
    n_pages = -(-total // per_page) if total else 1
    stats.queries.append({"params": params, "total_results": total, "pages": n_pages})
    first_ids = [business_id_of(c) for c in first["companies"]]
    yield from first["companies"]
    from tqdm import tqdm

    for n in tqdm(range(2, n_pages + 1), disable=not progress or n_pages < 3, desc=f"YTJ {params}", unit="page"):
        p = page(n)
        ids = [business_id_of(c) for c in p["companies"]]
        if not ids or ids == first_ids:  # past the end the service answers page 1 again
            break
        yield from p["companies"]


# ---------------------------------------------------------------------------- bulk
def download_bulk(base_url: str, cache_dir: Path, http: Http, progress: bool = False,
                  chunk: int = 1 << 20) -> Path:
    """Download ``/all_companies`` into ``cache_dir``, resuming a partial ``.part`` file."""
    target = Path(cache_dir) / "all_companies.zip"
    if target.exists() and _zip_ok(target):
        return target
    target.unlink(missing_ok=True)
    part = target.with_name(target.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    have = part.stat().st_size if part.exists() else 0
    r = http.get(f"{base_url.rstrip('/')}/all_companies", headers={"Range": f"bytes={have}-"} if have else None,
                 stream=True)
    if r.status_code == 416:  # the part is already complete
        r.close()
    elif r.status_code >= 400:
        raise YTJFetchError(f"YTJ bulk download answered HTTP {r.status_code}")
    else:
        mode = "ab" if (have and r.status_code == 206) else "wb"
        size = r.headers.get("Content-Length")
        import requests
        from tqdm import tqdm

        with open(part, mode) as fh, tqdm(total=int(size) if size else None, initial=0, unit="B", unit_scale=True,
                                          disable=not progress, desc="YTJ all_companies") as bar:
            try:
                for block in r.iter_content(chunk):
                    fh.write(block)
                    bar.update(len(block))
            except requests.RequestException as exc:
                raise YTJUnavailableError(
                    f"YTJ bulk download interrupted ({exc.__class__.__name__}); {part.stat().st_size:,} bytes "
                    f"kept in {part}; run again to resume.") from None
    if not _zip_ok(part):
        part.unlink(missing_ok=True)
        raise YTJFetchError("The downloaded all_companies file is not a readable ZIP; it was removed, "
                            "run again to download it afresh.")
    part.replace(target)
    return target


def _zip_ok(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return any(n.lower().endswith(".json") for n in z.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def iter_json_array(text: io.TextIOBase, chunk: int = 1 << 22) -> Iterator[dict]:
    """Stream the items of a top-level JSON array without reading it whole.

    Examples
    --------
    >>> [d["a"] for d in iter_json_array(io.StringIO('[{"a": 1}, {"a": [2, "]"]}]'), chunk=4)]
    [1, [2, ']']]
    """
    dec = json.JSONDecoder()
    buf, pos, eof, started = "", 0, False, False
    while True:
        # skip white space and separators
        while True:
            while pos < len(buf) and buf[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buf) or eof:
                break
            buf, pos = buf[pos:] + text.read(chunk), 0
            eof = pos >= len(buf)
        if pos >= len(buf):
            if not started:
                raise YTJFetchError("bulk file is empty")
            raise YTJFetchError("bulk file is truncated: it ends before its closing ']'")
        if not started:
            if buf[pos] != "[":
                raise YTJFetchError("bulk file is not a JSON array")
            started, pos = True, pos + 1
            continue
        if buf[pos] == "]":
            return
        try:
            obj, end = dec.raw_decode(buf, pos)
        except json.JSONDecodeError:
            if eof:
                raise YTJFetchError(f"bulk file is truncated or has invalid JSON near character {pos}") from None
            more = text.read(chunk)
            eof = not more
            buf, pos = buf[pos:] + more, 0
            continue
        yield obj
        pos = end
        if pos > chunk:
            buf, pos = buf[pos:], 0


def iter_bulk(path: Path) -> Iterator[dict]:
    """Companies of a bulk file: the ``all_companies`` ZIP, or a plain ``.json`` array."""
    path = Path(path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            members = [n for n in z.namelist() if n.lower().endswith(".json")]
            if not members:
                raise YTJFetchError(f"{path} has no .json member")
            for m in members:
                with z.open(m) as raw:
                    yield from iter_json_array(io.TextIOWrapper(raw, encoding="utf-8"))
    else:
        with open(path, encoding="utf-8") as fh:
            yield from iter_json_array(fh)


# ---------------------------------------------------------------------------- the register
def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def locations_for(ref, municipalities: Iterable[str]) -> dict[str, list[str]]:
    """Post office names to ask for each municipality code: its Finnish and Swedish names."""
    key = ref.key.set_index("kunta_code")
    out: dict[str, list[str]] = {}
    for code in municipalities:
        c = str(code).strip().zfill(3)
        if c not in key.index:
            raise YTJFetchError(f"unknown municipality code {code!r} for key year {ref.year}")
        names = [key.at[c, "kunta_name_fi"], key.at[c, "kunta_name_sv"]]
        out[c] = list(dict.fromkeys(str(n).upper() for n in names if isinstance(n, str) and n))
    return out


def build_ytj_register(cache_dir: Path | str, ref, municipalities: Iterable[str] | None = None,
                       all_: bool = False, bulk: Path | str | None = None, download_bulk_file: bool = False,
                       base_url: str = YTJ_URL, offline: bool = False, progress: bool = False,
                       per_minute: float = 250, http: Http | None = None, today: dt.date | None = None,
                       synthetic: bool = False) -> tuple[pd.DataFrame, dict]:
    """Fetch (or read from the cache) associations and foundations and build the canonical register.

    Parameters
    ----------
    cache_dir : path
        Cache of answers and the bulk file; the manifest is written here.
    ref : ReferenceData
        Municipality key (names for the location search, codes and mergers for resolution).
    municipalities : iterable of str, optional
        Municipality codes to fetch (search by post office name, filtered by code).
    all_ : bool
        Fetch the whole country (search by company form only).
    bulk : path, optional
        A local ``all_companies`` ZIP or JSON array to read instead of searching.
    download_bulk_file : bool
        Download ``/all_companies`` (resumable) and read it.
    offline : bool
        Use the cache only; a missing page raises :class:`YTJOfflineError`.
    synthetic : bool
        The input is generated test data: said so in the manifest.

    Returns
    -------
    (DataFrame, dict)
        The canonical register (schema of :mod:`sote_analytics.register` plus
        :data:`YTJ_COLUMNS`; dissolved associations included, see :func:`current`) and the
        manifest (URL, retrieval time, licence, counts, quarantine).
    """
    cache_dir = Path(cache_dir)
    codes = [str(c).strip().zfill(3) for c in municipalities or []]
    if not (codes or all_ or bulk or download_bulk_file):
        raise YTJFetchError("say which municipalities (--municipality CODE) or --all")
    if http is None and not offline:
        http = Http(limiter=RateLimiter(per_minute))
    stats = SearchStats()
    seen = 0
    rows: dict[str, dict] = {}
    repeated = 0
    if bulk or download_bulk_file:
        path = Path(bulk) if bulk else None
        if path is None:
            if offline:
                path = cache_dir / "all_companies.zip"
                if not path.exists():
                    raise YTJOfflineError(f"no bulk file in the cache {cache_dir}; fetch it first (needs network)")
            else:
                path = download_bulk(base_url, cache_dir, http, progress=progress)  # type: ignore[arg-type]
        mode, url = "bulk", (str(path) if bulk else f"{base_url.rstrip('/')}/all_companies")
        from tqdm import tqdm

        for c in tqdm(iter_bulk(path), disable=not progress, desc="YTJ bulk", unit=" companies"):
            seen += 1
            if is_association(c):
                r = parse_company(c)
                if r["business_id"] in rows:
                    repeated += 1
                rows[r["business_id"] or f"?{seen}"] = r
    else:
        mode, url = "search", f"{base_url.rstrip('/')}/companies"
        queries = [{"companyForm": f} for f in SEARCH_FORMS] if all_ else [
            {"companyForm": f, "location": loc} for locs in locations_for(ref, codes).values()
            for loc in locs for f in SEARCH_FORMS]
        for q in queries:
            for c in search_pages(q, cache_dir, base_url, http, offline, stats, progress):
                seen += 1
                r = parse_company(c)
                if not r["company_form"] and not r["company_form_code"]:
                    r["company_form_code"] = q["companyForm"]
                    r["company_form"] = {v: k for k, v in FORM_NAMES_FI.items()}[q["companyForm"]].capitalize()
                if r["business_id"] in rows:
                    repeated += 1
                rows[r["business_id"] or f"?{seen}"] = r
    flat = pd.DataFrame(list(rows.values()))
    outside = 0
    if codes and len(flat):
        wanted = set(codes) | set(_merged_into(ref, codes))
        keep = flat["municipality"].isin(wanted) | flat["municipality"].isna()
        outside = int((~keep).sum())
        flat = flat[keep].reset_index(drop=True)
    register, quarantine = to_canonical(flat, ref, today)
    counts = {
        "records_seen": seen, "associations_and_foundations": len(flat) + outside,
        "repeated_across_queries": repeated, "outside_requested_municipalities": outside,
        "accepted": len(register), "quarantined": len(quarantine),
        "by_status": {s: int((register["status"] == s).sum()) for s in STATUSES} if len(register) else {},
        "with_employer_registration": int(register["has_employer_registration"].fillna(False).astype(bool).sum())
        if len(register) else 0,
    }
    manifest = {
        "source": "ytj", "mode": mode, "url": url, "retrieved_at": _now(), "licence": LICENCE,
        "attribution": ATTRIBUTION, "synthetic": synthetic, "municipalities": codes or None,
        "all": bool(all_), "offline": offline, "coverage_note": COVERAGE_NOTE, "counts": counts,
        "queries": stats.queries,
        "http": {"requests": http.requests_made if http else 0, "throttled": http.throttled if http else 0,
                 "pages_fetched": stats.pages_fetched, "pages_from_cache": stats.pages_cached,
                 "pages_refetched_corrupt": stats.pages_refetched_corrupt},
        "quarantine_reasons": quarantine["reason"].value_counts().to_dict() if len(quarantine) else {},
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(cache_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    register.attrs["manifest"] = manifest
    register.attrs["quarantine"] = quarantine
    return register, manifest


def _merged_into(ref, codes: list[str]) -> list[str]:
    """Old municipality codes that merged into the given ones (YTJ may still carry them)."""
    m = ref.mergers
    if m is None or not len(m) or "old_code" not in m or "new_code" not in m:
        return []
    return [str(c) for c in m.loc[m["new_code"].isin(codes), "old_code"].dropna()]


def to_canonical(flat: pd.DataFrame, ref, today: dt.date | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flat YTJ rows -> (canonical register with the YTJ columns, quarantine with reasons)."""
    from ..pipeline import apply_classification
    from ..register import CANONICAL_COLUMNS, canonicalize

    if not len(flat):
        empty = pd.DataFrame(columns=CANONICAL_COLUMNS + YTJ_COLUMNS)
        return empty, pd.DataFrame(columns=["source_row", "reason"])
    flat = flat.reset_index(drop=True)
    raw = pd.DataFrame({
        "association_id": ("ytj:" + flat["business_id"].astype("string")).astype("string"),
        "name": flat["name"].astype("string"),
        "business_id": flat["business_id"].astype("string"),
        "registration_date": flat["registration_date"].astype("string"),
        "municipality": flat["municipality"].astype("string"),
    })
    res = canonicalize(raw, ref, source="ytj", today=today)
    reg = apply_classification(res.register, sector_given=False)
    extra = flat.assign(association_id=raw["association_id"]).set_index("association_id")
    ids = reg["association_id"]
    for col in ("status", "end_date", "tol_code", "tol_name", "tol_code_set", "employer_registration_periods",
                "company_form", "municipality_basis"):
        reg[col] = pd.array(extra[col].reindex(ids).to_numpy(), dtype="string")
    reg["end_date"] = pd.to_datetime(reg["end_date"], errors="coerce").dt.date
    reg["has_employer_registration"] = pd.array(
        extra["has_employer_registration"].reindex(ids).to_numpy(), dtype="boolean")
    reg["registration_year"] = pd.to_datetime(reg["registration_date"], errors="coerce").dt.year.astype("Int64")
    reg["source"] = pd.array(["ytj"] * len(reg), dtype="string")
    _tol_signal(reg)
    quarantine = res.quarantine
    if len(quarantine):
        quarantine = quarantine.merge(extra[["status", "company_form"]], left_on="association_id",
                                      right_index=True, how="left")
    return reg, quarantine


def _tol_signal(reg: pd.DataFrame) -> None:
    """Second signal: where the name gave no sector, a TOL division with a sector hint does.

    Order of signals: (1) the name rules (``classify``), including their not-sote
    exclusions; (2) the TOL division hint of ``data/ytj_codes.csv`` (86, 87, 88; 94
    has none); (3) ``unclassified``.
    """
    from ..taxonomy import UNCLASSIFIED

    hints = tol_divisions()["sector_hint"]
    hints = hints[hints != ""]
    division = reg["tol_code"].astype("string").str[:2]
    hint = division.map(hints)
    use = reg["sector"].eq(UNCLASSIFIED) & hint.notna()
    reg.loc[use, "sector"] = hint[use]
    reg.loc[use, "sector_classified"] = hint[use]
    reg.loc[use, "classification_rule"] = "TOL" + division[use]
    reg.loc[use, "sector_source"] = "tol"


def current(register: pd.DataFrame) -> pd.DataFrame:
    """Associations that exist now: every status except ``dissolved``."""
    return register[register["status"].ne("dissolved")]


def founded_ended_per_year(register: pd.DataFrame, ref=None, level: str = "kunta",
                           years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Associations founded and ended per year per area, and the net change.

    Founded = registration year; ended = year of the end date of a dissolved association.
    Rows without a registration year are not guessed: their number is in
    ``attrs["unknown_registration_year"]``.

    Parameters
    ----------
    register : DataFrame
        A YTJ register (``municipality_code``, ``registration_year``, ``status``, ``end_date``).
    ref : ReferenceData, optional
        Needed for area levels other than ``kunta``.
    level : str
        Area level id (``kunta``, ``hyvinvointialue``, …).
    years : (int, int), optional
        First and last year to include (all years of the data by default).

    Returns
    -------
    DataFrame
        ``area_code, year, founded, ended, net``, one row per area and year with any event.
    """
    area = register["municipality_code"].astype("string")
    if level != "kunta":
        if ref is None:
            raise ValueError("ref is needed for area levels other than kunta")
        key = ref.key.set_index("kunta_code")[f"{level}_code"]
        area = area.map(key).astype("string")
    founded = pd.DataFrame({"area_code": area, "year": register["registration_year"].astype("Int64")})
    ended_mask = register["status"].eq("dissolved") & register["end_date"].notna()
    ended_year = pd.to_datetime(register.loc[ended_mask, "end_date"], errors="coerce").dt.year.astype("Int64")
    ended = pd.DataFrame({"area_code": area[ended_mask], "year": ended_year})
    f = founded.dropna().groupby(["area_code", "year"]).size().rename("founded")
    e = ended.dropna().groupby(["area_code", "year"]).size().rename("ended")
    out = pd.concat([f, e], axis=1).fillna(0).astype(int).reset_index()
    if years:
        out = out[out["year"].between(*years)]
    out["net"] = out["founded"] - out["ended"]
    out = out.sort_values(["area_code", "year"]).reset_index(drop=True)
    out.attrs["unknown_registration_year"] = int(register["registration_year"].isna().sum())
    return out


def write_register(register: pd.DataFrame, out: Path | str) -> dict[str, Path]:
    """Write the register as Parquet and CSV (``out`` with either suffix, or a stem)."""
    out = Path(out)
    stem = out.with_suffix("") if out.suffix in (".parquet", ".csv") else out
    paths = {"parquet": stem.with_suffix(".parquet"), "csv": stem.with_suffix(".csv")}
    clean = register.copy()
    clean.attrs = {}
    with atomic_path(paths["parquet"]) as tmp:
        clean.to_parquet(tmp, index=False)
    with atomic_path(paths["csv"]) as tmp:
        clean.to_csv(tmp, index=False)
    return paths
