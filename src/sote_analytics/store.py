"""The processed folder: one owner for its file names, run metadata and tables.

Every stage that reads or writes ``data/processed/`` goes through a
:class:`Store`: the pipeline writes the indicators, the directory, the survey,
the precomputed boundaries and ``run.json``; the command line and the reports
read them. Nothing else knows a file name of this folder, and nothing here
imports the presentation stage (``report``).

=============================  ==================================================
``indicators.parquet``/.csv    the tidy indicator table (:mod:`.indicators`)
``municipality_sector_counts``  associations per municipality x sector
``registrations.parquet``      registrations per year, area and sector
``data_dictionary.csv``        every indicator's names, unit, definition, caveat
``quarantine.csv``             rejected rows with their reasons (formula-safe)
``field_problems.csv``         field values of accepted associations that could not be read
``tarkistettavat.xlsx``        unclassified and low-confidence associations to review: filled in,
                               a corrections file (``--corrections``)
``directory.parquet``          what a report may list: name, municipality, sector,
                               service production, organisation type
``survey.parquet``             the survey responses, if a survey was given (:func:`.survey_read.read_survey`:
                               no personal data, no free text unless kept and redacted)
``survey_report.json``         how the survey was read: respondents, unmatched areas and sectors, dropped
                               personal-data columns (names only), question kinds, survey kind and k
``trends.parquet``             founded, ended and net per year and area (dated registers such as YTJ)
``geo_<level>.parquet``        simplified boundaries of every level (GeoParquet)
``run.json``                   source, row counts, synthetic flag, reference folder
=============================  ==================================================
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .atomic import atomic_path, atomic_write_text
from .errors import SoteAnalyticsError

INDICATORS = "indicators.parquet"
INDICATORS_CSV = "indicators.csv"
MUNICIPALITY_COUNTS = "municipality_sector_counts.csv"
REGISTRATIONS = "registrations.parquet"
DATA_DICTIONARY = "data_dictionary.csv"
QUARANTINE = "quarantine.csv"
FIELD_PROBLEMS = "field_problems.csv"
REVIEW = "tarkistettavat.xlsx"
DIRECTORY = "directory.parquet"
SURVEY = "survey.parquet"
SURVEY_REPORT = "survey_report.json"
TRENDS = "trends.parquet"
RUN_META = "run.json"
#: The only register columns a report may show (no contact persons, e-mails, phones).
DIRECTORY_COLUMNS = ["name", "municipality_code", "sector", "produces_services"]
#: Where an association operates (no personal data): kept in the directory for coverage and listings.
OPERATING_COLUMNS = ["operating_area_codes", "operating_area_level"]
#: How an area of operation was found when the source gave none (``name`` or ``domicile``).
OPTIONAL_OPERATING_COLUMNS = ["operating_area_inferred"]
#: Boundary simplification (degrees); coverage simplification keeps shared borders shared.
MAP_SIMPLIFY = 0.005
#: The files a report batch cannot do without.
REQUIRED = (INDICATORS, MUNICIPALITY_COUNTS)


class StoreError(SoteAnalyticsError):
    """The processed folder is missing a file or a file is unreadable; the message says how to fix it."""


@dataclass(frozen=True)
class Store:
    """The processed folder of a run.

    Parameters
    ----------
    path : Path
        The folder (``data/processed`` by default, see :mod:`.config`).

    Examples
    --------
    >>> import tempfile
    >>> s = Store(Path(tempfile.mkdtemp()))
    >>> s.write_meta({"source": "my_register.csv", "synthetic": False})
    >>> s.meta()["source"], s.synthetic
    ('my_register.csv', False)
    >>> s.geo_path("kunta").name
    'geo_kunta.parquet'
    """

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    def file(self, name: str) -> Path:
        """Path of a file of the folder."""
        return self.path / name

    # ------------------------------------------------------------------ run metadata
    def meta(self) -> dict:
        """``run.json`` as a dict (empty when the folder has none)."""
        p = self.file(RUN_META)
        if not p.is_file():
            return {}
        try:
            return json.loads(p.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{p} is unreadable ({exc}); run `sote-analytics indicators` again") from None

    def write_meta(self, meta: dict) -> None:
        """Write ``run.json`` atomically."""
        atomic_write_text(self.file(RUN_META), json.dumps(meta, ensure_ascii=False, indent=2, default=str))

    @property
    def synthetic(self) -> bool:
        """True when the register of this run is the synthetic demo (decided once, in ``run.json``)."""
        return bool(self.meta().get("synthetic", False))

    # ------------------------------------------------------------------ indicators
    def save_indicators(self, ind) -> dict[str, str]:
        """Write the indicator table (Parquet and CSV), counts, registrations and the data dictionary."""
        from .indicators import data_dictionary

        self.path.mkdir(parents=True, exist_ok=True)
        paths = {
            "parquet": self.file(INDICATORS), "csv": self.file(INDICATORS_CSV),
            "municipality_counts": self.file(MUNICIPALITY_COUNTS), "registrations": self.file(REGISTRATIONS),
            "data_dictionary": self.file(DATA_DICTIONARY),
        }
        from .validation import write_safe_csv

        with atomic_path(paths["parquet"]) as tmp:
            ind.table.to_parquet(tmp, index=False)
        write_safe_csv(ind.table, paths["csv"])  # area names and sources come from the user's files
        write_safe_csv(ind.municipality_counts, paths["municipality_counts"])
        with atomic_path(paths["registrations"]) as tmp:
            ind.registrations.to_parquet(tmp, index=False)
        write_safe_csv(data_dictionary(), paths["data_dictionary"])
        return {k: str(v) for k, v in paths.items()}

    def load_indicators(self):
        """Read what :meth:`save_indicators` wrote, as an :class:`~.indicators.IndicatorSet`."""
        from .indicators import IndicatorSet

        self.check()
        table = pd.read_parquet(self.file(INDICATORS))
        mc = pd.read_csv(self.file(MUNICIPALITY_COUNTS), dtype={"kunta_code": str, "sector": str})
        regs = self.file(REGISTRATIONS)
        return IndicatorSet(table, mc, pd.read_parquet(regs) if regs.exists() else pd.DataFrame())

    def check(self) -> None:
        """Fail with a :class:`StoreError` naming the fix when a required file is missing or unreadable."""
        fix = "run `sote-analytics indicators` (or `sote-analytics run FILE`) to build it"
        if not self.path.is_dir():
            raise StoreError(f"processed folder {self.path} does not exist: {fix}")
        for name in REQUIRED:
            p = self.file(name)
            if not p.is_file():
                raise StoreError(f"{p} is missing: {fix}")
            try:
                if name.endswith(".parquet"):
                    pd.read_parquet(p, columns=["area_level"])
                else:
                    pd.read_csv(p, nrows=5)
            except Exception as exc:
                raise StoreError(f"{p} is unreadable ({type(exc).__name__}): {fix}") from None

    # ------------------------------------------------------------------ register-derived tables
    def write_quarantine(self, quarantine: pd.DataFrame) -> Path:
        """The quarantine with formula-like text neutralised, headers included (a spreadsheet must not run it),
        and e-mails, phone numbers and person names redacted in every cell, reasons included (a rejected row is
        shown as it came, less its personal data)."""
        return self._write_safe_csv(quarantine, QUARANTINE, redact=True)

    def write_field_problems(self, problems: pd.DataFrame | None) -> Path:
        """The field problems of accepted associations (row, column, problem; values redacted), formula-safe."""
        if problems is None:
            problems = pd.DataFrame(columns=["source_row", "column", "kind", "problem", "value"])
        return self._write_safe_csv(problems, FIELD_PROBLEMS)

    def write_review(self, register: pd.DataFrame, language: str = "fi") -> tuple[Path, int]:
        """The review workbook (:func:`.corrections.write_review_workbook`)."""
        from .corrections import write_review_workbook

        return write_review_workbook(register, self.file(REVIEW), language)

    def _write_safe_csv(self, frame: pd.DataFrame, name: str, redact: bool = False) -> Path:
        from .validation import write_safe_csv

        p = self.file(name)
        write_safe_csv(frame, p, redact=redact)
        return p

    def write_directory(self, register: pd.DataFrame) -> Path:
        """The directory a report may show; never extras (contact persons, e-mails)."""
        from .validation import redact_person_names

        p = self.file(DIRECTORY)
        cols = ["association_id", *DIRECTORY_COLUMNS, "org_type",
                *[c for c in OPERATING_COLUMNS + OPTIONAL_OPERATING_COLUMNS if c in register]]
        d = register[cols].copy()
        d["name"] = redact_person_names(d["name"])[0].astype(register["name"].dtype)  # a person is not listed
        with atomic_path(p) as tmp:
            d.to_parquet(tmp, index=False)
        return p

    def operating_in(self, municipality_codes) -> pd.DataFrame:
        """National and district organisations whose area of operation covers any of ``municipality_codes``.

        Columns: name, sector, org_type, operating_area_level, municipality_code (the domicile, if any),
        and ``n_covered`` (how many of the given municipalities the area of operation includes).
        """
        p = self.file(DIRECTORY)
        cols = ["name", "sector", "org_type", "municipality_code", *OPERATING_COLUMNS]
        if not p.exists():
            return pd.DataFrame(columns=[*cols, "n_covered"])
        import pyarrow.parquet as pq

        have = set(pq.read_schema(p).names)
        if not set(OPERATING_COLUMNS) <= have:
            return pd.DataFrame(columns=[*cols, "n_covered"])
        cols += [c for c in OPTIONAL_OPERATING_COLUMNS if c in have]
        d = pd.read_parquet(p, columns=cols)
        d = d[d["org_type"].isin(["national", "district"]) & d["operating_area_codes"].notna()]
        wanted = set(municipality_codes)
        n = d["operating_area_codes"].astype(str).str.split("|").map(lambda cs: len(wanted.intersection(cs)))
        return d.assign(n_covered=n)[n > 0].reset_index(drop=True)

    def directory(self, municipality_codes=None) -> pd.DataFrame:
        """The directory, optionally only the associations domiciled in ``municipality_codes``."""
        p = self.file(DIRECTORY)
        if not p.exists():
            return pd.DataFrame(columns=DIRECTORY_COLUMNS)
        d = pd.read_parquet(p, columns=DIRECTORY_COLUMNS)
        return d if municipality_codes is None else d[d["municipality_code"].isin(set(municipality_codes))]

    def write_survey(self, survey_path: Path | None, ref=None, *, kind: str = "organisations", k: int = 5,
                     keep_free_text: bool = False) -> Path | None:
        """Read a survey export with :func:`.survey_read.read_survey` and store the responses and the
        reading report (or remove a previous run's when there is none).

        ``ref`` (the reference) is needed to find the area column by its values; ``kind`` and ``k``
        are stored in the report, where the survey section reads them.
        """
        p, rp = self.file(SURVEY), self.file(SURVEY_REPORT)
        if survey_path is None:
            p.unlink(missing_ok=True)
            rp.unlink(missing_ok=True)
            return None
        if ref is None:
            raise StoreError("write_survey needs the reference data (ref) to find the survey's area column")
        from .survey_read import read_survey

        res = read_survey(survey_path, ref, kind=kind, k=k, keep_free_text=keep_free_text)
        res.survey.to_parquet(p, index=False)
        atomic_write_text(rp, json.dumps(res.report, ensure_ascii=False, indent=2, default=str))
        return p

    def survey(self) -> pd.DataFrame | None:
        """The survey responses, or None."""
        p = self.file(SURVEY)
        return pd.read_parquet(p) if p.exists() else None

    def survey_report(self) -> dict:
        """How the survey was read (``survey_report.json``), or an empty dict (no survey, or an older run)."""
        p = self.file(SURVEY_REPORT)
        if not p.is_file():
            return {}
        try:
            return json.loads(p.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{p} is unreadable ({exc}); run `sote-analytics indicators` again") from None

    def write_trends(self, trends: pd.DataFrame | None) -> Path | None:
        """Founded, ended and net per year and area (a dated register such as YTJ), or remove old ones."""
        p = self.file(TRENDS)
        if trends is None:
            p.unlink(missing_ok=True)
            return None
        trends.to_parquet(p, index=False)
        return p

    def trends(self, level: str, code: str) -> pd.DataFrame | None:
        """The founded/ended/net rows of one area, or None when the register has no such dates."""
        p = self.file(TRENDS)
        if not p.exists():
            return None
        t = pd.read_parquet(p)
        return t[(t["area_level"] == level) & (t["area_code"].astype(str) == str(code))].sort_values("year")

    # ------------------------------------------------------------------ geometries
    def geo_path(self, level: str) -> Path:
        """Path of the precomputed boundaries of ``level``."""
        return self.file(f"geo_{level}.parquet")

    def write_geometries(self, ref) -> list[Path]:
        """Precompute simplified boundaries of every level once (GeoParquet), for all reports of a batch."""
        from .reference import area_levels

        out = []
        for lvl in area_levels():
            p = self.geo_path(lvl.id)
            ref.boundaries(lvl.id, simplify=MAP_SIMPLIFY).to_parquet(p, index=False)
            out.append(p)
        return out

    def boundaries(self, ref, level: str):
        """Boundaries of ``level``: the precomputed GeoParquet, else built from the reference."""
        p = self.geo_path(level)
        if p.exists():
            import geopandas as gpd

            return gpd.read_parquet(p)
        return ref.boundaries(level, simplify=MAP_SIMPLIFY)

    def files(self) -> list[Path]:
        """Every file of the folder (for a manifest's input hashes)."""
        return sorted(p for p in self.path.glob("*") if p.is_file()) if self.path.is_dir() else []
