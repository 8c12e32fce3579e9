"""Workers started before their jobs are known (:class:`WorkerPool`, issue 30): ``run`` starts them while it
computes the indicators; they serve every batch of the run, and a worker that dies costs only its report."""

from __future__ import annotations

import json

import sote_analytics.report.render.workers as workers_module
from sote_analytics.report.render.publication import render_batch
from sote_analytics.report.render.workers import WorkerPool


def test_one_pool_serves_two_batches_without_new_workers(processed, reference_dir, tmp_path, at_root, monkeypatch):
    processed_dir, _, _ = processed
    out = tmp_path / "out"
    kw = dict(year=2025, processed_dir=processed_dir, out_dir=out, reference_dir=reference_dir, progress=False)

    def no_new_pool(*args, **kwargs):
        raise AssertionError("a batch started workers of its own although the pool was usable")

    with WorkerPool(2) as pool:
        pool.start()
        monkeypatch.setattr(workers_module, "_pool_round", no_new_pool)
        fi = render_batch("hyvinvointialue", areas=["18", "20"], pool=pool, **kw)
        sv = render_batch("hyvinvointialue", areas=["17"], language="sv", national=False, pool=pool, **kw)
        assert pool.usable
    assert not fi.failed and not sv.failed
    assert sorted(p.name for p in out.glob("*.html")) == [
        "hyvinvointialue_17_sv.html", "hyvinvointialue_18.html", "hyvinvointialue_20.html", "index.html",
        "index_sv.html", "national_hyvinvointialue.html"]
    assert 'lang="sv"' in (out / "hyvinvointialue_17_sv.html").read_text("utf-8")
    assert not pool.usable  # closed: its workers ended


def test_a_worker_that_dies_in_the_pool_fails_only_its_report(processed, reference_dir, tmp_path, at_root,
                                                              fault_notebook):
    processed_dir, _, _ = processed
    out = tmp_path / "out"
    kw = dict(year=2025, processed_dir=processed_dir, out_dir=out, reference_dir=reference_dir, progress=False,
              national=False)
    with WorkerPool(2) as pool:
        pool.start()
        batch = render_batch("hyvinvointialue", areas=["15", "18", "90", "20"], workers=2,
                             notebook=fault_notebook, pool=pool, **kw)
        assert not pool.usable  # spent: its workers went down with the one that was killed
        again = render_batch("hyvinvointialue", areas=["15", "90"], workers=2, pool=pool, **kw)  # new workers
    by_area = {r.area: r for r in batch.results}
    assert by_area["18"].html and by_area["20"].html
    assert "worker process died" in by_area["15"].error and "injected failure" in by_area["90"].error
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["runs"][-2]["errors"]) == {"hyvinvointialue_15", "hyvinvointialue_90"}
    assert not again.failed and (out / "hyvinvointialue_15.html").is_file() and (out / "hyvinvointialue_90.html")


def test_a_pool_closed_before_any_job_leaves_nothing_running(tmp_path):
    """``run`` fails on a bad file after the workers started: closing ends them and their half-started kernels."""
    import psutil

    with WorkerPool(2) as pool:
        assert not psutil.Process().children(recursive=True)  # nothing before start()
        pool.start()
        children = psutil.Process().children(recursive=True)
        assert len(children) >= 2
    _gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive
