"""Resolve municipality codes and names, as registers give them, to the key year.

Inputs give codes with or without leading zeros ("91", "091"), Finnish,
Swedish or English names in any case, with hyphens, extra words ("Pedersören
kunta", "Raseborgs stad"), old names of municipalities that ceased by merger,
and typos. Every resolved value records how it was resolved: ``code``,
``exact``, ``swedish``, ``merger`` or ``fuzzy``; an unresolved one gets a reason
and up to three suggestions. Fuzzy matching never guesses between two real
municipalities: it accepts only a clear winner.

The merger table is data: ``data/municipality_mergers.csv``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from io import StringIO

import pandas as pd

#: Minimum rapidfuzz score (0-100) for a fuzzy match to be accepted ...
FUZZY_MIN_SCORE = 85.0
#: ... and by how much it must beat the best other municipality.
FUZZY_MIN_MARGIN = 8.0

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SUFFIXES = re.compile(
    r"\s+(kunta|kaupunki|kauppala|stad|kommun|köping|municipality|city|town|"
    r"maalaiskunta|mlk|landskommun)$"
)


@cache
def merger_table() -> pd.DataFrame:
    """The package's table of municipality mergers since 2005.

    Columns: ``old_code`` (empty where not confirmed), ``old_name_fi``,
    ``old_name_sv``, ``new_code``, ``new_name_fi``, ``effective_year``, ``note``.

    Examples
    --------
    >>> t = merger_table()
    >>> t.loc[t["old_name_fi"] == "Pertunmaa", ["new_name_fi", "effective_year"]].values.tolist()
    [['Mäntyharju', 2025]]
    """
    text = (
        resources.files("sote_analytics")
        .joinpath("data/municipality_mergers.csv")
        .read_text("utf-8")
    )
    df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    df["effective_year"] = df["effective_year"].astype(int)
    return df


def normalize_name(value: object) -> str:
    """Normalise a municipality name for matching.

    Unicode NFKC, zero-width and direction marks removed, case folded,
    punctuation and hyphens to spaces, white space collapsed, trailing words
    such as "kunta", "stad" or "kaupunki" dropped.

    Examples
    --------
    >>> normalize_name("  PEDERSÖREN  kunta ")
    'pedersören'
    >>> normalize_name("Koski Tl.")
    'koski tl'
    >>> normalize_name("Nummi-Pusula")
    'nummi pusula'
    """
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = _ZERO_WIDTH.sub("", text).casefold()
    text = re.sub(r"[\-‐-―_./,()']", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    previous = None
    while previous != text:
        previous, text = text, _SUFFIXES.sub("", text).strip()
    return text


def ascii_fold(text: str) -> str:
    """Drop diacritics: ``'mäntyharju'`` -> ``'mantyharju'``."""
    return "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
    )


@dataclass(frozen=True)
class Resolution:
    """Result of resolving one raw value."""

    code: str | None
    method: str | None
    reason: str | None = None
    suggestions: tuple[str, ...] = ()


class MunicipalityResolver:
    """Resolve raw municipality values to codes of one key year.

    Parameters
    ----------
    key : DataFrame
        The reference key (:attr:`ReferenceData.key`), with ``kunta_code``
        and ``kunta_name_fi/sv/en``.
    year : int
        The key year; mergers effective after it are ignored.
    mergers : DataFrame, optional
        Merger table (default :func:`merger_table`).

    Examples
    --------
    >>> key = pd.DataFrame({"kunta_code": ["091", "507"],
    ...     "kunta_name_fi": ["Helsinki", "Mäntyharju"],
    ...     "kunta_name_sv": ["Helsingfors", "Mäntyharju"],
    ...     "kunta_name_en": ["Helsinki", "Mäntyharju"]})
    >>> r = MunicipalityResolver(key, 2025)
    >>> r.resolve_one("91").code, r.resolve_one("Helsingfors").method
    ('091', 'swedish')
    >>> r.resolve_one("Pertunmaa")
    Resolution(code='507', method='merger', reason=None, suggestions=())
    """

    def __init__(self, key: pd.DataFrame, year: int, mergers: pd.DataFrame | None = None):
        self.year = int(year)
        self.codes = set(key["kunta_code"])
        self.name_of = dict(zip(key["kunta_code"], key["kunta_name_fi"], strict=True))
        self._exact: dict[str, tuple[str, str]] = {}
        for lang, method in (("en", "exact"), ("sv", "swedish"), ("fi", "exact")):
            for code, name in zip(key["kunta_code"], key[f"kunta_name_{lang}"], strict=True):
                self._add(name, code, method)
        fi_names = {normalize_name(n): c for c, n in self.name_of.items()}
        mergers = merger_table() if mergers is None else mergers
        self._old_codes: dict[str, str] = {}
        for row in mergers.sort_values("effective_year").itertuples(index=False):
            if int(row.effective_year) > self.year:
                continue
            target = self._successor(row, fi_names)
            if target is None:
                continue
            for name in (row.old_name_fi, getattr(row, "old_name_sv", "")):
                if name and normalize_name(name) not in self._exact:
                    self._add(name, target, "merger", overwrite=False)
            if row.old_code:
                self._old_codes[str(row.old_code).zfill(3)] = target
        self._choices = list(self._exact)

    def _successor(self, row, fi_names: dict[str, str]) -> str | None:
        code = str(row.new_code).zfill(3) if row.new_code else fi_names.get(normalize_name(row.new_name_fi))
        if code is None:
            # the successor itself merged later: follow the chain by name
            entry = self._exact.get(normalize_name(row.new_name_fi))
            return entry[0] if entry else None
        return code if code in self.codes else None

    def _add(self, name: object, code: str, method: str, overwrite: bool = True) -> None:
        norm = normalize_name(name)
        if not norm:
            return
        for variant in {norm, ascii_fold(norm), norm.replace(" ", "")}:
            if overwrite or variant not in self._exact:
                self._exact[variant] = (code, method)

    def resolve_one(self, value: object) -> Resolution:
        """Resolve one raw value (code or name)."""
        norm = normalize_name(value)
        if not norm:
            return Resolution(None, None, "municipality missing")
        if re.fullmatch(r"\d{1,3} 0+", norm):  # "91.0" from a spreadsheet number
            norm = norm.split(" ")[0]
        if re.fullmatch(r"\d{1,3}", norm):
            code = norm.zfill(3)
            if code in self.codes:
                return Resolution(code, "code")
            if code in self._old_codes:
                return Resolution(self._old_codes[code], "merger")
            return Resolution(None, None, f"unknown municipality code {code}")
        for variant in (norm, ascii_fold(norm), norm.replace(" ", "")):
            if variant in self._exact:
                code, method = self._exact[variant]
                return Resolution(code, method)
        return self._fuzzy(norm)

    def _fuzzy(self, norm: str) -> Resolution:
        from rapidfuzz import fuzz, process

        hits = process.extract(norm, self._choices, scorer=fuzz.ratio, limit=12)
        best_by_code: dict[str, float] = {}
        for choice, score, _ in hits:
            code = self._exact[choice][0]
            best_by_code[code] = max(best_by_code.get(code, 0.0), score)
        ranked = sorted(best_by_code.items(), key=lambda kv: -kv[1])
        suggestions = tuple(f"{self.name_of[c]} ({c})" for c, _ in ranked[:3])
        if ranked:
            best_code, best = ranked[0]
            second = ranked[1][1] if len(ranked) > 1 else 0.0
            if best >= FUZZY_MIN_SCORE and best - second >= FUZZY_MIN_MARGIN:
                return Resolution(best_code, "fuzzy", None, suggestions[:1])
        return Resolution(
            None, None, f"unknown municipality {norm!r}", suggestions
        )

    def resolve(self, values: pd.Series) -> pd.DataFrame:
        """Resolve a column; each distinct value is resolved once.

        Returns a frame aligned with ``values`` with columns
        ``municipality_code``, ``resolution_method``, ``resolution_error``,
        ``suggestions``.
        """
        uniques = pd.unique(values.astype("object"))
        table = {v: self.resolve_one(v) for v in uniques}
        res = values.astype("object").map(table)
        return pd.DataFrame(
            {
                "municipality_code": res.map(lambda r: r.code).astype("string"),
                "resolution_method": res.map(lambda r: r.method).astype("string"),
                "resolution_error": res.map(lambda r: r.reason).astype("string"),
                "suggestions": res.map(lambda r: "; ".join(r.suggestions)).astype("string"),
            },
            index=values.index,
        )
