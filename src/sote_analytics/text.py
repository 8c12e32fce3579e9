"""One text normaliser for every stage: invisible characters, Unicode form, white space, case.

Registers arrive with zero-width spaces, soft hyphens, bidirectional marks and
decomposed letters (``A\\u0308`` for ``Ä``). Every stage that compares text
(reading headers, validating fields, resolving municipalities, classifying
names) cleans it with :func:`normalize_text`, so that they all remove the
same characters.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

#: Zero-width, bidirectional-control, word-joiner, BOM and soft-hyphen characters.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")


def is_missing(value: object) -> bool:
    """True for None, pandas' NA and NaN.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing("x")
    (True, True, False, False)
    """
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def normalize_text(value: object, *, form: str = "NFC", casefold: bool = False) -> str:
    """Normalise text for comparison: Unicode ``form``, invisible characters removed,
    white space collapsed and stripped, optionally case-folded. Missing values give ``""``.

    Parameters
    ----------
    value : object
        Any value; ``None``, ``pd.NA`` and NaN give an empty string.
    form : {"NFC", "NFKC"}
        Unicode normal form. NFKC also folds compatibility characters
        (full-width letters, ligatures, non-breaking spaces).
    casefold : bool
        Case-fold (a stronger lower-case) after normalising.

    Examples
    --------
    >>> normalize_text("  MLL:n  Keuruun\\u200b paikallisyhdistys RY ", casefold=True)
    'mll:n keuruun paikallisyhdistys ry'
    >>> normalize_text("A\\u0308änekoski")
    'Äänekoski'
    >>> normalize_text(None)
    ''
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    s = unicodedata.normalize(form, value if isinstance(value, str) else str(value))
    if not s.isascii():
        s = INVISIBLE.sub("", s)
    if casefold:
        s = s.casefold()
    return " ".join(s.split())


#: Words that mean "not known" in a register (fi/sv/en and placeholders): read as missing, never as an error.
UNKNOWN_WORDS = frozenset({
    "ei tiedossa", "ei tiedetä", "tuntematon", "ei tietoa", "okänd", "okänt", "okända", "vet ej", "unknown",
    "n/a", "na", "n.a.", "-", "–", "—", "?", "??", "???", "..", "...", "#n/a",
})


def is_unknown_word(value: object) -> bool:
    """True for a cell that says "unknown" (the product's own label "ei tiedossa" included).

    Examples
    --------
    >>> is_unknown_word(" Ei tiedossa "), is_unknown_word("okänd"), is_unknown_word("?"), is_unknown_word("0")
    (True, True, True, False)
    """
    return normalize_text(value, casefold=True) in UNKNOWN_WORDS


def unknown_words(col: pd.Series) -> pd.Series:
    """Boolean mask of the cells of a text column that say "unknown" (vectorised :func:`is_unknown_word`).

    Examples
    --------
    >>> unknown_words(pd.Series(["Ei  tiedossa", "12", None, " ? "], dtype="string")).tolist()
    [True, False, False, True]
    """
    text = col.astype("string")
    out = pd.Series(False, index=col.index, dtype=bool)
    # only short cells can say "unknown": the others are never normalised (a column of 700,000
    # names or random values costs one vectorised length, not 700,000 Python string operations)
    short = (text.str.len() <= _UNKNOWN_MAX_CHARS).fillna(False).to_numpy(dtype=bool)
    if not short.any():
        return out
    cand = text[short]
    if cand.str.contains("[\u200b-\u200f\u00ad\ufeff]", regex=True).fillna(False).any():
        hit = cand.map(is_unknown_word, na_action="ignore").fillna(False).astype(bool)
    else:
        norm = cand.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()
        hit = norm.isin(UNKNOWN_WORDS).fillna(False).astype(bool)
    out[short] = hit.to_numpy(dtype=bool)
    return out


#: No cell longer than this can be an unknown word, however it is spaced (the longest word, padded).
_UNKNOWN_MAX_CHARS = 4 * max(len(w) for w in UNKNOWN_WORDS) + 16
