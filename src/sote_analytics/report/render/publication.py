"""The whole publication in one batch: every level and language, warm kernels, incremental rebuilds.

:func:`publish` renders the reports listed by a publication config
(``data/publication.yaml`` by default: levels, areas, languages), writes
``manifest.json`` and a multi-level index per language (country ->
collaborative area -> wellbeing area -> sub-region -> municipality, each entry
linking up and down) of every report in the folder, this publication's and
earlier runs' (:mod:`.folder_index`).

Languages follow the municipality language status of the reference key
(``kielisuhde_code``): an area gets Swedish when a member municipality has one
of the configured statuses; levels and single areas can be overridden.

Each worker keeps one :class:`~.kernels.WarmKernel` for its share of the
reports. A report is skipped when the hash of its inputs equals the one in the
previous manifest and its HTML exists. The inputs are: its slice of the
processed data (the area's indicator and registration rows, its member
municipalities' indicator, count and directory rows, the national and district
organisations whose area of operation covers a member municipality, the survey
answers of its sub-regions and those known only at an area within it, such as
a county), what ``run.json`` says (row accounting, field problems, quality,
source) and ``survey_report.json``, the reference files, the notebook, the
package version and a digest of its code, the texts of its language and its
parameters. The national figures a report quotes for comparison are recorded
separately (``context``) and do not trigger a rebuild; ``force`` rebuilds all.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ... import __version__
from ...atomic import file_sha256
from ...boundary import cap_workers
from ...digests import code_digest
from ...filenames import NATIONAL
from ...i18n import LANGUAGES, catalogue
from ...reference import get_level
from ...store import Store
from .folder_index import write_folder_index
from .manifest import move_in, present, read_manifest, write_manifest
from .plan import Job, PublicationConfig, batch_jobs, load_config, plan
from .run import (
    ReportResult,
    check_inputs,
    default_notebook,
    install_assets,
    national_notebook,
    national_params,
    release_locks,
    report_params,
)
from .workers import WorkerPool, run_jobs

#: Indicators computed against the whole country (they move with any association anywhere): recorded as a
#: report's context, not as its data (see indicators.yaml).
CONTEXT_INDICATORS = ("share_of_national", "location_quotient", "rank_per_1000")


# ---------------------------------------------------------------------------- input hashes
def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode() if isinstance(p, str) else p)
        h.update(b"\0")
    return h.hexdigest()


def _group_digests(df, keys: list[str]) -> dict[tuple, str]:
    """Digest of the rows of each group of ``df`` (order-independent); rows with a missing key are a group
    of their own (``dropna=False``: a county-level survey answer has no sub-region)."""
    import numpy as np
    import pandas as pd

    if df is None or df.empty:
        return {}
    try:  # the values as read (typed); as text only for columns pandas cannot hash (0.29 s -> 0.05 s a table)
        rows = pd.util.hash_pandas_object(df, index=False).to_numpy()
    except TypeError:
        rows = pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy()
    out = {}
    for k, idx in df.groupby(keys, sort=False, dropna=False).indices.items():
        k = k if isinstance(k, tuple) else (k,)
        k = tuple(None if pd.isna(v) else v for v in k)
        out[k] = _digest(",".join(df.columns), np.sort(rows[idx]).tobytes())
    return out


#: Keys of ``run.json`` that are not what a report shows: where files were, their checksums, and the digest of
#: the run's inputs (a changed file with the same figures must not rebuild every report).
META_NOT_SHOWN = ("files", "outputs", "reference_dir", "input_digest")


class InputHasher:
    """Per-report input hashes of one processed folder and reference (computed once per batch)."""

    def __init__(self, store: Store, ref, notebook: Path) -> None:
        ind = store.load_indicators()
        self.key = ref.key
        table = ind.table.drop(columns=[c for c in ("source", "area_name") if c in ind.table])
        table["area_code"] = table["area_code"].astype(str)
        ctx = table["indicator"].isin(CONTEXT_INDICATORS)
        self.ind = _group_digests(table[~ctx], ["area_level", "area_code"])
        self.ind_context = _group_digests(table[ctx], ["area_level", "area_code"])
        regs = ind.registrations
        self.regs = _group_digests(regs.assign(area_code=regs["area_code"].astype(str)),
                                   ["area_level", "area_code"]) if len(regs) else {}
        mc = ind.municipality_counts.copy()
        mc["kunta_code"] = mc["kunta_code"].astype(str).str.zfill(3)
        self.counts = _group_digests(mc, ["kunta_code"])
        d = store.directory()
        self.directory = _group_digests(d.assign(municipality_code=d["municipality_code"].astype(str)),
                                        ["municipality_code"]) if len(d) else {}
        s = store.survey()
        self.survey: dict[tuple, str] = {}
        self.survey_areas: dict[tuple, str] = {}  # answers known only at a larger area (a county)
        if s is not None and len(s):
            s = s.assign(seutukunta_code=s["seutukunta_code"].astype("string"))
            keys = ["seutukunta_code"] + [c for c in ("area_level", "area_code") if c in s]
            for k, v in _group_digests(s, keys).items():
                if k[0] is not None:
                    self.survey[(k[0],)] = _digest(self.survey.get((k[0],), ""), v)
                elif len(k) == 3 and k[1] is not None and k[2] is not None:
                    self.survey_areas[(str(k[1]), str(k[2]))] = v
                else:
                    self.survey_areas[("", "")] = v  # no area at all: shown nowhere, counted everywhere
        self.survey_report = _digest(json.dumps(store.survey_report(), sort_keys=True, default=str))
        # national and district organisations, by every municipality their area of operation covers
        self.operating = self._operating(store)
        meta = store.meta()
        # row accounting, field problems, quality, source: everything run.json says that a report may show
        self.meta = _digest(json.dumps({k: v for k, v in meta.items() if k not in META_NOT_SHOWN}, sort_keys=True,
                                       default=str))
        self.code = code_digest()
        ref_files = sorted(p for p in Path(ref.folder).glob("*") if p.is_file())
        self.reference = _digest(*[f"{p.name}:{file_sha256(p)}" for p in ref_files])
        self.notebook = file_sha256(Path(notebook))
        self.national_notebook = file_sha256(national_notebook())
        self.texts = {lang: _digest(json.dumps(catalogue(lang), sort_keys=True, ensure_ascii=False))
                      for lang in LANGUAGES}
        self.context = _digest(self.ind.get(("koko_maa", "SSS"), ""), *sorted(self.ind_context.values()))
        # the key as plain mappings, read once (a pandas lookup per report cost 3 s on 509 reports)
        key = self.key.astype({c: str for c in self.key.columns if c.endswith("_code")})
        self._key_rows = key.to_dict("records")
        self._subregion = dict(zip(key["kunta_code"], key["seutukunta_code"], strict=True))
        self._members: dict[tuple[str, str], list[str]] = {}

    @staticmethod
    def _operating(store: Store) -> dict[str, str]:
        """Digest of the national and district organisations whose area of operation covers each municipality."""
        import pandas as pd

        d = store.operating_in(store.directory()["municipality_code"].dropna().astype(str).unique().tolist()
                               + _all_codes(store))
        if not len(d):
            return {}
        d = d.drop(columns=["n_covered"]).astype(str)
        rows = pd.util.hash_pandas_object(d, index=False).to_numpy()
        by_code: dict[str, list[int]] = {}
        for i, codes in enumerate(d["operating_area_codes"].str.split("|")):
            for c in codes:
                by_code.setdefault(c, []).append(int(rows[i]))
        return {c: _digest(",".join(d.columns), ",".join(map(str, sorted(v)))) for c, v in by_code.items()}

    def members(self, level: str, code: str) -> list[str]:
        """The codes of the municipalities of area ``code`` of ``level``, sorted."""
        k = (level, code)
        if k not in self._members:
            col = f"{get_level(level).id}_code"
            self._members[k] = sorted(r["kunta_code"] for r in self._key_rows
                                      if code == NATIONAL or r.get(col) == code)
        return self._members[k]

    def _members_or_none(self, level: str, code: str) -> list[str] | None:
        try:
            return self.members(level, code)
        except (ValueError, KeyError):
            return None

    def inputs(self, job: Job, params: dict) -> dict[str, str]:
        """The component hashes of one report's inputs."""
        mem = self.members(job.level, job.area)
        own = set(mem)
        subs = sorted({self._subregion[m] for m in mem})
        larger = [v for (lvl, code), v in sorted(self.survey_areas.items())
                  if lvl and (m := self._members_or_none(lvl, code)) and set(m) <= own]
        if job.national:  # every area of the level side by side
            own_rows = _digest(*[v for (lvl, _), v in sorted(self.ind.items()) if lvl == job.level],
                               *[v for (lvl, _), v in sorted(self.ind_context.items()) if lvl == job.level])
        else:
            own_rows = self.ind.get((job.level, job.area), "")
        data = _digest(
            own_rows, self.regs.get((job.level, job.area), ""),
            *[self.ind.get(("kunta", m), "") + self.counts.get((m,), "") + self.directory.get((m,), "")
              + self.operating.get(m, "") for m in mem],
            *[self.survey.get((s,), "") for s in subs], *larger, self.survey_areas.get(("", ""), ""),
            self.survey_report, self.meta)
        return {"data": data, "reference": self.reference,
                "notebook": self.national_notebook if job.national else self.notebook, "version": __version__,
                "code": self.code,
                "texts": self.texts[job.language],
                "parameters": _digest(json.dumps({k: v for k, v in params.items()
                                                  if k not in ("processed_dir", "reference_dir")}, sort_keys=True))}


def _all_codes(store: Store) -> list[str]:
    """Every municipality code an area of operation in the directory names (so none is missed)."""
    import pyarrow.parquet as pq

    from ...store import DIRECTORY

    p = store.file(DIRECTORY)
    if not p.exists() or "operating_area_codes" not in pq.read_schema(p).names:
        return []
    import pandas as pd

    codes = pd.read_parquet(p, columns=["operating_area_codes"])["operating_area_codes"].dropna().astype(str)
    return sorted({c for cs in codes.str.split("|") for c in cs})


def inputs_hash(inputs: dict[str, str]) -> str:
    """One hash over the component hashes."""
    return _digest(json.dumps(inputs, sort_keys=True))


# ---------------------------------------------------------------------------- publish
@dataclass
class PublicationResult:
    """What :func:`publish` did: the reports built (with their errors) and those unchanged."""

    built: list[dict]
    skipped: list[dict]
    index: dict[str, str]
    manifest: str
    seconds: float

    @property
    def failed(self) -> list[dict]:
        return [r for r in self.built if r.get("error")]


@dataclass
class BatchResult:
    """What :func:`render_batch` did: one level's reports built, and those whose inputs were unchanged."""

    level: str
    results: list[ReportResult]
    index: str
    manifest: str
    skipped: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if r.error]


def publish(cfg: PublicationConfig, *, year: int, processed_dir: Path, out_dir: Path,
            reference_dir: Path | None = None, workers: int | None = None, force: bool = False,
            notebook: Path | None = None, self_contained: bool = False, jobs: list[Job] | None = None,
            progress: bool = False, keep_executed: bool | None = None, pool: WorkerPool | None = None,
            reference=None) -> PublicationResult:
    """Render the reports of ``cfg`` (or ``jobs``); skip those whose inputs are unchanged.

    The one way reports are made: a one-level batch (:func:`render_batch`), ``run`` and the whole
    publication all come here, write one manifest format (:mod:`.manifest`) and the folder's index.

    Parameters
    ----------
    cfg : PublicationConfig
        Levels, areas and languages (:func:`.plan.load_config`); with ``jobs``, only its index links.
    year : int
        Municipality key year.
    processed_dir, out_dir : Path
        The processed folder (read through :class:`~...store.Store`) and the output folder.
    reference_dir : Path, optional
        Reference folder (default resolution of :func:`~...reference.load_reference`).
    workers : int, optional
        Worker processes, each with one warm kernel (default: cores, at most one per report).
    force : bool
        Rebuild every report.
    notebook : Path, optional
        The regional report notebook (default: the packaged one).
    self_contained : bool
        Inline plotly.js in every report (else one shared ``assets/plotly.min.js``).
    jobs : list of Job, optional
        The reports to make instead of ``plan(ref, cfg)``.
    progress : bool
        A progress bar on the console.
    keep_executed : bool, optional
        Keep every executed notebook in ``_executed/`` (True), none (False), or only those of failed
        reports, for debugging (None, the default).
    pool : WorkerPool, optional
        Workers started earlier (their kernels warm or warming) to render on; by default the
        publication starts its own.
    reference : ReferenceData, optional
        The reference the caller loaded and used for ``processed_dir`` (:func:`.pipeline.run`), of
        ``year``: used as it is, its boundaries not read again (else loaded from ``reference_dir``
        and checked).

    Returns
    -------
    PublicationResult
    """

    started = time.time()
    out_dir = Path(out_dir)
    locks = check_inputs(processed_dir, out_dir, notebook)
    try:
        return _publish(cfg, year, processed_dir, out_dir, reference_dir, workers, force, notebook, self_contained,
                        started, jobs, progress, keep_executed, pool, reference)
    finally:
        release_locks(locks)


def _key_figures(table, levels: set[str]) -> dict[tuple[str, str], dict[str, float | None]]:
    """Associations and associations per 1,000 of every area of ``levels`` (all sectors), for the index."""
    sel = table[table["area_level"].isin(levels) & (table["sector"] == "ALL")
                & table["indicator"].isin(["associations", "associations_per_1000"])]
    out: dict[tuple[str, str], dict[str, float | None]] = {}
    for level, code, ind, value in zip(sel["area_level"], sel["area_code"].astype(str), sel["indicator"],
                                       sel["value"], strict=True):
        out.setdefault((level, code), {})[ind] = None if value != value else float(value)
    return out


def _publish(cfg: PublicationConfig, year: int, processed_dir: Path, out_dir: Path, reference_dir: Path | None,
             workers: int | None, force: bool, notebook: Path | None, self_contained: bool,
             started: float, jobs: list[Job] | None, progress: bool, keep_executed: bool | None,
             pool: WorkerPool | None = None, reference=None) -> PublicationResult:
    from ...reference import load_reference

    if reference is not None and reference.year == year:  # the caller's, checked when it made processed_dir
        ref = reference
    else:
        ref = load_reference(year, reference_dir)
        try:  # shared reference inputs are checked once, before any worker starts
            _ = ref.municipality_boundaries
        except Exception as exc:
            from .run import BatchInputError

            raise BatchInputError(f"reference data in {ref.folder} cannot be used: {exc}") from None
    store = Store(processed_dir)
    meta = store.meta()
    nb = Path(notebook) if notebook else default_notebook()
    jobs = plan(ref, cfg) if jobs is None else jobs
    # every earlier report still present stays listed (one removed by hand is forgotten)
    entries: dict[str, dict] = {k: r for k, r in read_manifest(out_dir)["reports"].items() if present(out_dir, r)}
    previous = {} if force else dict(entries)
    skipped: list[dict] = []
    hasher: InputHasher | None = None
    source = {"source": meta.get("source"), "processed_dir": str(store.path), "synthetic": store.synthetic}

    def find_todo() -> list[dict]:
        """The reports whose inputs changed (the workers start their kernels meanwhile)."""
        nonlocal hasher
        hasher = InputHasher(store, ref, nb)
        todo = []
        for job in jobs:
            if job.national:
                params = national_params(job.level, year, job.language, processed_dir, ref.folder)
            else:
                params = report_params(job.level, job.area, year, job.language, processed_dir, ref.folder)
            inputs = hasher.inputs(job, params)
            h = inputs_hash(inputs)
            old = previous.get(job.stem)
            html = out_dir / f"{job.stem}.html"
            entry = {"level": job.level, "area": job.area, "language": job.language, "inputs": inputs,
                     "inputs_hash": h, "context": hasher.context, **source}
            if old and old.get("inputs_hash") == h and not old.get("error") and html.is_file():
                entries[job.stem] = {**old, "context_changed": old.get("context") != hasher.context}
                skipped.append(entries[job.stem])
            else:
                entries[job.stem] = entry
                todo.append({"stem": job.stem, "level": job.level, "area": job.area, "language": job.language,
                             "params": params, **({"notebook": str(national_notebook())} if job.national else {})})
        if not self_contained and todo:
            install_assets(out_dir)
        # the longest reports first (national overviews, the country, then the largest areas)
        todo.sort(key=lambda j: (j["area"] != NATIONAL, -len(hasher.members(j["level"], j["area"]))))
        return todo

    workers = cap_workers(workers, len(jobs))  # never more processes than reports, cores or memory allow
    from tqdm import tqdm

    # the reports are written into a staging folder beside the output folder and moved in only when every
    # one is done: a killed run or a full disk leaves the folder as it was (the lock of check_inputs is ours)
    stage = staging_dir(out_dir)
    shutil.rmtree(stage, ignore_errors=True)  # left by a killed run
    stage.mkdir(parents=True)
    try:
        with tqdm(total=len(jobs), disable=not progress, desc="reports", unit="report") as bar:
            built = run_jobs(find_todo, workers, nb, stage, self_contained, on_result=lambda _: bar.update(1),
                             pool=pool)
        return _commit(cfg, store, ref, meta, jobs, entries, built, skipped, stage, out_dir, started, workers, force,
                       nb, year, keep_executed)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def staging_dir(out_dir: Path) -> Path:
    """Where a run writes its reports before they are moved into ``out_dir``."""
    return Path(out_dir).parent / f".{Path(out_dir).name}.staging"


def _move_in(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)


def _commit(cfg, store, ref, meta, jobs, entries, built, skipped, stage: Path, out_dir: Path, started: float,
            workers: int, force: bool, nb: Path, year: int, keep_executed: bool | None) -> PublicationResult:
    """Move the built reports in, then the manifest (last but the index): the folder is never half new."""
    figures = _key_figures(store.load_indicators().table, {j.level for j in jobs})
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    executed_dir = out_dir / "_executed"
    moves: list[tuple[Path, Path]] = []
    for r in built:
        if r.get("html") and (out_dir / Path(r["html"]).name).is_dir():  # the target cannot be a file: that report
            r.update(html=None, error=f"IsADirectoryError: cannot write {out_dir / Path(r['html']).name}: a folder "
                                      "of that name is in the way")
        executed = Path(r["executed"])
        keep = keep_executed or (keep_executed is None and bool(r["error"]))  # by default: the failed ones
        r["executed"] = None
        if keep and executed.is_file():
            moves += [(f, executed_dir / f.name) for f in (executed, executed.with_suffix(".log")) if f.is_file()]
            r["executed"] = str(executed_dir / executed.name)
        if r.get("html"):
            moves.append((Path(r["html"]), out_dir / Path(r["html"]).name))
            r["html"] = str(out_dir / Path(r["html"]).name)
        entries[r["stem"]].update({k: r.get(k) for k in ("html", "executed", "seconds", "error", "error_name",
                                                         "error_value")}, built=stamp)
        if r["error"]:
            entries[r["stem"]]["inputs_hash"] = None  # never skipped next time
    for job in jobs:
        entries[job.stem]["figures"] = figures.get((job.level, job.area), {})
    # the manifest first into the staging folder (a full disk fails here, before anything moved), then the
    # reports it names, then the manifest: renames, which need no space
    staged = write_manifest(out_dir, entries, {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
        "seconds": round(time.time() - started, 2), "workers": workers, "force": force, "year": year,
        "processed_dir": str(store.path), "reference_dir": str(ref.folder), "notebook": str(nb),
        "source": meta.get("source"), "built": len(built), "skipped": len(skipped),
        "errors": {r["stem"]: r["error"] for r in built if r["error"]},
    }, into=stage)
    for src, dst in moves:
        _move_in(src, dst)
    manifest = move_in(staged, out_dir)
    languages = tuple(sorted({j.language for j in jobs}, key=LANGUAGES.index))
    index = write_folder_index(out_dir, ref, synthetic=store.synthetic, cfg=cfg, languages=languages)
    return PublicationResult(built, skipped, {k: str(v) for k, v in index.items()}, str(manifest),
                             time.time() - started)


def render_batch(
    level: str, *, year: int, processed_dir: Path, out_dir: Path, language: str = "fi",
    reference_dir: Path | None = None, areas: list[str] | None = None, workers: int | None = None,
    notebook: Path | None = None, self_contained: bool = False, progress: bool = True,
    national: bool = True, force: bool = False, keep_executed: bool | None = None, pool: WorkerPool | None = None,
    reference=None,
) -> BatchResult:
    """Render the reports of every area of ``level`` (or of ``areas``), the national overview and the index.

    A one-level publication (:func:`publish` with :func:`.plan.batch_jobs`): incremental, with the same
    manifest; a failing area does not stop the others.

    Parameters
    ----------
    level : str
        Area level id.
    year : int
        Municipality key year.
    processed_dir, out_dir : Path
        The processed folder and the output folder.
    language : str
        ``fi``, ``sv`` or ``en``.
    reference_dir : Path, optional
        Reference folder.
    areas : list of str, optional
        Area codes (default: every area of the level).
    workers : int, optional
        Worker processes.
    notebook : Path, optional
        The regional report notebook.
    self_contained : bool
        Inline plotly.js in every report.
    progress : bool
        A progress bar.
    national : bool
        Also the level's national overview.
    force : bool
        Rebuild reports whose inputs are unchanged.
    keep_executed, pool, reference : optional
        As :func:`publish`.

    Returns
    -------
    BatchResult
        The reports built (national overview last), and those skipped as unchanged.
    """
    from ...reference import load_reference

    get_level(level)
    if not areas:
        ref = reference if reference is not None and reference.year == year else load_reference(year, reference_dir)
        areas = ref.areas(level)["code"].tolist()
    codes = [str(a) for a in areas]
    res = publish(load_config(), year=year, processed_dir=processed_dir, out_dir=out_dir,
                  reference_dir=reference_dir, workers=workers, force=force, notebook=notebook,
                  self_contained=self_contained, jobs=batch_jobs(level, codes, language, national), progress=progress,
                  keep_executed=keep_executed, pool=pool, reference=reference)
    fields = ReportResult.__dataclass_fields__
    order = {c: i for i, c in enumerate([*codes, NATIONAL])}
    results = sorted((ReportResult(**{k: v for k, v in r.items() if k in fields}) for r in res.built),
                     key=lambda r: order.get(r.area, len(order)))
    return BatchResult(level, results, res.index.get(language, ""), res.manifest, res.skipped)

