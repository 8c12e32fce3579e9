"""What a register covers: the areas its figures speak for.

A regional lead's file lists one wellbeing services county's associations; PRH's open
register lists the whole country. Figures, ranks and comparisons with "the country" mean
something only inside what the file covers, so every run decides its **scope** once:

- given by the user (``--scope hyvinvointialue:15``, ``--scope maakunta:13,12``,
  ``--scope koko_maa``), or
- inferred from the register: a wellbeing services county is covered when the file has
  associations of its own there (local associations by domicile and district organisations
  whose area of operation lies within it) in at least :data:`MIN_MUNICIPALITY_SHARE` of its
  municipalities, or at least :data:`MIN_SHARE_OF_FILE` of the file's located associations.
  National organisations cover no county by themselves. A file that covers
  :data:`NATIONAL_COUNTIES` counties or more is national.

The scope is a set of municipalities. An area of any level is covered when most of its
inhabitants live in covered municipalities; only covered areas get a report, and ranks and
comparisons use only covered areas (or official figures, :mod:`.sources.official_counts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import SoteAnalyticsError

#: Share of a county's municipalities with an association of the file that makes it covered.
MIN_MUNICIPALITY_SHARE = 0.25
#: Share of the file's located associations in a county that makes it covered by itself.
MIN_SHARE_OF_FILE = 0.10
#: Covered counties from which a file is national (of 23 areas: 21 counties, Helsinki, Åland).
NATIONAL_COUNTIES = 18
#: Share of an area's inhabitants in covered municipalities from which the area is covered.
MIN_POPULATION_SHARE = 0.5
BASE_LEVEL = "hyvinvointialue"
#: Covered areas per scope and (reference, level): a report asks several times, the answer does not change.
_COVERED: dict = {}


class ScopeError(SoteAnalyticsError, ValueError):
    """A ``--scope`` or ``--within`` value that names no area; the message lists the valid forms."""


@dataclass(frozen=True)
class Scope:
    """The municipalities a register covers, and how that was decided.

    Parameters
    ----------
    municipalities : frozenset of str
        The covered municipality codes.
    national : bool
        The whole country.
    areas : tuple of (str, str)
        The covered areas, ``(level, code)``.
    how : {"inferred", "given"}
    outside : int
        Associations of the file outside the scope.
    details : dict
        How an inferred scope was decided (counts of counties).

    Examples
    --------
    >>> s = Scope(frozenset({"179", "249"}), False, (("kunta", "179"), ("kunta", "249")), "given")
    >>> s.label(ref), s.covers(ref, "kunta", "249")
    ('Jyväskylä, Keuruu', True)
    """

    municipalities: frozenset[str]
    national: bool
    #: ``[(level, code), ...]`` of the covered areas as given or inferred (counties when inferred).
    areas: tuple[tuple[str, str], ...] = ()
    how: str = "inferred"  # inferred | given
    #: Associations of the file outside the scope (they are in the figures of their own areas).
    outside: int = 0
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-serialisable (``run.json``).

        Returns
        -------
        dict
            ``national``, ``areas``, ``how``, ``municipalities`` (sorted), ``outside`` and the details.

        Examples
        --------
        >>> Scope(frozenset({"179"}), False, (("kunta", "179"),), "given").to_dict()
        {'national': False, 'areas': [['kunta', '179']], 'how': 'given', 'municipalities': ['179'], 'outside': 0}
        """
        return {"national": self.national, "areas": [list(a) for a in self.areas], "how": self.how,
                "municipalities": sorted(self.municipalities), "outside": self.outside, **self.details}

    @classmethod
    def from_dict(cls, d: dict | None, ref) -> Scope:
        """The scope of ``run.json``; a run without one (older runs, the demo) covers the country.

        Parameters
        ----------
        d : dict or None
            What :meth:`to_dict` wrote.
        ref : ReferenceData
            For the national scope.

        Returns
        -------
        Scope

        Examples
        --------
        >>> s = given_scope("maakunta:13", ref)
        >>> Scope.from_dict(s.to_dict(), ref) == s, Scope.from_dict(None, ref).national
        (True, True)
        """
        if not d:
            return national_scope(ref)
        return cls(frozenset(d.get("municipalities", [])), bool(d.get("national")),
                   tuple(tuple(a) for a in d.get("areas", [])), d.get("how", "inferred"), int(d.get("outside", 0)),
                   {k: v for k, v in d.items() if k not in ("national", "areas", "how", "municipalities", "outside")})

    def covers(self, ref, level: str, code: str) -> bool:
        """True when most of the area's inhabitants live in covered municipalities.

        Parameters
        ----------
        ref : ReferenceData
        level, code : str
            The area.

        Returns
        -------
        bool

        Examples
        --------
        >>> s = given_scope("hyvinvointialue:15", ref)
        >>> s.covers(ref, "maakunta", "13"), s.covers(ref, "maakunta", "1")
        (True, False)
        """
        return self.national or str(code) in set(self.covered_areas(ref, level))

    def covered_areas(self, ref, level: str) -> list[str]:
        """The codes of the covered areas of ``level``, in the reference's order: the areas most of whose
        inhabitants (or, without population, most of whose municipalities) are in the scope.

        Parameters
        ----------
        ref : ReferenceData
        level : str

        Returns
        -------
        list of str
            Area codes (cached per scope, level and reference).

        Examples
        --------
        >>> given_scope("maakunta:13", ref).covered_areas(ref, "hyvinvointialue")
        ['15']
        """
        codes = ref.areas(level)["code"].astype(str).tolist()
        if self.national:
            return codes
        key = (self.municipalities, level, str(getattr(ref, "folder", "")), getattr(ref, "year", None))
        if key in _COVERED:
            return list(_COVERED[key])
        mun = ref.key["kunta_code"].astype(str)
        area = mun.map({str(k): str(v) for k, v in ref.area_of(level).items()})
        pop = ref.population.reindex(mun).fillna(0).to_numpy(dtype=float)
        inside = mun.isin(self.municipalities).to_numpy()
        frame = pd.DataFrame({"area": area.to_numpy(), "pop": pop, "in_pop": pop * inside,
                              "n": 1.0, "in_n": inside.astype(float)})
        g = frame.groupby("area").sum()
        share = (g["in_pop"] / g["pop"]).where(g["pop"] > 0, g["in_n"] / g["n"])
        ok = set(share.index[share >= MIN_POPULATION_SHARE])
        out = [c for c in codes if c in ok]
        _COVERED[key] = out
        return list(out)

    def label(self, ref, language: str = "fi") -> str:
        """The covered areas by name ("Keski-Suomen hyvinvointialue"), or the whole country.

        Parameters
        ----------
        ref : ReferenceData
        language : {"fi", "sv", "en"}
            Swedish names for ``sv``; Finnish otherwise.

        Returns
        -------
        str
            The names joined by ", ".

        Examples
        --------
        >>> given_scope("hyvinvointialue:15", ref).label(ref), national_scope(ref).label(ref)
        ('Keski-Suomen hyvinvointialue', 'Koko maa')
        """
        from ..i18n import t

        if self.national:
            return t("country", language)
        names = []
        for level, code in self.areas:
            col = "name_sv" if language == "sv" else "name_fi"
            a = ref.areas(level).set_index("code")
            names.append(str(a.at[code, col] if col in a else a.at[code, "name_fi"]))
        return ", ".join(names)


def national_scope(ref) -> Scope:
    """The whole country.

    Parameters
    ----------
    ref : ReferenceData

    Returns
    -------
    Scope
        Every municipality of the key, ``national=True``, the area ``("koko_maa", "SSS")``.

    Examples
    --------
    >>> s = national_scope(ref)
    >>> s.national, s.areas, len(s.municipalities), s.label(ref, "en")
    (True, (('koko_maa', 'SSS'),), 308, 'Whole country')
    """
    return Scope(frozenset(ref.key["kunta_code"].astype(str)), True, (("koko_maa", "SSS"),), "given")


def parse_areas(text: str, ref, option: str = "--scope") -> tuple[tuple[str, str], ...]:
    """``"hyvinvointialue:15"``, ``"maakunta:13,12"``, ``"koko_maa"`` -> ``(("hyvinvointialue", "15"), ...)``.

    Parameters
    ----------
    text : str
        ``LEVEL:CODE[,CODE...]`` or ``koko_maa``; a municipality code may drop its leading zeros.
    ref : ReferenceData
        The valid codes of each level.
    option : str
        The option named in the error message (``--scope``, ``--within``).

    Returns
    -------
    tuple of (str, str)
        ``(level, code)`` per area given.

    Raises
    ------
    ScopeError
        For an unknown level or code; the message lists the valid forms.

    Examples
    --------
    >>> from sote_analytics.reference import load_reference
    >>> parse_areas("hyvinvointialue:15", load_reference(2025))
    (('hyvinvointialue', '15'),)
    >>> parse_areas("kunta:91,179", ref), parse_areas("koko_maa", ref)
    ((('kunta', '091'), ('kunta', '179')), (('koko_maa', 'SSS'),))
    >>> parse_areas("maakunta:99", ref)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sote_analytics.indicators.scope.ScopeError: --scope 'maakunta:99': maakunta has no area '99'; codes: 1, 10, 11, ...
    """
    from ..reference import area_levels

    text = str(text).strip()
    levels = [lvl.id for lvl in area_levels()]
    if text in ("koko_maa", "koko_maa:SSS", "SSS"):
        return (("koko_maa", "SSS"),)
    level, _, codes = text.partition(":")
    if level not in levels or not codes:
        raise ScopeError(f"{option} {text!r}: give LEVEL:CODE[,CODE...] (e.g. hyvinvointialue:15, kunta:179,297) "
                         f"or koko_maa; levels: {', '.join(levels)}")
    valid = set(ref.areas(level)["code"].astype(str))
    out = []
    for code in [c.strip() for c in codes.split(",") if c.strip()]:
        if code not in valid and code.zfill(3) in valid and level == "kunta":
            code = code.zfill(3)
        if code not in valid:
            raise ScopeError(f"{option} {text!r}: {level} has no area {code!r}; codes: "
                             f"{', '.join(sorted(valid)[:30])}{' …' if len(valid) > 30 else ''}")
        out.append((level, code))
    return tuple(out)


def _municipalities(areas, ref) -> frozenset[str]:
    out: set[str] = set()
    for level, code in areas:
        out |= set(ref.members(level, code)["kunta_code"].astype(str))
    return frozenset(out)


def given_scope(text: str, ref, register: pd.DataFrame | None = None) -> Scope:
    """The scope the user gave (``--scope``).

    Parameters
    ----------
    text : str
        As for :func:`parse_areas`.
    ref : ReferenceData
    register : DataFrame, optional
        The register, to count its associations outside the scope.

    Returns
    -------
    Scope
        The areas' municipalities, ``how="given"``; :func:`national_scope` for ``koko_maa``.

    Examples
    --------
    >>> s = given_scope("maakunta:13", ref, register)
    >>> s.how, s.national, len(s.municipalities), s.outside, s.label(ref)
    ('given', False, 22, 2, 'Keski-Suomi')
    """
    areas = parse_areas(text, ref)
    if areas == (("koko_maa", "SSS"),):
        return national_scope(ref)
    mun = _municipalities(areas, ref)
    return Scope(mun, False, areas, "given", _outside(register, mun) if register is not None else 0)


def _home(register: pd.DataFrame) -> pd.DataFrame:
    """(association, municipality) pairs where the file has associations of its own: the domicile of a
    local association, every municipality of a district organisation's area of operation."""
    from .engine import location

    org = register.get("org_type", pd.Series("local", index=register.index)).astype("string").fillna("local")
    sote = ~register.get("sector", pd.Series("", index=register.index)).astype(str).isin(["not_sote"])
    reg = register[sote.to_numpy()]
    org = org[sote.to_numpy()]
    loc = location(reg)
    local = pd.DataFrame({"id": range(len(reg)), "kunta_code": loc.to_numpy()})[(org != "national").to_numpy()]
    rows = [local.dropna()]
    if "operating_area_codes" in reg:
        district = reg[(org == "district").to_numpy() & reg["operating_area_codes"].notna().to_numpy()]
        if len(district):
            ids = [i for i, m in zip(range(len(reg)), (org == "district").to_numpy()
                                     & reg["operating_area_codes"].notna().to_numpy(), strict=True) if m]
            codes = district["operating_area_codes"].astype(str).str.split("|")
            rows.append(pd.DataFrame({"id": ids, "kunta_code": codes.to_numpy()}).explode("kunta_code"))
    return pd.concat(rows, ignore_index=True)


def _outside(register: pd.DataFrame, municipalities: frozenset[str]) -> int:
    from .engine import location

    loc = location(register)
    return int((loc.notna() & ~loc.isin(municipalities)).sum())


def infer_scope(register: pd.DataFrame, ref) -> Scope:
    """The counties the register covers (see the module docstring), or the whole country.

    Parameters
    ----------
    register : DataFrame
        The classified register (``municipality_code``, ``sector``, ``org_type``; the areas of operation
        of district organisations when present).
    ref : ReferenceData

    Returns
    -------
    Scope
        ``how="inferred"``: the covered wellbeing services counties, or the country when the file
        covers enough counties or none of its own; ``details`` counts the counties.

    Examples
    --------
    >>> from sote_analytics.reference import load_reference
    >>> ref = load_reference(2025)
    >>> mun = ref.members("hyvinvointialue", "15")["kunta_code"].tolist()
    >>> reg = pd.DataFrame({"municipality_code": mun, "sector": "elderly", "org_type": "local"})
    >>> s = infer_scope(reg, ref)
    >>> s.national, s.areas, s.covers(ref, "kunta", "179"), s.covers(ref, "kunta", "091")
    (False, (('hyvinvointialue', '15'),), True, False)
    """
    home = _home(register)
    key = ref.key.assign(kunta_code=ref.key["kunta_code"].astype(str))
    county_of = key.set_index("kunta_code")[f"{BASE_LEVEL}_code"].astype(str)
    home = home[home["kunta_code"].isin(county_of.index)]
    home = home.assign(county=home["kunta_code"].map(county_of))
    n_mun = key.groupby(f"{BASE_LEVEL}_code")["kunta_code"].size()
    n_mun.index = n_mun.index.astype(str)
    with_assoc = home.drop_duplicates(["county", "kunta_code"]).groupby("county").size()
    located = max(int(home["id"].nunique()), 1)
    share_of_file = home.drop_duplicates(["id", "county"]).groupby("county")["id"].nunique() / located
    covered = sorted({c for c in n_mun.index
                      if with_assoc.get(c, 0) / n_mun[c] >= MIN_MUNICIPALITY_SHARE
                      or share_of_file.get(c, 0.0) >= MIN_SHARE_OF_FILE},
                     key=lambda c: ref.areas(BASE_LEVEL)["code"].astype(str).tolist().index(c))
    details = {"counties_with_associations": len(with_assoc), "counties_covered": len(covered)}
    if len(covered) >= NATIONAL_COUNTIES or (len(register) and not covered):
        # a file with no county of its own (national organisations only) speaks for the country
        return Scope(frozenset(key["kunta_code"]), True, (("koko_maa", "SSS"),), "inferred", 0, details)
    areas = tuple((BASE_LEVEL, c) for c in covered)
    mun = _municipalities(areas, ref)
    return Scope(mun, False, areas, "inferred", _outside(register, mun), details)


def within_areas(text: str | None, ref, level: str) -> list[str] | None:
    """The areas of ``level`` inside ``--within LEVEL:CODE`` (most of their inhabitants inside), or None.

    Parameters
    ----------
    text : str or None
        As for :func:`parse_areas`; None or "" for no restriction.
    ref : ReferenceData
    level : str
        The level of the areas wanted.

    Returns
    -------
    list of str or None
        Area codes in the reference's order, or None without ``text``.

    Examples
    --------
    >>> within_areas("hyvinvointialue:15", ref, "seutukunta")
    ['131', '132', '133', '134', '135', '138']
    >>> within_areas(None, ref, "kunta") is None
    True
    """
    if not text:
        return None
    areas = parse_areas(text, ref, "--within")
    if areas == (("koko_maa", "SSS"),):
        return ref.areas(level)["code"].astype(str).tolist()
    inside = Scope(_municipalities(areas, ref), False, areas, "given")
    return inside.covered_areas(ref, level)
