"""Data-quality report of a read register: metrics as a dict, and a page in fi/sv/en.

The metrics are computed from what :func:`.ingest.ingest` returns (and, when
the register has been classified, from the classification columns); the page
is rendered from ``templates/pages/quality.html.j2`` through the text
catalogue, with every value from the file escaped.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .taxonomy import UNCLASSIFIED
from .templating import render_page

#: Fields whose completeness the report gives.
COMPLETENESS_FIELDS = ["name", "register_number", "business_id", "registration_date", "municipality_code",
                       "sector", "purpose", "paid_staff", "members", "volunteers", "produces_services"]


def quality_report(res) -> dict:
    """Rows in/accepted/quarantined, completeness per field, resolution methods, duplicates,
    classification (when classified), quarantine reasons with counts and examples.

    Parameters
    ----------
    res : IngestResult
        What :func:`.ingest.ingest` returned (its register possibly classified since).

    Returns
    -------
    dict
        JSON-serialisable.
    """
    reg, q = res.register, res.quarantine
    completeness = {f: (float(reg[f].notna().mean()) if len(reg) else 0.0) for f in COMPLETENESS_FIELDS}
    if len(reg):
        completeness["sector"] = float((reg["sector"] != UNCLASSIFIED).mean())
    summary = res.result.summary
    examples: dict[str, list[dict]] = {}
    categories = res.result.reason_categories()
    for reason in summary["quarantine_reasons"]:
        hit = [i for i, cats in enumerate(categories) if reason in cats][:3]
        examples[reason] = [{"source_row": int(q["source_row"].iloc[i]), "reason": str(q["reason"].iloc[i])}
                            for i in hit]
    info = res.info
    return {
        "classification": classification_summary(reg),
        "file": Path(info.path).name,
        "sha256": info.sha256,
        "read": {"file_type": info.file_type, "encoding": info.encoding,
                 "delimiter": info.delimiter, "sheet": info.sheet,
                 "header_row": info.header_row, "blank_rows_skipped": info.blank_rows_skipped,
                 "column_mapping": info.column_mapping, "unmapped_columns": info.unmapped_columns,
                 "personal_data_columns": info.personal_data_columns},
        "rows_in": res.result.rows_in, "accepted": len(reg), "quarantined": len(q),
        "completeness": completeness,
        "resolution_methods": summary["resolution_methods"],
        "likely_duplicates": summary["likely_duplicates"],
        "quarantine_reasons": summary["quarantine_reasons"],
        "quarantine_examples": examples,
    }


def classification_summary(reg: pd.DataFrame) -> dict | None:
    """Rows classified vs given, disagreements with examples, headquarters; None if not classified."""
    if "sector_classified" not in reg:
        return None
    given = reg[reg["sector_source"] == "given"]
    disagree = given[given["sector"] != given["sector_classified"]]
    return {
        "classified_rows": int((reg["sector_source"] != "given").sum()),
        "given_rows": len(given),
        "disagreements": len(disagree),
        "disagreement_examples": [
            {"source_row": int(r.source_row), "name": str(r.name), "given": str(r.sector),
             "classified": str(r.sector_classified), "rule": str(r.classification_rule)}
            for r in disagree.head(10).itertuples()],
        "headquarters": int(reg["is_headquarters"].sum()),
    }


def quality_html(report: dict, language: str = "fi") -> str:
    """The quality report as a page in ``language`` (everything from the file escaped).

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
    return render_page("quality.html.j2", language, q=report, synthetic=False)
