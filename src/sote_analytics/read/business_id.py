"""Finnish business IDs (Y-tunnus, FO-nummer): format and check digit in one place."""

from __future__ import annotations

import re

#: A business ID in its canonical form: seven digits, hyphen, check digit.
BUSINESS_ID = re.compile(r"^(\d{7})-(\d)$")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def check_digit(base7: str) -> int | None:
    """Check digit of a business ID's seven-digit base; None if no valid ID has that base.

    Examples
    --------
    >>> check_digit("0737546"), check_digit("0000006")
    (2, None)
    """
    rem = sum(int(d) * w for d, w in zip(base7, _WEIGHTS, strict=True)) % 11
    if rem == 1:
        return None
    return 0 if rem == 0 else 11 - rem


def is_valid(value: str) -> bool:
    """True for a well-formed business ID with a correct check digit.

    Examples
    --------
    >>> is_valid("0737546-2"), is_valid("0737546-3"), is_valid("737546-2")
    (True, False, False)
    """
    m = BUSINESS_ID.match(value)
    return bool(m) and check_digit(m.group(1)) == int(m.group(2))
