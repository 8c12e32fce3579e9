"""Field parsers and validators for register data: each returns values plus per-row problems.

Every parser takes a column of raw text and returns ``(values, problems)`` where
``problems`` is a Series of messages (empty string where the value is fine or
missing). Nothing is guessed silently: a value that cannot be read is a problem.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import numpy as np
import pandas as pd

from ..text import normalize_text
from .business_id import is_valid as is_valid_business_id

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
        if _looks_like_phone(v):  # "040 555 0001" is not 405,550,001 members
            return None, f"{field} is a phone number, not a count"
        n = _count(v)
        return (n, "") if n is not None else (None, f"{field} is not a non-negative whole number: {v!r}")

    pairs = map_unique(text, one)
    values = pd.array([p[0] for p in pairs], dtype="Int64")
    problems = pd.Series([p[1] for p in pairs], index=col.index, dtype="object")
    return pd.Series(values, index=col.index), problems


def _looks_like_phone(v: str) -> bool:
    """A count field holding a phone number (leading zero and 7-12 digits: no count is written so)."""
    if not v.lstrip().startswith(("0", "+")):
        return False
    from .personal import is_phone

    return is_phone(v)


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


#: Words before a number that make it approximate ("n. 218", "noin 200", "ca 50", "about 40"): the
#: number is kept as it is and flagged approximate.
_ABOUT = re.compile(r"^(?:noin|arviolta|arvio|suunnilleen|lähes|melkein|cirka|circa|ca\.?|c\.|n\.|n(?=\s)|omkring|"
                    r"ungefär|runt|approximately|approx\.?|about|around|~|≈)\s*", re.IGNORECASE)
#: Words that say "none" in a count column ("ei", "ei yhtään", "nej", "none"): zero, not unknown.
_NONE_WORDS = frozenset({"ei", "ei ole", "ei yhtään", "ei yhtaan", "ei lainkaan", "nolla", "nej", "inga", "ingen",
                         "none", "no"})
#: Lower bounds ("yli 100", "över 100", "more than 100", "100+"): the bound itself, flagged approximate.
_OVER = re.compile(r"^(?:yli|vähintään|ainakin|över|minst|mer än|more than|over|at least|>=?|≥)\s*", re.IGNORECASE)
#: Upper bounds ("alle 10", "under 10", "less than 10"): half the bound, flagged approximate.
_UNDER = re.compile(r"^(?:alle|korkeintaan|enintään|under|högst|mindre än|less than|fewer than|up to|<=?|≤)\s*",
                    re.IGNORECASE)
_RANGE = re.compile(r"^(\d[\d\s\u00a0\u202f.,]*?)\s*(?:-|–|—|\.\.|to|till|tai)\s*(\d[\d\s\u00a0\u202f.,]*)$",
                    re.IGNORECASE)
_TRAILING_WORDS = re.compile(
    r"\s*(hlö|hlöä|henkilöä|henkeä|henk|kpl|st|stycken|pers|personer|persons|people|jäsentä|jäsenet|jäseniä|"
    r"members|medlemmar|htv|henkilötyövuotta|henkilötyövuosi|fte|årsverken|årsverke|työntekijää|"
    r"vapaaehtoista|frivilliga|volunteers|noin|n\.)\.?$", re.IGNORECASE)


def _plain_number(s: str, whole: bool) -> float | None:
    """One number: spaces as thousands separators, a decimal comma or point; "1.200" is 1200 for a whole count."""
    s = _COUNT_SPACES.sub("", s)
    if s.endswith("+"):
        s = s[:-1]
    if not s or not s.isascii() or "_" in s:  # float() would read "1_000", "١٢", "nan", "inf"
        return None
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", s) and (whole or s.count(".") + s.count(",") > 1):
        s = s.replace(".", "").replace(",", "")  # thousands separators
    s = s.replace(",", ".")
    if not re.fullmatch(r"\d+(\.\d+)?(e\d+)?", s, re.IGNORECASE):
        return None
    try:
        x = float(s)
    except ValueError:
        return None
    return x if np.isfinite(x) and x <= 2**53 else None


def read_number(value: str, whole: bool = True) -> tuple[float | None, bool, str]:
    """A count as registers write it: ``(value, approximate, problem)``.

    Plain numbers ("1 200", "12 hlö", "6,5 htv"), approximations ("n. 218", "noin 200", "ca 50")
    kept as the number, lower bounds ("yli 100", "100+") kept as the bound, upper bounds ("alle 10")
    as half the bound and ranges ("200–300") as the midpoint, all three flagged approximate.
    Negative values and text give no value and a problem; ``whole=True`` also refuses fractions
    ("2,5 members").

    Examples
    --------
    >>> [read_number(v)[:2] for v in ["n. 218", "yli 100", "200–300", "alle 10", "1 200"]]
    [(218.0, True), (100.0, True), (250.0, True), (5.0, True), (1200.0, False)]
    >>> read_number("6,5 htv", whole=False), read_number("-3")[2], read_number("paljon")[2]
    ((6.5, False, ''), 'negative', 'not a number')
    """
    s = normalize_text(value).strip()
    if not s:
        return None, False, ""
    approx, factor = False, 1.0
    if s.casefold() in _NONE_WORDS:
        return 0.0, False, ""
    if s.startswith(("-", "−")) and re.search(r"\d", s):
        return None, False, "negative"
    for pattern, f in ((_ABOUT, 1.0), (_OVER, 1.0), (_UNDER, 0.5)):
        m = pattern.match(s)
        if m and m.end() < len(s):
            s, approx, factor = s[m.end():], True, f
            break
    s = _TRAILING_WORDS.sub("", s).strip()
    s = _TRAILING_WORDS.sub("", s).strip()  # "12 hlö n." → "12"
    if s.endswith("+"):
        approx = True
    m = _RANGE.match(s)
    if m:
        lo, hi = _plain_number(m.group(1), whole), _plain_number(m.group(2), whole)
        if lo is None or hi is None or hi < lo:
            return None, False, "not a number"
        x, approx = (lo + hi) / 2, True
    else:
        x = _plain_number(s, whole)
        if x is None:
            return None, False, "not a number"
        x *= factor
    if whole and x % 1 != 0:
        if factor != 1.0 or m:  # "alle 5" -> 2.5, "2-3" -> 2.5: a midpoint rounds to a whole count
            x = float(np.floor(x + 0.5))
        else:
            return None, False, "not a whole number"
    return x, approx, ""


def parse_number(col: pd.Series, field: str, whole: bool = True) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Counts as registers write them: values (Int64 when ``whole``, else Float64), approximate flags and
    per-row problems (``"<field>: <kind>: '<value>'"``, empty where the value is fine or missing).

    Examples
    --------
    >>> v, approx, probs = parse_number(pd.Series(["n. 218", "12", "-3", None], dtype="string"), "members")
    >>> v.tolist(), approx.tolist(), [p.split(":")[1].strip() if p else "" for p in probs]
    ([218, 12, <NA>, <NA>], [True, False, False, False], ['', '', 'negative', ''])
    """
    text = clean_text(col)

    def one(v):  # once per distinct value: registers repeat their counts
        if v is pd.NA or v is None:
            return None, False, ""
        if _looks_like_phone(v):
            return None, False, f"{field} is a phone number, not a number"
        x, approx, problem = read_number(v, whole)
        return x, approx, (f"{field}: {problem}: {v!r}" if problem else "")

    triples = map_unique(text, one)
    dtype = "Int64" if whole else "Float64"
    values = pd.array([t[0] for t in triples], dtype="Float64")
    values = pd.array(values, dtype=dtype) if not whole else pd.array(
        [None if pd.isna(x) else int(x) for x in values], dtype="Int64")
    approx = pd.Series([bool(t[1]) for t in triples], index=col.index, dtype=bool)
    problems = pd.Series([t[2] for t in triples], index=col.index, dtype="object")
    return pd.Series(values, index=col.index), approx, problems


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


_FORMULA_PATTERN = r"^[=+\-@\t\r]"
_SIGNED_NUMBER = r"[+-]?\d+([.,]\d+)?"


def _safe_text_column(col: pd.Series, redact: bool) -> pd.Series:
    """One text column: personal data redacted (``redact``), then formula-leading cells prefixed."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)  # once per distinct value: tables repeat names
    text = pd.Series(uniques, dtype="string")
    if redact:
        from .personal import redact_series

        text, _ = redact_series(text, names=True)
    risky = (text.str.contains(_FORMULA_PATTERN, regex=True) & ~text.str.fullmatch(_SIGNED_NUMBER)).fillna(False)
    safe = text.astype("object").where(text.notna(), None)
    if risky.any():
        safe[risky.to_numpy(dtype=bool)] = "'" + text[risky.to_numpy(dtype=bool)].astype("object")
    table = np.empty(len(safe) + 1, dtype=object)  # the last slot: missing values
    table[:-1] = safe.to_numpy(dtype=object)
    table[-1] = None
    return pd.Series(table[codes], index=col.index, dtype=object)


def _safe_cell(value: object, redact: bool) -> object:
    if not isinstance(value, str):
        return value
    if redact:
        from .personal import redact_value

        value = redact_value(value, names=True)
    return neutralize_formula(value)


def safe_frame(frame: pd.DataFrame, *, redact: bool = False) -> pd.DataFrame:
    """``frame`` made safe for a spreadsheet: every header and text cell that would run as a formula
    prefixed with an apostrophe (:func:`neutralize_formula`); with ``redact``, e-mails, phone numbers and
    person names inside every text cell replaced (:func:`.personal.redact_value`) first.

    The one function behind every CSV and workbook the package writes (quarantine, field problems,
    indicators, the YTJ register, exports). Numbers, dates and booleans are left as they are.

    Examples
    --------
    >>> df = pd.DataFrame({"=HYPERLINK(1)": ["=1+1", "-5", "Ry", None], "n": [1, 2, 3, 4]})
    >>> out = safe_frame(df)
    >>> list(out.columns), out.iloc[:, 0].tolist(), out["n"].tolist()
    (["'=HYPERLINK(1)", 'n'], ["'=1+1", '-5', 'Ry', None], [1, 2, 3, 4])
    >>> safe_frame(pd.DataFrame({"x": ["soita 040 555 0001"]}), redact=True)["x"].tolist()
    ['soita [poistettu]']
    """
    out = frame.copy()
    for i in range(out.shape[1]):  # by position: two columns may share a header
        col = out.iloc[:, i]
        dtype = col.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            col = col.astype("object")
            dtype = col.dtype
        if pd.api.types.is_object_dtype(dtype):  # mixed cells: numbers and dates stay what they are
            out.isetitem(i, col.map(lambda v: _safe_cell(v, redact)))
        elif pd.api.types.is_string_dtype(dtype):
            out.isetitem(i, _safe_text_column(col, redact))
    headers = [neutralize_formula(str(c)) for c in out.columns]
    if redact:
        from .personal import redact_value

        headers = [redact_value(h, names=True) for h in headers]
    out.columns = headers
    return out


def neutralize_texts(texts: list[str]) -> list[str]:
    """:func:`neutralize_formula` of each text (the distinct values of a column, for :func:`.csvwrite.csv_bytes`).

    Examples
    --------
    >>> neutralize_texts(["=1+1", "-5", "Ry"])
    ["'=1+1", '-5', 'Ry']
    """
    return [neutralize_formula(t) for t in texts]


def write_safe_csv(frame: pd.DataFrame, path, *, redact: bool = False) -> None:
    """Write :func:`safe_frame` of ``frame`` as UTF-8 CSV, atomically (a temporary file, then a rename).

    Without ``redact``, the text columns are made safe as they are written, once per distinct value
    (:func:`neutralize_texts`), the bytes :func:`safe_frame` gives (it maps them into Python objects,
    which cost a second, slower factorisation: 0.2 s of the indicator table's CSV).
    """
    from ..atomic import atomic_path
    from ..csvwrite import write_frame

    with atomic_path(path) as tmp:
        if redact:
            write_frame(safe_frame(frame, redact=True), tmp)  # pandas' bytes, each distinct value formatted once
        else:
            headers = [neutralize_formula(str(c)) for c in frame.columns]
            write_frame(frame.set_axis(headers, axis=1), tmp, cells=neutralize_texts,
                        slow=lambda _: safe_frame(frame))


@lru_cache(maxsize=1 << 16)
def _contact_label(word: str) -> bool:
    """True for "puh.", "tel:", "yhteyshenkilö", "/": what is left of removed contact details (words repeat,
    hence the cache)."""
    from .personal import PERSONAL_DATA_HEADER, normalize_personal_header

    norm = normalize_personal_header(word)
    return not norm.strip() or bool(PERSONAL_DATA_HEADER.search(norm))


def redact_person_names(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Association names that are a person's name and nothing else ("Maija Meikäläinen", once e-mails,
    phones and their labels, "puh.", "tel:", are removed) replaced by :data:`.personal.REDACTED`: (names, mask
    of the replaced).

    An association's name ("Anna Apua ry", "Matti ja Maija Virtasen säätiö") has a lower-case word or
    an ``ry`` and is kept.

    Examples
    --------
    >>> out, hit = redact_person_names(pd.Series(["Maija Meikäläinen [poistettu]", "Anna Apua ry", None,
    ...                                           "Maija Meikäläinen puh. [poistettu]"]))
    >>> out.tolist(), hit.tolist()
    (['[poistettu]', 'Anna Apua ry', nan, '[poistettu]'], [True, False, False, True])
    """
    from .personal import REDACTED, is_person_name

    def person(v: object) -> bool:
        if not isinstance(v, str):
            return False
        rest = " ".join(w for w in v.replace(REDACTED, " ").replace(",", " ").split() if not _contact_label(w))
        return bool(rest) and is_person_name(rest)

    values = names.astype("object")
    hit = map_unique(values, person).astype(bool)
    out = values.where(~hit, REDACTED)
    return out, hit
