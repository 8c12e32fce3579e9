"""Areas of operation (toiminta-alue, verksamhetsområde): a text into the municipalities it covers.

A directory of national and district organisations rarely gives a domicile;
it gives an area of operation: a list of municipalities ("Jyväskylä, Muurame ja
Laukaa"), an area of any level in Finnish or Swedish ("Keski-Suomi",
"Pohjois-Savon hyvinvointialue", "Jyväskylän seutu", "Österbotten"), the
whole country ("Koko Suomi", "valtakunnallinen", "hela Finland"), or "Svenskfinland"
(the bilingual and Swedish-speaking municipalities by the key's language status). Each part is
resolved with the same municipality resolver as the domicile (mergers, genitive
and Swedish forms included), then against the area names of every level; the
words for the whole country are data (``data/operating_area_words.yaml``).

Result per value: the municipality codes of the key year (``|``-separated), the
level (``kunta``, ``seutukunta``, ``maakunta``, ``hyvinvointialue``,
``yhteistyoalue``, ``koko_maa`` or ``list``) and the parts that could not be
resolved (reported per row, never dropped silently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from ..config import load_yaml
from ..text import normalize_text
from .municipalities import MunicipalityResolver

_SPLIT = re.compile(r"\s*(?:[,;|/\n+&]|\s(?:ja|och|and|sekä|samt)\s)\s*", re.IGNORECASE)
#: Levels whose names an area of operation may use, from the largest down.
AREA_LEVELS = ("yhteistyoalue", "hyvinvointialue", "maakunta")


@cache
def _words() -> dict:
    text = resources.files("sote_analytics").joinpath("data/operating_area_words.yaml").read_text("utf-8")
    return load_yaml(text)


def _key(text: object) -> str:
    s = normalize_text(text, form="NFKC", casefold=True)
    s = re.sub(r"[\-‐-―_.()']", " ", s)
    return re.sub(r"\s+", " ", s).strip()


@dataclass
class OperatingArea:
    """One resolved area of operation."""

    codes: list[str] = field(default_factory=list)
    level: str | None = None
    unresolved: list[str] = field(default_factory=list)


class OperatingAreaResolver:
    """Resolve areas of operation against the reference of one key year.

    Examples
    --------
    >>> r = OperatingAreaResolver(ref)
    >>> a = r.resolve_one("Keski-Suomi")
    >>> a.level, len(a.codes)
    ('maakunta', 22)
    """

    def __init__(self, ref, municipalities: MunicipalityResolver | None = None):
        self.ref = ref
        self.key = ref.key
        self.municipalities = municipalities or MunicipalityResolver(ref.key, ref.year, ref.mergers)
        words = _words()
        self.national = {_key(w) for w in words["national"]}
        self.swedish = {_key(w) for w in words["swedish_finland"]["words"]}
        self.swedish_status = {str(c) for c in words["swedish_finland"]["language_status_codes"]}
        self.suffixes = {lvl: [_key(s) for s in sfx] for lvl, sfx in words["level_suffixes"].items()}
        self.areas: dict[str, tuple[str, str]] = {}
        for lvl in AREA_LEVELS:
            areas = self.ref.areas(lvl)
            for row in areas.itertuples(index=False):
                for name in (row.name_fi, row.name_sv):
                    k = _key(name)
                    self.areas.setdefault(k, (lvl, str(row.code)))
                    for sfx in self.suffixes.get(lvl, []):  # "keski suomen hyvinvointialue" -> "keski suomen"
                        if k.endswith(" " + sfx):
                            self.areas.setdefault(k[: -len(sfx) - 1], (lvl, str(row.code)))
        self._cache: dict[str, OperatingArea] = {}

    def _members(self, level: str, code: str) -> list[str]:
        return sorted(self.key.loc[self.key[f"{level}_code"] == code, "kunta_code"].astype(str))

    def _part(self, part: str) -> tuple[str, list[str]] | None:
        """(level, codes) of one part, or None; an area of one municipality (Helsinki) is that municipality."""
        found = self._part_any(part)
        if found is not None and len(found[1]) == 1:
            return "kunta", found[1]
        return found

    def _part_any(self, part: str) -> tuple[str, list[str]] | None:
        k = _key(part)
        if not k:
            return None
        if k in self.national:
            return "koko_maa", sorted(self.key["kunta_code"].astype(str))
        if k in self.swedish and "kielisuhde_code" in self.key:
            sel = self.key["kielisuhde_code"].astype(str).isin(self.swedish_status)
            return "list", sorted(self.key.loc[sel, "kunta_code"].astype(str))
        if k in self.areas:
            lvl, code = self.areas[k]
            return lvl, self._members(lvl, code)
        for lvl, sfx_list in self.suffixes.items():  # "Jyväskylän seutu", "Keski-Suomen maakunta"
            for sfx in sfx_list:
                if k.endswith(" " + sfx):
                    stem = k[: -len(sfx) - 1]
                    if lvl == "seutukunta":
                        res = self.municipalities.resolve_one(stem)
                        if not res.code and stem.endswith("s"):  # Swedish genitive: "Jakobstads"
                            res = self.municipalities.resolve_one(stem[:-1])
                        if res.code:
                            sub = str(self.key.loc[self.key["kunta_code"] == res.code, "seutukunta_code"].iloc[0])
                            return "seutukunta", self._members("seutukunta", sub)
                    elif stem in self.areas:
                        alvl, code = self.areas[stem]
                        return alvl, self._members(alvl, code)
        res = self.municipalities.resolve_one(part)
        if res.code:
            return "kunta", [res.code]
        return None

    def resolve_one(self, value: object) -> OperatingArea:
        """Resolve one area-of-operation text (missing -> empty result)."""
        text = normalize_text(value)
        if not text:
            return OperatingArea()
        if text in self._cache:
            return self._cache[text]
        parts = [p for p in _SPLIT.split(text) if p and p.strip()]
        codes: set[str] = set()
        levels: list[str] = []
        unresolved: list[str] = []
        whole = self._part(text) if len(parts) > 1 else None  # "Turun ja Porin" is rare; a full name wins
        for lvl, cs in ([whole] if whole else [p for p in (self._part(x) for x in parts) if p is not None]):
            codes.update(cs)
            levels.append(lvl)
        if not whole:
            unresolved = [x.strip() for x in parts if self._part(x) is None]
        if "koko_maa" in levels:
            level = "koko_maa"
        elif len(levels) == 1 or (len(set(levels)) == 1 and levels[0] != "kunta"):
            level = levels[0]  # one area, or several of one level ("Kanta-Häme | Päijät-Häme")
        elif levels:
            level = "list"
        else:
            level = None
        if level is not None and len(codes) == 1:  # "Piikkiö, Kaarina": one municipality since 2009
            level = "kunta"
        out = OperatingArea(sorted(codes), level, unresolved)
        self._cache[text] = out
        return out

    def resolve(self, values: pd.Series) -> pd.DataFrame:
        """Resolve a column: ``operating_area_codes``, ``operating_area_level``, ``operating_area_unresolved``."""
        uniques = {v: self.resolve_one(v) for v in pd.unique(values.astype("object"))}
        rows = [uniques[v] if v in uniques else self.resolve_one(v) for v in values.astype("object")]
        return pd.DataFrame({
            "operating_area_codes": pd.array(["|".join(r.codes) if r.codes else None for r in rows], dtype="string"),
            "operating_area_level": pd.array([r.level for r in rows], dtype="string"),
            "operating_area_unresolved": pd.array(["; ".join(r.unresolved) if r.unresolved else None for r in rows],
                                                  dtype="string"),
        }, index=values.index)


#: Organisation type implied by the level of the area of operation.
LEVEL_ORG_TYPE = {"koko_maa": "national", "yhteistyoalue": "district", "hyvinvointialue": "district",
                  "maakunta": "district"}

#: Levels of an area a district organisation's name can give ("Keski-Suomen Omaishoitajat ry").
DISTRICT_LEVELS = ("yhteistyoalue", "hyvinvointialue", "maakunta", "seutukunta")


def infer_district_areas(register: pd.DataFrame, ref, resolver: OperatingAreaResolver | None = None) -> pd.DataFrame:
    """Give a district organisation without an area of operation the area its name or domicile says.

    "Keski-Suomen Monikkoperheet ry" gets Keski-Suomi (the area named at the start of the name);
    a district organisation whose name names no area gets its domicile's wellbeing services
    county. Both are marked in ``operating_area_inferred`` (``name`` or ``domicile``), so that the
    reports can say the area was inferred; nothing is changed where the source gave an area.

    Parameters
    ----------
    register : DataFrame
        Classified register (``name``, ``org_type``, ``municipality_code``, ``operating_area_codes``,
        ``operating_area_level``).
    ref : ReferenceData

    Returns
    -------
    DataFrame
        A copy with the inferred areas and the ``operating_area_inferred`` column.

    Examples
    --------
    >>> from sote_analytics.reference import load_reference
    >>> ref = load_reference(2025)
    >>> reg = pd.DataFrame({"name": ["Keski-Suomen Monikkoperheet ry", "Kriisikeskus Mobile ry"],
    ...                     "org_type": ["district", "district"], "municipality_code": ["179", "179"],
    ...                     "operating_area_codes": pd.array([None, None], dtype="string"),
    ...                     "operating_area_level": pd.array([None, None], dtype="string")})
    >>> out = infer_district_areas(reg, ref)
    >>> out["operating_area_level"].tolist(), out["operating_area_inferred"].tolist()
    (['hyvinvointialue', 'hyvinvointialue'], ['name', 'domicile'])
    """
    reg = register.copy()
    codes = reg.get("operating_area_codes", pd.Series(pd.NA, index=reg.index)).astype("string")
    levels = reg.get("operating_area_level", pd.Series(pd.NA, index=reg.index)).astype("string")
    inferred = pd.Series(pd.NA, index=reg.index, dtype="string")
    todo = (reg["org_type"].astype(str) == "district").to_numpy() & codes.isna().to_numpy()
    if todo.any():
        resolver = resolver or OperatingAreaResolver(ref)
        key = ref.key.set_index("kunta_code")
        for i in np.flatnonzero(todo):
            name = str(reg["name"].iat[i])
            found = None
            words = name.replace("–", " ").split()
            for k in (3, 2, 1):  # the longest area name at the start of the name
                if len(words) > k:
                    a = resolver.resolve_one(" ".join(words[:k]))
                    if a.level in DISTRICT_LEVELS and a.codes and not a.unresolved:
                        found = (a, "name")
                        break
            if found is None:
                mun = reg["municipality_code"].iat[i]
                if isinstance(mun, str) and mun in key.index:
                    hva = str(key.at[mun, "hyvinvointialue_code"])
                    members = sorted(ref.key.loc[ref.key["hyvinvointialue_code"].astype(str) == hva,
                                                 "kunta_code"].astype(str))
                    found = (OperatingArea(members, "hyvinvointialue"), "domicile")
            if found is not None:
                area, how = found
                codes.iat[i] = "|".join(area.codes)
                levels.iat[i] = area.level
                inferred.iat[i] = how
    reg["operating_area_codes"], reg["operating_area_level"] = codes, levels
    reg["operating_area_inferred"] = inferred
    return reg
