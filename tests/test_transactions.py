"""Outputs as transactions (issue 29, item 2): a killed run leaves the previous complete state and no
process behind; two runs into one folder; a full disk leaves nothing half-written; readers refuse a
folder whose files do not match run.json."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_fuzz_cli import run_cli

from sote_analytics.atomic import file_sha256
from sote_analytics.store import Store

ROOT = Path(__file__).resolve().parents[1]
SMALL = ("Nimi;Kotipaikka;Jäsenet;Toimiala\nKeuruun Sydänyhdistys ry;Keuruu;40;patient_health\n"
         "Muuramen Eläkkeensaajat ry;Muurame;12;elderly\nVaasan Omaishoitajat rf;Vaasa;40;carers\n")


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _cli(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "sote_analytics.cli", *args], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _state(folder: Path) -> dict[str, str]:
    return {p.name: file_sha256(p) for p in sorted(folder.iterdir()) if p.is_file()}


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _wait_for(cond, timeout: float = 120.0) -> bool:
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def complete(reference_dir, tmp_path) -> Path:
    """A complete processed folder of the small register A."""
    (tmp_path / "A.csv").write_text(SMALL, "utf-8")
    code, _, err = run_cli(["indicators", "--register", str(tmp_path / "A.csv"), "--out-dir", str(tmp_path / "p"),
                            "--reference-dir", str(reference_dir)])
    assert code == 0, err
    return tmp_path / "p"


def test_kill_9_mid_indicators_leaves_the_previous_complete_state(complete, demo_dir, reference_dir, tmp_path):
    before = _state(complete)
    store = Store(complete)
    proc = _cli("indicators", "--register", str(demo_dir / "register.csv"), "--survey", str(demo_dir / "survey.csv"),
                "--out-dir", str(complete), "--reference-dir", str(reference_dir), cwd=tmp_path)
    # killed once it is writing: the staging folder has files
    assert _wait_for(lambda: (store.staging.is_dir() and any(store.staging.iterdir())) or proc.poll() is not None)
    assert proc.poll() is None, proc.communicate()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _state(complete) == before  # not one byte of the previous run changed
    Store(complete).check()  # complete and verified
    assert json.loads((complete / "run.json").read_text())["source"] == "A.csv"
    # the next report reads the previous complete state
    code, _, err = run_cli(["report", "--area", "18", "--processed-dir", str(complete), "--out-dir",
                            str(tmp_path / "r"), "--workers", "1", "--reference-dir", str(reference_dir)])
    assert code == 0, err
    # and the next run cleans up the killed one's staging
    code, _, err = run_cli(["indicators", "--register", str(tmp_path / "A.csv"), "--out-dir", str(complete),
                            "--reference-dir", str(reference_dir)])
    assert code == 0, err
    assert not store.staging.exists()


def test_a_killed_run_takes_its_workers_and_kernels_with_it(reference_dir, tmp_path):
    (tmp_path / "A.csv").write_text(SMALL, "utf-8")
    proc = _cli("run", str(tmp_path / "A.csv"), "--out-dir", str(tmp_path / "out"), "--workers", "2",
                "--reference-dir", str(reference_dir), cwd=tmp_path)
    executed = tmp_path / "out" / ".reports.staging" / "_executed"  # reports are staged until all are done
    # wait until both workers run kernels and a report or two is done
    assert _wait_for(lambda: (len(_descendants(proc.pid)) >= 4 and len(list(executed.glob("*.ipynb"))) >= 1)
                     or proc.poll() is not None, timeout=300)
    assert proc.poll() is None, proc.communicate()
    below = _descendants(proc.pid)
    assert len(below) >= 4, below  # two workers, two kernels (and the pool's helpers)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _wait_for(lambda: not [p for p in below if _alive(p)], timeout=15), [p for p in below if _alive(p)]
    Store(tmp_path / "out" / "processed").check()  # committed before the reports: complete
    assert not list((tmp_path / "out" / "reports").glob("*.html"))  # no report half of a run


def test_two_runs_into_one_folder_the_second_fails_clearly(complete, demo_dir, reference_dir, tmp_path):
    store = Store(complete)
    first = _cli("indicators", "--register", str(demo_dir / "register.csv"), "--out-dir", str(complete),
                 "--reference-dir", str(reference_dir), cwd=tmp_path)
    try:
        assert _wait_for(lambda: store.staging.is_dir() or first.poll() is not None)
        assert first.poll() is None
        code, _, err = run_cli(["indicators", "--register", str(tmp_path / "A.csv"), "--out-dir", str(complete),
                                "--reference-dir", str(reference_dir)])
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == 2 and len(lines) == 1, err
        assert "another sote-analytics run" in lines[0] and f"pid {first.pid}" in lines[0]
    finally:
        _out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert json.loads((complete / "run.json").read_text())["source"].endswith("(register.csv)")  # the first's


def test_a_full_disk_mid_run_is_one_line_and_leaves_nothing_half_written(complete, reference_dir, tmp_path,
                                                                           monkeypatch):
    import pandas as pd

    before = _state(complete)
    real = pd.DataFrame.to_parquet
    calls = []

    def full_after_two(self, path, *a, **kw):
        calls.append(path)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(self, path, *a, **kw)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_after_two)
    (tmp_path / "B.csv").write_text(SMALL.replace("Keuruun", "Toinen Keuruun"), "utf-8")
    code, _, err = run_cli(["indicators", "--register", str(tmp_path / "B.csv"), "--out-dir", str(complete),
                            "--reference-dir", str(reference_dir)])
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and "disk is full" in lines[0], err
    assert "Traceback" not in err
    assert _state(complete) == before
    assert not Store(complete).staging.exists() and not list(complete.parent.rglob("*.tmp"))


def test_a_truncated_file_is_refused_not_read_short(complete, reference_dir, tmp_path):
    p = complete / "municipality_sector_counts.csv"
    p.write_text("\n".join(p.read_text("utf-8").splitlines()[:2]) + "\n", "utf-8")
    code, _, err = run_cli(["report", "--area", "18", "--processed-dir", str(complete), "--out-dir",
                            str(tmp_path / "r"), "--workers", "1", "--reference-dir", str(reference_dir)])
    assert code == 2 and "the processed folder" in err and "is incomplete" in err and "re-run" in err
    code, _, err = run_cli(["export", "--area", "18", "--processed-dir", str(complete), "--out-dir",
                            str(tmp_path / "x"), "--reference-dir", str(reference_dir)])
    assert code == 2 and "is incomplete" in err


def test_a_survey_missing_after_the_register_changes_nothing(complete, reference_dir, tmp_path):
    """`indicators --register B --survey missing.csv` once wrote B's indicators beside A's run.json."""
    before = _state(complete)
    (tmp_path / "B.csv").write_text(SMALL.replace("Keuruun", "Toinen Keuruun"), "utf-8")
    bad = tmp_path / "bad_survey.csv"
    bad.write_text("Kysymys;Toinen\nkyllä;3\n", "utf-8")  # no area column: read_survey refuses it
    code, _, err = run_cli(["indicators", "--register", str(tmp_path / "B.csv"), "--survey", str(bad),
                            "--out-dir", str(complete), "--reference-dir", str(reference_dir)])
    assert code == 2, err
    assert _state(complete) == before
