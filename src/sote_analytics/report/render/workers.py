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

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path

from .compat import IncompatibleLibraryError, skip_iri_format_checker
from .compat import check as check_libraries
from .procs import die_with_parent
from .run import ReportResult, failed_result, notebook_error, write_report_html

#: The job and result queues of a worker process (set by the pool's initializer: queues are
#: inherited when the process starts, never pickled with a task).
_QUEUES: tuple = ()


def _init_worker(jobs, results, parent_pid: int | None = None) -> None:
    global _QUEUES
    die_with_parent(parent_pid)
    _QUEUES = (jobs, results)


def _preload_exporter() -> None:
    """Import papermill, nbformat and nbconvert while the kernel imports its libraries (same thread:
    two threads importing jupyter_client at once can meet a partially initialised module)."""
    import papermill  # noqa: F401
    from nbconvert import HTMLExporter  # noqa: F401


def _render_worker(notebook: str, out_dir: str, self_contained: bool) -> int:
    """Take jobs from the shared queue until its end marker, on one warm kernel (runs in a worker process).

    Each result goes to the result queue as soon as its report is done, so the reports a worker
    finished before it died are kept; jobs are taken one at a time, so a slow report never holds
    back a queue of others (the longest are queued first).
    """
    from .kernels import WarmKernel

    jobs, results = _QUEUES
    skip_iri_format_checker()
    out = Path(out_dir)
    done = 0
    incompatible: list[Exception] | None = None  # checked at the first job (this worker imports the libraries anyway)
    with WarmKernel(Path.cwd(), out / "_executed" / f"kernel-{os.getpid()}.log",
                    while_starting=_preload_exporter) as kernel:
        kernel.launch()  # the kernel imports its libraries while the parent finds the jobs
        while True:
            job = jobs.get()  # blocking: get_nowait() may see an empty pipe before the parent's feeder filled it
            if job is None:  # one end marker per worker, after every job
                results.put({"worker_done": os.getpid()})  # behind this worker's results in the pipe
                return done
            results.put({"stem": job["stem"], "started": True})  # who holds the job, if the worker dies
            if incompatible is None:
                try:
                    check_libraries()
                    incompatible = []
                except IncompatibleLibraryError as exc:
                    incompatible = [exc]
            if incompatible:  # an untested library version: every report says so in one line
                r = failed_result(job["level"], job["area"], out / "_executed" / f"{job['stem']}.ipynb", 0.0,
                                  incompatible[0])
                results.put({**asdict(r), "stem": job["stem"], "language": job["language"], "kernel_starts": 0})
            else:
                results.put(_render_one(kernel, job, notebook, out, self_contained))
            done += 1


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


def run_jobs(jobs: list[dict] | Callable[[], list[dict]], workers: int, notebook: Path, out_dir: Path,
             self_contained: bool, on_result: Callable[[dict], None] | None = None) -> list[dict]:
    """Render ``jobs`` (longest first) on ``workers`` processes that share one job queue.

    ``jobs`` may be a function that makes the list: it is called once the workers are
    starting their kernels, so that the kernels' start overlaps the work of finding what to
    render (when nothing is, the kernels are shut down half-started).

    When a worker process dies, the pool goes down with it: the reports that were being
    rendered at that moment are retried one at a time in a pool of their own, the ones not
    yet started in a new shared pool, so only the report that kills its worker fails.

    ``on_result`` is called with each result as it arrives (a progress bar).
    """
    if not callable(jobs) and not jobs:
        return []
    order: list[dict] | None = None if callable(jobs) else list(jobs)
    finished: dict[str, dict] = {}
    shared, suspects = (jobs if callable(jobs) else list(jobs)), []
    while callable(shared) or shared or suspects:
        solo = not callable(shared) and not shared
        batch = [suspects.pop(0)] if solo else shared
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
