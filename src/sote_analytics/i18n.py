"""Report strings in Finnish, Swedish and English, and number/date formats."""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from importlib import resources

from .config import load_yaml

LANGUAGES = ("fi", "sv", "en")


@cache
def _strings() -> dict[str, dict[str, str]]:
    text = resources.files("sote_analytics").joinpath("data/i18n.yaml").read_text("utf-8")
    return load_yaml(text)


def catalogue(language: str = "fi") -> dict[str, str]:
    """Every UI string in ``language`` (Finnish where the language has none), by key.

    Examples
    --------
    >>> catalogue("sv")["country"]
    'Hela landet'
    """
    return {k: v.get(language, v.get("fi")) for k, v in _strings().items()}


def t(key: str, language: str = "fi", **fmt: object) -> str:
    """A UI string in ``language`` (falls back to Finnish), formatted with ``fmt``.

    Examples
    --------
    >>> t("country", "sv")
    'Hela landet'
    """
    entry = _strings()[key]
    return entry.get(language, entry["fi"]).format(**fmt)


def fmt_number(value: float | int | None, decimals: int = 0, language: str = "fi") -> str:
    """Format a number the way the language writes it.

    Examples
    --------
    >>> fmt_number(1234.5, 1) == "1\\u00a0234,5"
    True
    >>> fmt_number(1234.5, 1, "en")
    '1,234.5'
    >>> fmt_number(float("nan"))
    '–'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if language == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",")


def fmt_percent(share: float | None, decimals: int = 0, language: str = "fi") -> str:
    """Format a share (0-1) as a percentage: ``0.215`` -> ``'22 %'`` (fi)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "–"
    num = fmt_number(share * 100, decimals, language)
    return f"{num}%" if language == "en" else f"{num}\u00a0%"


def fmt_date(value: dt.date | dt.datetime, language: str = "fi") -> str:
    """``23.11.2026`` in fi and sv, ``2026-11-23`` in en."""
    return value.strftime("%Y-%m-%d") if language == "en" else f"{value.day}.{value.month}.{value.year}"


def name_column(language: str, prefix: str = "name", languages: tuple[str, ...] = ("fi", "sv")) -> str:
    """The column holding names in ``language``: ``name_sv`` for Swedish, else Finnish.

    Municipality names exist in Finnish and Swedish; area names also in English
    (pass ``languages=LANGUAGES``).

    Examples
    --------
    >>> name_column("sv"), name_column("en"), name_column("en", "name", LANGUAGES), name_column("sv", "kunta_name")
    ('name_sv', 'name_fi', 'name_en', 'kunta_name_sv')
    """
    return f"{prefix}_{language if language in languages else 'fi'}"
