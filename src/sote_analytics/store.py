"""The processed folder: one owner for its file names, run metadata and tables.

Every stage that reads or writes ``data/processed/`` goes through a
:class:`Store`: the pipeline writes the indicators, the directory, the survey,
the precomputed boundaries and ``run.json``; the command line and the reports
read them. Nothing else knows a file name of this folder, and nothing here
imports the presentation stage (``report``).

=============================  ==================================================
``indicators.parquet``/.csv    the tidy indicator table (:mod:`.indicators`)
``indicators_excel.csv``       the same for Excel: ``;``, decimal comma, UTF-8 BOM, formula-safe
``municipality_sector_counts``  associations per municipality x sector
``registrations.parquet``      registrations per year, area and sector
``activity_trend.parquet``     activity totals per year and area (an activity file of several years)
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
``run.json``                   source, row counts, synthetic flag, reference folder, and the
                               sha256 and size of every other file (``files``)
=============================  ==================================================

**A run is a transaction.** :meth:`Store.begin` opens a staging folder beside the target
(``.processed.staging``) and takes the folder's lock (``.processed.lock``: a second run into the
same folder fails with a clear message; a report batch reading the folder holds it shared). Every
write goes to the staging folder; :meth:`Store.write_meta` writes ``run.json`` last, with the
checksum of every file, and swaps the staging folder in (entries of the old folder that are not the
store's own, such as ``ingest/``, are carried over). A run killed at any moment before that leaves
the previous complete folder in place. Readers (:meth:`Store.check`) verify the checksums and
refuse a folder whose files do not match ("the processed folder is incomplete: re-run ...").
Without :meth:`begin`, writes go straight to the folder and ``run.json`` still records checksums.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .atomic import FolderBusyError, acquire_lock, atomic_path, atomic_write_text, release_lock
from .digests import cached_sha256
from .errors import SoteAnalyticsError

INDICATORS = "indicators.parquet"
INDICATORS_CSV = "indicators.csv"
INDICATORS_EXCEL_CSV = "indicators_excel.csv"
MUNICIPALITY_COUNTS = "municipality_sector_counts.csv"
REGISTRATIONS = "registrations.parquet"
ACTIVITY_TREND = "activity_trend.parquet"
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


#: The files a store writes (besides ``geo_<level>.parquet``): what a swap replaces; anything else in the
#: folder (``ingest/``, a user's own file) is carried over.
OWN_FILES = {INDICATORS, INDICATORS_CSV, MUNICIPALITY_COUNTS, REGISTRATIONS, DATA_DICTIONARY, QUARANTINE,
             FIELD_PROBLEMS, REVIEW, DIRECTORY, SURVEY, SURVEY_REPORT, TRENDS, RUN_META}
REBUILD = "re-run `sote-analytics indicators` (or `sote-analytics run FILE`)"
#: Transactions open in this process: target folder -> its staging folder.
_OPEN: dict[str, Path] = {}
#: Indicator tables read by this process: folder -> (the state of its files, the frames).
_LOADED: dict[str, tuple[tuple, tuple]] = {}


def _file_state(path: Path) -> tuple | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size


class StoreError(SoteAnalyticsError):
    """The processed folder is missing a file or a file is unreadable; the message says how to fix it."""


def _own(name: str) -> bool:
    return name in OWN_FILES or (name.startswith("geo_") and name.endswith(".parquet"))


def abort_open_transactions() -> None:
    """Drop every transaction this process opened and did not commit (staging removed, locks released):
    the folders keep their previous complete state. The console script calls this last."""
    for key in list(_OPEN):
        Store(Path(key)).abort()


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
        """Path of a file of the folder (where it is read).

        Parameters
        ----------
        name : str
            The file's name (one of the module's constants, e.g. :data:`INDICATORS`).

        Returns
        -------
        Path
            ``path / name`` (whether or not it exists).

        Examples
        --------
        >>> Store(Path("data/processed")).file(INDICATORS).as_posix()
        'data/processed/indicators.parquet'
        """
        return self.path / name

    # ------------------------------------------------------------------ transactions
    @property
    def staging(self) -> Path:
        """The staging folder of a run into this folder (beside it, same file system).

        Returns
        -------
        Path
            ``.<name>.staging`` in the folder's parent.

        Examples
        --------
        >>> Store(Path("data/processed")).staging.as_posix()
        'data/.processed.staging'
        """
        return self.path.parent / f".{self.path.name}.staging"

    @property
    def lock_file(self) -> Path:
        """The lock of this folder (beside it: the folder itself is swapped).

        Returns
        -------
        Path
            ``.<name>.lock`` in the folder's parent.

        Examples
        --------
        >>> Store(Path("data/processed")).lock_file.name
        '.processed.lock'
        """
        return self.path.parent / f".{self.path.name}.lock"

    def _key(self) -> str:
        return str(self.path.absolute())

    def begin(self) -> Path:
        """Open a transaction: take the folder's lock, start an empty staging folder; idempotent.

        Returns
        -------
        Path
            The staging folder, where every write of the run goes until :meth:`write_meta`.

        Raises
        ------
        StoreError
            When another process is writing or reading the folder.

        Examples
        --------
        >>> s = Store(tmp / "begin" / "processed")
        >>> s.begin() == s.staging, s.write_quarantine(pd.DataFrame({"reason": []})).parent == s.path
        (True, True)
        >>> s.path.exists()  # nothing is in place before write_meta commits
        False
        >>> s.write_meta({"source": "x.csv"})
        >>> sorted(p.name for p in s.files()), s.staging.exists()
        (['quarantine.csv', 'run.json'], False)
        """
        key = self._key()
        if key in _OPEN and _OPEN[key].is_dir():
            return _OPEN[key]
        self._recover()
        try:
            acquire_lock(self.lock_file, f"the processed folder {self.path}")
        except FolderBusyError as exc:
            raise StoreError(str(exc)) from None
        if self.staging.exists():  # left by a killed run: nobody else holds the lock
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        _OPEN[key] = self.staging
        return self.staging

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """The block writes the folder as one transaction (:meth:`begin`; :meth:`write_meta` commits it).

        A block that fails, or ends without writing ``run.json``, leaves the folder as it was. Nested in
        a transaction already open (the CLI opens one before its checks), it joins it.

        Returns
        -------
        contextmanager of Store
            The store itself, its writes staged until :meth:`write_meta`.

        Examples
        --------
        >>> s = Store(tmp / "transaction" / "processed")
        >>> s.write_meta({"source": "old.csv"})
        >>> with s.transaction():
        ...     _ = s.write_quarantine(pd.DataFrame({"reason": []}))
        ...     raise ValueError("a failed run")
        Traceback (most recent call last):
        ...
        ValueError: a failed run
        >>> s.meta()["source"], s.file(QUARANTINE).exists()  # the previous run.json, nothing else
        ('old.csv', False)
        >>> with s.transaction() as t:
        ...     _ = t.write_quarantine(pd.DataFrame({"reason": []}))
        ...     t.write_meta({"source": "new.csv"})
        >>> s.meta()["source"], s.file(QUARANTINE).exists(), s.staging.exists()
        ('new.csv', True, False)
        """
        owner = self._key() not in _OPEN
        self.begin()
        try:
            yield self
        except BaseException:
            if owner:
                self.abort()
            raise
        if owner and self._key() in _OPEN:
            self.abort()

    def abort(self) -> None:
        """Drop an open transaction: the staging folder is removed, the folder keeps its previous state.

        Returns
        -------
        None

        Examples
        --------
        >>> s = Store(tmp / "abort" / "processed")
        >>> s.write_meta({"source": "old.csv"})
        >>> _ = s.begin()
        >>> _ = s.write_quarantine(pd.DataFrame({"reason": []}))
        >>> s.abort()
        >>> s.meta()["source"], s.file(QUARANTINE).exists(), s.staging.exists()
        ('old.csv', False, False)
        """
        staging = _OPEN.pop(self._key(), None)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        release_lock(self.lock_file)

    def _out(self, name: str) -> Path:
        """Where a file of the folder is written: in the open transaction's staging folder, else in the folder."""
        staging = _OPEN.get(self._key())
        if staging is not None:
            staging.mkdir(parents=True, exist_ok=True)
            return staging / name
        self.path.mkdir(parents=True, exist_ok=True)
        return self.path / name

    def _recover(self) -> None:
        """A run killed between the two renames of a swap: put the previous folder back."""
        old = self.path.parent / f".{self.path.name}.old"
        if not self.path.exists() and old.is_dir():
            os.rename(old, self.path)

    def _commit(self) -> None:
        """Swap the staging folder in (``run.json`` is already in it, written last) and end the transaction."""
        key = self._key()
        staging = _OPEN[key]
        old = self.path.parent / f".{self.path.name}.old"
        if old.exists():
            shutil.rmtree(old)
        if self.path.is_dir():
            self._keep_unchanged(staging)
            for entry in self.path.iterdir():  # what is not the store's own stays (ingest/, classify/ ...)
                if not _own(entry.name) and not (staging / entry.name).exists() and not entry.name.startswith("."):
                    os.rename(entry, staging / entry.name)
            os.rename(self.path, old)
        os.rename(staging, self.path)
        shutil.rmtree(old, ignore_errors=True)
        del _OPEN[key]
        release_lock(self.lock_file)

    def _keep_unchanged(self, staging: Path) -> None:
        """Files of the new run whose bytes equal the folder's: the folder's file (same inode and mtime) is
        linked into the staging folder in place of the new copy, so the swap rewrites only what changed.

        A hard link, not a move: until the swap the folder stays complete (a run killed here leaves it
        as it was); where links are not supported the new copy stays."""
        try:
            new_files = json.loads((staging / RUN_META).read_text("utf-8")).get("files") or {}
        except (OSError, ValueError):
            return
        for name, want in new_files.items():
            here = self.path / name
            try:
                st = here.stat()
            except OSError:
                continue
            if st.st_size != want.get("bytes") or not here.is_file():
                continue
            sha = cached_sha256(here)
            if sha == want.get("sha256"):
                link = staging / f".{name}.link"
                try:
                    os.link(here, link)
                except OSError:
                    continue
                os.replace(link, staging / name)

    def unchanged(self, digest: str | None) -> bool:
        """True when the folder is complete and its run had these inputs (``input_digest`` in ``run.json``).

        Parameters
        ----------
        digest : str or None
            :func:`.digests.inputs_digest` of the run about to start (None: never unchanged).

        Returns
        -------
        bool
            The folder's ``run.json`` records ``digest`` and every file matches its checksum.

        Examples
        --------
        >>> s = Store(tmp / "unchanged")
        >>> s.write_meta({"source": "x.csv", "input_digest": "abc"})
        >>> s.unchanged("abc"), s.unchanged("abd"), s.unchanged(None)
        (True, False, False)
        """
        if not digest:
            return False
        try:
            if self.meta().get("input_digest") != digest:
                return False
            self.verify()
        except StoreError:
            return False
        return (self.file(RUN_META)).is_file()

    def _fingerprints(self, folder: Path) -> dict[str, dict]:
        return {p.name: {"sha256": cached_sha256(p), "bytes": p.stat().st_size}
                for p in sorted(folder.iterdir()) if p.is_file() and _own(p.name) and p.name != RUN_META}

    def _rehash(self, name: str) -> None:
        """A file rewritten outside a transaction: its checksum in ``run.json`` follows it."""
        if self._key() in _OPEN:
            return
        meta_path = self.file(RUN_META)
        if not meta_path.is_file():
            return
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
        except (OSError, ValueError):
            return
        files = meta.get("files")
        if not isinstance(files, dict):
            return
        p = self.file(name)
        if p.is_file():
            files[name] = {"sha256": cached_sha256(p), "bytes": p.stat().st_size}
        else:
            files.pop(name, None)
        atomic_write_text(meta_path, json.dumps(meta, ensure_ascii=False, indent=2, default=str))

    def verify(self) -> None:
        """Check every file ``run.json`` names against its size and sha256 (once per file version and process).

        Raises
        ------
        StoreError
            "the processed folder ... is incomplete: re-run ..." when a file is missing or differs.

        Returns
        -------
        None

        Examples
        --------
        >>> s = Store(tmp / "verify")
        >>> _ = s.write_quarantine(pd.DataFrame({"reason": ["x"]}))
        >>> s.write_meta({"source": "x.csv"})
        >>> s.verify()
        >>> _ = s.file(QUARANTINE).write_text("changed")
        >>> s.verify()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        sote_analytics.store.StoreError: the processed folder ... is incomplete (quarantine.csv has 7 bytes, ...
        """
        meta = self.meta()
        files = meta.get("files")
        if not isinstance(files, dict):
            return  # a folder of an older version: nothing to verify against
        for name, want in files.items():
            p = self.file(name)
            try:
                st = p.stat()
            except OSError:
                raise StoreError(f"the processed folder {self.path} is incomplete ({name} is missing): "
                                 f"{REBUILD}") from None
            if st.st_size != want.get("bytes"):
                raise StoreError(f"the processed folder {self.path} is incomplete ({name} has {st.st_size:,} bytes, "
                                 f"run.json says {want.get('bytes'):,}): {REBUILD}")
            if cached_sha256(p) != want.get("sha256"):
                raise StoreError(f"the processed folder {self.path} is incomplete ({name} does not match its "
                                 f"checksum in run.json): {REBUILD}")

    # ------------------------------------------------------------------ run metadata
    def meta(self) -> dict:
        """``run.json`` as a dict (empty when the folder has none).

        Returns
        -------
        dict
            What :meth:`write_meta` wrote, with ``files`` (size and sha256 of every other file).

        Raises
        ------
        StoreError
            When ``run.json`` is unreadable.

        Examples
        --------
        >>> store.meta()["source"], "indicators.parquet" in store.meta()["files"]
        ('register.csv', True)
        >>> Store(tmp / "nothing here").meta()
        {}
        """
        p = self.file(RUN_META)
        if not p.is_file():
            return {}
        try:
            return json.loads(p.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{p} is unreadable ({exc}); run `sote-analytics indicators` again") from None

    def write_meta(self, meta: dict) -> None:
        """Write ``run.json`` last, with the size and sha256 of every other file of the folder; in a
        transaction, then swap the staging folder in (:meth:`begin`).

        Parameters
        ----------
        meta : dict
            The run's metadata (source, row counts, ``synthetic``, ...), JSON-serialisable (other
            values are written as text); ``files`` is added.

        Returns
        -------
        None

        Examples
        --------
        >>> s = Store(tmp / "meta")
        >>> s.write_meta({"source": "x.csv", "rows": 3})
        >>> s.meta()
        {'source': 'x.csv', 'rows': 3, 'files': {}}
        """
        folder = self._out(RUN_META).parent
        meta = {**meta, "files": self._fingerprints(folder)}
        atomic_write_text(folder / RUN_META, json.dumps(meta, ensure_ascii=False, indent=2, default=str))
        if self._key() in _OPEN:
            self._commit()

    @property
    def synthetic(self) -> bool:
        """True when the register of this run is the synthetic demo (decided once, in ``run.json``).

        Returns
        -------
        bool

        Examples
        --------
        >>> store.synthetic
        False
        """
        return bool(self.meta().get("synthetic", False))

    # ------------------------------------------------------------------ indicators
    def save_indicators(self, ind) -> dict[str, str]:
        """Write the indicator table (Parquet and CSV), counts, registrations and the data dictionary.

        Parameters
        ----------
        ind : IndicatorSet
            What :func:`sote_analytics.compute_indicators` returns.

        Returns
        -------
        dict of str to str
            What was written -> its path (``parquet``, ``csv``, ``csv_excel``, ``municipality_counts``,
            ``registrations``, ``data_dictionary``, and ``activity_trend`` when there is one).

        Examples
        --------
        >>> from dataclasses import replace
        >>> regions = replace(ind, table=ind.table[ind.table["area_level"] == "maakunta"])  # small: fast
        >>> sorted(Store(tmp / "saved").save_indicators(regions))
        ['csv', 'csv_excel', 'data_dictionary', 'municipality_counts', 'parquet', 'registrations']
        """
        from .indicators.definitions import data_dictionary

        names = {"parquet": INDICATORS, "csv": INDICATORS_CSV, "municipality_counts": MUNICIPALITY_COUNTS,
                 "registrations": REGISTRATIONS, "data_dictionary": DATA_DICTIONARY,
                 "csv_excel": INDICATORS_EXCEL_CSV}
        out = {k: self._out(v) for k, v in names.items()}
        from .export import write_csv
        from .read.validation import write_safe_csv

        with atomic_path(out["parquet"]) as tmp:
            ind.table.to_parquet(tmp, index=False)
        write_safe_csv(ind.table, out["csv"])  # area names and sources come from the user's files
        # the same table for a double click in Finnish Excel (;, decimal comma, BOM, formula-safe)
        write_csv(ind.table, out["csv_excel"], excel=True)
        write_safe_csv(ind.municipality_counts, out["municipality_counts"])
        with atomic_path(out["registrations"]) as tmp:
            ind.registrations.to_parquet(tmp, index=False)
        write_safe_csv(data_dictionary(), out["data_dictionary"])
        trend = getattr(ind, "activity_trend", None)
        if trend is not None and len(trend):
            names["activity_trend"] = ACTIVITY_TREND
            with atomic_path(self._out(ACTIVITY_TREND)) as tmp:
                trend.to_parquet(tmp, index=False)
        elif self._key() not in _OPEN:
            self.file(ACTIVITY_TREND).unlink(missing_ok=True)
        for v in names.values():
            self._rehash(v)
        return {k: str(self.file(v)) for k, v in names.items()}

    def load_indicators(self):
        """Read what :meth:`save_indicators` wrote, as an :class:`~.indicators.IndicatorSet`.

        Returns
        -------
        IndicatorSet
            ``.table`` (the tidy table), ``.municipality_counts``, ``.registrations``, ``.activity_trend``.

        Raises
        ------
        StoreError
            When the folder is missing, incomplete or unreadable (see :meth:`check`).

        Examples
        --------
        >>> got = store.load_indicators()
        >>> sorted(got.table["area_level"].unique())
        ['maakunta']
        """
        from .indicators.engine import IndicatorSet

        self.check()
        names = (RUN_META, INDICATORS, MUNICIPALITY_COUNTS, REGISTRATIONS, ACTIVITY_TREND)
        state = tuple(_file_state(self.file(n)) for n in names)
        cached = _LOADED.get(str(self.path.absolute()))
        if cached is None or cached[0] != state:  # read once per version of the files and process
            table = pd.read_parquet(self.file(INDICATORS))
            mc = pd.read_csv(self.file(MUNICIPALITY_COUNTS), dtype={"kunta_code": str, "sector": str})
            regs = self.file(REGISTRATIONS)
            trend = self.file(ACTIVITY_TREND)
            cached = (state, (table, mc, pd.read_parquet(regs) if regs.exists() else pd.DataFrame(),
                              pd.read_parquet(trend) if trend.exists() else pd.DataFrame()))
            _LOADED.pop(str(self.path.absolute()), None)
            _LOADED[str(self.path.absolute())] = cached
            while len(_LOADED) > 4:  # the folders read last (an analyst's session may read many)
                _LOADED.pop(next(iter(_LOADED)))
        # new frame objects on the same data (copy-on-write): a caller that changes its copy changes only it
        return IndicatorSet(*(f.copy(deep=False) for f in cached[1]))

    def check(self) -> None:
        """Fail with a :class:`StoreError` naming the fix when a required file is missing or unreadable.

        Returns
        -------
        None

        Examples
        --------
        >>> store.check()
        >>> Store(tmp / "no such folder").check()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        sote_analytics.store.StoreError: processed folder ... does not exist: run `sote-analytics indicators` ...
        """
        fix = "run `sote-analytics indicators` (or `sote-analytics run FILE`) to build it"
        self._recover()
        if not self.path.is_dir():
            raise StoreError(f"processed folder {self.path} does not exist: {fix}")
        self.verify()
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
        shown as it came, less its personal data).

        Parameters
        ----------
        quarantine : DataFrame
            The rejected rows (:attr:`.ingest.IngestResult.quarantine`).

        Returns
        -------
        Path
            ``quarantine.csv``.

        Examples
        --------
        >>> q = pd.DataFrame({"name": ["=HYPERLINK(1)"], "reason": ["no municipality"]})
        >>> print(Store(tmp / "quarantine").write_quarantine(q).read_text("utf-8").strip())
        name,reason
        '=HYPERLINK(1),no municipality
        """
        return self._write_safe_csv(quarantine, QUARANTINE, redact=True)

    def write_field_problems(self, problems: pd.DataFrame | None) -> Path:
        """The field problems of accepted associations (row, column, problem; values redacted), formula-safe.

        Parameters
        ----------
        problems : DataFrame or None
            ``source_row, column, kind, problem, value`` (:attr:`.register.RegisterResult.field_problems`);
            None writes the header only.

        Returns
        -------
        Path
            ``field_problems.csv``.

        Examples
        --------
        >>> Store(tmp / "problems").write_field_problems(None).read_text("utf-8").strip()
        'source_row,column,kind,problem,value'
        """
        if problems is None:
            problems = pd.DataFrame(columns=["source_row", "column", "kind", "problem", "value"])
        return self._write_safe_csv(problems, FIELD_PROBLEMS)

    def write_review(self, register: pd.DataFrame, language: str = "fi") -> tuple[Path, int]:
        """The review workbook (:func:`.corrections.write_review_workbook`).

        Parameters
        ----------
        register : DataFrame
            The classified register.
        language : {"fi", "sv", "en"}
            Language of the workbook's headers and instructions.

        Returns
        -------
        tuple of (Path, int)
            ``tarkistettavat.xlsx`` and the number of associations in it to review.

        Examples
        --------
        >>> path, n = Store(tmp / "review").write_review(register)
        >>> path.name, n >= 0
        ('tarkistettavat.xlsx', True)
        """
        from .classify.corrections import review_rows, write_review_workbook

        key = self.review_key(register, language)
        previous = self._previous_files("quality.review.key", key)
        if previous and self._reuse(previous, REVIEW):  # the same rows to review: openpyxl left out (0.3 s)
            return self.file(REVIEW), len(review_rows(register))
        _, n = write_review_workbook(register, self._out(REVIEW), language)
        self._rehash(REVIEW)
        return self.file(REVIEW), n

    @staticmethod
    def review_key(register: pd.DataFrame, language: str = "fi") -> str:
        """What the review workbook is made of: its rows' columns, the language and the package's code
        (``quality.review.key`` in ``run.json``); a run whose key equals the folder's keeps the workbook.

        Parameters
        ----------
        register : DataFrame
            The classified register.
        language : str
            The workbook's language.

        Returns
        -------
        str
            A sha256 hex digest.

        Examples
        --------
        >>> key = Store.review_key(register)
        >>> key == Store.review_key(register.copy()), key == Store.review_key(register, "sv")
        (True, False)
        """
        from .classify.corrections import REVIEW_COLUMNS, review_rows
        from .digests import parts_digest

        rows = review_rows(register).reindex(columns=list(REVIEW_COLUMNS))
        return parts_digest(language, rows.astype("string").fillna("\0").to_csv(index=False))

    def _previous_files(self, path: str, key: str) -> dict:
        """The checksums of the folder's files when ``run.json`` at ``path`` (dotted) holds ``key``."""
        try:
            meta = self.meta()
        except StoreError:
            return {}
        node = meta
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return (meta.get("files") or {}) if node == key else {}

    def _write_safe_csv(self, frame: pd.DataFrame, name: str, redact: bool = False) -> Path:
        from .read.validation import write_safe_csv

        write_safe_csv(frame, self._out(name), redact=redact)
        self._rehash(name)
        return self.file(name)

    def write_directory(self, register: pd.DataFrame) -> Path:
        """The directory a report may show; never extras (contact persons, e-mails).

        Parameters
        ----------
        register : DataFrame
            The classified register.

        Returns
        -------
        Path
            ``directory.parquet``: name, municipality, sector, service production, organisation type and
            the area of operation.

        Examples
        --------
        >>> Store(tmp / "directory").write_directory(register).name
        'directory.parquet'
        """
        from .read.validation import redact_person_names

        p = self._out(DIRECTORY)
        cols = ["association_id", *DIRECTORY_COLUMNS, "org_type",
                *[c for c in OPERATING_COLUMNS + OPTIONAL_OPERATING_COLUMNS if c in register]]
        d = register[cols].copy()
        d["name"] = redact_person_names(d["name"])[0].astype(register["name"].dtype)  # a person is not listed
        with atomic_path(p) as tmp:
            d.to_parquet(tmp, index=False)
        self._rehash(DIRECTORY)
        return self.file(DIRECTORY)

    def operating_in(self, municipality_codes) -> pd.DataFrame:
        """National and district organisations whose area of operation covers any of ``municipality_codes``.

        Columns: name, sector, org_type, operating_area_level, municipality_code (the domicile, if any),
        and ``n_covered`` (how many of the given municipalities the area of operation includes).

        Parameters
        ----------
        municipality_codes : iterable of str
            Municipality codes (``"179"``).

        Returns
        -------
        DataFrame
            One row per organisation (empty without a directory or without areas of operation).

        Examples
        --------
        >>> store.operating_in(["179", "249"])[["name", "org_type", "n_covered"]].values.tolist()
        [['Keski-Suomen Muistiyhdistys ry', 'district', 2]]
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
        """The directory, optionally only the associations domiciled in ``municipality_codes``.

        Parameters
        ----------
        municipality_codes : iterable of str, optional
            Municipality codes; all associations when omitted.

        Returns
        -------
        DataFrame
            ``name, municipality_code, sector, produces_services`` (empty without a directory).

        Examples
        --------
        >>> store.directory(["249"])["name"].tolist()
        ['Keuruun Eläkkeensaajat ry', 'MLL:n Keuruun paikallisyhdistys ry']
        """
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

        Parameters
        ----------
        survey_path : path or None
            The survey export (CSV or Excel); None removes a previous run's survey.
        ref : ReferenceData
            Required with a survey.
        kind, k, keep_free_text
            As in :func:`.survey_read.read_survey` (``k``: the smallest group shown).

        Returns
        -------
        Path or None
            ``survey.parquet``, or None without a survey.

        Examples
        --------
        >>> csv = tmp / "survey.csv"
        >>> pd.DataFrame({"Kunta": ["Jyväskylä", "Keuruu"], "Toimiala": ["ikääntyneet", "vammaiset"],
        ...               "Vapaaehtoisia": [12, 3]}).to_csv(csv, index=False)
        >>> s = Store(tmp / "survey")
        >>> s.write_survey(csv, ref).name, len(s.survey()), s.survey_report()["kind"]
        ('survey.parquet', 2, 'organisations')
        >>> s.write_survey(None) is None, s.survey()
        (True, None)
        """
        p, rp = self._out(SURVEY), self._out(SURVEY_REPORT)
        if survey_path is None:
            p.unlink(missing_ok=True)
            rp.unlink(missing_ok=True)
            self._rehash(SURVEY)
            self._rehash(SURVEY_REPORT)
            return None
        if ref is None:
            raise StoreError("write_survey needs the reference data (ref) to find the survey's area column")
        from .read.survey_read import read_survey

        res = read_survey(survey_path, ref, kind=kind, k=k, keep_free_text=keep_free_text)
        with atomic_path(p) as tmp:
            res.survey.to_parquet(tmp, index=False)
        atomic_write_text(rp, json.dumps(res.report, ensure_ascii=False, indent=2, default=str))
        self._rehash(SURVEY)
        self._rehash(SURVEY_REPORT)
        return self.file(SURVEY)

    def survey(self) -> pd.DataFrame | None:
        """The survey responses, or None.

        Returns
        -------
        DataFrame or None
            What :meth:`write_survey` stored.

        Examples
        --------
        >>> store.survey() is None
        True
        """
        p = self.file(SURVEY)
        return pd.read_parquet(p) if p.exists() else None

    def survey_report(self) -> dict:
        """How the survey was read (``survey_report.json``), or an empty dict (no survey, or an older run).

        Returns
        -------
        dict
            Respondents, unmatched areas and sectors, dropped personal-data columns, question kinds, kind, k.

        Examples
        --------
        >>> store.survey_report()
        {}
        """
        p = self.file(SURVEY_REPORT)
        if not p.is_file():
            return {}
        try:
            return json.loads(p.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"{p} is unreadable ({exc}); run `sote-analytics indicators` again") from None

    def write_trends(self, trends: pd.DataFrame | None) -> Path | None:
        """Founded, ended and net per year and area (a dated register such as YTJ), or remove old ones.

        Parameters
        ----------
        trends : DataFrame or None
            ``area_level, area_code, year, founded, ended, net``; None removes a previous run's.

        Returns
        -------
        Path or None
            ``trends.parquet``, or None.

        Examples
        --------
        >>> s = Store(tmp / "trends")
        >>> tr = pd.DataFrame({"area_level": ["kunta"] * 2, "area_code": ["179"] * 2, "year": [2024, 2023],
        ...                    "founded": [5, 4], "ended": [1, 2], "net": [4, 2]})
        >>> s.write_trends(tr).name
        'trends.parquet'
        >>> s.trends("kunta", "179")["year"].tolist()
        [2023, 2024]
        """
        p = self._out(TRENDS)
        if trends is None:
            p.unlink(missing_ok=True)
            self._rehash(TRENDS)
            return None
        with atomic_path(p) as tmp:
            trends.to_parquet(tmp, index=False)
        self._rehash(TRENDS)
        return self.file(TRENDS)

    def trends(self, level: str, code: str) -> pd.DataFrame | None:
        """The founded/ended/net rows of one area, or None when the register has no such dates.

        Parameters
        ----------
        level, code : str
            The area.

        Returns
        -------
        DataFrame or None
            The area's rows by year (see :meth:`write_trends`).

        Examples
        --------
        >>> store.trends("kunta", "179") is None  # the doctest register has no dates
        True
        """
        p = self.file(TRENDS)
        if not p.exists():
            return None
        t = pd.read_parquet(p)
        return t[(t["area_level"] == level) & (t["area_code"].astype(str) == str(code))].sort_values("year")

    # ------------------------------------------------------------------ geometries
    def geo_path(self, level: str) -> Path:
        """Path of the precomputed boundaries of ``level``.

        Parameters
        ----------
        level : str
            An area level id (``"kunta"``, ``"hyvinvointialue"``, ...).

        Returns
        -------
        Path
            ``geo_<level>.parquet`` in the folder.

        Examples
        --------
        >>> store.geo_path("maakunta").name
        'geo_maakunta.parquet'
        """
        return self.file(f"geo_{level}.parquet")

    def write_geometries(self, ref) -> list[Path]:
        """Precompute simplified boundaries of every level once (GeoParquet), for all reports of a batch.

        Parameters
        ----------
        ref : ReferenceData

        Returns
        -------
        list of Path
            One ``geo_<level>.parquet`` per area level.

        Examples
        --------
        >>> paths = Store(tmp / "geo").write_geometries(ref)
        >>> [p.name for p in paths][:2]
        ['geo_kunta.parquet', 'geo_seutukunta.parquet']
        """
        from .reference import area_levels

        key = self.geometries_key(ref)
        previous, notes = self._previous_geometries(key)
        out = []
        for lvl in area_levels():
            name = self.geo_path(lvl.id).name
            if not self._reuse(previous, name):
                with atomic_path(self._out(name)) as tmp:
                    ref.boundaries(lvl.id, simplify=MAP_SIMPLIFY).to_parquet(tmp, index=False)
            self._rehash(name)
            out.append(self.file(name))
        for note in notes:  # what reading them said, as if they had been read (the reports show it)
            if note not in ref.boundary_notes:
                ref.boundary_notes.append(note)
            if note not in ref.notes:
                ref.notes.append(note)
        return out

    @staticmethod
    def geometries_key(ref) -> str:
        """What the boundaries of :meth:`write_geometries` depend on: the reference folder's files, the
        simplification and the package's code (``geometries_key`` in ``run.json``).

        A run whose key equals the folder's keeps the folder's boundary files (checked against their
        checksums) instead of drawing them again.

        Parameters
        ----------
        ref : ReferenceData

        Returns
        -------
        str
            A sha256 hex digest.

        Examples
        --------
        >>> key = Store.geometries_key(ref)
        >>> len(key), key == Store.geometries_key(ref)
        (64, True)
        """
        from .digests import folder_digest, parts_digest

        return parts_digest(folder_digest(ref.folder) if ref.folder else "", str(MAP_SIMPLIFY))

    def _previous_geometries(self, key: str) -> tuple[dict, list[str]]:
        """The checksums of the folder's boundary files and the notes reading them gave, when its run drew
        them from the same ``key`` (else nothing)."""
        files = self._previous_files("geometries_key", key)
        notes = self.meta().get("geometries_notes") if files else None
        if not isinstance(notes, list):  # older folders: drawn again
            return {}, []
        return files, [n for n in notes if isinstance(n, str)]

    def _reuse(self, previous: dict, name: str) -> bool:
        """Link the folder's ``name`` into the open transaction when its bytes are what ``run.json`` says."""
        want = previous.get(name)
        staging = _OPEN.get(self._key())
        here = self.file(name)
        if not want or not here.is_file() or here.stat().st_size != want.get("bytes"):
            return False
        if cached_sha256(here) != want.get("sha256"):
            return False
        if staging is None:  # written in place: the file is already what it would be
            return True
        staging.mkdir(parents=True, exist_ok=True)
        try:
            os.link(here, staging / name)
        except OSError:  # no hard links here: computed again
            return False
        return True

    def boundaries(self, ref, level: str):
        """Boundaries of ``level``: the precomputed GeoParquet, else built from the reference.

        Parameters
        ----------
        ref : ReferenceData
            Used when the folder has no precomputed boundaries of the level.
        level : str

        Returns
        -------
        GeoDataFrame
            ``code``, ``name_fi``, ``name_sv``, ``name_en`` and the (simplified) geometry.

        Examples
        --------
        >>> store.boundaries(ref, "maakunta").shape[0]
        19
        """
        p = self.geo_path(level)
        if p.exists():
            import geopandas as gpd

            return gpd.read_parquet(p)
        return ref.boundaries(level, simplify=MAP_SIMPLIFY)

    def files(self) -> list[Path]:
        """Every file of the folder (for a manifest's input hashes).

        Returns
        -------
        list of Path
            Sorted; hidden files left out; ``[]`` when the folder does not exist.

        Examples
        --------
        >>> [p.name for p in store.files()][:3]
        ['data_dictionary.csv', 'directory.parquet', 'indicators.csv']
        """
        return sorted(p for p in self.path.glob("*") if p.is_file() and not p.name.startswith(".")) \
            if self.path.is_dir() else []
