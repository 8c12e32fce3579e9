"""The canonical register: schema, and turning mapped raw rows into it.

Every row read is accounted for: it is either in the canonical register or in
the quarantine table with one reason per problem, so that
``rows_in == accepted + quarantined`` always holds (it is checked on every call).

Canonical schema (enforced with pandera, see :data:`SCHEMA`):

=====================  =========================================================
association_id         identifier from the source, else ``<file>:<row>``
name                   association name (NFC, invisible characters removed)
register_number        PRH association register number, if given
business_id            Y-tunnus, validated (format and check digit), if given
registration_date      date, not in the future, if given
municipality_code      3-digit code of the key year
municipality_name_raw  the municipality as the source gave it
resolution_method      code / exact / swedish / merger / fuzzy
sector                 sector code (taxonomy) or ``unclassified``
purpose                purpose text, if given
paid_staff             paid employees (nullable: unknown is not zero)
members, volunteers    counts (nullable)
produces_services      bool (nullable)
source_file            file name
source_row             line/row number in the source (1 = first data row)
likely_duplicate_of    source_row of a likely duplicate (same name + municipality)
source_category        the source's own category word (e.g. "Potilasjärjestöt"), a classification signal
extra_*                columns of the source that map to nothing, kept as text
=====================  =========================================================

Duplicate policy: rows with the same register number or the same business ID
as an earlier row are quarantined ("duplicate of row N"); the first occurrence
is kept. Rows with the same normalised name and municipality as an earlier row
but no conflicting identifiers are kept and flagged in ``likely_duplicate_of``
(they may be real namesakes, e.g. two village associations).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from ..reference import ReferenceData
from ..taxonomy import UNCLASSIFIED, sectors
from ..text import is_unknown_word, unknown_words
from .municipalities import MunicipalityResolver, normalize_name
from .validation import clean_text, map_unique, parse_bool, parse_business_id, parse_date, parse_number

CANONICAL_COLUMNS = [
    "association_id", "name", "register_number", "business_id", "registration_date",
    "municipality_code", "municipality_name_raw", "resolution_method", "sector", "purpose",
    "paid_staff", "members", "volunteers", "produces_services", "source_file", "source_row",
    "likely_duplicate_of", "source_category", "operating_area_raw", "operating_area_codes",
    "operating_area_level", "operating_area_unresolved", "paid_staff_fte", "org_type_given",
    "approximate", "field_problems",
]
COUNT_COLUMNS = ["paid_staff", "members", "volunteers"]
#: Column names the quarantine and register use themselves; a source's columns of these names are renamed.
RESERVED_COLUMNS = {"source_row", "reason", "source_file", "resolution_method", "likely_duplicate_of",
                    "municipality_name_raw", "municipality_code", "field_problems", "approximate"}
INPUT_COLUMNS = ["association_id", "name", "register_number", "business_id", "registration_date",
                 "municipality", "operating_area", "sector", "category", "purpose", *COUNT_COLUMNS,
                 "paid_staff_fte", "produces_services", "org_type", "synthetic"]
#: Organisation levels a source may give (``org_type`` column): normalised word -> org type.
ORG_TYPE_WORDS = {
    "local": "local", "paikallinen": "local", "paikallisyhdistys": "local", "lokal": "local",
    "lokalförening": "local", "district": "district", "regional": "district", "piiri": "district",
    "piirijärjestö": "district", "alueellinen": "district", "aluejärjestö": "district", "maakunnallinen": "district",
    "distrikt": "district", "regionell": "district", "national": "national", "valtakunnallinen": "national",
    "keskusjärjestö": "national", "liitto": "national", "riksomfattande": "national", "riksorganisation": "national",
    "foundation": "foundation", "säätiö": "foundation", "stiftelse": "foundation",
}
#: Names that are no name: placeholders people type in a name cell.
PLACEHOLDER_NAMES = frozenset({"nimi", "name", "namn", "yhdistys", "yhdistys ry", "ry", "x", "xx", "xxx",
                               "tyhjä", "test", "testi", "null", "none", "nan"})


def schema():
    """The pandera schema of the canonical register."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "association_id": pa.Column("string", nullable=False, unique=True),
            "name": pa.Column("string", nullable=False),
            "municipality_code": pa.Column("string", pa.Check.str_matches(r"^\d{3}$"), nullable=True),
            "resolution_method": pa.Column("string", nullable=True),
            "operating_area_codes": pa.Column("string", pa.Check.str_matches(r"^\d{3}(\|\d{3})*$"), nullable=True),
            "sector": pa.Column("string", pa.Check.isin(list(sectors().index))),
            "business_id": pa.Column("string", pa.Check.str_matches(r"^\d{7}-\d$"), nullable=True),
            **{c: pa.Column("Int64", pa.Check.ge(0), nullable=True) for c in COUNT_COLUMNS},
            "paid_staff_fte": pa.Column("Float64", pa.Check.ge(0), nullable=True),
            "produces_services": pa.Column("boolean", nullable=True),
            "source_row": pa.Column("Int64", nullable=False),
        },
        strict=False,
    )


@dataclass
class RegisterResult:
    """A read register: accepted rows, quarantined rows with reasons, counts.

    What :func:`canonicalize` returns.

    Parameters
    ----------
    register : DataFrame
        The accepted rows (the canonical columns).
    quarantine : DataFrame
        The rejected rows with ``source_row`` and ``reason``.
    rows_in : int
        Rows read (``rows_in == len(register) + len(quarantine)``).
    source : str
        The file's name.
    synthetic : bool
        The synthetic demo register.
    extras : list of str
        Columns of the file kept as ``extra_<name>``.

    Examples
    --------
    >>> raw = pd.DataFrame({"name": ["A ry", "A ry"], "municipality": ["Keuruu", "Keuruu"],
    ...                     "register_number": ["1.1", "1.1"]}, dtype="string")
    >>> res = canonicalize(raw, ref)
    >>> res.rows_in, len(res.register), res.reasons
    (2, 1, [['exact duplicate of row 1']])
    """

    register: pd.DataFrame
    quarantine: pd.DataFrame
    rows_in: int
    source: str
    synthetic: bool = False
    extras: list[str] = field(default_factory=list)
    #: One list of reasons per quarantined row (the ``reason`` column joins them for people).
    reasons: list[list[str]] = field(default_factory=list)
    #: Field problems of accepted rows: ``source_row``, ``column``, ``problem`` (the value left out),
    #: ``kind`` (the problem without its value), ``value`` (personal data redacted). The field became
    #: unknown; the association stayed.
    field_problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["source_row", "column", "kind", "problem", "value"]))
    #: When the register was read from ingest's own output: the original file and its row accounting.
    origin: dict | None = None

    def field_problem_counts(self) -> dict[str, dict[str, int]]:
        """Field problems by column and kind: ``{"members": {"members: not a number …": 3}}``.

        Returns
        -------
        dict of str to dict of str to int

        Examples
        --------
        >>> raw = pd.DataFrame({"name": ["A ry", "B ry"], "municipality": ["Keuruu", "Jämsä"],
        ...                     "members": ["paljon", "-3"]}, dtype="string")
        >>> canonicalize(raw, ref).field_problem_counts()
        {'members': {'members: negative …': 1, 'members: not a number …': 1}}
        """
        fp = self.field_problems
        if not len(fp):
            return {}
        out: dict[str, dict[str, int]] = {}
        for (col, kind), n in fp.groupby(["column", "kind"]).size().items():
            out.setdefault(str(col), {})[str(kind)] = int(n)
        return out

    def reason_categories(self) -> list[set[str]]:
        """Per quarantined row, the categories of its reasons (values removed).

        Returns
        -------
        list of set of str
            One set per quarantined row (:func:`reason_category` of each reason).

        Examples
        --------
        >>> raw = pd.DataFrame({"name": ["A ry", "B ry", ""], "municipality": ["Keuruu", "Atlantis", "Jämsä"]},
        ...                    dtype="string")
        >>> canonicalize(raw, ref).reason_categories()
        [{'no location: unknown municipality …'}, {'name missing'}]
        """
        lists = self.reasons or [[str(r)] for r in self.quarantine.get("reason", [])]
        return [{reason_category(r) for r in rs} for rs in lists]

    @property
    def summary(self) -> dict:
        """Rows in / accepted / quarantined, resolution methods, quarantined rows per reason category.

        Returns
        -------
        dict
            ``source``, ``rows_in``, ``accepted``, ``quarantined``, ``resolution_methods``,
            ``quarantine_reasons``, ``likely_duplicates``, ``field_problems`` and more (JSON-serialisable).

        Examples
        --------
        >>> raw = pd.DataFrame({"name": ["A ry", ""], "municipality": ["Keuruu", "Jämsä"]}, dtype="string")
        >>> s = canonicalize(raw, ref, source="x.csv").summary
        >>> s["source"], s["rows_in"], s["accepted"], s["quarantine_reasons"]
        ('x.csv', 2, 1, {'name missing': 1})
        """
        return self.summary_of(self.reason_categories())

    def summary_of(self, categories: list[set[str]]) -> dict:
        """:attr:`summary` from :meth:`reason_categories` already computed (they cost the most).

        Parameters
        ----------
        categories : list of set of str
            What :meth:`reason_categories` returned for this result.

        Returns
        -------
        dict
            The same as :attr:`summary`.

        Examples
        --------
        >>> raw = pd.DataFrame({"name": ["A ry", ""], "municipality": ["Keuruu", "Jämsä"]}, dtype="string")
        >>> r = canonicalize(raw, ref)
        >>> r.summary_of(r.reason_categories()) == r.summary
        True
        """
        reasons: dict[str, int] = {}
        for cats in categories:
            for key in sorted(cats):
                reasons[key] = reasons.get(key, 0) + 1
        return {
            "source": self.source,
            "rows_in": self.rows_in,
            "accepted": len(self.register),
            "quarantined": len(self.quarantine),
            "synthetic": self.synthetic,
            "resolution_methods": {str(k): int(v) for k, v in
                                   self.register["resolution_method"].value_counts().items()},
            "quarantine_reasons": reasons,
            "likely_duplicates": int(self.register["likely_duplicate_of"].notna().sum()),
            "unmapped_columns": self.extras,
            "field_problems": self.field_problem_counts(),
            "field_problems_total": len(self.field_problems),
            "rows_with_field_problems": int(self.field_problems["source_row"].nunique())
            if len(self.field_problems) else 0,
            "origin": self.origin,
        }


_RC_TAIL = re.compile(r"\s*\(.*\)\s*$")
_RC_VALUE = re.compile(r"'[^']*'|\"[^\"]*\"|\d[\d.\-:]*")
_RC_COLON = re.compile(r":\s*…$")


def reason_category(reason: str) -> str:
    """A quarantine reason without its values, for counting.

    Examples
    --------
    >>> reason_category("duplicate register number 146.677 (first at row 3)")
    'duplicate register number …'
    >>> reason_category("unknown municipality 'atlantis' (did you mean: Kitee (260))")
    'unknown municipality …'
    """
    # Each pattern is applied only when the text can match it (a substring test costs far less).
    text = _RC_TAIL.sub("", reason) if "(" in reason else reason
    text = _RC_VALUE.sub("…", text)
    if "…" in text:
        text = _RC_COLON.sub(" …", text)
    return " ".join(text.split())  # = re.sub(r"\s+", " ", text).strip(): the same Unicode whitespace


def canonicalize(raw: pd.DataFrame, ref: ReferenceData, source: str = "<frame>",
                 today: dt.date | None = None, source_rows: list[int] | None = None,
                 row_problems: dict[int, str] | None = None) -> RegisterResult:
    """Turn a frame with canonical input column names into the canonical register.

    The row contract: a row is quarantined (with its reasons) only when it cannot be an
    association of a place: no real name, no location (neither a domicile nor an area of
    operation that resolves), or a duplicate (the same register number or business ID as an
    earlier row, or the same row twice). Every other problem is a *field* problem: that field
    becomes unknown for that association, the association stays, and the problem is counted in
    :attr:`RegisterResult.field_problems`.

    Parameters
    ----------
    raw : DataFrame
        Text columns named as in :data:`INPUT_COLUMNS` (``name`` and ``municipality`` or
        ``operating_area``); other columns are kept as ``extra_<name>``.
    ref : ReferenceData
        Key year and mergers for municipality resolution.
    source : str
        File name recorded in every row.
    today : date, optional
        Dates after it are field problems (default: today).
    source_rows : list of int, optional
        Row numbers in the source file (default 1..n).
    row_problems : dict, optional
        Problems the reader found (row position -> a problem, a ``(column, problem)`` pair or a list
        of them), e.g. more fields than the header (column ``row``) or personal data removed from a
        column; they are field problems.

    Returns
    -------
    RegisterResult
        Accepted rows, quarantined rows with reasons, field problems; ``rows_in == accepted +
        quarantined`` is checked.

    Examples
    --------
    >>> from sote_analytics.reference import load_reference
    >>> ref = load_reference(2025)  # the embedded snapshot without a reference folder
    >>> raw = pd.DataFrame({"name": ["A ry", "", "B ry"], "municipality": ["91", "Espoo", "Oulu"],
    ...                     "members": ["n. 218", "5", "paljon"]}, dtype="string")
    >>> res = canonicalize(raw, ref)
    >>> res.rows_in, len(res.register), res.quarantine["reason"].tolist()
    (3, 2, ['name missing'])
    >>> res.register["members"].tolist(), res.field_problems["kind"].tolist()
    ([218, <NA>], ['members: not a number …'])
    """
    raw = raw.reset_index(drop=True)
    # the source's own columns named like internal ones (source_row, reason) are kept as extras, renamed
    raw = raw.rename(columns={c: f"input_{c}" for c in raw.columns if c in RESERVED_COLUMNS})
    # "ei tiedossa", "okänd", "?": unknown, not an error
    raw = raw.apply(lambda col: col.mask(unknown_words(col)) if col.name != "name" else col)
    n = len(raw)
    rows = pd.Series(source_rows if source_rows is not None else range(1, n + 1), dtype="Int64")
    reasons: list[list[str]] = [[] for _ in range(n)]
    problems: list[tuple[int, str, str, object]] = []  # (row position, column, problem, value)

    def get(c):
        return raw[c] if c in raw else pd.Series(pd.NA, index=raw.index, dtype="string")

    def field_problem(column: str, found: pd.Series, values: pd.Series | None = None) -> None:
        hit = found.astype(bool).to_numpy()
        vals = values if values is not None else get(column)
        for i in np.flatnonzero(hit):
            problems.append((int(i), column, str(found.iat[i]), vals.iat[i]))

    for i, found in (row_problems or {}).items():
        for item in (found if isinstance(found, list) else [found]):
            column, problem = item if isinstance(item, tuple) else ("row", item)
            problems.append((int(i), column, problem, None))

    from .operating_area import OperatingAreaResolver

    resolver = MunicipalityResolver(ref.key, ref.year, ref.mergers)
    mun_raw = clean_text(get("municipality"))
    res = resolver.resolve(mun_raw)
    area_raw = clean_text(get("operating_area"))
    area = OperatingAreaResolver(ref, resolver).resolve(area_raw)
    has_area = area["operating_area_codes"].notna().to_numpy()
    no_domicile = mun_raw.isna().to_numpy()
    area_text, errors, suggestions = area_raw.tolist(), res["resolution_error"].tolist(), res["suggestions"].tolist()
    for i in np.flatnonzero(res["municipality_code"].isna().to_numpy()):
        sugg = "; ".join(suggestions[i])
        domicile_problem = "" if no_domicile[i] else str(errors[i]) + (f" (did you mean: {sugg})" if sugg else "")
        if has_area[i]:  # located by its area of operation: a bad domicile is a field problem
            if domicile_problem:
                problems.append((int(i), "municipality", domicile_problem, mun_raw.iat[i]))
            continue
        parts = ["no location (neither a domicile nor an area of operation)" if no_domicile[i]
                 else f"no location: {domicile_problem}"]
        if area_text[i] is not pd.NA:
            parts.append(f"area of operation {area_text[i]!r} not recognised")
        reasons[i].append("; ".join(parts))
    # an area of operation that does not resolve beside a domicile that does: a field problem
    unresolved_area = area_raw.notna().to_numpy() & ~has_area & res["municipality_code"].notna().to_numpy()
    for i in np.flatnonzero(unresolved_area):
        problems.append((int(i), "operating_area", f"area of operation {area_text[i]!r} not recognised",
                         area_text[i]))

    out = pd.DataFrame(index=raw.index)
    out["association_id"] = clean_text(get("association_id"))
    out["name"] = _clean_name(get("name"))
    for i in out.index[out["name"].isna()]:
        reasons[i].append("name missing" if pd.isna(get("name").iat[i]) or not str(get("name").iat[i]).strip()
                          else f"no real name ({str(get('name').iat[i])[:40]!r} is a placeholder)")
    out["register_number"] = clean_text(get("register_number"))
    out["business_id"], p = parse_business_id(get("business_id"))
    field_problem("business_id", p)
    out["business_id"] = out["business_id"].where(p.astype(str).eq("").to_numpy())
    dates, p = parse_date(get("registration_date"), today)
    field_problem("registration_date", p)
    out["registration_date"] = dates
    out["municipality_code"] = res["municipality_code"]
    out["municipality_name_raw"] = mun_raw
    out["resolution_method"] = res["resolution_method"]
    sector, category, p = _sector_and_category(clean_text(get("sector")), clean_text(get("category")))
    field_problem("sector", p)
    out["sector"] = sector
    out["source_category"] = category
    out["purpose"] = clean_text(get("purpose"))
    approx = pd.Series("", index=raw.index, dtype=object)
    for c in COUNT_COLUMNS:
        out[c], a, p = parse_number(get(c), c, whole=True)
        field_problem(c, p)
        approx = approx.where(~a.to_numpy(), approx + np.where(approx == "", "", ";") + c)
    fte, a, p = parse_number(get("paid_staff_fte"), "paid_staff_fte", whole=False)
    field_problem("paid_staff_fte", p)
    approx = approx.where(~a.to_numpy(), approx + np.where(approx == "", "", ";") + "paid_staff_fte")
    # a fraction in a persons column ("0,5", "6,5") is a full-time equivalent, not a bad count
    staff_text = clean_text(get("paid_staff"))
    frac = pd.Series([bool(q) and q.split(":")[1].strip() == "not a whole number" for q in
                      problems_for(problems, "paid_staff", n)], index=raw.index)
    if frac.any():
        as_fte, _, _ = parse_number(staff_text.where(frac.to_numpy()), "paid_staff", whole=False)
        fte = fte.fillna(as_fte)
        problems[:] = [q for q in problems if not (q[1] == "paid_staff" and frac.iat[q[0]])]
    out["paid_staff_fte"] = fte.astype("Float64")
    out["approximate"] = approx.replace("", pd.NA).astype("string")
    out["produces_services"], p = parse_bool(get("produces_services"), "produces_services")
    field_problem("produces_services", p)
    org, p = _org_type(clean_text(get("org_type")))
    field_problem("org_type", p)
    out["org_type_given"] = org
    out["operating_area_raw"] = area_raw
    for c in ("operating_area_codes", "operating_area_level", "operating_area_unresolved"):
        out[c] = area[c]
    del res, area, area_text, errors, suggestions  # per-row intermediates: keep the peak memory down
    out["source_file"] = source
    out["source_row"] = rows.to_numpy()
    missing_id = out["association_id"].isna()
    out.loc[missing_id, "association_id"] = [f"{source}:{r}" for r in rows[missing_id]]

    _duplicates(out, reasons, raw)
    extras = [c for c in raw.columns if c not in INPUT_COLUMNS]
    for c in extras:
        out[f"extra_{c}"] = clean_text(raw[c])
    # association ids must be unique among accepted rows: a repeated id of the source is a field problem
    clean = [i for i, r in enumerate(reasons) if not r]
    dup_id = out.loc[clean, "association_id"].duplicated(keep="first")
    for i in dup_id[dup_id].index:
        problems.append((int(i), "association_id", f"duplicate association id {out.at[i, 'association_id']!r}",
                         out.at[i, "association_id"]))
        out.at[i, "association_id"] = f"{source}:{rows.iat[i]}"

    bad = [i for i, r in enumerate(reasons) if r]
    bad_set = set(bad)
    kept_problems = [q for q in problems if q[0] not in bad_set]
    fp_cols = pd.Series("", index=raw.index, dtype=object)
    for i, col, _, _ in kept_problems:
        fp_cols.iat[i] = col if not fp_cols.iat[i] else (fp_cols.iat[i] if col in fp_cols.iat[i].split(";")
                                                          else f"{fp_cols.iat[i]};{col}")
    out["field_problems"] = fp_cols.replace("", pd.NA).astype("string")
    quarantine = raw.take(bad)
    quarantine.insert(0, "source_row", rows[bad].to_numpy())
    quarantine.insert(1, "reason", _joined(reasons, bad))
    accepted = out.drop(index=bad).reset_index(drop=True)
    accepted = accepted[CANONICAL_COLUMNS + [f"extra_{c}" for c in extras]]
    synthetic = bool(n and "synthetic" in raw and raw["synthetic"].astype(str).str.lower().eq("true").all())
    del out
    if len(accepted):
        schema().validate(accepted)
    fp = _field_problem_frame(kept_problems, rows)
    result = RegisterResult(accepted, quarantine.reset_index(drop=True), n, source, synthetic, extras=extras,
                            reasons=[reasons[i] for i in bad], field_problems=fp)
    if result.rows_in != len(result.register) + len(result.quarantine):
        raise AssertionError("row accounting broken")
    if int(result.register["field_problems"].notna().sum()) != (fp["source_row"].nunique() if len(fp) else 0):
        raise AssertionError("field problem accounting broken")
    return result


def problems_for(problems: list[tuple[int, str, str, object]], column: str, n: int) -> list[str]:
    """Per row position, the problem recorded for ``column`` ("" where none)."""
    out = [""] * n
    for i, col, problem, _ in problems:
        if col == column:
            out[i] = problem
    return out


def _field_problem_frame(problems: list[tuple[int, str, str, object]], rows: pd.Series) -> pd.DataFrame:
    """The field problems as a table; values with e-mail addresses or phone numbers redacted."""
    from .personal import redact_value

    if not problems:
        return pd.DataFrame({"source_row": pd.array([], dtype="Int64"),
                             **{c: pd.array([], dtype="string") for c in ("column", "kind", "problem", "value")}})
    pos = [q[0] for q in problems]
    return pd.DataFrame({
        "source_row": pd.array(rows.to_numpy()[pos], dtype="Int64"),
        "column": pd.array([q[1] for q in problems], dtype="string"),
        "kind": pd.array([reason_category(q[2]) for q in problems], dtype="string"),
        "problem": pd.array([redact_value(q[2], names=True) for q in problems], dtype="string"),
        "value": pd.array([None if pd.isna(q[3]) else redact_value(str(q[3])[:200], names=True) for q in problems],
                          dtype="string"),
    }).sort_values(["source_row", "column"], kind="stable").reset_index(drop=True)


def _clean_name(col: pd.Series) -> pd.Series:
    """Association names: cleaned text; placeholders ("?", "-", "ei tiedossa", "nimi") and names with
    control characters or without a letter are no name (missing)."""
    import re

    from .personal import REDACTED

    text = clean_text(col)

    def one(v):
        if v is pd.NA or v is None:
            return pd.NA
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", v):
            v = re.sub(r"[\x00-\x1f\x7f]+", " ", v).strip()
        if not re.search(r"[^\W\d_]", v) or normalize_name(v) in PLACEHOLDER_NAMES or is_unknown_word(v):
            return pd.NA
        if v.replace(REDACTED, "").strip(" ,.;-") == "":  # only personal data, removed: no association's name
            return pd.NA
        return v

    return map_unique(text, one).astype("string")


def _org_type(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The source's own organisation level (paikallinen / piiri / valtakunnallinen / säätiö ...)."""
    from ..text import normalize_text

    norm = map_unique(col, lambda v: "" if v is pd.NA or v is None else normalize_text(v, casefold=True))
    org = norm.map(lambda v: ORG_TYPE_WORDS.get(v, ORG_TYPE_WORDS.get(str(v).split(" ")[0], pd.NA)))
    bad = col.notna().to_numpy() & pd.isna(org).to_numpy()
    problems = pd.Series(np.where(bad, [f"unknown organisation level {v!r}" for v in col.fillna("")], ""),
                         index=col.index, dtype=object)
    return org.astype("string"), problems


def _sector_and_category(sector: pd.Series, category: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """The given sector (taxonomy codes or labels) and the source's own category words.

    A sector column holds either the taxonomy's codes and labels or the source's own vocabulary
    ("Potilasjärjestöt", "Liikunta ja urheilu"): its other words are the source's category. A
    column mostly of codes with an odd value is a typo: a field problem (the sector is then
    classified). A category column's values that are taxonomy codes or labels give the sector.
    """
    labels = _sector_labels()
    s_norm = map_unique(sector, lambda v: "" if v is pd.NA or v is None else _normal(v))
    s_code = s_norm.map(lambda v: labels.get(v, pd.NA))
    vocabulary = category_vocabulary()
    known_share = s_code.notna().sum() / max(int(sector.notna().sum()), 1)
    codes_column = sector.notna().any() and known_share >= 0.5
    odd = sector.notna().to_numpy() & pd.isna(s_code).to_numpy()
    problems = pd.Series("", index=sector.index, dtype=object)
    if codes_column:
        typo = odd & ~s_norm.isin(vocabulary).to_numpy()
        problems[typo] = [f"unknown sector {v!r}" for v in sector[typo]]
    cat = category.where(category.notna(), sector.where(odd))
    c_code = map_unique(category, lambda v: "" if v is pd.NA or v is None else _normal(v)).map(
        lambda v: labels.get(v, pd.NA))
    given = s_code.fillna(c_code)
    return given.fillna(UNCLASSIFIED).astype("string"), cat.astype("string"), problems


def _sector_labels() -> dict[str, str]:
    """Normalised sector code and fi/sv/en label -> code (the taxonomy's own words)."""
    t = sectors()
    out = {}
    for code, row in t.iterrows():
        if code == UNCLASSIFIED:
            continue
        for v in (code, row["label_fi"], row["label_sv"], row["label_en"]):
            out[_normal(v)] = code
    return out


def _joined(reasons: list[list[str]], rows: list[int], chunk: int = 50_000) -> pd.arrays.ArrowStringArray:
    """The reasons of ``rows`` joined with "; " into a compact Arrow string column, a chunk at a time
    (700,000 quarantined rows never exist as 700,000 joined Python strings at once)."""
    import pyarrow as pa

    parts = [pa.array(["; ".join(reasons[i]) for i in rows[s:s + chunk]], type=pa.large_string())
             for s in range(0, len(rows), chunk)]
    return pd.arrays.ArrowStringArray(pa.chunked_array(parts, type=pa.large_string()))


def _normal(value: object) -> str:
    from ..text import normalize_text

    return normalize_text(value, casefold=True)


@cache
def category_vocabulary() -> frozenset[str]:
    """The source vocabularies' categories, normalised (``data/source_categories.csv``; the classifier
    decides what each means, :func:`.classify.source_categories`)."""
    from importlib import resources
    from io import StringIO

    text = resources.files("sote_analytics").joinpath("data/source_categories.csv").read_text("utf-8")
    return frozenset(_normal(c) for c in pd.read_csv(StringIO(text), dtype=str)["category"])


def _duplicates(out: pd.DataFrame, reasons: list[list[str]], raw: pd.DataFrame | None = None) -> None:
    """Quarantine repeats of a register number or business ID and rows repeated exactly; flag likely
    duplicates (same name and municipality)."""
    ok = pd.Series([not r for r in reasons], index=out.index)
    if raw is not None and len(raw.columns):
        exact = raw[ok.to_numpy()].astype("string").fillna("\x00")
        dup_rows = exact.duplicated(keep="first")
        if dup_rows.any():
            key = pd.util.hash_pandas_object(exact, index=False)
            first = out.loc[exact.index, "source_row"].groupby(key.to_numpy()).transform("first")
            for i in dup_rows[dup_rows].index:
                reasons[i].append(f"exact duplicate of row {int(first[i])}")
                ok[i] = False
    for col, label in (("register_number", "register number"), ("business_id", "business ID")):
        vals = out[col].where(ok)
        dup = vals.notna() & vals.duplicated(keep="first")
        if dup.any():
            first_row = out["source_row"].groupby(vals).transform("first")
            for i in dup[dup].index:
                reasons[i].append(f"duplicate {label} {vals[i]} (first at row {int(first_row[i])})")
        ok = ok & ~dup
    names = pd.Series("", index=out.index, dtype=object)  # only the rows still accepted need a name key
    names[ok.to_numpy()] = map_unique(out["name"][ok], lambda v: normalize_name(v) if v is not pd.NA else "")
    key = (names.astype(str) + "|" + out["municipality_code"].fillna("").astype(str)).where(ok & (names != ""))
    dup = key.notna() & key.duplicated(keep="first")
    first_row = out["source_row"].groupby(key).transform("first")
    out["likely_duplicate_of"] = first_row.where(dup).astype("Int64")
