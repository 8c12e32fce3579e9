"""Personal data in registers and surveys: found by column name and by value, and redacted.

(Interim module: the value patterns; the survey work extends it.)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .text import normalize_text

#: E-mail addresses, also written with "(at)" or " at ".
EMAIL = re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
#: Finnish and international phone numbers: 040 555 0001, 040-5550001, +358 40 555 0001, (09) 123 4567.
PHONE = re.compile(r"(?<![\w-])(?:\+\d{1,3}[\s-]?(?:\(0\)\s?)?\d{1,4}|\(0\d{1,3}\)|0\d{1,3})"
                   r"[\s-]?\d{2,4}(?:[\s-]?\d{2,4}){1,2}(?![\w-])")
REDACTED = "[poistettu]"


def redact_value(text: str) -> str:
    """Replace e-mail addresses and phone numbers inside ``text`` with :data:`REDACTED`.

    Examples
    --------
    >>> redact_value("soita 040 555 0199 tai matti@example.fi"), redact_value("n. 218")
    ('soita [poistettu] tai [poistettu]', 'n. 218')
    """
    if not isinstance(text, str):
        return text
    return PHONE.sub(REDACTED, EMAIL.sub(REDACTED, text))


#: Header words of personal data in fi/sv/en: e-mail, phone, address, contact and responsible persons,
#: chair, secretary, treasurer, personal identity codes, birth dates. "henkilö" only as a word of its own
#: ("Henkilö", "Vastuuhenkilö"), never inside "henkilöstö" or "henkilökunta" (staff counts).
PERSONAL_DATA_HEADER = re.compile(
    r"puheenjohtaja|yhteyshenkil|vastuuhenkil|vastaava henkil|kontaktperson|kontaktuppgift|yhteystie|"
    r"sihteeri|rahastonhoitaja|ordförande|\bordf\b|sekreterare|kassör|chairperson|\bchair\b|secretary|treasurer|"
    r"sähköposti|sahkoposti|s posti|\be ?mail|\bemail|\be ?post\b|\bepost\b|\bmail\b|"
    r"puhelin|\bpuh\b|\bgsm\b|phone|\btel\b|telefon|mobile|matkapuhelin|kännykkä|"
    r"osoite|postiosoite|katuosoite|\badress|\baddress|gatuadress|postadress|"
    r"\bcontact|henkilötunnus|hetu|syntymä|födelse|birth|personnummer|"
    r"(?:^|\s)henkilö(?:n)?(?:\s|$)|(?:^|\s)henkilön nimi|vastaajan nimi|respondent|\bperson\b|\bpersons name",
    re.IGNORECASE,
)


def _header_key(text: object) -> str:
    s = normalize_text(text, form="NFKC", casefold=True)
    s = re.sub(r"[\-_./,:;()\[\]#*'\"]", " ", s)
    return re.sub(r"\s+", " ", s).strip()


def is_personal_header(header: object) -> bool:
    """True for a header of personal data (contact person, e-mail, phone, address, chair...).

    Examples
    --------
    >>> [is_personal_header(h) for h in ["S-posti", "Puh.", "Vastuuhenkilö", "Ordf.", "Osoite", "Henkilö"]]
    [True, True, True, True, True, True]
    >>> [is_personal_header(h) for h in ["Henkilöstö", "Palkattua henkilöstöä (htv)", "Nimi", "Kotipaikka"]]
    [False, False, False, False]
    """
    return bool(PERSONAL_DATA_HEADER.search(_header_key(header)))


def looks_personal(values: pd.Series, share: float = 0.3) -> bool:
    """True when at least ``share`` of a column's non-empty values are e-mail addresses or phone numbers.

    Examples
    --------
    >>> looks_personal(pd.Series(["matti@example.fi", "040 555 0001", None])), looks_personal(pd.Series(["A", "B"]))
    (True, False)
    """
    v = values.dropna().astype(str)
    v = v[v.str.strip() != ""]
    if not len(v):
        return False
    sample = v.head(2000)
    hit = sample.map(lambda x: bool(EMAIL.search(x) or PHONE.search(x)))
    return bool(hit.mean() >= share)


def redact_series(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """E-mail addresses and phone numbers in every cell replaced; returns (values, changed mask).

    Examples
    --------
    >>> out, changed = redact_series(pd.Series(["A ry, puh. 040 555 0001", "B ry", None], dtype="string"))
    >>> out.tolist(), changed.tolist()
    (['A ry, puh. [poistettu]', 'B ry', <NA>], [True, False, False])
    """
    text = values.astype("string")
    candidates = text.str.contains(r"@|\(at\)|\d{2}", regex=True).fillna(False).to_numpy(dtype=bool)
    out = text.copy()
    changed = np.zeros(len(text), dtype=bool)
    if candidates.any():
        sub = text[candidates]
        red = sub.map(redact_value, na_action="ignore")
        changed[candidates] = (red != sub).fillna(False).to_numpy(dtype=bool)
        out[candidates] = red
    return out, pd.Series(changed, index=values.index)
