"""The steps of the main job, each callable from notebooks, the CLI and tests.

sources -> :func:`read_register` (read and clean, then classify) ->
:func:`build_indicators` (indicators, written to the processed folder through
:class:`.store.Store`) -> reports (:mod:`.report`, which reads the store).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import config
from .digests import inputs_digest
from .indicators.engine import IndicatorSet, compute_indicators
from .read.ingest import IngestResult, ingest
from .read.register import RegisterResult
from .reference import ReferenceData
from .sources.demo import SYNTHETIC_NOTE, write_demo
from .store import Store


def build_demo(ref: ReferenceData, demo_dir: Path, seed: int = config.DEFAULT_SEED):
    """Write the synthetic demo register and survey to ``demo_dir``."""
    return write_demo(ref, demo_dir, seed)


def apply_classification(register: pd.DataFrame, sector_given: bool = True,
                         corrections: pd.DataFrame | None = None) -> pd.DataFrame:
    """Classify every accepted row; where the source gave no sector, use the classifier's.

    Adds ``sector_classified``, ``subsector``, ``classification_rule``, ``org_type``,
    ``is_headquarters``, ``confidence`` (high/medium/low) and ``sector_source``: ``given`` when the
    file's sector code (or taxonomy label) was kept, ``correction`` when a corrections file set it,
    else the signal that decided (:data:`.classify.SECTOR_SOURCES`: known organisation, the
    source's category, purpose, name rule, condition lexicon, medical word shape), ``none`` when
    nothing did.

    Parameters
    ----------
    register : DataFrame
        The canonical register (:func:`.register.canonicalize`).
    sector_given : bool
        False ignores the register's ``sector`` column (a source whose sectors are not the user's).
    corrections : DataFrame, optional
        :func:`.corrections.read_corrections`: applied last, by business ID, register number or name.

    Returns
    -------
    DataFrame
        The register with the classification columns; ``attrs["corrections"]`` says how many
        corrections were applied and which matched no association.
    """
    from .classify.classifier import classify
    from .taxonomy import UNCLASSIFIED

    reg = register.copy()
    cls = classify(reg["name"], reg["purpose"], reg.get("source_category"))
    reg["sector_classified"] = cls["sector"].astype("string")
    reg["subsector"] = cls["subsector"].astype("string")
    reg["classification_rule"] = cls["rule"].astype("string")
    reg["org_type"] = cls["org_type"].astype("string")
    # the level of the area of operation says national or district, whatever the name says;
    # the source's own organisation level, where it gives one, says more
    if "operating_area_level" in reg:
        from .read.operating_area import LEVEL_ORG_TYPE

        implied = reg["operating_area_level"].map(LEVEL_ORG_TYPE).astype("string")
        reg["org_type"] = implied.fillna(reg["org_type"])
    if "org_type_given" in reg:
        reg["org_type"] = reg["org_type_given"].astype("string").fillna(reg["org_type"])
    reg["is_headquarters"] = reg["org_type"].isin(["national", "district"]).astype(bool)
    given = reg["sector"].ne(UNCLASSIFIED).fillna(False) if sector_given else pd.Series(False, index=reg.index)
    signal = cls["sector_source"].astype("string").replace("", "none")
    reg["sector_source"] = signal.where(~given, "given")
    reg["confidence"] = cls["confidence"].astype("string").replace("", "low").where(~given, "high")
    reg["sector"] = reg["sector"].where(given, reg["sector_classified"])
    if corrections is not None:
        from .classify.corrections import apply_corrections

        reg = apply_corrections(reg, corrections)
    return reg


def read_register(path: Path | str, ref: ReferenceData, *, corrections: Path | str | pd.DataFrame | None = None,
                  **kwargs) -> IngestResult:
    """Read any register file (:func:`.ingest.ingest`) and classify its accepted rows.

    Keyword arguments go to :func:`.ingest.ingest` (``sheet``, ``mapping``, ``today``,
    ``keep_personal_data``); ``corrections`` is a corrections file (or frame) applied after the
    classification (:mod:`.corrections`).

    Examples
    --------
    >>> res = read_register(REGISTER, ref)  # a twelve-row register with PRH-style headers
    >>> len(res.register), res.register[["name", "sector"]].head(2).values.tolist()
    (12, [['Jyväskylän Seudun Mielenterveysseura ry', 'mental_substance'], ['Keuruun Eläkkeensaajat ry', 'elderly']])
    """
    from .classify.corrections import read_corrections

    res = ingest(path, ref, **kwargs)
    table = read_corrections(corrections) if corrections is not None and not isinstance(
        corrections, pd.DataFrame) else corrections
    from .read.operating_area import infer_district_areas

    reg = apply_classification(res.register, True, table)
    res.corrections = reg.attrs.pop("corrections", None)
    res.result.register = infer_district_areas(reg, ref)
    return res


def build_indicators(
    register_path: Path, ref: ReferenceData, processed_dir: Path, survey_path: Path | None = None,
    activity_path: Path | None = None, previous_path: Path | None = None, *, sheet: str | None = None,
    mapping: Path | None = None, corrections: Path | None = None, on_read=None,
    survey_kind: str = "organisations", survey_k: int = 5, stea_path: Path | None = None, scope: str | None = None,
) -> tuple[RegisterResult, IndicatorSet]:
    """Read a register, compute every indicator for every area, save them.

    Writes the indicators, the quarantine, the field problems, the review workbook, the directory,
    the survey, the precomputed boundaries and ``run.json`` (source, row counts, synthetic flag,
    reference folder, population year, how the file was read) through :class:`.store.Store`.
    ``sheet``, ``mapping`` and ``corrections`` go to :func:`read_register`; ``on_read`` is called with
    the :class:`.ingest.IngestResult` before the indicators are computed (the CLI prints from it).
    """
    digest = inputs_digest(
        {"register": register_path, "survey": survey_path, "activity": activity_path, "previous": previous_path,
         "mapping": mapping, "corrections": corrections, "stea": stea_path},
        {"job": "build_indicators", "sheet": sheet, "survey_kind": survey_kind, "survey_k": survey_k,
         "scope": scope, "year": ref.year, "population_year": ref.population_year}, ref.folder)
    with Store(processed_dir).transaction() as store:
        if store.unchanged(digest):  # the same inputs as the folder's run: it stays as it is, untouched
            ind = store.load_indicators()  # under the lock: no run swaps the folder meanwhile
            store.abort()  # ends the transaction (and one the caller opened): lock released, folder kept
            ing = read_register(register_path, ref, sheet=sheet, mapping=mapping, corrections=corrections)
            if on_read is not None:
                on_read(ing)
            return _stored_result(ing.result, ind, ref, stea_path)
    ing = read_register(register_path, ref, sheet=sheet, mapping=mapping, corrections=corrections)
    if on_read is not None:
        on_read(ing)
    change = None
    if previous_path:  # net change between two register snapshots
        from .indicators.engine import snapshot_change

        old = ingest(previous_path, ref).register
        change = snapshot_change(old, ing.register, ref,
                                 source=f"{Path(previous_path).name} -> {_source(ing.result)}")
    with Store(processed_dir).transaction() as store:  # all or nothing: a failure leaves the previous folder
        store.write_field_problems(ing.result.field_problems)
        review, n_review = store.write_review(ing.register)
        quality = ing.quality()
        quality["review"] = {"file": review.name, "associations": n_review,
                             "key": store.review_key(ing.register)}
        return store_indicators(ing.result, ref, processed_dir, survey_path, activity_path, quality=quality,
                                extra_rows=change, survey_kind=survey_kind, survey_k=survey_k, stea_path=stea_path,
                                scope=scope, input_digest=digest)


def _stored_result(res: RegisterResult, ind: IndicatorSet, ref: ReferenceData, stea_path) -> tuple[RegisterResult,
                                                                                                    IndicatorSet]:
    """What a run with unchanged inputs returns: the register read, the folder's indicators (nothing written)."""
    if stea_path is not None:  # the register returned carries the grant signal, as a computing run's does
        from .sources.stea import attach_stea

        res.register = attach_stea(res.register, stea_path, ref)[0]
    return res, ind


def _source(res: RegisterResult) -> str:
    return f"{SYNTHETIC_NOTE} ({res.source})" if res.synthetic else res.source


def store_indicators(
    res: RegisterResult, ref: ReferenceData, processed_dir: Path, survey_path: Path | None = None,
    activity_path: Path | None = None, *, quality: dict | None = None, extra_rows: pd.DataFrame | None = None,
    counted: pd.DataFrame | None = None, trends: pd.DataFrame | None = None, meta: dict | None = None,
    survey_kind: str = "organisations", survey_k: int = 5, stea_path: Path | None = None,
    scope: str | None = None, input_digest: str | None = None,
) -> tuple[RegisterResult, IndicatorSet]:
    """Compute every indicator of a read and classified register and write the processed folder.

    ``counted`` is the part of the register the figures count (default: all of it; the YTJ
    register counts only associations that exist now). ``trends`` (founded, ended, net per
    year and area) and ``meta`` (what the source covers) are stored for the reports. The survey
    (any export, see :func:`.survey_read.read_survey`) is read as a survey of ``survey_kind``
    (organisations or persons) with the smallest shown cell ``survey_k``. ``stea_path`` is the grants
    file of ``resources fetch --source stea`` (:func:`.sources.stea.attach_stea`). ``scope`` is what the
    register covers as the user says it (``"hyvinvointialue:15"``, ``"koko_maa"``); without it the scope
    is inferred from the register (:mod:`.scope`) and stored in ``run.json``.

    Unchanged inputs rewrite nothing: ``run.json`` records ``input_digest`` (by default, a digest of
    the frames, the files, the options, the reference and the code, :func:`.digests.inputs_digest`);
    when the folder's run had the same digest and its files are intact, nothing is computed or
    written and the stored indicators are returned. A run that computes replaces only the files
    whose bytes changed (:meth:`.store.Store.write_meta`).
    """
    digest = input_digest or _frames_digest(res, ref, survey_path, activity_path, stea_path, quality=quality,
                                            extra_rows=extra_rows, counted=counted, trends=trends, meta=meta,
                                            survey_kind=survey_kind, survey_k=survey_k, scope=scope)
    with Store(processed_dir).transaction() as store:  # run.json, written last, commits it
        if store.unchanged(digest):
            ind = store.load_indicators()
            store.abort()  # nothing to write: the transaction ends, the folder stays untouched
            return _stored_result(res, ind, ref, stea_path)
        return _store_indicators(store, res, ref, survey_path, activity_path, quality, extra_rows, counted, trends,
                                 {**(meta or {}), "input_digest": digest} if digest else meta,
                                 survey_kind, survey_k, stea_path, scope)


def _frames_digest(res: RegisterResult, ref: ReferenceData, survey_path, activity_path, stea_path, **options):
    """:func:`.digests.inputs_digest` of a register given as frames (None when a frame cannot be hashed)."""
    import hashlib

    h = hashlib.sha256()
    frames = {"register": res.register, "quarantine": res.quarantine, "field_problems": res.field_problems,
              **{k: options.pop(k) for k in ("extra_rows", "counted", "trends")}}
    try:
        for name, frame in frames.items():
            h.update(f"\0{name}\0".encode())
            if frame is not None:
                h.update(repr((list(frame.columns), [str(t) for t in frame.dtypes])).encode())
                h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    except (TypeError, ValueError):  # unhashable cells (lists): never skipped
        return None
    summary = {"source": res.source, "rows_in": res.rows_in, "synthetic": res.synthetic, "extras": res.extras,
               "origin": res.origin, "reasons": res.reasons}
    return inputs_digest({"survey": survey_path, "activity": activity_path, "stea": stea_path},
                         {"job": "store_indicators", "frames": h.hexdigest(), "summary": summary, **options,
                          "year": ref.year, "population_year": ref.population_year}, ref.folder)


def _store_indicators(store: Store, res: RegisterResult, ref: ReferenceData, survey_path, activity_path, quality,
                      extra_rows, counted, trends, meta, survey_kind, survey_k, stea_path, scope):
    store.write_survey(survey_path, ref, kind=survey_kind, k=survey_k)  # first: a wrong survey fails fast
    source = _source(res)
    counted = res.register if counted is None else counted
    if stea_path is not None:  # STEA grants: resources of the associations, and a sote signal
        from .sources.stea import attach_stea

        whole = counted is res.register
        counted, stea_rows, stea_summary = attach_stea(counted, stea_path, ref)
        if whole:  # the grant signal classified some: the register returned says so too
            res.register = counted
        extra_rows = stea_rows if extra_rows is None else pd.concat([extra_rows, stea_rows], ignore_index=True)
        meta = {**(meta or {}), "stea": stea_summary, "stea_retrieved_at": stea_summary.get("stea_retrieved_at")}
    activity = pd.read_csv(activity_path, dtype={"association_id": str}) if activity_path else None
    ind = compute_indicators(counted, ref, source, activity=activity)
    if extra_rows is not None:
        ind.table = pd.concat([ind.table, extra_rows], ignore_index=True)
    paths = store.save_indicators(ind)
    store.write_quarantine(res.quarantine)
    store.write_directory(counted)
    store.write_trends(trends)
    paths["geometries"] = [str(p) for p in store.write_geometries(ref)]
    covered = _register_scope(counted, ref, scope)
    q = quality or {}
    store.write_meta({
        **res.summary, "source": source, "year": ref.year,
        "reference_dir": str(Path(ref.folder).resolve()),
        "population_year": ref.population_year, "reference_notes": ref.notes, "outputs": paths,
        "quality": {k: q[k] for k in ("rows_in", "accepted", "quarantined", "completeness", "resolution_methods",
                                       "likely_duplicates", "classification", "field_problems",
                                       "field_problems_total", "rows_with_field_problems", "approximate_values",
                                       "categories", "corrections", "review", "read", "origin") if k in q},
        "scope": covered.to_dict(), "geometries_key": store.geometries_key(ref),
        "geometries_notes": list(ref.boundary_notes),
        **(meta or {}),
    })
    return res, ind


def build_ytj_indicators(cache_dir: Path, ref: ReferenceData, processed_dir: Path, *, bulk: Path | None = None,
                         offline: bool = True, synthetic: bool = False) -> tuple[RegisterResult, IndicatorSet]:
    """The national register from PRH's YTJ open data (fetched before, or a local bulk file) -> indicators.

    Current figures count the associations that exist now (dissolved ones excluded); the
    dissolved ones give the founded/ended trends of every area. The run metadata says what the
    source covers: only associations with a business ID (an undercount).
    """
    from .sources.ytj_register import build_ytj_register, current, founded_ended_per_year

    reg, manifest = build_ytj_register(cache_dir, ref, all_=bulk is None, bulk=bulk, offline=offline,
                                       classify=lambda r: apply_classification(r, sector_given=False),
                                       synthetic=synthetic)
    quarantine = reg.attrs.pop("quarantine", None)
    reg.attrs.clear()  # the manifest rides in attrs; Parquet cannot store it (and need not)
    if quarantine is None or not len(quarantine):
        quarantine = pd.DataFrame(columns=["source_row", "reason"])
    rows_in = len(reg) + len(quarantine)
    res = RegisterResult(reg, quarantine, rows_in, "YTJ (PRH open data)", synthetic)
    now = current(reg)
    frames = []
    for lvl in ("kunta", "seutukunta", "maakunta", "hyvinvointialue", "yhteistyoalue", "koko_maa"):
        f = founded_ended_per_year(reg, ref, lvl)
        frames.append(f.assign(area_level=lvl))
    trends = pd.concat(frames, ignore_index=True)
    meta = {"source_kind": "ytj", "dissolved": int(len(reg) - len(now)), "current": len(now),
            "coverage_note": manifest.get("coverage_note", ""), "has_employer_registration_is_a_proxy": True}
    return store_indicators(res, ref, processed_dir, counted=now, trends=trends, meta=meta)


# ---------------------------------------------------------------------------- the main job
@dataclass
class RunResult:
    """What :func:`run` did: the register read, its indicators, the areas reported and the files written."""

    register: RegisterResult
    indicators: IndicatorSet
    scope: object
    areas: list[str]
    reports: object  # report.render.publication.BatchResult
    workbooks: list[Path] = field(default_factory=list)
    extra: list = field(default_factory=list)

    @property
    def failed(self) -> list:
        return [r for b in [self.reports, *self.extra] for r in b.failed]


def areas_to_report(ref: ReferenceData, level: str, scope: dict | None, within: str | None = None,
                    areas: list[str] | None = None) -> list[str]:
    """The areas of ``level`` a run reports on: those the register covers (its ``scope``; the whole level
    without one), inside ``within`` (``LEVEL:CODE[,CODE]``), and among ``areas`` when given.

    Parameters
    ----------
    ref : ReferenceData
        The municipality key and areas.
    level : str
        Area level id.
    scope : dict or None
        ``run.json``'s scope (:meth:`.indicators.scope.Scope.to_dict`).
    within : str, optional
        Only areas inside these areas of any level.
    areas : list of str, optional
        Only these codes (unknown codes raise :class:`.indicators.scope.ScopeError`).

    Returns
    -------
    list of str
        Area codes in key order.

    Examples
    --------
    >>> areas_to_report(ref, "hyvinvointialue", None, within="maakunta:13")  # Keski-Suomi
    ['15']
    >>> len(areas_to_report(ref, "kunta", None, within="hyvinvointialue:15"))
    22
    """
    from .indicators.scope import Scope, ScopeError, within_areas

    covered = Scope.from_dict(scope, ref).covered_areas(ref, level)
    inside = within_areas(within, ref, level)
    if areas:
        valid = set(ref.areas(level)["code"].astype(str))
        unknown = [a for a in areas if str(a) not in valid]
        if unknown:
            raise ScopeError(f"no {level} with code {', '.join(unknown)} in the {ref.year} key")
        wanted = {str(a) for a in areas}
        covered = [c for c in covered if c in wanted]
    return [c for c in covered if inside is None or c in inside]


def run(register: Path | None, ref: ReferenceData, *, processed_dir: Path, reports_dir: Path,
        source: str = "file", level: str = "hyvinvointialue", language: str = "fi",
        areas: list[str] | None = None, within: str | None = None, survey: Path | None = None,
        activity: Path | None = None, previous: Path | None = None, sheet: str | None = None,
        mapping: Path | None = None, corrections: Path | None = None, stea: Path | None = None,
        scope: str | None = None, survey_kind: str = "organisations", survey_k: int = 5,
        cache_dir: Path | None = None, bulk: Path | None = None, workers: int | None = None,
        force: bool = False, workbooks: bool = True, also: tuple[tuple[str, list[str]], ...] = (),
        on_read=None, on_areas=None, progress: bool = True, keep_executed: bool | None = None) -> RunResult:
    """The main job, the one path from a register to reports: read, classify, indicators, reports, workbooks.

    ``source`` is ``file`` (``register``: the user's CSV, .xlsx or Parquet) or ``ytj`` (PRH's open
    register, fetched before into ``cache_dir``, or a local ``bulk`` file). The processed folder is
    written as one transaction; then the reports of the areas the register covers (limited by
    ``areas`` and ``within``), the level's national overview and the folder's index are rendered
    incrementally (:func:`.report.render.publication.render_batch`: only reports whose inputs
    changed, unless ``force``), while the areas' workbooks are written in a thread beside the report
    workers.

    Parameters
    ----------
    register : Path or None
        The register file (None with ``source="ytj"``).
    ref : ReferenceData
        Reference geography.
    processed_dir, reports_dir : Path
        Where the processed data and the reports go.
    source : str
        ``file`` or ``ytj``.
    level, language : str
        Level and language of the reports.
    areas : list of str, optional
        Only these areas of ``level``.
    within : str, optional
        Only areas inside ``LEVEL:CODE[,CODE]``.
    survey, activity, previous, sheet, mapping, corrections, stea, scope, survey_kind, survey_k
        As :func:`build_indicators`.
    cache_dir, bulk : Path, optional
        The YTJ cache and a local bulk file (``source="ytj"``).
    workers : int, optional
        Report worker processes.
    force : bool
        Rebuild reports whose inputs are unchanged.
    workbooks : bool
        Write the areas' Excel workbooks (``reports_dir/excel``).
    also : tuple of (language, areas)
        More reports in other languages after the main ones (the demo's Swedish report).
    on_read : callable, optional
        Called with the :class:`.ingest.IngestResult` (the CLI prints from it).
    on_areas : callable, optional
        Called with the register read, its scope and the areas, before the reports are rendered.
    progress : bool
        Progress bars.
    keep_executed : bool, optional
        Keep every executed notebook (True), none (False) or the failed ones' (None).

    Returns
    -------
    RunResult
    """
    import threading

    from .boundary import cap_workers
    from .export import write_workbook
    from .indicators.scope import Scope
    from .report.render.folder_index import refresh_navigation
    from .report.render.publication import render_batch
    from .report.render.workers import WorkerPool

    levels = ref.areas(level)  # an unknown level fails before any work
    if within:
        from .indicators.scope import within_areas

        within_areas(within, ref, level)
    # the report workers start their kernels once the register is read (a file that cannot be read fails
    # before any starts), while the indicators are computed; they serve every batch of the run
    pool = WorkerPool(cap_workers(workers, len(areas) + 1 if areas else len(levels) + 1))
    if source == "ytj":
        pool.start()
    else:
        given = on_read

        def on_read(ing) -> None:
            warm = None
            expected = _expected_areas(ing.register, ref, level, scope, within, areas)
            if expected is not None and len(expected) + 1 + sum(len(a) for _, a in also) <= config.SMALL_RUN_REPORTS:
                if workers is None:
                    pool.workers = 1
                warm = _warm_up_jobs(processed_dir, ref, level, language, expected)
            pool.start(warm)
            if given is not None:
                given(ing)

    with pool:
        if source == "ytj":
            res, ind = build_ytj_indicators(cache_dir or config.default_paths().raw / "ytj", ref, processed_dir,
                                            bulk=bulk, offline=True)
        else:
            res, ind = build_indicators(register, ref, processed_dir, survey, activity, previous, sheet=sheet,
                                        mapping=mapping, corrections=corrections, on_read=on_read,
                                        survey_kind=survey_kind, survey_k=survey_k, stea_path=stea, scope=scope)
        store = Store(processed_dir)
        meta = store.meta()
        covered = Scope.from_dict(meta.get("scope"), ref)
        codes = areas_to_report(ref, level, meta.get("scope"), within, areas)
        if on_areas is not None:
            on_areas(res, covered, codes)
        written: list[Path] = []
        errors: list[BaseException] = []

        def books() -> None:  # beside the report workers: the parent process idles while they render
            try:
                pool.queued.wait()  # once the parent has found the jobs and queued them
                for code in codes:
                    written.append(write_workbook(ind, ref, level, code, Path(reports_dir) / "excel", store.synthetic,
                                                  language, meta=meta))
            except BaseException as exc:  # raised in the main thread below
                errors.append(exc)

        thread = threading.Thread(target=books, name="workbooks", daemon=True) if workbooks and codes else None
        if thread is not None:
            thread.start()
        try:
            batch = render_batch(level, year=ref.year, processed_dir=processed_dir, out_dir=reports_dir,
                                 language=language, reference_dir=ref.folder, workers=workers, self_contained=True,
                                 areas=codes, force=force, progress=progress,
                                 keep_executed=keep_executed, pool=pool, reference=ref) if codes else None
            extra = [render_batch(level, year=ref.year, processed_dir=processed_dir, out_dir=reports_dir, language=lang,
                                  reference_dir=ref.folder, areas=list(a), workers=workers, self_contained=True,
                                  force=force, progress=progress, keep_executed=keep_executed, pool=pool,
                                  reference=ref)
                     for lang, a in also]
        finally:
            if thread is not None:
                pool.queued.set()  # no batch was queued on the pool (none to render, or it was spent)
                thread.join()
        if errors:
            raise errors[0]
        refresh_navigation(Path(reports_dir))  # the reports' links to their workbooks
        return RunResult(res, ind, covered, codes, batch, written, extra)


def _register_scope(register: pd.DataFrame, ref: ReferenceData, scope: str | None):
    """What the register covers: the user's ``scope`` (``--scope``), else inferred from the register."""
    from .indicators.scope import given_scope, infer_scope

    return given_scope(scope, ref, register) if scope else infer_scope(register, ref)


def _expected_areas(register: pd.DataFrame, ref: ReferenceData, level: str, scope: str | None, within: str | None,
                    areas: list[str] | None) -> list[str] | None:
    """The areas a run will report on, as far as the register read tells before its indicators are computed
    (its scope, given or inferred, limited by ``within`` and ``areas``); None when the scope is wrong (the run
    reports that where it writes the indicators).

    A run of at most :data:`.config.SMALL_RUN_REPORTS` reports (these areas, the national overview and the
    ``also`` batches) renders on one worker, which warms its kernel on the previous processed folder meanwhile.
    """
    from .indicators.scope import ScopeError

    try:
        return areas_to_report(ref, level, _register_scope(register, ref, scope).to_dict(), within, areas)
    except (ScopeError, ValueError, KeyError):
        return None


def _warm_up_jobs(processed_dir: Path, ref: ReferenceData, level: str, language: str,
                  areas: list[str]) -> list[dict] | None:
    """The national overview and the first area's report on the previous complete processed folder, if there is
    one (:meth:`.report.render.workers.WorkerPool.start`): a run that changed a few associations renders these
    reports again, each the first of its kernel."""
    from .report.render.run import default_notebook, national_notebook, national_params, report_params
    from .store import StoreError

    try:
        if not Store(processed_dir).meta():
            return None
    except StoreError:  # an unreadable run.json: the run computes everything anyway
        return None
    jobs = [{"notebook": str(national_notebook()),
             "params": national_params(level, ref.year, language, processed_dir, ref.folder)}]
    if areas:
        jobs.append({"notebook": str(default_notebook()),
                     "params": report_params(level, areas[0], ref.year, language, processed_dir, ref.folder)})
    return jobs


def run_demo(ref: ReferenceData, *, demo_dir: Path, processed_dir: Path, reports_dir: Path,
             seed: int = config.DEFAULT_SEED, workers: int | None = None, force: bool = False,
             progress: bool = True) -> RunResult:
    """The demo's main job: the synthetic register and survey, then :func:`run` on them (every wellbeing
    services county in Finnish, Pohjanmaa in Swedish too, and the workbooks).

    Returns
    -------
    RunResult
    """
    files = build_demo(ref, demo_dir, seed)
    return run(files.register, ref, processed_dir=processed_dir, reports_dir=reports_dir, survey=files.survey,
               level="hyvinvointialue", workers=workers, force=force, also=(("sv", ["17"]),), progress=progress)
