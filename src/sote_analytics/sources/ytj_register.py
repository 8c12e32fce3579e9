"""A national register of associations and foundations from PRH's YTJ open data (API v3).

Two ways in, both explicit (``sote-analytics register fetch --source ytj``), never
during a report run:

* **search** (default): ``GET {base}/companies?companyForm=AYH|SÄÄ&location=…[&page=n]``,
  paged by 100 (``page`` is documented in the v3 OpenAPI schema; a page past the
  end answers the *first* page again, so the page count comes from
  ``totalResults`` and a repeated first page stops the loop). ``location`` is a
  post office name (postitoimipaikka), not a municipality: a municipality is asked
  once per post office it has in ``/post_codes?lang=fi|sv`` (cached and dated; names
  in both languages), or per post code (``by="post_code"``), and the answers are then
  kept by the municipality code of the address (or, where a record lacks it, by its
  post code). ``--all`` asks by company form, split by registration date until no query
  has more than ``max_results`` results (so none pages past the service's limit).
  Answers carry numeric form codes (YRMU: 6 = aatteellinen yhdistys, 18 = säätiö),
  pinned here and checked against ``/description?code=YRMU`` when it can be fetched.
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
import logging
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
from ..net import THROTTLE_STATUSES, Client, FetchError, RateLimiter, UnreachableError, now_iso
from ..read.validation import safe_frame
from .ytj_records import (
    FORM_CODES,
    FORM_NAMES_FI,
    SEARCH_FORMS,
    STATUSES,
    YTJ_URL,
    YTJFetchError,
    YTJOfflineError,
    YTJUnavailableError,
    business_id_of,
    finnish_description,
    is_association,
    parse_company,
)

log = logging.getLogger(__name__)

LICENCE = "CC BY 4.0"
ATTRIBUTION = "Lähde: Patentti- ja rekisterihallitus (PRH), YTJ avoin data (CC BY 4.0)"
#: The ``--all`` date split's first window: fixed ends, so that the split (and so the cached
#: queries) is the same on any later day and an offline run finds every page it needs.
ALL_START, ALL_END = dt.date(1850, 1, 1), dt.date(2099, 12, 31)
#: Results one query may have before ``--all`` splits its date range (100 a page; the service's
#: deep-paging limit is not documented, so this is a cautious assumption: 10 pages).
MAX_RESULTS = 1000
#: How old a cached ``/post_codes`` list may be before an online run asks again.
POST_CODES_MAX_AGE_DAYS = 30
#: Ways of fanning out a municipality's search.
FAN_OUT = ("post_office", "post_code", "municipality_name")
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



@cache
def ytj_codes() -> pd.DataFrame:
    """The code table ``data/ytj_codes.csv`` (kind, code, names, sector hint, source)."""
    text = resources.files("sote_analytics").joinpath("data/ytj_codes.csv").read_text("utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def tol_divisions() -> pd.DataFrame:
    """TOL divisions relevant to associations, indexed by 2-digit code."""
    codes = ytj_codes()
    return codes[codes["kind"] == "tol_division"].set_index("code")


# ---------------------------------------------------------------------------- HTTP
class Http(Client):
    """The register's client: :class:`..net.Client` rate-limited, backing off on HTTP 429 and 503.

    Parameters
    ----------
    limiter : RateLimiter
        Spacing of requests (default 250 a minute, below the shared 300).
    max_retries : int
        Retries of one request after 429/503 before giving up.
    backoff : float
        First back-off in seconds (doubles), unless the answer has ``Retry-After`` (at most 600 s).

    A connection failure raises :class:`YTJUnavailableError` at once; answers that still say
    429/503 after the retries raise :class:`YTJFetchError`; any other answer is returned.
    """

    def __init__(self, limiter: RateLimiter | None = None, max_retries: int = 5, backoff: float = 2.0,
                 timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep, session=None):
        super().__init__(timeout=timeout, retries=max_retries, backoff=backoff, max_wait=600.0,
                         retry_statuses=THROTTLE_STATUSES, retry_connection_errors=False,
                         limiter=limiter or RateLimiter(), sleep=sleep, session=session,
                         user_agent="sote-analytics (register fetch --source ytj)")

    @property
    def max_retries(self) -> int:
        return self.retries

    def get(self, url: str, params: dict | None = None, headers: dict | None = None, stream: bool = False):
        """GET with rate limiting and back-off; connection failures raise ``YTJUnavailableError``."""
        try:
            r = super().get(url, params=params, headers=headers, stream=stream)
        except UnreachableError as exc:
            raise YTJUnavailableError(f"YTJ service unreachable ({exc.cause_name}) at {url}") from None
        except FetchError as exc:
            raise YTJFetchError(f"YTJ request failed: {exc}") from None
        if r.status_code in self.retry_statuses:
            r.close()
            raise YTJFetchError(f"YTJ kept answering HTTP {r.status_code} (too many requests) after "
                                f"{self.retries} retries; the cache is kept, run again later to resume.")
        return r


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
    splits: int = 0
    queries: list = field(default_factory=list)


def _page(params: dict, n: int, cache_dir: Path, base_url: str, http: Http | None, offline: bool,
          stats: SearchStats) -> dict:
    """Page ``n`` of one ``/companies`` query, from the cache or the service (then cached)."""
    folder = Path(cache_dir) / "search" / _slug(params)
    url = f"{base_url.rstrip('/')}/companies"
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
    log.info("YTJ %s page %d: %s results, %d on the page", params, n, payload.get("totalResults"),
             len(payload["companies"]))
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps({"params": params, "page": n, "url": url,
                                        "retrieved_at": now_iso(), "payload": payload}, ensure_ascii=False))
    return payload


def search_pages(params: dict, cache_dir: Path, base_url: str, http: Http | None, offline: bool,
                 stats: SearchStats, progress: bool = False, max_results: int | None = None) -> Iterator[dict]:
    """Yield every company of one ``/companies`` query, page by page, through the cache.

    ``max_results`` stops paging there (the ``--all`` split keeps queries below it; a single
    day with more results is paged up to it and the shortfall recorded in the query log).
    """
    first = _page(params, 1, cache_dir, base_url, http, offline, stats)
    total = int(first.get("totalResults") or 0)
    per_page = max(len(first["companies"]), 1)
    n_pages = -(-total // per_page) if total else 1
    if max_results:
        n_pages = min(n_pages, max(-(-max_results // per_page), 1))
    entry = {"params": params, "total_results": total, "pages": n_pages, "records": len(first["companies"])}
    stats.queries.append(entry)
    first_ids = [business_id_of(c) for c in first["companies"]]
    yield from first["companies"]
    from tqdm import tqdm

    for n in tqdm(range(2, n_pages + 1), disable=not progress or n_pages < 3, desc=f"YTJ {params}", unit="page"):
        p = _page(params, n, cache_dir, base_url, http, offline, stats)
        ids = [business_id_of(c) for c in p["companies"]]
        if not ids or ids == first_ids:  # past the end the service answers page 1 again
            break
        entry["records"] += len(p["companies"])
        yield from p["companies"]
    if entry["records"] < total:
        entry["shortfall"] = total - entry["records"]


def date_split_queries(params: dict, cache_dir: Path, base_url: str, http: Http | None, offline: bool,
                       stats: SearchStats, start: dt.date, end: dt.date,
                       max_results: int = MAX_RESULTS) -> list[dict]:
    """Split one query by registration date until every part has at most ``max_results`` results.

    The first page of each window is asked (and cached) to read ``totalResults``; a window
    with too many is halved. Returns the leaf queries (with ``registrationDateStart/End``).

    Examples
    --------
    A window of one day is never split further, whatever its total (see the query log).
    """
    out: list[dict] = []
    todo = [(start, end)]
    while todo:
        s, e = todo.pop()
        q = {**params, "registrationDateStart": s.isoformat(), "registrationDateEnd": e.isoformat()}
        total = int(_page(q, 1, cache_dir, base_url, http, offline, stats).get("totalResults") or 0)
        if total > max_results and s < e:
            mid = dt.date.fromordinal((s.toordinal() + e.toordinal()) // 2)
            todo += [(mid + dt.timedelta(days=1), e), (s, mid)]
            stats.splits += 1
        elif total:
            out.append(q)
    return out


# ---------------------------------------------------------------------------- post offices and code lists
def _cached_json(path: Path, max_age_days: float | None, offline: bool) -> dict | None:
    """A cached ``{"retrieved_at", "payload"}`` document if it reads and is fresh enough."""
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text("utf-8"))
        when = dt.datetime.fromisoformat(doc["retrieved_at"])
    except (ValueError, KeyError, UnicodeDecodeError, TypeError):
        return None
    age = (dt.datetime.now(dt.UTC) - when).total_seconds() / 86400
    if offline or max_age_days is None or age <= max_age_days:
        return doc
    return None


def post_code_table(cache_dir: Path | str, base_url: str = YTJ_URL, http: Http | None = None,
                    offline: bool = False, langs: Iterable[str] = ("fi", "sv"),
                    max_age_days: float | None = POST_CODES_MAX_AGE_DAYS) -> pd.DataFrame:
    """Every post office of the country from ``/post_codes?lang=`` (cached, dated).

    One list per language: the Finnish list names a bilingual post office in Finnish, the
    Swedish list in Swedish (``10600 TAMMISAARI`` / ``EKENÄS``), so both are asked.

    Returns
    -------
    DataFrame
        ``post_code, city, active, language_code, municipality_code, lang, retrieved_at``.
    """
    cache_dir = Path(cache_dir)
    frames = []
    for lang in langs:
        path = cache_dir / "post_codes" / f"post_codes-{lang}.json"
        doc = _cached_json(path, max_age_days, offline)
        if doc is None:
            if offline or http is None:
                raise YTJOfflineError(f"the post office list ({lang}) is not in the cache {path.parent}; "
                                      f"fetch it first (needs network)")
            url = f"{base_url.rstrip('/')}/post_codes"
            r = http.get(url, params={"lang": lang})
            if r.status_code >= 400:
                raise YTJFetchError(f"YTJ answered HTTP {r.status_code} to {r.url}: {r.text[:300]}")
            try:
                payload = r.json()
            except ValueError:
                raise YTJFetchError(f"YTJ answer to {r.url} is not JSON") from None
            if not isinstance(payload, list):
                raise YTJFetchError(f"YTJ answer to {r.url} is not a list of post offices")
            doc = {"url": url, "lang": lang, "retrieved_at": now_iso(), "payload": payload}
            atomic_write_text(path, json.dumps(doc, ensure_ascii=False))
            log.info("YTJ /post_codes?lang=%s: %d entries", lang, len(payload))
        rows = [e for e in doc["payload"] if isinstance(e, dict) and e.get("postCode") and e.get("city")]
        frames.append(pd.DataFrame({
            "post_code": [str(e["postCode"]).strip().zfill(5) for e in rows],
            "city": [str(e["city"]).strip().upper() for e in rows],
            "active": [e.get("active") is not False for e in rows],
            "language_code": [str(e.get("languageCode") or "") for e in rows],
            "municipality_code": [str(e["municipalityCode"]).strip().zfill(3)
                                  if str(e.get("municipalityCode") or "").strip().isdigit() else None for e in rows],
            "lang": lang, "retrieved_at": doc["retrieved_at"],
        }))
    cols = ["post_code", "city", "active", "language_code", "municipality_code", "lang", "retrieved_at"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)


def post_offices_for(table: pd.DataFrame, municipalities: Iterable[str], by: str = "post_office",
                     include_inactive: bool = False) -> dict[str, list[str]]:
    """The post office names (or post codes) to ask for each municipality code.

    Parameters
    ----------
    table : DataFrame
        :func:`post_code_table`.
    municipalities : iterable of str
        Municipality codes.
    by : {"post_office", "post_code"}
        Names (every language, distinct) or the 5-digit codes.
    include_inactive : bool
        Also inactive post codes (associations may keep an old address).
    """
    t = table if include_inactive else table[table["active"]]
    col = "city" if by == "post_office" else "post_code"
    out = {}
    for code in municipalities:
        c = str(code).strip().zfill(3)
        out[c] = list(dict.fromkeys(t.loc[t["municipality_code"] == c, col]))  # Finnish names first
    return out


def post_code_municipalities(table: pd.DataFrame) -> dict[str, str]:
    """Post code -> municipality code (the first listed; used only where a record lacks the code)."""
    t = table.dropna(subset=["municipality_code"])
    return dict(zip(t["post_code"], t["municipality_code"], strict=True)) if len(t) else {}


def parse_code_list(text: str) -> dict[str, str]:
    """Code -> description from a ``/description`` answer (text/plain, shape not documented).

    Accepts JSON (a list of ``{code, description}``-like objects or a mapping) and plain text
    with one ``code<sep>description`` a line (``;``, tab, ``=``, ``:`` or `` - ``).

    Examples
    --------
    >>> parse_code_list("6;Aatteellinen yhdistys\\n18;Säätiö")
    {'6': 'Aatteellinen yhdistys', '18': 'Säätiö'}
    >>> parse_code_list('[{"code": "6", "description": "Aatteellinen yhdistys"}]')
    {'6': 'Aatteellinen yhdistys'}
    """
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    out: dict[str, str] = {}
    if isinstance(doc, dict):
        doc = doc.get("codes") or doc.get("items") or [{"code": k, "description": v} for k, v in doc.items()]
    if isinstance(doc, list):
        for e in doc:
            if isinstance(e, dict):
                code = e.get("code", e.get("type", e.get("koodi")))
                desc = e.get("description", e.get("name", e.get("selite")))
                if isinstance(desc, list):
                    desc = finnish_description(desc)
                if code is not None and desc:
                    out[str(code).strip()] = str(desc).strip()
        return out
    for line in text.splitlines():
        m = re.match(r"\s*([^;\t=:]+?)\s*(?:;|\t|=|:| - )\s*(.+?)\s*$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def code_list(code: str, cache_dir: Path | str, base_url: str = YTJ_URL, http: Http | None = None,
              offline: bool = False, lang: str = "fi") -> dict:
    """A PRH code list from ``/description?code=&lang=``, pinned in the cache with the date fetched.

    Returns ``{"code", "lang", "url", "retrieved_at", "entries": {code: description}}``;
    ``entries`` is empty (and ``error`` says why) when the list could not be fetched.
    """
    path = Path(cache_dir) / "codes" / f"{re.sub(r'[^A-Za-z0-9]+', '_', code)}-{lang}.json"
    doc = _cached_json(path, None, True)
    if doc is not None and doc.get("entries"):
        return doc
    url = f"{base_url.rstrip('/')}/description"
    if offline or http is None:
        return {"code": code, "lang": lang, "url": url, "retrieved_at": None, "entries": {},
                "error": "offline and not in the cache"}
    r = http.get(url, params={"code": code, "lang": lang})
    if r.status_code >= 400:
        return {"code": code, "lang": lang, "url": url, "retrieved_at": None, "entries": {},
                "error": f"HTTP {r.status_code}"}
    doc = {"code": code, "lang": lang, "url": url, "retrieved_at": now_iso(), "entries": parse_code_list(r.text)}
    atomic_write_text(path, json.dumps(doc, ensure_ascii=False, indent=1))
    return doc


def form_codes_from(yrmu: dict) -> dict[str, str]:
    """Association and foundation codes of a fetched YRMU list, over the pinned :data:`FORM_CODES`."""
    out = dict(FORM_CODES)
    for code, desc in (yrmu.get("entries") or {}).items():
        letter = FORM_NAMES_FI.get(str(desc).strip().casefold())
        if letter:
            out[str(code)] = letter
    return out


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
                       synthetic: bool = False, by: str = "post_office",
                       max_results: int | None = MAX_RESULTS,
                       classify: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> tuple[pd.DataFrame, dict]:
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
    by : {"post_office", "post_code", "municipality_name"}
        How a municipality is searched: each of its post offices (names in Finnish and
        Swedish, from ``/post_codes``; default), each of its post codes, or (the old way, which
        misses every post office not named like the municipality) its own names.
    max_results : int or None
        ``--all`` splits its queries by registration date until each has at most this many
        results (None: one query per form, paged to the end).
    classify : callable, optional
        The name classification (the pipeline's ``apply_classification(r, sector_given=False)``):
        given, the register is classified by :func:`add_classification`; else it is returned
        unclassified (:func:`to_canonical`).

    Returns
    -------
    (DataFrame, dict)
        The canonical register (schema of :mod:`sote_analytics.read.register` plus
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
    if by not in FAN_OUT:
        raise YTJFetchError(f"unknown fan-out {by!r} (one of {', '.join(FAN_OUT)})")
    # the code list is asked only where the service is asked anyway (not for a local bulk file)
    yrmu = code_list("YRMU", cache_dir, base_url, http, offline or bool(bulk))
    form_codes = form_codes_from(yrmu)
    pc_map: dict[str, str] = {}
    fan_out: dict[str, int] = {}
    date_check: dict[str, dict] = {}
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
            if is_association(c, form_codes):
                r = parse_company(c)
                if r["business_id"] in rows:
                    repeated += 1
                rows[r["business_id"] or f"?{seen}"] = r
    else:
        mode, url = "search", f"{base_url.rstrip('/')}/companies"
        names_of_form = {v: k.capitalize() for k, v in FORM_NAMES_FI.items()}
        queries: list[dict] = []
        if all_:
            for f in SEARCH_FORMS:
                if max_results:
                    queries += date_split_queries({"companyForm": f}, cache_dir, base_url, http, offline, stats,
                                                  ALL_START, ALL_END, max_results)
                else:
                    queries.append({"companyForm": f})
        else:
            if by == "municipality_name":
                targets = locations_for(ref, codes)
                param = "location"
            else:
                pc_table = post_code_table(cache_dir, base_url, http, offline)
                pc_map = post_code_municipalities(pc_table)
                _check_codes(ref, codes)
                targets = post_offices_for(pc_table, codes, by)
                param = "location" if by == "post_office" else "postCode"
                fan_out = {c: len(v) for c, v in targets.items()}
                for c, v in targets.items():
                    if not v:
                        log.warning("YTJ: no post office of municipality %s in /post_codes; asked by its names", c)
                        targets[c] = locations_for(ref, [c])[c]
            asked = list(dict.fromkeys(v for vs in targets.values() for v in vs))
            queries = [{"companyForm": f, param: v} for v in asked for f in SEARCH_FORMS]
        for q in queries:
            for c in search_pages(q, cache_dir, base_url, http, offline, stats, progress,
                                  max_results=max_results if all_ else None):
                seen += 1
                r = parse_company(c, pc_map)
                if not r["company_form"] and not r["company_form_code"]:
                    r["company_form_code"] = q["companyForm"]
                    r["company_form"] = names_of_form[q["companyForm"]]
                if r["business_id"] in rows:
                    repeated += 1
                rows[r["business_id"] or f"?{seen}"] = r
        if all_ and max_results:
            for f in SEARCH_FORMS:  # one unsplit first page per form: the service's own total
                whole = int(_page({"companyForm": f}, 1, cache_dir, base_url, http, offline, stats)
                            .get("totalResults") or 0)
                split_sum = sum(e["total_results"] for e in stats.queries
                                if e["params"].get("companyForm") == f and "registrationDateStart" in e["params"])
                date_check[f] = {"unsplit_total": whole, "sum_of_date_windows": split_sum,
                                 "without_registration_date_or_missed": max(whole - split_sum, 0)}
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
        "source": "ytj", "mode": mode, "url": url, "retrieved_at": now_iso(), "licence": LICENCE,
        "attribution": ATTRIBUTION, "synthetic": synthetic, "municipalities": codes or None,
        "all": bool(all_), "offline": offline, "coverage_note": COVERAGE_NOTE, "counts": counts,
        "fan_out": {"by": by if not all_ else ("registration_date" if max_results else None),
                    "queries_per_municipality": fan_out or None, "queries_issued": len(stats.queries),
                    "date_windows_split": stats.splits, "max_results_per_query": max_results if all_ else None,
                    "date_split_check": date_check or None,
                    "post_codes_retrieved_at": _post_codes_dates(cache_dir) if fan_out else None},
        "code_lists": {"YRMU": {"retrieved_at": yrmu.get("retrieved_at"), "url": yrmu.get("url"),
                                "entries": len(yrmu.get("entries") or {}), "error": yrmu.get("error"),
                                "association_codes": {k: v for k, v in form_codes.items()}}},
        "queries": stats.queries,
        "http": {"requests": http.requests_made if http else 0, "throttled": http.throttled if http else 0,
                 "pages_fetched": stats.pages_fetched, "pages_from_cache": stats.pages_cached,
                 "pages_refetched_corrupt": stats.pages_refetched_corrupt},
        "quarantine_reasons": quarantine["reason"].value_counts().to_dict() if len(quarantine) else {},
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(cache_dir / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    if classify is not None:
        register = add_classification(register, classify)
    register.attrs["manifest"] = manifest
    register.attrs["quarantine"] = quarantine
    return register, manifest


def _check_codes(ref, codes: list[str]) -> None:
    known = set(ref.key["kunta_code"])
    bad = [c for c in codes if c not in known]
    if bad:
        raise YTJFetchError(f"unknown municipality code {bad[0]!r} for key year {ref.year}")


def _post_codes_dates(cache_dir: Path) -> dict[str, str]:
    out = {}
    for p in sorted((Path(cache_dir) / "post_codes").glob("post_codes-*.json")):
        try:
            out[p.stem.split("-", 1)[1]] = json.loads(p.read_text("utf-8"))["retrieved_at"]
        except (ValueError, KeyError):
            continue
    return out


def _merged_into(ref, codes: list[str]) -> list[str]:
    """Old municipality codes that merged into the given ones (YTJ may still carry them)."""
    m = ref.mergers
    if m is None or not len(m) or "old_code" not in m or "new_code" not in m:
        return []
    return [str(c) for c in m.loc[m["new_code"].isin(codes), "old_code"].dropna()]


def to_canonical(flat: pd.DataFrame, ref, today: dt.date | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flat YTJ rows -> (canonical register with the YTJ columns, quarantine with reasons), unclassified.

    The sectors come after, from :func:`add_classification` (the name rules, then the TOL division).
    """
    from ..read.register import CANONICAL_COLUMNS, canonicalize

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
    reg = res.register.copy()
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
    quarantine = res.quarantine
    if len(quarantine):
        quarantine = quarantine.merge(extra[["status", "company_form"]], left_on="association_id",
                                      right_index=True, how="left")
    return reg, quarantine


#: Columns :func:`to_canonical` adds after the canonical ones, in order (they stay last).
_ADDED_COLUMNS = ("status", "end_date", "tol_code", "tol_name", "tol_code_set", "employer_registration_periods",
                  "company_form", "municipality_basis", "has_employer_registration", "registration_year", "source")


def add_classification(register: pd.DataFrame,
                       classify: Callable[[pd.DataFrame], pd.DataFrame]) -> pd.DataFrame:
    """The YTJ register with its sectors: ``classify`` by name, then the TOL division as the second signal.

    Parameters
    ----------
    register : DataFrame
        :func:`to_canonical` (unclassified).
    classify : callable
        The name classification of a canonical register, e.g.
        ``lambda r: pipeline.apply_classification(r, sector_given=False)``.

    Returns
    -------
    DataFrame
        A copy with the classification columns before the YTJ ones (:data:`YTJ_COLUMNS` last, as
        written by :func:`write_register`); ``attrs`` kept. An empty register is returned as it is.
    """
    if not len(register):
        return register
    out = classify(register)
    added = [c for c in _ADDED_COLUMNS if c in out.columns]
    out = out[[c for c in out.columns if c not in added] + added].copy()
    _tol_signal(out)
    out.attrs = dict(register.attrs)
    return out


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
        safe_frame(clean).to_csv(tmp, index=False)  # headers and every text cell formula-safe
    return paths
