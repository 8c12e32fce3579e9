"""Worker processes that render report jobs on warm kernels, sharing one job queue.

A job is a dict: ``stem`` (the file name without ``.html``), ``level``, ``area``,
``language``, ``params`` (papermill's parameters) and, optionally, ``notebook`` (else the
batch's notebook). :func:`run_jobs` starts the workers, each with one
:class:`~.kernels.WarmKernel`, feeds them the jobs (longest first is the caller's
order), and returns one result dict per job, in the order given. A report that fails
fails alone; a report that kills its worker process fails alone too (the others are
rendered by a new pool). The publication (:mod:`.publication`) and the one-level batch
(:func:`.run.render_batch`) both render through here.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

from ...atomic import forget_inherited_locks
from .compat import IncompatibleLibraryError, skip_iri_format_checker
from .compat import check as check_libraries
from .procs import die_with_parent
from .run import ReportResult, failed_result, notebook_error, write_report_html

#: The job and result queues of a worker process (set by the pool's initializer: queues are
#: inherited when the process starts, never pickled with a task).
_QUEUES: tuple = ()


def _init_worker(jobs, results, parent_pid: int | None = None) -> None:
    global _QUEUES
    forget_inherited_locks()  # the parent's folder locks are its own, not this worker's
    die_with_parent(parent_pid)
    _QUEUES = (jobs, results)


def _preload_exporter() -> None:
    """Import papermill, nbformat and nbconvert while the kernel imports its libraries (same thread:
    two threads importing jupyter_client at once can meet a partially initialised module)."""
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401


def _render_worker(notebook: str | None, out_dir: str | None, self_contained: bool | None,
                   log_dir: str | None = None, warm_up: tuple[dict, ...] = ()) -> int:
    """Take jobs from the shared queue until its end marker, on one warm kernel (runs in a worker process).

    Each result goes to the result queue as soon as its report is done, so the reports a worker
    finished before it died are kept; jobs are taken one at a time, so a slow report never holds
    back a queue of others (the longest are queued first). A job's own ``notebook``, ``out_dir``
    and ``self_contained`` win over the worker's (a :class:`WorkerPool` serves several batches).
    ``warm_up`` jobs are rendered first and thrown away (:func:`_warm_up`).
    """
    from .kernels import WarmKernel

    jobs, results = _QUEUES
    skip_iri_format_checker()
    done = 0
    logs = Path(log_dir) if log_dir else Path(str(out_dir)) / "_executed"
    with WarmKernel(Path.cwd(), logs / f"kernel-{os.getpid()}.log", while_starting=_preload_exporter,
                    fork=True) as kernel:
        kernel.launch()  # the kernel imports its libraries while the parent finds the jobs
        incompatible = _get_ready(kernel)
        if warm_up and not incompatible:
            _warm_up(kernel, warm_up, jobs)
        while True:
            job = jobs.get()  # blocking: get_nowait() may see an empty pipe before the parent's feeder filled it
            if job is None:  # one end marker per worker, after every job
                results.put({"worker_done": os.getpid()})  # behind this worker's results in the pipe
                return done
            results.put({"stem": job["stem"], "started": True})  # who holds the job, if the worker dies
            out = Path(job.get("out_dir") or str(out_dir))
            if incompatible:  # an untested library version: every report says so in one line
                r = failed_result(job["level"], job["area"], out / "_executed" / f"{job['stem']}.ipynb", 0.0,
                                  incompatible[0])
                results.put({**asdict(r), "stem": job["stem"], "language": job["language"], "kernel_starts": 0})
            else:
                results.put(_render_one(kernel, job, job.get("notebook") or notebook, out,
                                        job.get("self_contained", self_contained)))
            done += 1


def _get_ready(kernel) -> list[Exception]:
    """Everything a worker's first report would otherwise wait for, done before it takes a job (while the
    parent computes the indicators): papermill and nbconvert imported, the libraries' internals checked
    (:func:`.compat.check`; an incompatible version is returned, and every report says so), the kernel's
    imports finished. A kernel that fails to start here is started again by the first job."""
    try:
        _preload_exporter()
        check_libraries()
    except IncompatibleLibraryError as exc:
        return [exc]
    with contextlib.suppress(Exception):  # the first job starts a new kernel (and reports its failure)
        kernel.prepare()
    return []


def _warm_up(kernel, warm_up: tuple[dict, ...], jobs) -> None:
    """Rehearse ``warm_up`` (jobs on the previous processed folder) on the kernel, outputs thrown away
    (:meth:`.kernels.WarmKernel.rehearse`), only while no real job waits: a job that comes waits for the cell
    that runs, not for the rest of the notebook. The kernel's first report pays for its first figures, maps and
    lookups (a national overview: 2.1 s in a new kernel, 0.4 s in a used one), and a run that changed one
    association renders few reports, each the first of its kernel. What a warm-up kept is keyed by the
    processed folder's contents (:func:`..content.cached_boundaries`): the run's new folder is read anew. A
    warm-up that fails (the folder is swapped while it reads) costs the kernel, started again for the first job.
    """
    def waiting() -> bool:  # a real job is waiting: it goes first, after the cell that runs
        return not jobs.empty()

    for job in warm_up:
        try:
            if waiting() or not kernel.rehearse(Path(job["notebook"]), job["params"], stop=waiting):
                return
        except Exception:  # the kernel is replaced before the next job (rehearse marked it)
            return


def _render_one(kernel, job: dict, notebook: str, out: Path, self_contained: bool) -> dict:
    notebook = job.get("notebook") or notebook
    start = time.perf_counter()
    executed = out / "_executed" / f"{job['stem']}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    try:
        try:
            kernel.execute(Path(notebook), executed, job["params"])
        except Exception as exc:  # a kernel that died before the notebook ran: one retry on a new one
            if notebook_error(exc) is not None or "died" not in str(exc).lower():
                raise
            kernel.mark_dirty()
            kernel.execute(Path(notebook), executed, job["params"])
        target = write_report_html(executed, out / f"{job['stem']}.html", job["language"], self_contained)
        r = ReportResult(job["level"], job["area"], str(target), str(executed), time.perf_counter() - start)
    except Exception as exc:  # one report's failure never stops the others
        r = failed_result(job["level"], job["area"], executed, time.perf_counter() - start, exc)
    return {**asdict(r), "stem": job["stem"], "language": job["language"], "kernel_starts": kernel.starts}


class WorkerPool:
    """Report workers started before their jobs are known, serving every batch of one run.

    Each worker launches its warm kernel as soon as the pool starts, so a run's kernels start
    while its indicators are computed (:func:`.pipeline.run`), and the batches after the first
    (another language) find them warm. :func:`run_jobs` renders on the pool while it is whole;
    when a worker dies the pool is spent, and the reports left are rendered as :func:`run_jobs`
    does without one (each suspect alone, the rest in a new pool).

    Examples
    --------
    >>> with WorkerPool(2) as pool:  # doctest: +SKIP
    ...     pool.start()  # the kernels start; the caller computes meanwhile
    ...     render_batch("hyvinvointialue", ..., pool=pool)
    ...     render_batch("hyvinvointialue", ..., language="sv", pool=pool)
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(1, int(workers))
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list = []
        self._queues: tuple = ()
        self._log_dir: Path | None = None
        self.spent = False
        #: Set once the first batch's jobs are queued: what the caller does beside the reports (the workbooks)
        #: waits for it, so that it does not slow down the parent's finding of the jobs.
        self.queued = threading.Event()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, warm_up: list[dict] | None = None) -> None:
        """Start the worker processes (once); each launches its kernel at once, and renders ``warm_up`` (jobs
        with their ``notebook``, thrown away: :func:`_warm_up`) while it has no job."""
        import multiprocessing as mp
        import tempfile

        if self._pool is not None or self.spent:
            return

        ctx = mp.get_context()
        self._queues = (ctx.Queue(), ctx.Queue())
        self._log_dir = Path(tempfile.mkdtemp(prefix="sote-kernels-"))
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx, initializer=_init_worker,
                                         initargs=(*self._queues, os.getpid()))
        self._futures = [self._pool.submit(_render_worker, None, None, None, str(self._log_dir), tuple(warm_up or ()))
                         for _ in range(self.workers)]

    @property
    def usable(self) -> bool:
        """Started, and no worker has ended or died."""
        return self._pool is not None and not self.spent and not any(f.done() for f in self._futures)

    def round(self, batch: list[dict] | Callable[[], list[dict]], notebook: Path, out_dir: Path,
              self_contained: bool, finished: dict[str, dict],
              on_result: Callable[[dict], None] | None = None) -> tuple[set[str], bool, list[dict]]:
        """Render ``batch`` (or the list it makes) as :func:`_pool_round` does, on the running workers."""
        import queue

        jq, rq = self._queues
        if callable(batch):
            batch = batch()
        for j in batch:
            jq.put({**j, "notebook": j.get("notebook") or str(notebook), "out_dir": str(out_dir),
                    "self_contained": self_contained})
        self.queued.set()
        pending, held = {j["stem"] for j in batch}, set()
        crashed = False

        def take(msg: dict) -> None:
            if "worker_done" in msg:
                return
            if msg.get("started"):
                held.add(msg["stem"])
            elif msg["stem"] in pending:
                held.discard(msg["stem"])
                pending.discard(msg["stem"])
                finished[msg["stem"]] = msg
                if on_result is not None:
                    on_result(msg)

        while pending:
            try:
                take(rq.get(timeout=0.2))
            except queue.Empty:
                if any(f.done() for f in self._futures):  # a worker died: the pool is spent
                    crashed = True
                    break
        if crashed:
            self.spent = True
            while True:  # what the workers put before they went down
                try:
                    take(rq.get(timeout=0.5))
                except queue.Empty:
                    break
        return held, crashed, batch

    def close(self) -> None:
        """End every worker (their kernels shut down, even half-started) and remove the kernels' logs."""
        import queue
        import shutil

        if self._pool is None:
            return
        jq, rq = self._queues
        if not self.spent:
            for _ in self._futures:
                jq.put(None)
            done = 0
            while done < len(self._futures) and not all(f.done() for f in self._futures):
                with contextlib.suppress(queue.Empty):
                    done += "worker_done" in rq.get(timeout=0.2)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = None
        shutil.rmtree(self._log_dir, ignore_errors=True)


def run_jobs(jobs: list[dict] | Callable[[], list[dict]], workers: int, notebook: Path, out_dir: Path,
             self_contained: bool, on_result: Callable[[dict], None] | None = None,
             pool: WorkerPool | None = None) -> list[dict]:
    """Render ``jobs`` (longest first) on ``workers`` processes that share one job queue.

    ``jobs`` may be a function that makes the list: it is called once the workers are
    starting their kernels, so that the kernels' start overlaps the work of finding what to
    render (when nothing is, the kernels are shut down half-started).

    When a worker process dies, the pool goes down with it: the reports that were being
    rendered at that moment are retried one at a time in a pool of their own, the ones not
    yet started in a new shared pool, so only the report that kills its worker fails.

    ``on_result`` is called with each result as it arrives (a progress bar). With a usable ``pool``
    (:class:`WorkerPool`, started earlier), the first round runs on its workers.
    """
    if not callable(jobs) and not jobs:
        return []
    order: list[dict] | None = None if callable(jobs) else list(jobs)
    finished: dict[str, dict] = {}
    shared, suspects = (jobs if callable(jobs) else list(jobs)), []
    while callable(shared) or shared or suspects:
        solo = not callable(shared) and not shared
        batch = [suspects.pop(0)] if solo else shared
        if pool is not None and pool.usable and not solo:
            held, crashed, batch = pool.round(batch, notebook, out_dir, self_contained, finished, on_result)
        else:
            held, crashed, batch = _pool_round(batch, 1 if solo else workers, notebook, out_dir, self_contained,
                                               finished, on_result)
        if order is None:
            order = list(batch)
        if solo:
            if batch[0]["stem"] not in finished:  # it killed its worker alone: this report fails
                j = batch[0]
                finished[j["stem"]] = {**asdict(ReportResult(j["level"], j["area"], None, "", 0.0,
                                                             "worker process died while rendering this report")),
                                       "stem": j["stem"], "language": j["language"]}
                if on_result is not None:
                    on_result(finished[j["stem"]])
            continue
        if crashed:
            suspects += [j for j in batch if j["stem"] in held]
        shared = [j for j in batch if j["stem"] not in finished and j["stem"] not in held]
        if shared and not crashed:  # cannot happen: every queued job is taken and reported
            raise RuntimeError(f"{len(shared)} report jobs were never taken")
    return [finished[j["stem"]] for j in order or []]


def _pool_round(batch: list[dict] | Callable[[], list[dict]], workers: int, notebook: Path, out_dir: Path,
                self_contained: bool, finished: dict[str, dict],
                on_result: Callable[[dict], None] | None = None) -> tuple[set[str], bool, list[dict]]:
    """One pool over ``batch`` (or over the list it makes once the workers have started): fill
    ``finished``; return the stems started but not finished, whether a worker died, and the batch."""
    import multiprocessing as mp
    import queue
    from concurrent.futures import wait

    ctx = mp.get_context()
    jq, rq = ctx.Queue(), ctx.Queue()
    n = workers if callable(batch) else max(1, min(workers, len(batch)))
    held: set[str] = set()
    workers_done = 0

    def take(msg: dict) -> None:
        nonlocal workers_done
        if "worker_done" in msg:
            workers_done += 1
        elif msg.get("started"):
            held.add(msg["stem"])
        else:
            held.discard(msg["stem"])
            finished[msg["stem"]] = msg
            if on_result is not None:
                on_result(msg)

    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker,
                             initargs=(jq, rq, os.getpid())) as pool:
        futures = [pool.submit(_render_worker, str(notebook), str(out_dir), self_contained) for _ in range(n)]
        try:
            if callable(batch):  # the workers are starting their kernels meanwhile
                batch = batch()
        finally:  # one end marker per worker, whatever happens here: they shut their kernels down
            for j in [*(batch if isinstance(batch, list) else []), *[None] * n]:
                jq.put(j)
        while workers_done < n:  # drain results while the workers run (a full pipe would block them)
            try:
                take(rq.get(timeout=0.2))
            except queue.Empty:
                if all(f.done() for f in futures):
                    break
        wait(futures)
    while workers_done < n:  # a worker died: take what it put before it went down
        try:
            take(rq.get(timeout=0.5))
        except queue.Empty:
            break
    return held, any(f.exception() is not None for f in futures), batch
