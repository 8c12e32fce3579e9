"""Field parsers and validators for register data: each returns values plus per-row problems.

Every parser takes a column of raw text and returns ``(values, problems)`` where
``problems`` is a Series of messages (empty string where the value is fine or
missing). Nothing is guessed silently: a value that cannot be read is a problem.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from .business_id import is_valid as is_valid_business_id
from .text import normalize_text

_COUNT_UNITS = re.compile(
    r"\s*(hlö|hlöä|henkilöä|henkeä|henk|kpl|st|stycken|pers|personer|persons|people|jäsentä|members)\.?$",
    re.IGNORECASE,
)
EXCEL_EPOCH = dt.date(1899, 12, 30)


def clean_text(col: pd.Series) -> pd.Series:
    """NFC-normalise, remove zero-width and bidirectional control characters, collapse spaces.

    Examples
    --------
    >>> clean_text(pd.Series(["Hel\\u200bsinki  ry", "A\\u0308änekoski"])).tolist()
    ['Helsinki ry', 'Äänekoski']
    """
    def one(v):
        return normalize_text(v) or pd.NA

    return map_unique(col, one).astype("string")


def map_unique(col: pd.Series, fn) -> pd.Series:
    """Apply ``fn`` once per distinct value (registers repeat values a lot)."""
    codes, uniques = pd.factorize(col.astype("object"), use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)  # the last slot is for missing values
    table[:-1] = [fn(u) for u in uniques]
    table[-1] = fn(pd.NA)
    return pd.Series(table[codes], index=col.index, dtype=object)


def _problems(text: pd.Series, bad: pd.Series, message) -> pd.Series:
    """One message per distinct bad value, shared by its rows ("" where the value is fine or missing)."""
    return map_unique(text.where(bad.to_numpy()), lambda v: "" if v is pd.NA or v is None else message(v))


def parse_business_id(col: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Business IDs, spaces removed and 8-digit forms without hyphen accepted ("07375462")."""
    text = clean_text(col).str.replace(" ", "", regex=False)
    text = text.where(~text.str.fullmatch(r"\d{8}", na=False), text.str[:7] + "-" + text.str[7:])
    text = text.where(~text.str.fullmatch(r"\d{6}-\d", na=False), "0" + text)
    problems = map_unique(text, lambda v: "" if v is pd.NA or v is None or is_valid_business_id(v)
                          else f"invalid business ID {v!r} (format 1234567-8 with a check digit)")
    return text, problems.astype("object")


def parse_date(col: pd.Series, today: dt.date | None = None) -> tuple[pd.Series, pd.Series]:
    """Dates as dd.mm.yyyy, d.m.yyyy, ISO yyyy-mm-dd (with or without time) or Excel serials.

    Examples
    --------
    >>> vals, probs = parse_date(pd.Series(["1.2.2003", "2003-02-01", "37653", "31.2.2003", "2099-01-01"]),
    ...                          today=dt.date(2026, 11, 23))
    >>> [str(v) for v in vals][:3], list(probs)[3:]
    (['2003-02-01', '2003-02-01', '2003-02-01'], ["invalid date '31.2.2003'", 'date 2099-01-01 is in the future'])
    """
    today = today or dt.date.today()
    text = clean_text(col)

    def one(v):
        if v is pd.NA or v is None:
            return None, ""
        d = _one_date(v)
        if d is None:
            return None, f"invalid date {v!r}"
        if d > today:
            return None, f"date {d.isoformat()} is in the future"
        if d.year < 1850:
            return None, f"date {d.isoformat()} is implausibly early"
        return d, ""

    pairs = map_unique(text, one)
    out = pairs.map(lambda p: p[0] if isinstance(p, tuple) else None).astype("object")
    problems = pairs.map(lambda p: p[1] if isinstance(p, tuple) else "").astype("object")
    return out, problems


def _one_date(v: str) -> dt.date | None:
    m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", v)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", v)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", v)  # d/m/yyyy as in some exports
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if re.fullmatch(r"\d{4,5}(\.0+)?", v):  # Excel serial day number
            n = int(float(v))
            if 1 <= n <= 80000:
                return EXCEL_EPOCH + dt.timedelta(days=n)
    except ValueError:
        return None
    return None


def parse_count(col: pd.Series, field: str) -> tuple[pd.Series, pd.Series]:
    """Non-negative whole numbers: "1 200", "1\\u00a0200", "12 hlö", "3,0" and "3.0" are read.

    Examples
    --------
    >>> vals, probs = parse_count(pd.Series(["1 200", "12 hlö", "3,0", "-2", "2,5", "many", None]), "members")
    >>> vals.tolist()[:3], [bool(p) for p in probs]
    ([1200, 12, 3], [False, False, False, True, True, True, False])
    """
    text = clean_text(col)

    def one(v):  # once per distinct value: registers repeat their counts
        if v is pd.NA or v is None:
            return None, ""
        n = _count(v)
        return (n, "") if n is not None else (None, f"{field} is not a non-negative whole number: {v!r}")

    pairs = map_unique(text, one)
    values = pd.array([p[0] for p in pairs], dtype="Int64")
    problems = pd.Series([p[1] for p in pairs], index=col.index, dtype="object")
    return pd.Series(values, index=col.index), problems


_COUNT_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _count(v: str) -> int | None:
    """A non-negative whole number from text ("1 200", "12 hlö", "3,0", "1e3"), else None."""
    s = _COUNT_SPACES.sub("", _COUNT_UNITS.sub("", v)).replace(",", ".")
    if not s or not s.isascii() or "_" in s:  # float() would read "1_000", "١٢", "nan", "inf"
        return None
    try:
        x = float(s)
    except ValueError:
        return None
    if not np.isfinite(x) or x < 0 or x % 1 != 0 or x > 2**53:  # beyond 2**53 a float is no exact count
        return None
    return int(x)


_TRUE = {"true", "1", "kyllä", "kylla", "k", "yes", "y", "ja", "x", "tuottaa"}
_FALSE = {"false", "0", "ei", "e", "no", "n", "nej", "-"}


def parse_bool(col: pd.Series, field: str) -> tuple[pd.Series, pd.Series]:
    """Yes/no in fi/sv/en (kyllä/ei, ja/nej, yes/no, 1/0, x)."""
    text = clean_text(col).str.casefold()
    out = pd.Series(pd.NA, index=col.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False)] = True
    out[text.isin(_FALSE).fillna(False)] = False
    bad = text.notna() & out.isna()
    problems = _problems(text, bad, lambda v: f"{field} is not yes/no: {v!r}")
    return out, problems


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Examples
    --------
    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")"), neutralize_formula("-5"), neutralize_formula("Ry")
    ('\\'=HYPERLINK("http://x")', '-5', 'Ry')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        if re.fullmatch(r"[+-]?\d+([.,]\d+)?", value):  # a plain signed number is not a formula
            return value
        return "'" + value
    return value
