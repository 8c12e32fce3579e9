"""Read reference geography from a folder: key, boundaries, population, mergers.

A reference folder has the layout of ``../shared/reference/`` (and of the cache
that ``sote-analytics reference fetch`` writes, and of the compact snapshot embedded
in the package, ``data/reference_snapshot/``)::

    municipality_key_<year>.csv                 one row per municipality
    municipalities_<year>_<source>.geojson      municipal boundaries (NATCODE)
    population_by_municipality_<y0>_<y1>.csv    year, municipality_code, population
    municipality_mergers_<y0>_<y1>.csv          old_code, new_code, effective_year, ...
    population_by_age_<year>.csv                optional: kunta_code, age_group, population
                                                (31 Dec; age_group one of AGE_GROUPS)

Nothing here downloads anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from io import StringIO
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import SoteAnalyticsError
from ..i18n import LANGUAGES
from .cache import cache_is_complete
from .levels import AreaLevel, area_levels, get_level


class ReferenceDataError(SoteAnalyticsError, RuntimeError):
    """Reference data are missing, inconsistent or cannot be reconciled."""


class ReferenceNotFoundError(ReferenceDataError):
    """No reference folder or cache could be found."""


#: Age groups of ``population_by_age_<year>.csv``: id -> (first age, last age or None).
AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "0_17": (0, 17), "18_64": (18, 64), "65_plus": (65, None), "75_plus": (75, None)}

_HOW_TO_FIX = (
    "Either download it from the official services with\n"
    "    sote-analytics reference fetch --year {year}\n"
    "(needs network; writes {cache}), or point to a local folder in the same format with\n"
    "    SOTE_REFERENCE_DIR=/path/to/reference   or   --reference-dir /path/to/reference\n"
    "(for example ../shared/reference)."
)


@dataclass(frozen=True)
class ReferenceOrigin:
    """Where the reference data of a run came from.

    Parameters
    ----------
    kind : str
        ``reference-dir`` (the option), ``env`` (``$SOTE_REFERENCE_DIR``), ``cache``
        (a complete ``reference fetch``) or ``embedded`` (the snapshot in the package).
    folder : Path
    date : str or None
        When the data were retrieved (cache) or the snapshot built (embedded).
    detail : str
        Anything else worth saying, e.g. why a partial cache was passed over.
    """

    kind: str
    folder: Path
    date: str | None = None
    detail: str = ""

    def describe(self) -> str:
        """One sentence for the report's data section."""
        what = {
            "reference-dir": f"the folder {self.folder} (--reference-dir)",
            "env": f"the folder {self.folder} (${config.REFERENCE_DIR_ENV})",
            "cache": f"the official services, fetched into {self.folder}",
            "embedded": "the compact snapshot embedded in the package",
        }[self.kind]
        verb = {"cache": "fetched", "embedded": "built"}.get(self.kind, "dated")
        when = f", {verb} {self.date}" if self.date else ""
        return f"Reference data: {what}{when}." + (f" {self.detail}" if self.detail else "")


def _snapshot_date(folder: Path) -> str | None:
    import json

    for name, keys in (("manifest.json", ("retrieved", "built")), ("snapshot.json", ("built",))):
        path = folder / name
        if path.is_file():
            try:
                meta = json.loads(path.read_text("utf-8"))
            except ValueError:
                return None
            for k in keys:
                if meta.get(k):
                    return str(meta[k])[:10]
            dates = [p.get("retrieved", "") for p in meta.get("parts", {}).values()]
            return min(dates)[:10] if dates and all(dates) else None
    return None


def resolve_reference(
    reference_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
    year: int = config.DEFAULT_YEAR,
    embedded_dir: Path | str | None = None,
) -> ReferenceOrigin:
    """Choose the folder to read reference data from, and say why.

    The order is: ``reference_dir`` if given; else ``$SOTE_REFERENCE_DIR``; else the
    download cache (``data/raw/reference/``) if its manifest says complete for
    ``year``; else the snapshot embedded in the package. A partial cache is never
    taken for a complete one.

    Raises
    ------
    ReferenceNotFoundError
        With a message that says how to get the data.
    """
    cache = Path(cache_dir) if cache_dir else config.default_paths().reference_cache
    if reference_dir:
        kind, chosen = "reference-dir", Path(reference_dir)
    else:
        env = config.reference_dir_from_env()
        kind, chosen = ("env", env) if env is not None else ("", None)
    if chosen is not None:
        if not chosen.is_dir():
            raise ReferenceNotFoundError(
                f"Reference folder {chosen} does not exist.\n"
                + _HOW_TO_FIX.format(year=year, cache=cache)
            )
        if chosen.resolve() == config.embedded_reference_dir().resolve():
            kind = "embedded"  # handed on by a previous stage of the same run
        return ReferenceOrigin(kind, chosen, _snapshot_date(chosen))
    detail = ""
    if (cache / "manifest.json").is_file():
        ok, why = cache_is_complete(cache, int(year))
        if ok:
            return ReferenceOrigin("cache", cache, _snapshot_date(cache))
        detail = f"The download cache {cache} was not used: {why}."
    embedded = Path(embedded_dir) if embedded_dir else config.embedded_reference_dir()
    if (embedded / f"municipality_key_{year}.csv").is_file():
        return ReferenceOrigin("embedded", embedded, _snapshot_date(embedded), detail)
    raise ReferenceNotFoundError(
        f"No reference data for {year}: no --reference-dir, no ${config.REFERENCE_DIR_ENV}, "
        f"no complete download in {cache}"
        + (f" ({detail.rstrip('.')})" if detail else "")
        + f", and the embedded snapshot has no {year} key.\n"
        + _HOW_TO_FIX.format(year=year, cache=cache)
    )


def locate_reference(
    reference_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
    year: int = config.DEFAULT_YEAR,
) -> Path:
    """The folder :func:`resolve_reference` chooses (see there for the order)."""
    return resolve_reference(reference_dir, cache_dir, year).folder


def _clean_code(series: pd.Series, width: int | None = None) -> pd.Series:
    out = series.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
    if width:
        out = out.str.zfill(width)
    return out


def _files_by_year(folder: Path, pattern: str) -> dict[int, Path]:
    rx = re.compile(pattern)
    found = {}
    for path in sorted(folder.iterdir()):
        m = rx.fullmatch(path.name)
        if m:
            found[int(m.group(1))] = path
    return found


@cache
def merger_table() -> pd.DataFrame:
    """The package's table of municipalities abolished since 1970 (``data/municipality_mergers.csv``).

    Columns: ``old_code``, ``old_name_fi``, ``old_name_sv``, ``new_code``, ``new_name_fi``,
    ``effective_year``, ``source``. A municipality divided between several has one row per
    successor. Built by ``scripts/build_municipality_mergers.py``; ``new_code`` may itself
    have merged later (chains are followed, see :func:`successor_map`).

    Examples
    --------
    >>> t = merger_table()
    >>> t.loc[t["old_name_fi"] == "Pertunmaa", ["new_name_fi", "effective_year"]].values.tolist()
    [['Mäntyharju', 2025]]
    """
    text = resources.files("sote_analytics").joinpath("data/municipality_mergers.csv").read_text("utf-8")
    df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    df["effective_year"] = df["effective_year"].astype(int)
    return df


def read_mergers(folder: Path) -> pd.DataFrame:
    """Municipality mergers of a reference folder (empty if it has none)."""
    frames = [
        pd.read_csv(p, dtype=str, encoding="utf-8")
        for p in sorted(folder.glob("municipality_mergers_*.csv"))
    ]
    cols = ["old_code", "old_name_fi", "new_code", "new_name_fi", "effective_year"]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    df = pd.concat(frames, ignore_index=True)
    df["old_code"] = _clean_code(df["old_code"], 3)
    df["new_code"] = _clean_code(df["new_code"], 3)
    df["effective_year"] = pd.to_numeric(df["effective_year"], errors="raise").astype(int)
    return df.drop_duplicates(["old_code", "new_code", "effective_year"]).reset_index(drop=True)


def successor_map(mergers: pd.DataFrame, year: int) -> dict[str, str]:
    """Map every municipality that ceased by ``year`` to its successor in ``year``.

    Chains are followed (A merged into B, B later into C gives A -> C).

    Examples
    --------
    >>> m = pd.DataFrame({"old_code": ["001", "002"], "new_code": ["002", "003"],
    ...                   "effective_year": [2010, 2020]})
    >>> successor_map(m, 2025)
    {'001': '003', '002': '003'}
    >>> successor_map(m, 2015)
    {'001': '002'}
    """
    step = {
        str(r.old_code): str(r.new_code)
        for r in mergers.itertuples(index=False)
        if int(r.effective_year) <= year and _present(r.old_code) and _present(r.new_code)
    }
    out = {}
    for old in step:
        seen, code = {old}, step[old]
        while code in step:
            if code in seen:
                raise ReferenceDataError(f"Merger table has a cycle through {code}")
            seen.add(code)
            code = step[code]
        out[old] = code
    return out


def _present(value: object) -> bool:
    return isinstance(value, str) and value.strip() != ""


@dataclass
class ReferenceData:
    """Reference geography for one municipality key year, read from ``folder``.

    Parameters
    ----------
    folder : Path
        A reference folder (see module docstring).
    year : int
        Key year; the folder must hold ``municipality_key_<year>.csv``.

    Examples
    --------
    >>> ref = load_reference(2025)  # $SOTE_REFERENCE_DIR, else the cache, else the embedded snapshot
    >>> len(ref.key)
    308
    >>> ref.areas("hyvinvointialue").shape[0]
    23
    """

    folder: Path
    year: int
    notes: list[str] = field(default_factory=list)
    origin: ReferenceOrigin | None = None
    #: The notes reading the boundaries added to :attr:`notes` (also in ``notes``): a folder that keeps its
    #: boundary files without reading them again carries these over (:meth:`.store.Store.write_geometries`).
    boundary_notes: list[str] = field(default_factory=list, repr=False, compare=False)
    _areas: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    #: Row positions of each area's municipalities in :attr:`key`, per level column (:meth:`members`).
    _members: dict[str, tuple] = field(default_factory=dict, repr=False, compare=False)
    #: Dissolved boundaries per (level, simplify), with the frames they were made from (:meth:`boundaries`).
    _boundaries: dict[tuple, tuple] = field(default_factory=dict, repr=False, compare=False)

    def grid(self, level: str = "hyvinvointialue") -> pd.DataFrame | None:
        """Tile-grid layout of the areas (``grid_<level>.csv``: name, code, row, col), if the folder has one."""
        path = self.folder / f"grid_{level}.csv"
        if not path.is_file():
            return None
        g = pd.read_csv(path, dtype={"code": str})
        g["code"] = _clean_code(g["code"])
        return g

    # ---- municipality key -------------------------------------------------
    @cached_property
    def key(self) -> pd.DataFrame:
        """One row per municipality: ``kunta_code``, ``<level>_code``, ``<level>_name_<lang>``."""
        path = self.folder / f"municipality_key_{self.year}.csv"
        if not path.is_file():
            have = sorted(_files_by_year(self.folder, r"municipality_key_(\d{4})\.csv"))
            raise ReferenceDataError(
                f"{self.folder} has no municipality key for {self.year} "
                f"(it has: {', '.join(map(str, have)) or 'none'})."
            )
        raw = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
        out = pd.DataFrame(index=raw.index)
        for lvl in area_levels():
            out[f"{lvl.id}_code"] = self._level_codes(raw, lvl)
            for lang in LANGUAGES:
                col = f"{lvl.id}_name_{lang}"
                if lvl.is_constant:
                    out[col] = lvl.constant_name[lang]
                else:
                    if lvl.name_columns[lang] not in raw:
                        raise ReferenceDataError(f"{path.name} lacks column {lvl.name_columns[lang]}")
                    out[col] = raw[lvl.name_columns[lang]].astype("string").str.strip()
        for extra in ("kielisuhde_code", "kuntaryhmitys_code"):
            if extra in raw:
                out[extra] = _clean_code(raw[extra])
        dup = out["kunta_code"][out["kunta_code"].duplicated()]
        if len(dup):
            raise ReferenceDataError(f"{path.name}: duplicated municipality codes {list(dup)}")
        for lvl in area_levels():
            missing = out[f"{lvl.id}_code"].isna() | (out[f"{lvl.id}_code"] == "")
            if missing.any():
                raise ReferenceDataError(
                    f"{path.name}: {int(missing.sum())} municipalities have no {lvl.id} "
                    f"(e.g. {out.loc[missing, 'kunta_code'].iloc[0]})"
                )
        return out.sort_values("kunta_code").reset_index(drop=True)

    @staticmethod
    def _level_codes(raw: pd.DataFrame, lvl: AreaLevel) -> pd.Series:
        if lvl.is_constant:
            return pd.Series(lvl.constant_code, index=raw.index, dtype="string")
        if lvl.code_column not in raw:
            raise ReferenceDataError(f"municipality key lacks column {lvl.code_column}")
        return _clean_code(raw[lvl.code_column], 3 if lvl.id == "kunta" else None)

    @property
    def municipality_codes(self) -> list[str]:
        return self.key["kunta_code"].tolist()

    def areas(self, level: str) -> pd.DataFrame:
        """The areas of a level: code, names, number of municipalities, population.

        Computed once per level; callers get a copy.

        Examples
        --------
        >>> ref.areas("koko_maa")[["code", "name_fi"]]
          code   name_fi
        0  SSS  Koko maa
        """
        if level not in self._areas:
            self._areas[level] = self._compute_areas(level)
        return self._areas[level].copy()

    def _compute_areas(self, level: str) -> pd.DataFrame:
        lvl = get_level(level)
        cols = {f"{lvl.id}_code": "code"} | {f"{lvl.id}_name_{g}": f"name_{g}" for g in LANGUAGES}
        k = self.key.join(self.population.rename("population"), on="kunta_code")
        g = k.groupby(f"{lvl.id}_code", sort=False)
        out = g[list(cols)[1:]].first()
        out["n_municipalities"] = g.size()
        out["population"] = g["population"].sum()
        out = out.reset_index().rename(columns=cols)
        return out.sort_values("code", key=_natural_key).reset_index(drop=True)

    def area_of(self, level: str) -> dict[str, str]:
        """Municipality code -> code of its area at ``level`` (the one municipality-to-area lookup).

        Examples
        --------
        >>> ref.area_of("hyvinvointialue")["179"]
        '15'
        """
        lvl = get_level(level)
        return dict(zip(self.key["kunta_code"], self.key[f"{lvl.id}_code"], strict=True))

    def members(self, level: str, code: str) -> pd.DataFrame:
        """Municipalities of one area (rows of :attr:`key`, a new frame each call); raise if the area is unknown.

        Examples
        --------
        >>> m = ref.members("hyvinvointialue", "15")
        >>> len(m), "179" in set(m["kunta_code"]), m.equals(ref.key[ref.key["hyvinvointialue_code"] == "15"])
        (22, True, True)
        """
        lvl = get_level(level)
        key = self.key
        col = f"{lvl.id}_code"
        cached = self._members.get(col)
        if cached is None or cached[0] is not key:  # the rows of each area of the level, found in one pass
            cached = (key, {str(c): pos for c, pos in key.groupby(col, sort=False).indices.items()})
            self._members[col] = cached
        pos = cached[1].get(str(code))
        sel = key.iloc[pos] if pos is not None else key.iloc[0:0]
        if sel.empty:
            valid = ", ".join(self.areas(level)["code"])
            raise ValueError(f"No {level} with code {code!r} in the {self.year} key; valid: {valid}")
        return sel

    # ---- mergers ------------------------------------------------------------
    @cached_property
    def mergers(self) -> pd.DataFrame:
        """Mergers table: the package's own table joined with the folder's."""
        both = pd.concat([merger_table(), read_mergers(self.folder)], ignore_index=True)
        both = both.fillna({"old_code": "", "new_code": "", "old_name_sv": "", "note": ""})
        return both.drop_duplicates(["old_code", "old_name_fi", "new_code", "effective_year"]) \
            .reset_index(drop=True)

    def to_key_codes(self, codes: pd.Series, what: str) -> pd.Series:
        """Map municipality codes of another year to this key's codes via the mergers.

        Raises ``ReferenceDataError`` naming any code that neither is in the key
        nor merged into a municipality of the key.
        """
        codes = _clean_code(codes, 3)
        succ = successor_map(self.mergers, self.year)
        live = sorted(set(succ) & set(self.municipality_codes))
        if live:
            raise ReferenceDataError(
                f"Mergers table lists municipalities {live} as ceased, but the {self.year} key "
                "still has them"
            )
        mapped = codes.map(lambda c: succ.get(c, c))
        unknown = sorted(set(mapped) - set(self.municipality_codes))
        if unknown:
            raise ReferenceDataError(
                f"{what}: municipality codes {unknown} are neither in the {self.year} key nor "
                "merged into one of its municipalities according to the mergers table; "
                "refusing to drop or invent municipalities."
            )
        return mapped

    # ---- population ---------------------------------------------------------
    @cached_property
    def _population(self) -> tuple[pd.Series, int]:
        files = sorted(self.folder.glob("population_by_municipality_*.csv"))
        if not files:
            raise ReferenceDataError(f"{self.folder} has no population_by_municipality_*.csv")
        pop = pd.concat([pd.read_csv(p, dtype={"municipality_code": str}) for p in files])
        years = sorted(int(y) for y in pop["year"].unique())
        usable = [y for y in years if y <= self.year]
        pop_year = usable[-1] if usable else years[0]
        if pop_year != self.year:
            self.notes.append(
                f"Population of {pop_year} (31.12.) used for the {self.year} municipality key: "
                f"the newest year available."
            )
        sel = pop[pop["year"].astype(int) == pop_year].copy()
        sel["kunta_code"] = self.to_key_codes(sel["municipality_code"], "population")
        series = sel.groupby("kunta_code")["population"].sum().astype("int64")
        missing = sorted(set(self.municipality_codes) - set(series.index))
        if missing:
            raise ReferenceDataError(f"No {pop_year} population for municipalities {missing}")
        return series.reindex(self.municipality_codes).rename_axis("kunta_code"), pop_year

    @property
    def population(self) -> pd.Series:
        """Population by municipality code (31 Dec of :attr:`population_year`)."""
        return self._population[0]

    @property
    def population_year(self) -> int:
        """The year of :attr:`population` (the key's year or the newest before it)."""
        return self._population[1]

    # ---- population by age (optional) ---------------------------------------
    @cached_property
    def _population_by_age(self) -> tuple[pd.DataFrame | None, int | None]:
        files = _files_by_year(self.folder, r"population_by_age_(\d{4})\.csv")
        if not files:
            return None, None
        usable = [y for y in files if y <= self.year]
        year = max(usable) if usable else min(files)
        path = files[year]
        raw = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
        need = {"kunta_code", "age_group", "population"}
        if not need <= set(raw.columns):
            raise ReferenceDataError(f"{path.name}: needs columns {sorted(need)}, has {list(raw.columns)}")
        bad = sorted(set(raw["age_group"]) - set(AGE_GROUPS))
        if bad:
            raise ReferenceDataError(f"{path.name}: unknown age groups {bad}; known: {', '.join(AGE_GROUPS)}")
        pop = pd.to_numeric(raw["population"], errors="coerce")
        if pop.isna().any() or (pop < 0).any():
            rows = raw.loc[pop.isna() | (pop < 0), ["kunta_code", "age_group", "population"]]
            raise ReferenceDataError(f"{path.name}: population is not a count in rows {rows.head(3).values.tolist()}")
        df = pd.DataFrame({"kunta_code": self.to_key_codes(raw["kunta_code"], path.name).astype(str),
                           "age_group": raw["age_group"].astype(str), "population": pop.astype("int64")})
        dup = raw[raw.duplicated(["kunta_code", "age_group"])]
        if len(dup):
            pairs = dup[["kunta_code", "age_group"]].values.tolist()[:3]
            raise ReferenceDataError(f"{path.name}: duplicated rows {pairs}")
        df = df.groupby(["kunta_code", "age_group"], as_index=False)["population"].sum()  # merged municipalities
        full = pd.MultiIndex.from_product([self.municipality_codes, list(AGE_GROUPS)])
        missing = full.difference(pd.MultiIndex.from_frame(df[["kunta_code", "age_group"]]))
        if len(missing):
            raise ReferenceDataError(f"{path.name}: no figure for (municipality, age group) {list(missing)[:5]}"
                                     f"{' …' if len(missing) > 5 else ''} ({len(missing)} missing)")
        if year != self.year:
            self.notes.append(f"Population by age of {year} (31.12.) used for the {self.year} municipality key.")
        return df.sort_values(["kunta_code", "age_group"]).reset_index(drop=True), year

    @property
    def population_by_age(self) -> pd.DataFrame | None:
        """Population by age group and municipality (``kunta_code, age_group, population``), or None.

        None when the folder has no ``population_by_age_<year>.csv``: age data are never invented.
        """
        return self._population_by_age[0]

    @property
    def population_by_age_year(self) -> int | None:
        """The year (31 Dec) of :attr:`population_by_age`, or None."""
        return self._population_by_age[1]

    def target_population(self, level: str, age_group: str) -> pd.Series | None:
        """Population of ``age_group`` in every area of ``level`` (the sum of its municipalities), or None.

        Examples
        --------
        >>> pop = ref.target_population("hyvinvointialue", "65_plus")
        >>> pop is None or len(pop) == len(ref.areas("hyvinvointialue"))  # None without population by age
        True
        >>> ref.target_population("hyvinvointialue", "teens")
        Traceback (most recent call last):
        ...
        ValueError: unknown age group 'teens'; known: ...
        """
        if age_group not in AGE_GROUPS:
            raise ValueError(f"unknown age group {age_group!r}; known: {', '.join(AGE_GROUPS)}")
        by_age = self.population_by_age
        if by_age is None:
            return None
        sel = by_age[by_age["age_group"] == age_group]
        area = sel["kunta_code"].map(self.area_of(level))
        return sel.groupby(area.to_numpy())["population"].sum().rename_axis("code").astype("int64")

    # ---- boundaries -----------------------------------------------------------
    @cached_property
    def _boundary_file(self) -> tuple[Path, int]:
        files = _files_by_year(self.folder, r"municipalities_(\d{4})_.*\.geojson")
        if not files:
            raise ReferenceDataError(f"{self.folder} has no municipalities_<year>_*.geojson")
        usable = [y for y in files if y <= self.year]
        year = max(usable) if usable else min(files)
        return files[year], year

    @cached_property
    def municipality_boundaries(self):
        """Municipal boundaries of the key year (GeoDataFrame, EPSG:4326).

        Polygons of municipalities that merged after the boundary year are
        dissolved into their successor. Fails if the key and the boundaries
        cannot be reconciled.
        """
        import geopandas as gpd

        path, byear = self._boundary_file
        try:
            gdf = gpd.read_file(path)
        except Exception as exc:  # a truncated or hand-edited GeoJSON: one line naming the file, not a traceback
            raise ReferenceDataError(f"{path}: not a readable boundary file ({' '.join(str(exc).split())[:160]}); "
                                     "fetch it again with `sote-analytics reference fetch --only boundaries`") from None
        code_col = next((c for c in ("NATCODE", "kunta", "natcode") if c in gdf.columns), None)
        if code_col is None:
            raise ReferenceDataError(f"{path.name}: no NATCODE/kunta property")
        gdf = gdf[[code_col, "geometry"]].rename(columns={code_col: "source_code"})
        gdf["source_code"] = _clean_code(gdf["source_code"], 3)
        gdf["kunta_code"] = self.to_key_codes(gdf["source_code"], f"boundaries {path.name}")
        missing = sorted(set(self.municipality_codes) - set(gdf["kunta_code"]))
        if missing:
            raise ReferenceDataError(
                f"Boundaries {path.name} ({byear}) have no polygon for municipalities {missing} "
                f"of the {self.year} key"
            )
        merged = sorted(gdf.loc[gdf["source_code"] != gdf["kunta_code"], "source_code"])
        if merged:
            note = (f"Boundaries of {byear}: polygons of merged municipalities {', '.join(merged)} "
                    f"dissolved into their successors of {self.year}.")
            self.notes.append(note)
            self.boundary_notes.append(note)
        if gdf.crs is None:
            gdf = gdf.set_crs(4326)
        out = gdf.dissolve(by="kunta_code", as_index=False)[["kunta_code", "geometry"]]
        out = out.merge(self.key[["kunta_code", "kunta_name_fi", "kunta_name_sv"]], on="kunta_code")
        return out.to_crs(4326)

    def boundaries(self, level: str = "kunta", simplify: float | None = None):
        """Boundaries of every area of ``level``, dissolved from the municipalities.

        An area's outline therefore always matches its municipalities.
        Returns a GeoDataFrame with ``code``, ``name_fi``, ``name_sv``, ``name_en``.

        Parameters
        ----------
        simplify : float, optional
            Tolerance in degrees for coverage simplification of the municipal
            polygons (shared borders stay shared), applied before dissolving.
        """
        lvl = get_level(level)
        made_from = (self.municipality_boundaries, self.key)
        cached = self._boundaries.get((lvl.id, simplify))
        if cached is None or cached[0] is not made_from[0] or cached[1] is not made_from[1]:
            cached = (*made_from, self._dissolved(lvl, simplify))
            self._boundaries[(lvl.id, simplify)] = cached
        return cached[2].copy()  # dissolving takes 0.1 s a level; the caller may change its copy

    def _dissolved(self, lvl, simplify: float | None):
        mun = self.municipality_boundaries[["kunta_code", "geometry"]]
        if simplify:
            mun = mun.set_geometry(mun.geometry.simplify_coverage(simplify))
        if lvl.id == "kunta":
            gdf = mun.rename(columns={"kunta_code": "code"})[["code", "geometry"]]
        else:
            mun = mun.merge(self.key[["kunta_code", f"{lvl.id}_code"]], on="kunta_code")
            gdf = mun.dissolve(by=f"{lvl.id}_code", as_index=False)
            gdf = gdf.rename(columns={f"{lvl.id}_code": "code"})[["code", "geometry"]]
        names = self.areas(lvl.id)[["code", "name_fi", "name_sv", "name_en"]]
        return gdf.merge(names, on="code").sort_values("code", key=_natural_key).reset_index(
            drop=True
        )


def _natural_key(s: pd.Series) -> pd.Series:
    """Sort codes numerically when they are numbers ("2" before "10")."""
    num = pd.to_numeric(s, errors="coerce")
    return num.fillna(1e12) if num.notna().any() else s


def load_reference(
    year: int = config.DEFAULT_YEAR,
    reference_dir: Path | str | None = None,
    cache_dir: Path | str | None = None,
) -> ReferenceData:
    """Load the reference geography of ``year`` (folder, cache or embedded snapshot).

    Parameters
    ----------
    year : int
        Municipality key year.
    reference_dir : path, optional
        A local folder in the reference format; defaults to ``$SOTE_REFERENCE_DIR``.
    cache_dir : path, optional
        The download cache (default ``data/raw/reference``).

    Returns
    -------
    ReferenceData

    Raises
    ------
    ReferenceNotFoundError
        When no source has the year; the message says how to fix it.

    Examples
    --------
    >>> ref = load_reference(2025)  # offline: without a folder or a cache, the embedded snapshot
    >>> ref.areas("hyvinvointialue")["code"].tolist()[:3]
    ['1', '2', '3']
    >>> ref.origin.kind in {"reference-dir", "env", "cache", "embedded"}
    True
    """
    origin = resolve_reference(reference_dir, cache_dir, year)
    ref = ReferenceData(folder=origin.folder, year=int(year), origin=origin)
    ref.notes.append(origin.describe())
    _ = ref.key  # fail early on a missing or broken key
    return ref
