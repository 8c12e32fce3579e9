"""Data-quality report of a read register: metrics as a dict, and a page in fi/sv/en.

The metrics are computed from what :func:`.ingest.ingest` returns (and, when
the register has been classified, from the classification columns); the page
is rendered from ``templates/pages/quality.html.j2`` through the text
catalogue, with every value from the file escaped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..taxonomy import UNCLASSIFIED
from ..templating import render_page

#: Fields whose completeness the report gives.
COMPLETENESS_FIELDS = ["name", "register_number", "business_id", "registration_date", "municipality_code",
                       "sector", "purpose", "paid_staff", "members", "volunteers", "produces_services"]


#: English problem texts (quarantine reasons, field problems) -> catalogue key of their translation.
PROBLEM_KINDS = (
    (r"^name missing", "pk_name_missing"), (r"^no real name", "pk_no_real_name"), (r"^no location", "pk_no_location"),
    (r"^exact duplicate", "pk_exact_duplicate"), (r"^duplicate register number", "pk_duplicate_register_number"),
    (r"^duplicate business ID", "pk_duplicate_business_id"),
    (r"^duplicate association id", "pk_duplicate_association_id"), (r"negative", "pk_negative"),
    (r"not a whole number", "pk_not_a_whole_number"), (r"not a number", "pk_not_a_number"),
    (r"^invalid business ID", "pk_invalid_business_id"), (r"^invalid date", "pk_invalid_date"),
    (r"in the future", "pk_date_future"), (r"implausibly early", "pk_date_early"),
    (r"^unknown municipality", "pk_unknown_municipality"), (r"^area of operation", "pk_area_not_recognised"),
    (r"^unknown sector", "pk_unknown_sector"), (r"is not yes/no", "pk_not_yes_no"),
    (r"^unknown organisation level", "pk_unknown_org_level"), (r"^personal data", "pk_personal_removed"),
    (r"fields but the header has", "pk_wide_row"),
)


def problem_label(text: str, language: str = "fi") -> str:
    """A quarantine reason or field problem (its category) in ``language``; parts joined by "; ".

    Parameters
    ----------
    text : str
        A reason as the reader writes it (English, ``"column: problem …"``; several joined by ``"; "``).
    language : {"fi", "sv", "en"}

    Returns
    -------
    str
        The category of each part in ``language`` (a part of no known category as it is), each once.

    Examples
    --------
    >>> problem_label("members: not a number …", "fi"), problem_label("no location: unknown municipality …", "sv")
    ('ei luku', 'ingen plats (varken en känd hemort eller ett verksamhetsområde)')
    """
    import re

    from ..i18n import t

    parts = []
    for part in str(text).split("; "):
        body = re.sub(r"^[a-z_]+: ", "", part)
        key = next((k for pattern, k in PROBLEM_KINDS if re.search(pattern, body)), None)
        label = t(key, language) if key else part
        if label not in parts:
            parts.append(label)
    return "; ".join(parts)


def quality_report(res) -> dict:
    """Rows in/accepted/quarantined, completeness per field, resolution methods, duplicates,
    classification (when classified), quarantine reasons and field problems with counts and
    examples, columns that look known but were not read, the file's own categories, corrections.

    Parameters
    ----------
    res : IngestResult
        What :func:`.ingest.ingest` returned (its register possibly classified since).

    Returns
    -------
    dict
        JSON-serialisable: ``rows_in``, ``accepted``, ``quarantined``, ``completeness`` (share per
        field), ``read`` (how the file was read), ``quarantine_reasons``, ``field_problems``,
        ``classification`` (:func:`classification_summary`), ``categories`` (:func:`category_summary`)
        and more; :func:`quality_html` renders it.

    Examples
    --------
    >>> q = quality_report(sa.read_register(REGISTER, ref))
    >>> q["rows_in"], q["accepted"], q["quarantined"], q["completeness"]["name"]
    (12, 12, 0, 1.0)
    >>> q["read"]["encoding"], q["read"]["column_mapping"]["Kotipaikka"]
    ('utf-8', 'municipality')
    """
    reg, q = res.register, res.quarantine
    completeness = {f: (float(reg[f].notna().mean()) if len(reg) else 0.0) for f in COMPLETENESS_FIELDS}
    if len(reg):
        completeness["sector"] = float((reg["sector"] != UNCLASSIFIED).mean())
        staff_known = reg["paid_staff"].notna() | reg.get("paid_staff_fte", pd.Series(pd.NA, index=reg.index)).notna()
        completeness["paid_staff"] = float(staff_known.mean())
    categories = res.result.reason_categories()  # once: the summary and the examples both need them
    summary = res.result.summary_of(categories)
    examples = _quarantine_examples(q, categories, summary["quarantine_reasons"])
    fp = res.result.field_problems
    fp_examples: dict[str, list[dict]] = {}
    for (col, kind), grp in (fp.groupby(["column", "kind"], sort=True) if len(fp) else []):
        fp_examples[f"{col}|{kind}"] = [{"source_row": int(r.source_row), "value": None if pd.isna(r.value)
                                         else str(r.value)} for r in grp.head(3).itertuples()]
    info = res.info
    approx = reg["approximate"].dropna().str.split(";").explode() if "approximate" in reg else pd.Series(dtype=str)
    return {
        "classification": classification_summary(reg),
        "file": Path(info.path).name if not info.origin else str(info.origin.get("file")),
        "origin": info.origin and {**info.origin, "via": Path(info.path).name},
        "sha256": info.sha256,
        "read": {"file_type": info.file_type, "encoding": info.encoding,
                 "delimiter": info.delimiter, "sheet": info.sheet,
                 "header_row": info.header_row, "blank_rows_skipped": info.blank_rows_skipped,
                 "column_mapping": info.column_mapping, "unmapped_columns": info.unmapped_columns,
                 "personal_data_columns": info.personal_data_columns,
                 "suggested_columns": info.suggested_columns, "coalesced_columns": info.coalesced_columns},
        "rows_in": res.result.rows_in, "accepted": len(reg), "quarantined": len(q),
        "completeness": completeness,
        "resolution_methods": summary["resolution_methods"],
        "likely_duplicates": summary["likely_duplicates"],
        "quarantine_reasons": summary["quarantine_reasons"],
        "quarantine_examples": examples,
        "field_problems": summary["field_problems"],
        "field_problems_total": summary["field_problems_total"],
        "rows_with_field_problems": summary["rows_with_field_problems"],
        "field_problem_examples": fp_examples,
        "approximate_values": {str(k): int(v) for k, v in approx.value_counts().items()},
        "categories": category_summary(reg),
        "corrections": getattr(res, "corrections", None),
    }


def _quarantine_examples(q: pd.DataFrame, categories: list[set[str]], reasons) -> dict[str, list[dict]]:
    """Per reason category, the first three quarantined rows with it: one pass over the rows."""
    first: dict[str, list[int]] = {reason: [] for reason in reasons}
    pending = len(first)
    for i, cats in enumerate(categories):
        for reason in cats:
            hit = first.get(reason)
            if hit is not None and len(hit) < 3:
                hit.append(i)
                pending -= len(hit) == 3
        if not pending:
            break
    if not any(first.values()):
        return {reason: [] for reason in first}
    rows, texts = q["source_row"], q["reason"]
    return {reason: [{"source_row": int(rows.iloc[i]), "reason": str(texts.iloc[i])} for i in hit]
            for reason, hit in first.items()}


def category_summary(reg: pd.DataFrame) -> dict:
    """The file's own categories: rows that give one, rows where it guided the sector, unknown values.

    Parameters
    ----------
    reg : DataFrame
        The canonical register (its ``source_category`` and ``sector_source`` columns, when present).

    Returns
    -------
    dict
        ``given_rows``, ``known_rows`` (the category is in the vocabulary), ``used_rows`` (it decided
        the sector) and ``unknown_values`` (value -> rows, the 50 most frequent).

    Examples
    --------
    >>> reg = pd.DataFrame({"source_category": ["Eläkeläiset", "eläkeläiset", "Muu ihmeellinen", None],
    ...                     "sector_source": ["source_category", "source_category", "none", "none"]})
    >>> category_summary(reg)
    {'given_rows': 3, 'known_rows': 2, 'used_rows': 2, 'unknown_values': {'Muu ihmeellinen': 1}}
    >>> category_summary(register)["given_rows"]  # a register without categories
    0
    """
    from ..text import normalize_text
    from .register import category_vocabulary

    if "source_category" not in reg or not len(reg):
        return {"given_rows": 0, "known_rows": 0, "used_rows": 0, "unknown_values": {}}
    cat = reg["source_category"].dropna()
    known = category_vocabulary()
    is_known = pd.Series([normalize_text(c, casefold=True) in known for c in cat], index=cat.index, dtype=bool)
    used = int((reg.get("sector_source", pd.Series(dtype=str)) == "source_category").sum())
    unknown = cat[~is_known].value_counts()
    return {"given_rows": len(cat), "known_rows": int(is_known.sum()), "used_rows": used,
            "unknown_values": {str(k): int(v) for k, v in unknown.head(50).items()}}


def classification_summary(reg: pd.DataFrame) -> dict | None:
    """Rows per deciding signal, given vs classified, disagreements with examples, headquarters,
    unclassified associations (to review); None if not classified.

    Parameters
    ----------
    reg : DataFrame
        The classified register (``sector_classified``, ``sector_source``, ``is_headquarters``, ...).

    Returns
    -------
    dict or None
        ``classified_rows``, ``given_rows``, ``by_source`` (rows per deciding signal; the three name
        signals also summed as ``name``), ``disagreements`` with examples, ``headquarters``,
        ``unclassified`` with up to 30 names.

    Examples
    --------
    >>> s = classification_summary(register)
    >>> s["classified_rows"], s["given_rows"], s["unclassified"]
    (12, 0, 1)
    >>> classification_summary(pd.DataFrame({"name": ["A ry"]})) is None
    True
    """
    if "sector_classified" not in reg:
        return None
    given = reg[reg["sector_source"] == "given"]
    disagree = given[given["sector"] != given["sector_classified"]]
    src = reg["sector_source"].astype(str)
    by = {k: int(v) for k, v in src.value_counts().items()}
    names = {"name": sum(by.get(k, 0) for k in ("name_rule", "name_lexicon", "name_shape"))}
    unclassified = reg[reg["sector"].astype(str) == UNCLASSIFIED]
    return {
        "classified_rows": int((src != "given").sum()),
        "given_rows": len(given),
        "by_source": {**{k: by.get(k, 0) for k in ("known_org", "source_category", "purpose", "given",
                                                    "correction", "none")}, **names},
        "disagreements": len(disagree),
        "disagreement_examples": [
            {"source_row": int(r.source_row), "name": str(r.name), "given": str(r.sector),
             "classified": str(r.sector_classified), "rule": str(r.classification_rule)}
            for r in disagree.head(10).itertuples()],
        "headquarters": int(reg["is_headquarters"].sum()),
        "unclassified": len(unclassified),
        "unclassified_examples": [str(v) for v in unclassified["name"].head(30)],
    }


def quality_html(report: dict, language: str = "fi") -> str:
    """The quality report as a page in ``language`` (everything from the file escaped).

    Parameters
    ----------
    report : dict
        What :func:`quality_report` returns (the keys the page reads, as in the example).
    language : {"fi", "sv", "en"}

    Returns
    -------
    str
        A whole HTML page (the reports' style inlined).

    Examples
    --------
    >>> q = {"file": "<b>x.csv</b>", "rows_in": 1, "accepted": 1, "quarantined": 0, "completeness": {},
    ...      "read": {"blank_rows_skipped": 0, "column_mapping": {}, "unmapped_columns": [],
    ...               "personal_data_columns": []},
    ...      "resolution_methods": {}, "likely_duplicates": 0, "classification": None,
    ...      "quarantine_reasons": {}, "quarantine_examples": {}}
    >>> page = quality_html(q, "en")
    >>> "Data quality: &lt;b&gt;x.csv&lt;/b&gt;" in page, "<b>x.csv" in page
    (True, False)
    """
    from ..taxonomy import sector_label, sectors

    def label(code: str) -> str:
        return sector_label(code, language) if code in sectors().index else code

    return render_page("quality.html.j2", language, q=report, synthetic=False,
                       problem=lambda text: problem_label(text, language), sector=label)
