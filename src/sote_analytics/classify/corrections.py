"""Corrections that last: the user's own sector decisions, applied on every run.

A corrections file (CSV in any encoding and delimiter, or .xlsx) has one row per
association, found by its business ID, register number or name (in that order), and
the sector to give it: a sector code (``elderly``), a sector label in Finnish, Swedish
or English ("Ikääntyneet ja eläkeläiset"), or not sote (``not_sote``, "Ei sote-alaa").
Rows whose sector is empty are ignored, so the review workbook that every run writes
(:func:`write_review_workbook`: the unclassified and low-confidence associations with an
empty column to fill in) is itself a valid corrections file.

A correction that matches no association, or names no known sector, is reported, never
dropped silently.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import SoteAnalyticsError
from ..taxonomy import UNCLASSIFIED, sector_label, sectors
from ..text import normalize_text

#: Header spellings of a corrections file (normalised) -> role.
HEADERS = {
    "business id": "business_id", "business_id": "business_id", "y tunnus": "business_id", "ytunnus": "business_id",
    "fo nummer": "business_id", "register number": "register_number", "register_number": "register_number",
    "rekisterinumero": "register_number", "registernummer": "register_number", "name": "name", "nimi": "name",
    "namn": "name", "yhdistyksen nimi": "name", "corrected sector": "sector", "corrected_sector": "sector",
    "korjattu toimiala": "sector", "korjattu sektori": "sector", "korrigerad sektor": "sector", "sector": "sector",
    "toimiala": "sector", "sektori": "sector", "sektor": "sector",
}
#: The column of the review workbook to fill in, per language.
FILL_IN = {"fi": "korjattu toimiala", "sv": "korrigerad sektor", "en": "corrected sector"}


class CorrectionsError(SoteAnalyticsError, ValueError):
    """A corrections file that cannot be read; the message says why."""


def _header(text: object) -> str:
    return " ".join(normalize_text(text, casefold=True).replace("-", " ").replace("_", " ").split())


def _sector_words() -> dict[str, str]:
    out = {}
    for code, row in sectors().iterrows():
        if code == UNCLASSIFIED:
            continue
        for v in (code, row["label_fi"], row["label_sv"], row["label_en"]):
            out[normalize_text(v, casefold=True)] = code
    for w in ("ei sote", "ei sote-ala", "not sote", "inte sote", "ei sote-alaa"):
        out[w] = "not_sote"
    return out


def read_corrections(path: Path | str) -> pd.DataFrame:
    """Read a corrections file into ``business_id``, ``register_number``, ``name``, ``sector``, ``row``.

    Parameters
    ----------
    path : path
        CSV or .xlsx with a key column (business ID, register number or name) and a sector column.

    Returns
    -------
    DataFrame
        One row per filled-in correction; ``sector`` is a sector code, or missing when the value
        named no sector (``sector_text`` keeps it for the report).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "korjaukset.csv"
    >>> _ = p.write_text("nimi;korjattu toimiala\\nLaukaan Luja ry;Ei sote-alaa\\nX ry;\\n", "utf-8")
    >>> read_corrections(p)[["name", "sector"]].values.tolist()
    [['Laukaan Luja ry', 'not_sote']]
    """
    from ..read.ingest import IngestError, read_rows

    path = Path(path)
    try:
        rows, _ = read_rows(path)
    except IngestError as exc:
        raise CorrectionsError(f"corrections file: {exc}") from None
    header_at = next((i for i, r in enumerate(rows[:30]) if "sector" in {HEADERS.get(_header(c)) for c in r}), None)
    if header_at is None:
        raise CorrectionsError(f"{path.name}: no sector column (e.g. 'korjattu toimiala', 'sector') in the first "
                               "30 rows; a corrections file has a key column (y-tunnus, rekisterinumero or nimi) and "
                               "the sector to give")
    header = rows[header_at]
    roles: dict[str, int] = {}
    for j, c in enumerate(header):
        role = HEADERS.get(_header(c))
        # the review workbook has both the current sector and the column to fill in: the latter wins
        if role and (role not in roles or _header(c) in {_header(v) for v in FILL_IN.values()}):
            roles[role] = j
    if not {"business_id", "register_number", "name"} & set(roles):
        raise CorrectionsError(f"{path.name}: no key column; give y-tunnus, rekisterinumero or nimi")
    words = _sector_words()
    out = []
    for k, r in enumerate(rows[header_at + 1:]):
        def cell(role, r=r):
            j = roles.get(role)
            v = r[j].strip() if j is not None and j < len(r) else ""
            return v or None

        text = cell("sector")
        if text is None:
            continue
        out.append({"business_id": cell("business_id"), "register_number": cell("register_number"),
                    "name": cell("name"), "sector_text": text,
                    "sector": words.get(normalize_text(text, casefold=True)), "row": header_at + 2 + k})
    return pd.DataFrame(out, columns=["business_id", "register_number", "name", "sector_text", "sector", "row"])


def apply_corrections(register: pd.DataFrame, corrections: pd.DataFrame) -> pd.DataFrame:
    """Give the corrected sector to every association a correction finds.

    A correction finds associations by business ID, else register number, else the normalised
    name (every association of that name). Sets ``sector`` and ``sector_source = "correction"``
    (confidence high); ``attrs["corrections"]`` counts what was applied and lists what matched
    nothing or named no sector.

    Parameters
    ----------
    register : DataFrame
        The classified register (``name``, ``sector``; ``business_id``, ``register_number``,
        ``sector_source`` and ``confidence`` when present). Not changed.
    corrections : DataFrame
        What :func:`read_corrections` returns.

    Returns
    -------
    DataFrame
        A copy of ``register`` with the corrected sectors; ``attrs["corrections"]``: ``rows``,
        ``applied`` (associations changed), ``unmatched`` and ``invalid`` (labels with their row).

    Examples
    --------
    >>> reg = pd.DataFrame({"name": ["Laukaan Luja ry"], "business_id": [None], "register_number": [None],
    ...                     "sector": ["elderly"], "sector_source": ["name_rule"], "confidence": ["low"]})
    >>> fix = pd.DataFrame({"business_id": [None, None], "register_number": [None, None],
    ...                     "name": ["laukaan luja ry", "Nobody ry"], "sector": ["not_sote", "elderly"],
    ...                     "sector_text": ["Ei sote-alaa", "elderly"], "row": [2, 3]})
    >>> out = apply_corrections(reg, fix)
    >>> out["sector"].tolist(), out.attrs["corrections"]["applied"], out.attrs["corrections"]["unmatched"]
    (['not_sote'], 1, ['Nobody ry (row 3)'])
    """
    reg = register.copy()
    keys = {
        "business_id": reg.get("business_id", pd.Series(index=reg.index, dtype=object)).astype("string"),
        "register_number": reg.get("register_number", pd.Series(index=reg.index, dtype=object)).astype("string"),
        "name": reg["name"].map(lambda v: normalize_text(v, casefold=True) if isinstance(v, str) else ""),
    }
    applied, unmatched, invalid = 0, [], []
    sector = reg["sector"].astype("string").copy()
    source = reg["sector_source"].astype("string").copy() if "sector_source" in reg else pd.Series(
        "none", index=reg.index, dtype="string")
    conf = reg["confidence"].astype("string").copy() if "confidence" in reg else pd.Series(
        "low", index=reg.index, dtype="string")
    for c in corrections.itertuples(index=False):
        label = c.business_id or c.register_number or c.name
        if c.sector is None or pd.isna(c.sector):
            invalid.append(f"{label} (row {c.row}): {c.sector_text!r}")
            continue
        hit = pd.Series(False, index=reg.index)
        for role in ("business_id", "register_number", "name"):
            value = getattr(c, role)
            if value:
                want = normalize_text(value, casefold=True) if role == "name" else str(value).strip()
                hit = keys[role].eq(want).fillna(False)
                if hit.any():
                    break
        if not hit.any():
            unmatched.append(f"{label} (row {c.row})")
            continue
        applied += int(hit.sum())
        sector[hit] = c.sector
        source[hit] = "correction"
        conf[hit] = "high"
    reg["sector"], reg["sector_source"], reg["confidence"] = sector, source, conf
    reg.attrs["corrections"] = {"rows": len(corrections), "applied": applied, "unmatched": unmatched,
                                "invalid": invalid}
    return reg


def review_rows(register: pd.DataFrame) -> pd.DataFrame:
    """The associations to review: unclassified, or classified with low confidence (not corrected).

    Parameters
    ----------
    register : DataFrame
        The classified register (``sector``; ``confidence`` and ``sector_source`` when present).

    Returns
    -------
    DataFrame
        The rows to review (a sector given by the file or by a correction is not reviewed again).

    Examples
    --------
    >>> reg = pd.DataFrame({"name": ["A ry", "B ry", "C ry", "D ry"],
    ...                     "sector": ["unclassified", "elderly", "elderly", "unclassified"],
    ...                     "confidence": ["low", "low", "high", "low"],
    ...                     "sector_source": ["none", "name_shape", "name_rule", "correction"]})
    >>> review_rows(reg)["name"].tolist()
    ['A ry', 'B ry']
    """
    src = register.get("sector_source", pd.Series("", index=register.index)).astype("string")
    low = register.get("confidence", pd.Series("", index=register.index)).astype("string").eq("low")
    mask = (register["sector"].astype("string").eq(UNCLASSIFIED) | low).fillna(False) & ~src.isin(
        ["given", "correction"]).fillna(False)
    return register[mask.to_numpy()]


#: The register's columns the review workbook shows (with the sector and its confidence).
REVIEW_COLUMNS = ("business_id", "register_number", "name", "municipality_name_raw", "source_category", "purpose",
                  "sector", "confidence")


def write_review_workbook(register: pd.DataFrame, path: Path | str, language: str = "fi") -> tuple[Path, int]:
    """Write the review workbook: the associations to review with an empty column to fill in.

    The workbook is a valid corrections file as it is (empty rows are ignored): fill in the
    sector (a label from the list on the second sheet, or "Ei sote-alaa") and pass it to
    ``--corrections``. Every cell is formula-safe; purposes have e-mails and phones removed.

    Parameters
    ----------
    register : DataFrame
        The classified register; :func:`review_rows` chooses the rows.
    path : path
        The ``.xlsx`` to write.
    language : {"fi", "sv", "en"}
        Language of the headers and the instructions.

    Returns
    -------
    (Path, int)
        The path and the number of associations listed.

    Examples
    --------
    >>> path, n = write_review_workbook(register, tmp / "review.xlsx", "en")
    >>> n == len(review_rows(register)), read_corrections(path).empty  # nothing filled in yet
    (True, True)
    """
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    from ..i18n import t
    from ..read.personal import redact_value
    from ..read.validation import neutralize_formula

    rows = review_rows(register)
    lang = language if language in FILL_IN else "fi"
    wb = Workbook()
    ws = wb.active
    ws.title = t("review_sheet", lang)[:31]
    head = [t("review_business_id", lang), t("review_register_number", lang), t("review_name", lang),
            t("review_municipality", lang), t("review_category", lang), t("review_purpose", lang),
            t("review_current", lang), t("review_confidence", lang), FILL_IN[lang]]
    ws.append(head)
    for r in rows.itertuples(index=False):
        def g(col, r=r):
            v = getattr(r, col, None)
            return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

        current = g("sector")
        ws.append([neutralize_formula(v) for v in (
            g("business_id"), g("register_number"), g("name"), g("municipality_name_raw"), g("source_category"),
            redact_value((g("purpose") or "")[:300]) or None,
            sector_label(current, lang) if current in sectors().index else current, g("confidence"), None)])
    labels = wb.create_sheet(t("review_sectors_sheet", lang)[:31])
    labels.append([t("review_sector_label", lang), t("review_sector_code", lang)])
    for code in sectors().index:
        if code != UNCLASSIFIED:
            labels.append([sector_label(code, lang), code])
    n_labels = len(sectors()) - 1
    dv = DataValidation(type="list", formula1=f"='{labels.title}'!$A$2:$A${n_labels + 1}", allow_blank=True)
    ws.add_data_validation(dv)
    dv.add(f"I2:I{max(len(rows) + 1, 2)}")
    for col, width in zip("ABCDEFGHI", (12, 12, 40, 16, 24, 40, 28, 10, 28), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from ..atomic import atomic_path

    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path, len(rows)
