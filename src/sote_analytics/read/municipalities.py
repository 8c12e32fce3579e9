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
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from io import StringIO

import pandas as pd

from ..reference.loader import merger_table
from ..text import normalize_text

#: Words that say what kind of body the name is ("Helsingin kaupunki", "Vasa stad"): dropped.
_SUFFIXES = re.compile(
    r"\s+(kunta|kaupunki|kauppala|stad|kommun|köping|municipality|city|town)$"
)
#: A rural municipality is another municipality than the town of the same stem
#: ("Jyväskylän maalaiskunta" is not "Jyväskylä"): kept, as one canonical word.
_RURAL = ((re.compile(r"\b(maalaiskunta|maalaisk|mlk)$"), "mlk"), (re.compile(r"\b(landskommun|lk)$"), "lk"))
#: Letters a name may hold (besides spaces and hyphens, which normalisation turns into spaces).
_NAME_CHARS = re.compile(r"[a-zåäöéüæø ]+")


@dataclass(frozen=True)
class FuzzyThresholds:
    """When a misspelt name is accepted without asking: all of these must hold.

    Defaults are read from ``data/fuzzy_matching.yaml`` (:func:`fuzzy_thresholds`).
    """

    min_similarity: float = 90.0
    min_margin: float = 10.0
    min_length_ratio: float = 0.8
    max_edits: int = 2
    min_length: int = 4
    max_length: int = 40
    suggestions: int = 3


@cache
def fuzzy_thresholds() -> FuzzyThresholds:
    """The documented thresholds of ``data/fuzzy_matching.yaml``."""
    from ..config import load_yaml

    text = resources.files("sote_analytics").joinpath("data/fuzzy_matching.yaml").read_text("utf-8")
    return FuzzyThresholds(**load_yaml(text))


def _read_data_csv(name: str) -> pd.DataFrame:
    text = resources.files("sote_analytics").joinpath(f"data/{name}").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


@cache
def name_forms() -> pd.DataFrame:
    """Earlier names of municipalities that still exist under another name (``data/municipality_name_forms.csv``)."""
    return _read_data_csv("municipality_name_forms.csv")


@cache
def _irregular_genitives() -> dict[str, str]:
    df = _read_data_csv("municipality_genitives.csv")
    return dict(zip(df["name_fi"], df["genitive_fi"], strict=True))


#: Compound endings of Finnish place names and their genitives ("Seinäjoki" -> "Seinäjoen").
_COMPOUND_GENITIVE = (
    ("lampi", "lammen"), ("järvi", "järven"), ("lahti", "lahden"), ("joki", "joen"), ("mäki", "mäen"),
    ("niemi", "niemen"), ("salmi", "salmen"), ("saari", "saaren"), ("vesi", "veden"), ("koski", "kosken"),
    ("kaupunki", "kaupungin"), ("kangas", "kankaan"),
)
#: Consonant gradation before the final vowel ("Kurikka" -> "Kurikan", "Hanko" -> "Hangon").
_GRADATION = (("kk", "k"), ("pp", "p"), ("tt", "t"), ("nk", "ng"), ("ht", "hd"), ("lt", "ll"),
              ("rt", "rr"), ("nt", "nn"), ("mp", "mm"))
_VOWELS = "aeiouyäöå"


def finnish_genitive(name: str) -> str:
    """The Finnish genitive of a municipality name, as in "Helsingin kaupunki".

    Irregular names come from ``data/municipality_genitives.csv``; the rest follow the
    rules of Finnish place names (compound endings, -nen -> -sten, consonant gradation).

    Examples
    --------
    >>> [finnish_genitive(n) for n in ("Helsinki", "Vaasa", "Pedersöre", "Seinäjoki", "Kaskinen", "Turku")]
    ['Helsingin', 'Vaasan', 'Pedersören', 'Seinäjoen', 'Kaskisten', 'Turun']
    """
    irregular = _irregular_genitives()
    if name in irregular:
        return irregular[name]
    low = name.casefold()
    for ending, gen in _COMPOUND_GENITIVE:
        if low.endswith(ending):
            return name[: len(name) - len(ending)] + (gen if name[-len(ending)].islower() else gen.capitalize())
    if low.endswith("nen"):
        return name[:-3] + "sten"
    if low[-1] == "s":
        return name + "ksen"
    if low[-1] not in _VOWELS:
        return name + "in"
    if len(low) >= 2 and low[-2] not in _VOWELS:  # single final vowel: gradation applies
        for strong, weak in _GRADATION:
            if low[:-1].endswith(strong):
                return name[: len(name) - 1 - len(strong)] + weak + name[-1] + "n"
    return name + "n"


def swedish_genitive(name: str) -> str:
    """The Swedish genitive ("Raseborgs stad"): ``name + 's'`` unless it ends in s, x or z."""
    return name if name[-1:].casefold() in "sxz" else name + "s"


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
    >>> normalize_name("JYVÄSKYLÄN MAALAISKUNTA"), normalize_name("Jyväskylä landskommun")
    ('jyväskylän mlk', 'jyväskylä lk')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = normalize_text(value, form="NFKC", casefold=True)
    text = " ".join(_PUNCT.sub(" ", text).split())
    while text.endswith(_SUFFIX_WORDS):  # cheap test first; the pattern decides
        shorter = _SUFFIXES.sub("", text).strip()
        if shorter == text:
            break
        text = shorter
    if text.endswith(("maalaiskunta", "maalaisk", "mlk", "landskommun", "lk")):
        for pattern, canonical in _RURAL:
            text = pattern.sub(canonical, text)
    return text


def ascii_fold(text: str) -> str:
    """Drop diacritics: ``'mäntyharju'`` -> ``'mantyharju'``."""
    if text.isascii():
        return text
    return "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
    )


#: The suggestions of every unresolved value that has none (shared, never mutated).
_NO_SUGGESTIONS: list[str] = []


@dataclass(frozen=True, slots=True)
class Resolution:
    """Result of resolving one raw value.

    ``suggestions`` is a list of ``"Name (code)"`` strings, best first: for an unresolved
    value the nearest municipalities (or, for a municipality that was divided, its
    successors); for a fuzzy match the one accepted.
    """

    code: str | None
    method: str | None
    reason: str | None = None
    suggestions: list[str] = field(default_factory=list)


_CODE = re.compile(r"\d{1,3}")
_VOWEL = re.compile(f"[{_VOWELS}]")
_WORD_SPLIT = re.compile(r"[\s\-]+")
_PUNCT = re.compile(r"[\-‐-―_./,()']")
_SUFFIX_WORDS = ("kunta", "kaupunki", "kauppala", "stad", "kommun", "köping", "municipality", "city", "town")
_SPREADSHEET_NUMBER = re.compile(r"\d{1,3} 0+")


def looks_like_name(raw: object, norm: str, thresholds: FuzzyThresholds | None = None) -> bool:
    """Whether a raw value is shaped like a place name, so that guessing is allowed.

    Letters (with spaces and hyphens) only, a plausible length, at least one vowel, and
    consistent letter case: all lower, all upper, or each word capitalised. Random strings
    such as ``"paIMiZNO"`` or ``"4YLAIMaA"`` fail.

    Examples
    --------
    >>> [looks_like_name(v, normalize_name(v)) for v in ("Jyväskyylä", "HELSINKKI", "paIMiZNO", "4YLAIMaA")]
    [True, True, False, False]
    """
    t = thresholds or fuzzy_thresholds()
    letters = norm.replace(" ", "")
    if not (t.min_length <= len(letters) <= t.max_length) or not _NAME_CHARS.fullmatch(norm):
        return False
    if not _VOWEL.search(letters):
        return False
    text = str(raw)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    for w in _WORD_SPLIT.split(text.strip()):
        core = w if w.isalpha() else "".join(c for c in w if c.isalpha())
        if not core:
            continue
        if not (core.islower() or core.isupper() or (core[0].isupper() and core[1:].islower())):
            return False
    return True


class MunicipalityResolver:
    """Resolve raw municipality values to codes of one key year.

    Name forms known exactly (method ``exact`` or ``swedish``): the key's Finnish, Swedish
    and English names; Finnish genitives ("Helsingin kaupunki", "Pedersören kunta") and
    Swedish genitives ("Raseborgs stad"); earlier names of existing municipalities
    (``data/municipality_name_forms.csv``). Method ``merger``: names and codes of
    municipalities abolished since 1970, followed through later mergers to the key year.
    A name or code that leads to several municipalities of the key (a municipality divided
    between several) is never resolved: it gets the candidates as suggestions.
    Method ``fuzzy``: a misspelling accepted under :class:`FuzzyThresholds`.

    Parameters
    ----------
    key : DataFrame
        The reference key (:attr:`ReferenceData.key`), with ``kunta_code``
        and ``kunta_name_fi/sv/en``.
    year : int
        The key year; mergers effective after it are ignored.
    mergers : DataFrame, optional
        Merger table (default :func:`merger_table`).
    thresholds : FuzzyThresholds, optional
        Default :func:`fuzzy_thresholds`.

    Examples
    --------
    >>> key = pd.DataFrame({"kunta_code": ["091", "507"],
    ...     "kunta_name_fi": ["Helsinki", "Mäntyharju"],
    ...     "kunta_name_sv": ["Helsingfors", "Mäntyharju"],
    ...     "kunta_name_en": ["Helsinki", "Mäntyharju"]})
    >>> r = MunicipalityResolver(key, 2025)
    >>> r.resolve_one("91").code, r.resolve_one("Helsingfors").method, r.resolve_one("HELSINGIN KAUPUNKI").code
    ('091', 'swedish', '091')
    >>> r.resolve_one("Pertunmaa")
    Resolution(code='507', method='merger', reason=None, suggestions=[])
    """

    def __init__(self, key: pd.DataFrame, year: int, mergers: pd.DataFrame | None = None,
                 thresholds: FuzzyThresholds | None = None):
        self.year = int(year)
        self.thresholds = thresholds or fuzzy_thresholds()
        self.codes = set(key["kunta_code"])
        self.name_of = dict(zip(key["kunta_code"], key["kunta_name_fi"], strict=True))
        # variant -> (codes, method); the first method registered for a variant wins
        self._exact: dict[str, tuple[frozenset[str], str]] = {}
        for lang, method in (("fi", "exact"), ("sv", "swedish"), ("en", "exact")):
            for code, name in zip(key["kunta_code"], key[f"kunta_name_{lang}"], strict=True):
                self._add(name, {code}, method)
        for code, name in zip(key["kunta_code"], key["kunta_name_fi"], strict=True):
            if not _SUFFIXES.search(str(name)):  # "Pedersören kunta" is a genitive already
                self._add(finnish_genitive(str(name)), {code}, "exact")
        for code, name in zip(key["kunta_code"], key["kunta_name_sv"], strict=True):
            self._add(swedish_genitive(str(name)), {code}, "swedish")
        for row in name_forms().itertuples(index=False):
            if row.code in self.codes:
                self._add(row.name, {row.code}, "exact")
        mergers = merger_table() if mergers is None else mergers
        self._old_codes: dict[str, frozenset[str]] = {}
        self._merger_names(mergers)

    # ---- building -------------------------------------------------------------------
    def _merger_names(self, mergers: pd.DataFrame) -> None:
        rows = [r for r in mergers.itertuples(index=False) if int(r.effective_year) <= self.year]
        code_of_name = {normalize_name(n): c for c, n in self.name_of.items()}

        def codes(r) -> tuple[str, str]:
            old = str(r.old_code).zfill(3) if _present(r.old_code) else ""
            new = str(r.new_code).zfill(3) if _present(r.new_code) else ""
            return old, new or code_of_name.get(normalize_name(r.new_name_fi), "")

        step: dict[str, set[str]] = {}
        for r in rows:
            old, new = codes(r)
            if old and new and old != new:
                step.setdefault(old, set()).add(new)

        def final(code: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
            if code in self.codes or code not in step:
                return frozenset({code}) if code in self.codes else frozenset()
            if code in seen:
                raise ValueError(f"municipality merger table has a cycle through {code}")
            return frozenset().union(*(final(c, seen | {code}) for c in step[code]))

        targets_of_name: dict[str, set[str]] = {}
        for r in rows:
            old, new = codes(r)
            targets = final(old) if old and old in step else final(new) if new else frozenset()
            if not targets:
                continue
            if old:
                self._old_codes[old] = targets
            for name in (r.old_name_fi, getattr(r, "old_name_sv", "")):
                if _present(name):
                    targets_of_name.setdefault(normalize_name(name), set()).update(targets)
        for norm, targets in targets_of_name.items():
            self._add(norm, targets, "merger", normalized=True)

    def _add(self, name: object, codes: set[str], method: str, normalized: bool = False) -> None:
        norm = str(name) if normalized else normalize_name(name)
        if not norm:
            return
        for variant in {norm, ascii_fold(norm), norm.replace(" ", "")}:
            if variant not in self._exact:
                self._exact[variant] = (frozenset(codes), method)
            elif method != "merger" and self._exact[variant][1] != "merger":
                # two current municipalities share a form: it names neither for certain
                have, m = self._exact[variant]
                self._exact[variant] = (have | frozenset(codes), m)

    @cached_property
    def _choice_list(self) -> list[str]:
        return list(self._choice_codes)

    @cached_property
    def _choice_codes(self) -> dict[str, frozenset[str]]:
        return {v: codes for v, (codes, _) in self._exact.items() if len(v) >= 3}

    def _label(self, code: str) -> str:
        return f"{self.name_of[code]} ({code})"

    # ---- resolving ------------------------------------------------------------------
    def _found(self, codes: frozenset[str], method: str, what: str) -> Resolution:
        if len(codes) == 1:
            return Resolution(next(iter(codes)), method)
        return Resolution(None, None, f"ambiguous municipality {what}: it became part of several "
                          "municipalities", sorted(self._label(c) for c in codes))

    def _exact_or_code(self, norm: str) -> Resolution | None:
        """A code, an exact name form, or None (then only fuzzy matching is left)."""
        if not norm:
            return Resolution(None, None, "municipality missing")
        if _SPREADSHEET_NUMBER.fullmatch(norm):  # "91.0" from a spreadsheet number
            norm = norm.split(" ")[0]
        if _CODE.fullmatch(norm):
            code = norm.zfill(3)
            if code in self.codes:
                return Resolution(code, "code")
            if code in self._old_codes:
                return self._found(self._old_codes[code], "merger", f"code {code}")
            return Resolution(None, None, f"unknown municipality code {code}")
        for variant in (norm, ascii_fold(norm), norm.replace(" ", "")):
            if variant in self._exact:
                codes, method = self._exact[variant]
                return self._found(codes, method, repr(norm))
        return None

    def resolve_one(self, value: object) -> Resolution:
        """Resolve one raw value (code or name)."""
        norm = normalize_name(value)
        found = self._exact_or_code(norm)
        if found is not None:
            return found
        if not looks_like_name(value, norm, self.thresholds):  # noise: no guess, no suggestions
            return Resolution(None, None, f"unknown municipality {norm!r}")
        return self._fuzzy(value, norm)

    def _fuzzy(self, raw: object, norm: str, hits: list | None = None) -> Resolution:
        """Fuzzy matching of a value shaped like a name (``hits``: precomputed candidates, best first)."""
        from rapidfuzz import fuzz, process
        from rapidfuzz.distance import Levenshtein

        t = self.thresholds
        reason = f"unknown municipality {norm!r}"
        choices = self._choice_codes
        if hits is None:
            hits = process.extract(norm, self._choice_list, scorer=fuzz.ratio, limit=15)
        best_by_code: dict[str, tuple[float, str]] = {}
        for choice, score, _ in hits:
            for code in choices[choice]:
                if score > best_by_code.get(code, (-1.0, ""))[0]:
                    best_by_code[code] = (score, choice)
        ranked = sorted(best_by_code.items(), key=lambda kv: (-kv[1][0], kv[0]))
        suggestions = [self._label(c) for c, _ in ranked[: t.suggestions]]
        if not ranked:
            return Resolution(None, None, reason, suggestions)
        best_code, (best, choice) = ranked[0]
        second = ranked[1][1][0] if len(ranked) > 1 else 0.0
        rural = {"mlk", "lk"}
        ok = (
            best >= t.min_similarity
            and best - second >= t.min_margin
            and min(len(norm), len(choice)) / max(len(norm), len(choice)) >= t.min_length_ratio
            and Levenshtein.distance(norm, choice) <= t.max_edits
            and bool(rural & set(norm.split())) == bool(rural & set(choice.split()))
            and len(choices[choice]) == 1
        )
        if ok:
            return Resolution(best_code, "fuzzy", None, suggestions[:1])
        return Resolution(None, None, reason, suggestions)

    def _fuzzy_batch(self, todo: list[tuple[object, str]], chunk: int = 4000) -> list[Resolution]:
        """Fuzzy matching of many name-shaped values: candidates from one multi-threaded
        ``rapidfuzz.process.cdist`` per chunk (the same top 15 as ``process.extract``)."""
        import numpy as np
        from rapidfuzz import fuzz, process

        choices = self._choice_list
        k = min(15, len(choices))
        out: list[Resolution] = []
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            scores = process.cdist([n for _, n in part], choices, scorer=fuzz.ratio, dtype=np.float32, workers=-1)
            top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
            for i, (raw, norm) in enumerate(part):
                idx = top[i][np.argsort(-scores[i, top[i]], kind="stable")]
                out.append(self._fuzzy(raw, norm, [(choices[j], float(scores[i, j]), int(j)) for j in idx]))
        return out

    def resolve(self, values: pd.Series) -> pd.DataFrame:
        """Resolve a column; each distinct value is resolved once.

        Codes and exact name forms first; values shaped like a name that match none go to fuzzy
        matching in batches; other noise is unknown with no guess.

        Returns a frame aligned with ``values`` with columns ``municipality_code``,
        ``resolution_method``, ``resolution_error`` and ``suggestions`` (a list per row,
        empty when there is none).
        """
        uniques = pd.unique(values.astype("object"))
        table: dict[object, Resolution] = {}
        todo: list[tuple[object, str]] = []
        for v in uniques:
            norm = normalize_name(v)
            found = self._exact_or_code(norm)
            if found is not None:
                table[v] = found
            elif looks_like_name(v, norm, self.thresholds):
                todo.append((v, norm))
            else:
                table[v] = Resolution(None, None, f"unknown municipality {norm!r}", _NO_SUGGESTIONS)
        table.update(zip([v for v, _ in todo], self._fuzzy_batch(todo), strict=True))
        res = [table[v] if v in table else self.resolve_one(v) for v in values.astype("object")]
        return pd.DataFrame(
            {
                "municipality_code": pd.array([r.code for r in res], dtype="string"),
                "resolution_method": pd.array([r.method for r in res], dtype="string"),
                "resolution_error": pd.array([r.reason for r in res], dtype="string"),
                # one list per distinct value, shared by its rows (read-only): 700,000 noise rows stay small
                "suggestions": pd.Series([r.suggestions for r in res], dtype="object").to_numpy(),
            },
            index=values.index,
        )


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and str(value).strip() != ""
