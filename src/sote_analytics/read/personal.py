"""Personal data in tabular inputs: headers, values and free text (surveys and registers alike).

Every reader that takes a user's file screens it here before anything is kept:

* :func:`is_personal_header` - a column header that names personal data (e-mail,
  phone, address, contact or responsible person, chair, secretary, treasurer,
  a person's name, birth date, personal identity code) in Finnish, Swedish or
  English (:data:`PERSONAL_DATA_HEADER`). An association's own name, domicile,
  area, staff or member counts are *not* personal.
* :func:`looks_personal_column` - a column whose values are mostly e-mail
  addresses, phone numbers or person names ("Etunimi Sukunimi" with a common
  first name from ``data/first_names.csv``), whatever its header says.
* :func:`redact_text` - e-mails, phone numbers and person names inside free text
  replaced by ``[poistettu]``.

Nothing here reads or writes files except the packaged first-name list, and it
is read on first use.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from ..text import normalize_text

#: What replaces a redacted e-mail, phone number or name inside text.
REDACTED = "[poistettu]"

#: Header words of personal data, matched in a header normalised by :func:`normalize_personal_header`
#: (case-folded, punctuation as spaces). ``henkilö`` is a whole word only: ``henkilöstö``,
#: ``henkilökunta`` and ``henkilöjäsenet`` are counts of an association, not persons.
PERSONAL_DATA_HEADER = re.compile(
    r"""
    # e-mail
    \bs\ ?posti | sähköposti | sahkoposti | \be\ ?mail | \bepost | \be\ post | \bmail\b
    # phone
    | \bpuh\b | puhelin | \btel\b | telefon | \bphone | telephone | \bmobile? | \bmobil | \bgsm\b | kännykkä
    # postal address (a web address is not personal)
    | (?<!verkko\ )(?<!www\ )(?<!internet\ )(?<!netti\ )(?<!koti\ sivun\ )osoite | (?<!webb)adress\b
    | (?<!web\ )(?<!webb)address
    # contact and responsible persons, officers
    | yhteystie | yhteyshenkil | vastuuhenkil | kontaktuppgift | kontaktperson | \bkontakt\b | \bcontact
    | ansvarsperson | responsible\ person | puheenjohtaj | \bpj\b | ordförande | \bordf\b | \bchair
    | sihteeri | sekreterare | secretary | rahastonhoitaj | kassör | treasurer
    # a person, a person's name
    | \bhenkilö\b | \bhenkilön\b | \bperson\b | \bpersonens\b
    | \bnimi\ vastaaja | vastaajan\ nimi | respondent\ s?\ ?name | respondentens\ namn | svararens\ namn
    | \byour\ name | \bnimesi\b | \bditt\ namn | etunimi | sukunimi | \bfirst\ name | \blast\ name | surname
    | full\ name | förnamn | efternamn
    # birth date, personal identity code
    | syntymä | \bsynt\b | födelse | \bbirth | \bdob\b | henkilötun | \bhetu\b | personbeteckning
    | personnummer | social\ security | personal\ id
    """,
    re.VERBOSE,
)

#: An e-mail address.
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
#: A Finnish phone number: international (+358 ...), area code in brackets ((09) ...), a separated
#: national form (040 555 0001, 040-5550001, 09-1234567) or an unseparated mobile number (0405550001).
#: Matches are kept only with 7 to 12 digits after the country code (:func:`_phone_digits_ok`).
PHONE = re.compile(
    r"""
    (?<![\w+])
    (?: \+358[\s\-]?(?:\(0\)[\s\-]?)?\d{1,3}(?:[\s\-]?\d){4,9}
      | \(0\d{1,2}\)[\s\-]?\d{2,4}(?:[\s\-]?\d){2,6}
      | 0\d{1,3}[\s\-]\d{3,4}[\s\-]?\d{2,4}
      | 0(?:4\d|50)\d{6,8}
    )
    (?![\w\-])
    """,
    re.VERBOSE,
)
_WORD = r"[A-ZÅÄÖ][a-zåäöéüø]+(?:-[A-ZÅÄÖ][a-zåäöéüø]+)?"
#: Two or three capitalised words, nothing else: the shape of "Etunimi Sukunimi".
PERSON_NAME = re.compile(rf"{_WORD}(?:\s+{_WORD}){{1,2}}")
_NAME_IN_TEXT = re.compile(rf"(?=\b({_WORD})\s+({_WORD})\b)")  # overlapping: "Kysy Matti Virtanen"


def normalize_personal_header(header: object) -> str:
    """A header as :data:`PERSONAL_DATA_HEADER` sees it: NFKC, case-folded, punctuation as spaces.

    Examples
    --------
    >>> normalize_personal_header("  S-posti: ")
    's posti'
    >>> normalize_personal_header("Nimi (vastaaja)")
    'nimi vastaaja'
    """
    s = normalize_text(header, form="NFKC", casefold=True)
    s = re.sub(r"[^\w\s]|_", " ", s)
    return " ".join(s.split())


def is_personal_header(header: str) -> bool:
    """True for a column header that names personal data.

    Parameters
    ----------
    header : str
        A column header as written in the file (any case, punctuation, language).

    Returns
    -------
    bool

    Examples
    --------
    >>> [is_personal_header(h) for h in ("Sähköposti", "E-post", "Puh.", "Ordf.", "Yhteyshenkilö", "Henkilö")]
    [True, True, True, True, True, True]
    >>> [is_personal_header(h) for h in ("Yhdistyksen nimi", "namn", "kotipaikka", "Palkattua henkilöstöä (htv)")]
    [False, False, False, False]
    """
    return bool(PERSONAL_DATA_HEADER.search(normalize_personal_header(header)))


def _phone_digits_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("+358"):
        digits = digits[3:]
    return 7 <= len(digits) <= 12


def is_email(value: object) -> bool:
    """True for a value that is one e-mail address (surrounding spaces allowed).

    Examples
    --------
    >>> is_email(" maija.meikalainen@example.fi "), is_email("Kuopion Seudun Mielenterveysseura ry")
    (True, False)
    """
    return bool(EMAIL.fullmatch(normalize_text(value)))


def is_phone(value: object) -> bool:
    """True for a value that is one Finnish phone number.

    Examples
    --------
    >>> [is_phone(v) for v in ("040 555 0001", "040-5550001", "+358 40 555 0001", "(09) 123 4567", "09-1234567")]
    [True, True, True, True, True]
    >>> [is_phone(v) for v in ("2024", "00100", "1234567-8", "1 200", "01.02.2024", "2024-05-01")]
    [False, False, False, False, False, False]
    """
    s = normalize_text(value, form="NFKC")
    return bool(PHONE.fullmatch(s)) and _phone_digits_ok(s)


@cache
def first_names() -> frozenset[str]:
    """Common first names in Finland, case-folded (``data/first_names.csv``, with its sources).

    Examples
    --------
    >>> "matti" in first_names(), "kuopion" in first_names()
    (True, False)
    """
    text = resources.files("sote_analytics").joinpath("data/first_names.csv").read_text("utf-8")
    names = [line.split(",", 1)[0] for line in text.splitlines()[1:] if line.strip()]
    return frozenset(n.strip().casefold() for n in names)


def is_person_name(value: object) -> bool:
    """True for "Etunimi Sukunimi" (or "Sukunimi Etunimi"): two or three capitalised words, one of the
    outer ones a common first name. An association's name has a lower-case word or an ``ry``.

    Examples
    --------
    >>> is_person_name("Maija Meikäläinen"), is_person_name("Virtanen Matti"), is_person_name("Liisa-Maria Koski")
    (True, True, True)
    >>> is_person_name("Kuopion Mielenterveysseura"), is_person_name("Anna Apua ry"), is_person_name("Matti")
    (False, False, False)
    """
    s = normalize_text(value)
    if not PERSON_NAME.fullmatch(s):
        return False
    words = s.split()
    names = first_names()
    return any(part.casefold() in names for w in (words[0], words[-1]) for part in w.split("-"))


def looks_personal_column(values: pd.Series, threshold: float = 0.5) -> bool:
    """True for a column most of whose non-empty values are e-mails, phone numbers or person names.

    Parameters
    ----------
    values : Series
        The column, any dtype; missing and blank values are ignored.
    threshold : float
        Share of the non-empty values that must look personal (default: more than half).

    Returns
    -------
    bool

    Examples
    --------
    >>> looks_personal_column(pd.Series(["a@example.fi", "040 555 0001", None, "", "b@example.fi"]))
    True
    >>> looks_personal_column(pd.Series(["Matti Virtanen", "Liisa Korhonen", "Anna Nieminen"]))
    True
    >>> looks_personal_column(pd.Series(["Vertaistuki", "Neuvonta", "12", "Kuopio"]))
    False
    """
    text = [normalize_text(v) for v in values.astype("object").tolist() if not pd.isna(v)]
    text = [v for v in text if v]
    if not text:
        return False
    hits = sum(1 for v in text if is_email(v) or is_phone(v) or is_person_name(v))
    return hits / len(text) > threshold


def _redact_one(text: str) -> str:
    out = EMAIL.sub(REDACTED, text)
    out = PHONE.sub(lambda m: REDACTED if _phone_digits_ok(m.group(0)) else m.group(0), out)
    names = first_names()
    spans: list[tuple[int, int]] = []
    for m in _NAME_IN_TEXT.finditer(out):
        if m.group(1).split("-")[0].casefold() in names and (not spans or m.start(1) >= spans[-1][1]):
            spans.append((m.start(1), m.end(2)))
    for start, end in reversed(spans):
        out = out[:start] + REDACTED + out[end:]
    return out


def redact_text(series: pd.Series) -> tuple[pd.Series, int]:
    """Replace e-mails, phone numbers and person names ("Maija Meikäläinen") inside text by ``[poistettu]``.

    The rest of each text is kept; missing values stay missing.

    Parameters
    ----------
    series : Series
        Free-text answers (any string dtype).

    Returns
    -------
    (Series, int)
        The redacted texts (same index and dtype) and how many cells changed.

    Examples
    --------
    >>> s = pd.Series(["Soita 040 555 0001 tai maija@example.fi", "Hyvä yhteistyö", None,
    ...                "Kysy Matti Virtaselta"])
    >>> out, n = redact_text(s)
    >>> out[0], out[1], pd.isna(out[2]), out[3], n
    ('Soita [poistettu] tai [poistettu]', 'Hyvä yhteistyö', True, 'Kysy [poistettu]', 2)
    """
    values = series.astype("object").tolist()
    out: list[object] = []
    changed = 0
    for v in values:
        if pd.isna(v) or not isinstance(v, str):
            out.append(v)
            continue
        r = _redact_one(v)
        changed += r != v
        out.append(r)
    result = pd.Series(out, index=series.index, dtype="object", name=series.name)
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        result = result.astype(series.dtype)
    return result, changed


#: E-mail addresses written to dodge harvesters: "matti(at)example.fi", "matti [at] example.fi".
EMAIL_AT = re.compile(r"[\w.+-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}", re.IGNORECASE)


def redact_value(text: object, names: bool = False) -> object:
    """E-mail addresses and phone numbers inside one text replaced by :data:`REDACTED` (person names
    too with ``names=True``); anything that is not a string is returned as it is.

    Examples
    --------
    >>> redact_value("soita 040 555 0199 tai matti(at)example.fi"), redact_value("n. 218")
    ('soita [poistettu] tai [poistettu]', 'n. 218')
    >>> redact_value("Yhteyshenkilö Maija Virtanen", names=True)
    'Yhteyshenkilö [poistettu]'
    """
    if not isinstance(text, str):
        return text
    out = EMAIL_AT.sub(REDACTED, text)
    if names:
        return _redact_one(out)
    out = EMAIL.sub(REDACTED, out)
    return PHONE.sub(lambda m: REDACTED if _phone_digits_ok(m.group(0)) else m.group(0), out)


def redact_series(values: pd.Series, names: bool = False) -> tuple[pd.Series, pd.Series]:
    """:func:`redact_value` over a column: (values, mask of the cells that changed).

    Examples
    --------
    >>> out, changed = redact_series(pd.Series(["A ry, puh. 040 555 0001", "B ry", None], dtype="string"))
    >>> out.tolist(), changed.tolist()
    (['A ry, puh. [poistettu]', 'B ry', <NA>], [True, False, False])
    """
    text = values.astype("string")
    pattern = r"@|\(at\)|\[at\]|\sat\s|\d{2}" + (r"|[A-ZÅÄÖ][a-zåäö]+\s+[A-ZÅÄÖ]" if names else "")
    candidates = text.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)
    out = text.copy()
    changed = np.zeros(len(text), dtype=bool)
    if candidates.any():
        sub = text[candidates]
        red = sub.map(lambda v: redact_value(v, names), na_action="ignore").astype("string")
        changed[candidates] = (red != sub).fillna(False).to_numpy(dtype=bool)
        out[candidates] = red
    return out, pd.Series(changed, index=values.index)


def looks_personal(values: pd.Series) -> bool:
    """A register column whose values are mostly personal (:func:`looks_personal_column`, at least 30 %)."""
    return looks_personal_column(values, threshold=0.3)
