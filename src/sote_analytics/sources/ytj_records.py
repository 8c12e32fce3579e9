"""PRH's YTJ open data API v3: the service, its errors and the one parser of its company record.

Both YTJ sources read the same v3 record with the functions here: the enrichment by
business ID (:mod:`.ytj`) and the national register (:mod:`.ytj_register`). The evidence for
every field and code is in ``tests/fixtures/ytj/README.md``.

The employer register
    A record is in the employer register (register ``"7"``, :data:`EMPLOYER_REGISTER`) when
    one of its ``registeredEntries`` in that register has no end date; a record without
    ``registeredEntries`` at all is *unknown* (``None``), not "no": the schema calls the
    field required, and the fixtures' record without it (README: "deliberate deviations")
    stands for an answer that says nothing about registers.
"""

from __future__ import annotations

import datetime as dt

from .. import config
from ..errors import SoteAnalyticsError

#: The API's base (the one address, :data:`..config.YTJ_API`).
YTJ_URL = config.YTJ_API
#: companyForm values of the v3 search for non-profit associations and foundations.
SEARCH_FORMS = ("AYH", "SÄÄ")
#: Finnish names of those forms as answers describe them (``companyForms[].descriptions``).
FORM_NAMES_FI = {"aatteellinen yhdistys": "AYH", "säätiö": "SÄÄ"}
#: Numeric company-form codes of v3 *answers* (PRH's code list YRMU) -> the letter code of the
#: search parameter: 6 = aatteellinen yhdistys, 18 = säätiö. Pinned from the public evidence
#: (tests/fixtures/ytj/README.md); ``/description?code=YRMU`` overrides it when fetched.
FORM_CODES = {"6": "AYH", "18": "SÄÄ"}
#: The employer register among a record's ``registeredEntries[].register``.
EMPLOYER_REGISTER = "7"
#: Address types: visiting address (käyntiosoite), postal address.
VISITING, POSTAL = 1, 2
SITUATION_STATUS = {"SELTILA": "in_liquidation", "KONK": "in_bankruptcy", "SANE": "in_restructuring"}
STATUSES = ("active", "in_liquidation", "in_bankruptcy", "in_restructuring", "dissolved")


class YTJUnavailableError(SoteAnalyticsError, RuntimeError):
    """The YTJ service could not be reached (repeatedly)."""


class YTJFetchError(SoteAnalyticsError, RuntimeError):
    """The YTJ data could not be fetched or read."""


class YTJOfflineError(YTJFetchError):
    """Offline and the cache lacks what was asked."""


def finnish_description(descriptions: list | None) -> str | None:
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
    code = str(cur[0]["type"]) if cur[0].get("type") is not None else None
    return code, finnish_description(cur[0].get("descriptions"))


def form_letter(company: dict, form_codes: dict[str, str] | None = None) -> str | None:
    """``AYH``/``SÄÄ`` for an association or foundation, else ``None``.

    By the numeric code of the answer (``form_codes``, default :data:`FORM_CODES`), the letter
    code, and the Finnish name as a fallback (an unknown code with the name
    "Aatteellinen yhdistys" is still an association).

    Examples
    --------
    >>> form_letter({"companyForms": [{"type": "6", "version": 1}]})
    'AYH'
    >>> form_letter({"companyForms": [{"type": "16", "version": 1}]}) is None
    True
    """
    codes = FORM_CODES if form_codes is None else form_codes
    code, name = form_of(company)
    if code in codes:
        return codes[code]
    if code in SEARCH_FORMS:
        return code
    return FORM_NAMES_FI.get((name or "").strip().casefold())


def is_association(company: dict, form_codes: dict[str, str] | None = None) -> bool:
    """Non-profit association or foundation, by the form's numeric or letter code or its Finnish name."""
    return form_letter(company, form_codes) is not None


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


def municipality_by_post_code(company: dict, post_codes: dict[str, str]) -> tuple[str | None, str | None]:
    """Municipality of the visiting, else postal, address by its post code (no code in the record)."""
    addrs = [a for a in company.get("addresses") or [] if isinstance(a, dict) and a.get("postCode")]
    addrs.sort(key=lambda a: ({VISITING: 0, POSTAL: 1}.get(_int(a.get("type")), 2),
                              -_ordinal(a.get("registrationDate"))))
    for a in addrs:
        code = post_codes.get(str(a["postCode"]).strip().zfill(5))
        if code:
            return code, "post_code"
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


def parse_company(company: dict, post_codes: dict[str, str] | None = None) -> dict:
    """One v3 company record -> one flat row (no street address, no person data).

    ``post_codes`` (post code -> municipality code, from ``/post_codes``) places a record
    whose addresses lack ``municipalityCode`` by the post code of its address.
    """
    names = [n for n in company.get("names") or [] if isinstance(n, dict) and str(n.get("type")) == "1"]
    cur = _current(names) or names
    line = company.get("mainBusinessLine") or {}
    tol = str(line.get("type") or "").strip()
    tol = tol if tol.isdigit() and int(tol) else None
    form_code, form_name = form_of(company)
    if not form_name:  # numeric code without descriptions: name it from the code list
        form_name = {v: k.capitalize() for k, v in FORM_NAMES_FI.items()}.get(form_letter(company) or "")
    mun, basis = municipality_of(company)
    if mun is None and post_codes:
        mun, basis = municipality_by_post_code(company, post_codes)
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
        "tol_name": finnish_description(line.get("descriptions")) if tol else None,
        "tol_code_set": line.get("typeCodeSet") if tol else None,
        "company_form_code": form_code,
        "company_form": form_name,
        "has_employer_registration": employer,
        "employer_registration_periods": periods,
        "ytj_status_code": company.get("status"),
    }

