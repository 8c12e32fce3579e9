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

#: Zero-width, bidirectional-control, word-joiner, BOM and soft-hyphen characters.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]")
_SPACE = re.compile(r"\s+")


def is_missing(value: object) -> bool:
    """True for None, pandas' NA and NaN.

    Examples
    --------
    >>> is_missing(None), is_missing(float("nan")), is_missing(""), is_missing("x")
    (True, True, False, False)
    """
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(value, float) and value != value


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
    if is_missing(value):
        return ""
    s = INVISIBLE.sub("", unicodedata.normalize(form, str(value)))
    if casefold:
        s = s.casefold()
    return _SPACE.sub(" ", s).strip()


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
