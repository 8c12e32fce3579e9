"""STEA grants as the resources of sote associations (``sote-analytics resources fetch --source stea``).

STEA (Sosiaali- ja terveysjärjestöjen avustuskeskus) publishes each organisation's grants at
``https://avustukset.stea.fi/api/organisation/{id}``: one JSON object with ``organisationId``,
``name``, ``businessId``, ``nameHistory`` (earlier names) and ``allAidTargets``, one entry a grant
target and year: ``organisationName``, ``year``, ``requested``, ``proposed``, ``granted`` (euros)
and ``purpose`` (the target's text). The ids are consecutive integers; an id without an
organisation answers an error or an object whose ``name`` is null. (Evidence:
``tests/fixtures/stea/README.md``.)

The fetch is explicit (network only there), walks a **bounded** id range (``--first-id``,
``--last-id``), is rate-limited (default 60 requests a minute), backs off on HTTP 429/503,
caches every answer in its own file (found or absent, written atomically) and so resumes
after an interruption without asking again what it has. Server errors are not cached (they
are asked again next time); repeated connection failures stop the run with a message.

Joining to a register is by business ID, and where the register row has no business ID by the
exact normalised name (case, Unicode form and white space normalised; the current name or one
of ``nameHistory``), accepted only when exactly one register row has that name. Nothing fuzzy
is ever accepted automatically; ambiguous names are listed in the join summary.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_write_text
from ..errors import SoteAnalyticsError
from ..net import THROTTLE_STATUSES, Client, RateLimiter, RequestError, now_iso

log = logging.getLogger(__name__)

STEA_URL = "https://avustukset.stea.fi/api/organisation"
ATTRIBUTION = "Lähde: STEA, avustukset.stea.fi"
#: Highest organisation id public clients walk to (ekipalen/ralssi: MAX_ORG_ID = 2500).
DEFAULT_LAST_ID = 2500
ORGANISATION_COLUMNS = ["organisation_id", "name", "business_id", "name_history"]
GRANT_COLUMNS = ["organisation_id", "business_id", "organisation_name", "year", "requested", "proposed",
                 "granted", "purpose"]
#: Classification rule codes of the STEA signal (for ``explain``).
RULE_STEA_PURPOSE = "STEA_PURPOSE"  # the sector from the words of the grant's purpose text
RULE_STEA = "STEA"  # a STEA recipient with no sector from its name or purpose: other sote


class STEAFetchError(SoteAnalyticsError, RuntimeError):
    """The STEA service could not be read (the cache is kept; run again to resume)."""


@dataclass
class FetchStats:
    requested: int = 0
    from_cache: int = 0
    found: int = 0
    absent: int = 0
    errors: int = 0
    throttled: int = 0
    error_ids: list = field(default_factory=list)


def fetch_stea(cache_dir: Path | str, first_id: int = 1, last_id: int = DEFAULT_LAST_ID,
               base_url: str = STEA_URL, per_minute: float = 60, session=None,
               limiter: RateLimiter | None = None, sleep: Callable[[float], None] = time.sleep,
               max_failures: int = 5, max_retries: int = 3, timeout: float = 30.0,
               progress: bool = False) -> dict:
    """Fetch organisations ``first_id..last_id`` into the cache (resumable); return the manifest.

    Parameters
    ----------
    cache_dir : path
        One ``org-NNNNN.json`` a fetched id (found or absent) and ``manifest.json``.
    first_id, last_id : int
        The bounded id range (inclusive).
    base_url : str
        ``…/api/organisation`` (tests point it at a local server).
    per_minute : float
        Request rate ceiling (polite: 60 a minute by default).
    max_failures : int
        Consecutive connection failures or server errors before the run stops.

    Returns
    -------
    dict
        The manifest: range, URL, retrieval time, counts (requested, from cache, found,
        absent, errors) and the ids that failed.
    """
    from tqdm import tqdm

    if first_id < 1 or last_id < first_id:
        raise STEAFetchError(f"bad id range {first_id}..{last_id}")
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    # HTTP 429/503 asked again max_retries times (Retry-After, else 2 s, 4 s, …); a connection failure is not
    http = Client(timeout=timeout, retries=max_retries, backoff=2.0, max_wait=600.0,
                  retry_statuses=THROTTLE_STATUSES, retry_connection_errors=False,
                  limiter=limiter or RateLimiter(per_minute), sleep=sleep, session=session,
                  user_agent="sote-analytics (resources fetch --source stea)")
    st = FetchStats()
    failures = 0
    for oid in tqdm(range(first_id, last_id + 1), disable=not progress, desc="STEA", unit="id"):
        path = cache / f"org-{oid:05d}.json"
        if _cached(path, oid):
            st.from_cache += 1
            continue
        url = f"{base_url.rstrip('/')}/{oid}"
        status, payload = None, None
        made, retried = http.requests_made, http.retried
        try:
            r = http.get(url)
        except RequestError as exc:  # no answer: a connection failure or another transport error
            status = f"connection failed: {exc.cause_name}"
        else:
            status = r.status_code
            if r.status_code == 200:
                try:
                    payload = r.json()
                except ValueError:
                    status = "not JSON"
        st.requested += http.requests_made - made
        st.throttled += http.retried - retried
        if status == 200 and isinstance(payload, dict) and payload.get("name"):
            kind = "found"
        elif status in (400, 404, 410) or (status == 200 and isinstance(payload, dict)):
            kind, payload = "absent", None  # no organisation with this id (name null or an error answer)
        else:
            st.errors += 1
            st.error_ids.append(oid)
            failures += 1
            log.warning("STEA id %d: %s", oid, status)
            if failures >= max_failures:
                _write_manifest(cache, first_id, last_id, base_url, st, stopped_at=oid)
                raise STEAFetchError(
                    f"STEA answered {status} {failures} times in a row (last id {oid}); "
                    f"{st.found} organisations fetched this run, the cache {cache} is kept: run again to resume.")
            continue
        failures = 0
        setattr(st, kind, getattr(st, kind) + 1)
        atomic_write_text(path, json.dumps({"organisation_id": oid, "status": kind, "url": url,
                                            "retrieved_at": now_iso(), "payload": payload}, ensure_ascii=False))
    return _write_manifest(cache, first_id, last_id, base_url, st)


def _cached(path: Path, oid: int) -> bool:
    if not path.exists():
        return False
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False  # a corrupt file is fetched again
    return doc.get("organisation_id") == oid and doc.get("status") in ("found", "absent")


def _write_manifest(cache: Path, first: int, last: int, url: str, st: FetchStats,
                    stopped_at: int | None = None) -> dict:
    man = {"source": "stea", "url": url, "retrieved_at": now_iso(), "attribution": ATTRIBUTION,
           "id_range": [first, last], "stopped_at": stopped_at,
           "counts": {"requests": st.requested, "from_cache": st.from_cache, "found": st.found,
                      "absent": st.absent, "errors": st.errors, "throttled": st.throttled},
           "error_ids": st.error_ids[:200]}
    atomic_write_text(cache / "manifest.json", json.dumps(man, ensure_ascii=False, indent=2))
    return man


# ---------------------------------------------------------------------------- reading
def _num(v: object) -> float:
    try:
        return float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def parse_organisation(payload: dict) -> tuple[dict, list[dict]]:
    """One ``/api/organisation/{id}`` answer -> (organisation row, grant rows).

    Examples
    --------
    >>> org, grants = parse_organisation({"organisationId": 7, "name": "Testi ry", "businessId": "0737546-2",
    ...     "allAidTargets": [{"year": 2025, "requested": 1000, "proposed": 800, "granted": 800, "purpose": "x"}]})
    >>> org["business_id"], grants[0]["granted"], grants[0]["organisation_name"]
    ('0737546-2', 800.0, 'Testi ry')
    """
    oid = payload.get("organisationId")
    bid = str(payload.get("businessId") or "").strip() or None
    history = [h for h in payload.get("nameHistory") or [] if isinstance(h, str) and h.strip()]
    org = {"organisation_id": int(oid) if oid is not None else None, "name": payload.get("name"),
           "business_id": bid, "name_history": "; ".join(history) or None}
    grants = []
    for g in payload.get("allAidTargets") or []:
        if not isinstance(g, dict):
            continue
        year = g.get("year")
        grants.append({"organisation_id": org["organisation_id"], "business_id": bid,
                       "organisation_name": g.get("organisationName") or payload.get("name"),
                       "year": int(year) if str(year or "").isdigit() else None,
                       "requested": _num(g.get("requested")), "proposed": _num(g.get("proposed")),
                       "granted": _num(g.get("granted")), "purpose": g.get("purpose") or None})
    return org, grants


def read_stea(cache_dir: Path | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Organisations and grants from the cache of :func:`fetch_stea` (no network)."""
    orgs, grants = [], []
    for p in sorted(Path(cache_dir).glob("org-*.json")):
        try:
            doc = json.loads(p.read_text("utf-8"))
        except (ValueError, UnicodeDecodeError):
            continue
        if doc.get("status") == "found" and isinstance(doc.get("payload"), dict):
            o, g = parse_organisation(doc["payload"])
            if o["organisation_id"] is None:
                o["organisation_id"] = doc.get("organisation_id")
                for row in g:
                    row["organisation_id"] = o["organisation_id"]
            orgs.append(o)
            grants.extend(g)
    o = pd.DataFrame(orgs, columns=ORGANISATION_COLUMNS)
    g = pd.DataFrame(grants, columns=GRANT_COLUMNS)
    g["year"] = g["year"].astype("Int64")
    return o, g


def write_stea(cache_dir: Path | str, out_dir: Path | str) -> dict[str, Path]:
    """Write ``stea_organisations.csv`` and ``stea_grants.csv`` (the ``stea`` input) from the cache."""
    o, g = read_stea(cache_dir)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"organisations": out / "stea_organisations.csv", "grants": out / "stea_grants.csv"}
    from ..read.validation import safe_frame

    atomic_write_text(paths["organisations"], safe_frame(o).to_csv(index=False))
    atomic_write_text(paths["grants"], safe_frame(g).to_csv(index=False))
    man = Path(cache_dir) / "manifest.json"
    if man.exists():  # the fetch's date and counts travel with the input
        paths["manifest"] = out / "stea_manifest.json"
        atomic_write_text(paths["manifest"], man.read_text("utf-8"))
    return paths


def _read_input_csv(path: Path | str, what: str, columns: list[str], dtype: dict) -> pd.DataFrame:
    """A CSV given to ``--stea`` (or found beside it), or one line naming the file and what is wrong with it."""
    from ..boundary import UserInputError, one_line

    try:
        df = pd.read_csv(path, dtype=dtype)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise UserInputError(f"--stea {path}: not a readable {what} CSV ({one_line(exc)[:160]})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise UserInputError(f"--stea {path}: no {', '.join(missing)} column in the {what} file; give the "
                             "stea_grants.csv that `sote-analytics resources fetch --source stea` wrote") from None
    return df


def read_grants(path: Path | str) -> pd.DataFrame:
    """The ``stea_grants.csv`` input (text IDs, numeric euros, integer years)."""
    g = _read_input_csv(path, "STEA grants", GRANT_COLUMNS,
                        {"business_id": "string", "organisation_name": "string", "purpose": "string"})
    g["year"] = pd.to_numeric(g["year"], errors="coerce").astype("Int64")
    for c in ("requested", "proposed", "granted"):
        g[c] = pd.to_numeric(g[c], errors="coerce")
    return g


# ---------------------------------------------------------------------------- joining
def _name_key(value: object) -> str:
    from ..classify.classifier import normalize_text

    return normalize_text(value).strip(" .,")


def join_to_register(grants: pd.DataFrame, register: pd.DataFrame,
                     organisations: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """Attach ``association_id`` to every grant: by business ID, else by exact normalised name.

    A name joins only a register row **without** a business ID (a register row with an ID
    joins by the ID alone) and only when exactly one such row has that name; the grant's
    organisation name, its current name and every earlier name (``organisations``'
    ``name_history``) are tried. Nothing else is accepted.

    Returns
    -------
    (DataFrame, dict)
        The grants with ``association_id`` and ``match`` (``business_id`` / ``name`` / NA), and
        a summary (grants and organisations matched each way, unmatched, ambiguous names).
    """
    g = grants.copy()
    reg = register[["association_id", "business_id", "name"]].copy()
    by_bid = reg.dropna(subset=["business_id"]).drop_duplicates("business_id").set_index("business_id")
    bid = g["business_id"].astype("string").str.strip()
    g["association_id"] = pd.array(bid.map(by_bid["association_id"]).to_numpy(), dtype="string")
    g["match"] = pd.array(np.where(g["association_id"].notna(), "business_id", None), dtype="string")
    no_id = reg[reg["business_id"].isna()]
    keys = no_id["name"].map(_name_key)
    counts = keys.value_counts()
    unique = dict(zip(keys[keys.map(counts) == 1], no_id.loc[keys.map(counts) == 1, "association_id"], strict=True))
    ambiguous = set(counts[counts > 1].index)
    names_of: dict[object, list[str]] = {}
    if organisations is not None and len(organisations):
        for r in organisations.itertuples(index=False):
            names_of[r.organisation_id] = [r.name, *str(r.name_history or "").split("; ")]
    todo = g["association_id"].isna() & (bid.isna() | ~bid.isin(by_bid.index))
    seen_ambiguous: set[str] = set()
    for i in g.index[todo.fillna(True)]:
        cands = [g.at[i, "organisation_name"], *names_of.get(g.at[i, "organisation_id"], [])]
        for name in cands:
            k = _name_key(name) if isinstance(name, str) and name.strip() else ""
            if not k:
                continue
            if k in unique:
                g.at[i, "association_id"], g.at[i, "match"] = unique[k], "name"
                break
            if k in ambiguous:
                seen_ambiguous.add(str(name))
    matched = g["association_id"].notna()
    summary = {
        "grants": len(g), "grants_by_business_id": int((g["match"] == "business_id").sum()),
        "grants_by_name": int((g["match"] == "name").sum()), "grants_unmatched": int((~matched).sum()),
        "organisations_matched": int(g.loc[matched, "organisation_id"].nunique()),
        "organisations_unmatched": int(g.loc[~matched, "organisation_id"].nunique()),
        "ambiguous_names_not_accepted": sorted(seen_ambiguous)[:100],
    }
    return g, summary


# ---------------------------------------------------------------------------- the grant signal
def stea_sector_signal(register: pd.DataFrame, joined: pd.DataFrame) -> pd.DataFrame:
    """A STEA recipient with no sector from its name is sote: from its purpose text, else ``other_sote``.

    Only rows whose ``sector`` is ``unclassified`` change (a name rule, including a not-sote
    exclusion, keeps its decision). Their purpose texts (all their grants', joined) are
    classified with the name rules as purpose text; a sote sector there gives rule
    :data:`RULE_STEA_PURPOSE`, else the sector is ``other_sote`` with rule :data:`RULE_STEA`.
    ``sector_source`` becomes ``stea``. Returns a copy.
    """
    from ..classify.classifier import classify
    from ..taxonomy import NOT_SOTE, UNCLASSIFIED

    reg = register.copy()
    got = joined.dropna(subset=["association_id"])
    got = got[pd.to_numeric(got["granted"], errors="coerce").fillna(0) > 0]
    if got.empty:
        return reg
    purposes = got.groupby("association_id")["purpose"].agg(lambda s: " ".join(str(x) for x in s.dropna()))
    use = reg["association_id"].isin(purposes.index) & reg["sector"].eq(UNCLASSIFIED)
    if not use.any():
        return reg
    ids = reg.loc[use, "association_id"]
    text = ids.map(purposes).fillna("").reset_index(drop=True)
    res = classify(text)  # the purpose words through the same rules
    sector = res["sector"].where(~res["sector"].isin([UNCLASSIFIED, NOT_SOTE]), "other_sote")
    rule = np.where(res["sector"].isin([UNCLASSIFIED, NOT_SOTE]), RULE_STEA, RULE_STEA_PURPOSE)
    for col, values in (("sector", sector.to_numpy()), ("sector_classified", sector.to_numpy()),
                        ("classification_rule", rule), ("sector_source", np.full(len(ids), "stea"))):
        if col in reg:
            reg.loc[use, col] = values
    return reg


# ---------------------------------------------------------------------------- indicators
def stea_indicators(joined: pd.DataFrame, register: pd.DataFrame, ref,
                    retrieved_at: str | None = None) -> pd.DataFrame:
    """STEA grant indicators by area (every level), sector and year, in the indicator table's schema.

    ``stea_funded_associations`` (associations with ``granted`` > 0), ``stea_grants_total``
    (euros), ``stea_grants_per_1000`` (per 1,000 inhabitants of the reference's population
    year) and ``stea_grants_per_association`` (per funded association); ``n`` = the funded
    associations. Rows are ordered latest year first (one row per area, indicator, sector *and
    year*: select a year before reading a value). Every area gets a row for sector ``ALL`` each
    year (0 where no association of the register was funded); sectors only where they have grants. Grants that joined no
    association are not in any area (their sum is in ``attrs["unmatched_granted"]``).

    Parameters
    ----------
    joined : DataFrame
        :func:`join_to_register` output (``association_id``, ``year``, ``granted``).
    register : DataFrame
        The register the grants were joined to (``association_id``, ``municipality_code``, ``sector``).
    ref : ReferenceData
        Areas, their populations and the municipality -> area keys.
    retrieved_at : str, optional
        When the grants were fetched (in the ``source`` column).
    """
    from ..indicators.definitions import TABLE_COLUMNS
    from ..reference import area_levels
    from ..taxonomy import ALL

    g = joined.dropna(subset=["association_id"]).copy()
    g["granted"] = pd.to_numeric(g["granted"], errors="coerce")
    g = g[(g["granted"] > 0) & g["year"].notna()]
    per = g.groupby(["association_id", "year"], as_index=False)["granted"].sum()
    base = register[["association_id", "municipality_code", "sector"]].drop_duplicates("association_id")
    per = per.merge(base, on="association_id", how="inner")
    source = f"STEA (avustukset.stea.fi){f', {retrieved_at[:10]}' if retrieved_at else ''}"
    years = sorted(int(y) for y in per["year"].unique())
    frames = []
    for lvl in area_levels():
        code_of = ref.area_of(lvl.id)
        areas = ref.areas(lvl.id).set_index("code")
        areas.index = areas.index.astype(str)
        p = per.assign(area=per["municipality_code"].astype(str).map(code_of).astype("string")).dropna(subset=["area"])
        both = pd.concat([p, p.assign(sector=ALL)])
        agg = both.groupby(["area", "sector", "year"]).agg(total=("granted", "sum"), n=("association_id", "nunique"))
        full = pd.MultiIndex.from_product([areas.index, [ALL], years], names=["area", "sector", "year"])
        agg = agg.reindex(agg.index.union(full)).fillna({"total": 0.0, "n": 0})
        idx = agg.index
        pop = areas["population"].reindex(idx.get_level_values(0)).to_numpy(dtype=float)
        tot, n = agg["total"].to_numpy(dtype=float), agg["n"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_1000 = np.where(pop > 0, tot * 1000 / pop, np.nan)
            per_assoc = np.where(n > 0, tot / np.where(n > 0, n, 1), np.nan)
        names = areas["name_fi"].reindex(idx.get_level_values(0)).to_numpy()
        for ind, val, unit in (("stea_funded_associations", n, "count"), ("stea_grants_total", tot, "EUR"),
                               ("stea_grants_per_1000", per_1000, "EUR per 1,000 inhabitants"),
                               ("stea_grants_per_association", per_assoc, "EUR per association")):
            frames.append(pd.DataFrame({
                "area_level": lvl.id, "area_code": idx.get_level_values(0).astype(str), "area_name": names,
                "sector": idx.get_level_values(1), "indicator": ind, "value": val, "lower": np.nan,
                "upper": np.nan, "n": n, "unknown": np.nan, "unit": unit,
                "year": idx.get_level_values(2).astype(int), "source": source}))
    out = pd.concat(frames, ignore_index=True)[TABLE_COLUMNS] if frames else pd.DataFrame(columns=TABLE_COLUMNS)
    # the latest year first: readers that take the first row of an (area, indicator, sector) get it
    out = out.sort_values("year", ascending=False, kind="stable").reset_index(drop=True)
    unmatched = pd.to_numeric(joined.loc[joined["association_id"].isna(), "granted"], errors="coerce")
    out.attrs["unmatched_granted"] = float(unmatched[unmatched > 0].sum())
    return out


def attach_stea(register: pd.DataFrame, grants_path: Path | str, ref,
                organisations_path: Path | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The ``stea`` input of a run: join the grants file to the register, apply the grant signal, indicators.

    Returns (register with the STEA signal, indicator rows for ``store_indicators(extra_rows=…)``,
    summary for the run metadata).
    """
    grants = read_grants(grants_path)
    orgs = None
    if organisations_path is None:
        cand = Path(grants_path).with_name("stea_organisations.csv")
        organisations_path = cand if cand.exists() else None
    if organisations_path is not None:
        orgs = _read_input_csv(organisations_path, "STEA organisations", ORGANISATION_COLUMNS,
                               {"business_id": "string", "name": "string", "name_history": "string"})
    joined, summary = join_to_register(grants, register, orgs)
    reg = stea_sector_signal(register, joined)
    manifest = Path(grants_path).with_name("stea_manifest.json")
    retrieved = None
    if manifest.exists():
        try:
            retrieved = json.loads(manifest.read_text("utf-8")).get("retrieved_at")
        except ValueError:
            retrieved = None
    rows = stea_indicators(joined, reg, ref, retrieved)
    summary["unmatched_granted_eur"] = rows.attrs.get("unmatched_granted", 0.0)
    summary["stea_retrieved_at"] = retrieved
    return reg, rows, summary
