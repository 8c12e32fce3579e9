"""Workers started before their jobs are known (:class:`WorkerPool`, issue 30): ``run`` starts them while it
computes the indicators; they serve every batch of the run, and a worker that dies costs only its report."""

from __future__ import annotations

import json
import time

import pytest

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


def test_a_started_worker_gets_ready_before_it_has_a_job(tmp_path, monkeypatch):
    """What a worker's first report would wait for (papermill and nbconvert imported, the libraries' internals
    checked, the kernel's imports finished) is done while no job is queued: while ``run`` computes."""
    import time

    from sote_analytics.report.render import kernels

    marks = tmp_path / "marks"
    marks.mkdir()
    real_check, real_prepare = workers_module.check_libraries, kernels.WarmKernel.prepare

    def check():
        real_check()
        (marks / "checked").touch()

    def prepare(self):
        fresh = real_prepare(self)
        (marks / f"ready-{self.starts}").touch()
        return fresh

    monkeypatch.setattr(workers_module, "check_libraries", check)
    monkeypatch.setattr(kernels.WarmKernel, "prepare", prepare)
    with WorkerPool(1) as pool:
        pool.start()  # no job is ever queued
        deadline = time.monotonic() + 120
        while len(list(marks.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sorted(p.name for p in marks.iterdir()) == ["checked", "ready-1"]
        assert not pool.queued.is_set()


def test_a_run_of_a_few_reports_renders_on_one_worker_and_writes_workbooks_once_the_jobs_are_queued(
        ref, demo_dir, tmp_path, monkeypatch):
    """A one-county register: the county's report and the national overview, on one worker (a second one's
    start would slow the indicators it overlaps on two cores); its workbook is written after the reports' jobs
    are queued, so it does not hold up the parent while it finds them."""
    import pandas as pd

    from sote_analytics import export
    from sote_analytics.pipeline import run

    names = set(ref.key.loc[ref.key["hyvinvointialue_code"] == "15", "kunta_name_fi"])
    reg = pd.read_csv(demo_dir / "register.csv", dtype=str, keep_default_na=False)
    county = tmp_path / "keski_suomi.csv"
    reg[reg["municipality"].isin(names)].to_csv(county, index=False)
    pools: list[WorkerPool] = []
    real_init, real_book = WorkerPool.__init__, export.write_workbook

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        pools.append(self)

    queued_before_book: list[bool] = []

    def book(*args, **kwargs):
        queued_before_book.append(pools[-1].queued.is_set())
        return real_book(*args, **kwargs)

    monkeypatch.setattr(WorkerPool, "__init__", init)
    monkeypatch.setattr(export, "write_workbook", book)
    res = run(county, ref, processed_dir=tmp_path / "processed", reports_dir=tmp_path / "reports", progress=False)
    assert not res.failed and res.areas == ["15"]
    assert [p.workers for p in pools] == [1]
    assert queued_before_book == [True]
    assert sorted(p.name for p in (tmp_path / "reports").glob("*.html")) == [
        "hyvinvointialue_15.html", "index.html", "national_hyvinvointialue.html"]


def test_the_areas_a_run_expects_are_known_from_the_register_read(ref, demo_dir):
    """Before its indicators, a run knows the areas it will report on from the register read: the whole demo
    register covers every county (24 reports: more than a small run); limited by ``within`` or ``areas``, or a
    one-county file, one county; a bad scope is None (the run reports it where it writes the indicators)."""
    from sote_analytics.config import SMALL_RUN_REPORTS
    from sote_analytics.pipeline import _expected_areas, read_register

    reg = read_register(demo_dir / "register.csv", ref).register
    every = _expected_areas(reg, ref, "hyvinvointialue", None, None, None)
    assert every == ref.areas("hyvinvointialue")["code"].tolist() and len(every) + 1 > SMALL_RUN_REPORTS
    assert _expected_areas(reg, ref, "hyvinvointialue", None, "maakunta:13", None) == ["15"]
    assert _expected_areas(reg, ref, "hyvinvointialue", None, None, ["15"]) == ["15"]
    assert len(_expected_areas(reg, ref, "kunta", None, "hyvinvointialue:15", None)) == 22
    assert _expected_areas(reg, ref, "hyvinvointialue", "nowhere:1", None, None) is None
    one = reg[reg["municipality_code"].isin(ref.members("hyvinvointialue", "15")["kunta_code"])]
    assert _expected_areas(one, ref, "hyvinvointialue", None, None, None) == ["15"]


@pytest.fixture(scope="module")
def county_processed(ref, demo_dir, tmp_path_factory):
    """A second processed folder: the demo register's associations of Keski-Suomi."""
    import pandas as pd

    from sote_analytics.pipeline import build_indicators

    names = set(ref.key.loc[ref.key["hyvinvointialue_code"] == "15", "kunta_name_fi"])
    reg = pd.read_csv(demo_dir / "register.csv", dtype=str, keep_default_na=False)
    folder = tmp_path_factory.mktemp("county_processed")
    reg[reg["municipality"].isin(names)].to_csv(folder / "keski_suomi.csv", index=False)
    build_indicators(folder / "keski_suomi.csv", ref, folder / "processed")
    return folder / "processed"


def test_a_kernel_warmed_on_another_folder_renders_the_same_reports(processed, county_processed, ref,
                                                                    reference_dir, tmp_path, at_root, monkeypatch):
    """A run of few reports warms its kernel on the previous processed folder (``run`` passes it); the reports it
    renders next, of the new folder, are byte for byte those of a kernel that never saw the other folder."""
    from sote_analytics.pipeline import _warm_up_jobs
    from sote_analytics.report.render import kernels

    processed_dir, _, _ = processed
    seen = tmp_path / "executed.txt"
    real_execute, real_rehearse = kernels.WarmKernel.execute, kernels.WarmKernel.rehearse

    def note(parameters) -> None:
        with open(seen, "a", encoding="utf-8") as fh:
            fh.write(f"{parameters['processed_dir']} {parameters.get('area', 'national')}\n")

    def execute(self, notebook, output, parameters):
        note(parameters)
        return real_execute(self, notebook, output, parameters)

    def rehearse(self, notebook, parameters, stop=None):
        note(parameters)
        return real_rehearse(self, notebook, parameters, stop)

    monkeypatch.setattr(kernels.WarmKernel, "execute", execute)
    monkeypatch.setattr(kernels.WarmKernel, "rehearse", rehearse)
    assert _warm_up_jobs(tmp_path / "no folder", ref, "hyvinvointialue", "fi", ["15"]) is None
    warm = _warm_up_jobs(county_processed, ref, "hyvinvointialue", "fi", ["15"])
    kw = dict(year=2025, processed_dir=processed_dir, reference_dir=reference_dir, progress=False, areas=["15"])
    with WorkerPool(1) as pool:
        pool.start(warm)
        deadline = time.monotonic() + 120  # the jobs come once both warm-ups have begun (the last one still runs)
        while (not seen.is_file() or len(seen.read_text("utf-8").splitlines()) < 2) and time.monotonic() < deadline:
            time.sleep(0.1)
        warmed = render_batch("hyvinvointialue", out_dir=tmp_path / "warmed", pool=pool, **kw)
    cold = render_batch("hyvinvointialue", out_dir=tmp_path / "cold", workers=1, **kw)
    assert not warmed.failed and not cold.failed
    lines = seen.read_text("utf-8").splitlines()
    assert lines[:2] == [f"{county_processed.resolve()} national", f"{county_processed.resolve()} 15"]  # warm-ups
    assert sum(str(processed_dir.resolve()) in line for line in lines) == 4  # two reports, twice
    for name in ("hyvinvointialue_15.html", "national_hyvinvointialue.html"):
        assert (tmp_path / "warmed" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_a_warm_up_that_fails_costs_no_report(processed, ref, reference_dir, tmp_path, at_root):
    """A warm-up report that cannot be rendered (an area the previous folder's key lacks) only replaces the
    kernel: the real reports render."""
    from sote_analytics.report.render.run import default_notebook, report_params

    processed_dir, _, _ = processed
    bad = [{"notebook": str(default_notebook()),
            "params": report_params("hyvinvointialue", "999", 2025, "fi", processed_dir, reference_dir)}]
    with WorkerPool(1) as pool:
        pool.start(bad)
        batch = render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=tmp_path / "out",
                             reference_dir=reference_dir, progress=False, areas=["15"], pool=pool)
    assert not batch.failed and len(batch.results) == 2
    assert all(r.html for r in batch.results)


def _slow_notebook(path, cells: int):
    """A notebook whose code cells each write a line (the parameter ``tag``) to the file ``log`` and sleep."""
    import nbformat

    new = nbformat.v4.new_code_cell
    params = new('log = "unset"\ntag = "default"')
    params.metadata["tags"] = ["parameters"]
    step = "import time\nwith open(log, 'a') as fh:\n    fh.write(tag + '\\n')\ntime.sleep(0.2)"
    nb = nbformat.v4.new_notebook(cells=[params, *[new(step) for _ in range(cells)]])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_a_rehearsal_sets_the_parameters_and_stops_between_cells(tmp_path):
    """:meth:`WarmKernel.rehearse` runs the cells with the parameters papermill would inject (after the tagged
    cell), and stops before the next cell once asked; the kernel is reset before its next report."""
    from sote_analytics.report.render.kernels import WarmKernel

    nb = _slow_notebook(tmp_path / "slow.ipynb", 4)
    log = tmp_path / "log.txt"
    with WarmKernel(tmp_path, tmp_path / "kernel.log") as kernel:
        assert kernel.rehearse(nb, {"log": str(log), "tag": "given"}) is True
        assert log.read_text().splitlines() == ["given"] * 4
        lines = lambda: len(log.read_text().splitlines())  # noqa: E731
        assert kernel.rehearse(nb, {"log": str(log), "tag": "again"}, stop=lambda: lines() >= 6) is False
        assert log.read_text().splitlines() == ["given"] * 4 + ["again"] * 2
        kernel.execute(nb, tmp_path / "out.ipynb", {"log": str(log), "tag": "real"})  # reset first: runs clean
    assert log.read_text().splitlines()[-4:] == ["real"] * 4


def test_a_long_warm_up_yields_to_the_first_real_job(processed, reference_dir, tmp_path, at_root):
    """A warm-up still running when the reports come stops after its cell: the reports do not wait for it."""
    processed_dir, _, _ = processed
    log = tmp_path / "warm.txt"
    warm = [{"notebook": str(_slow_notebook(tmp_path / "slow.ipynb", 60)), "params": {"log": str(log), "tag": "w"}}]
    with WorkerPool(1) as pool:
        pool.start(warm)
        deadline = time.monotonic() + 120
        while (not log.is_file() or len(log.read_text().splitlines()) < 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        batch = render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=tmp_path / "out",
                             reference_dir=reference_dir, progress=False, areas=["15"], pool=pool)
    assert not batch.failed and all(r.html for r in batch.results)
    assert 2 <= len(log.read_text().splitlines()) < 60  # it stopped when the jobs came
