"""The record of a complete ``run`` (issue 30, part 3): the same run again does nothing (no pandas imported,
no file touched); any change to an input, an option, the reference, the code or an output makes it run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sote_analytics import run_record
from sote_analytics.run_record import RECORD, run_key, up_to_date, write_record

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- the record itself
@pytest.fixture()
def finished(tmp_path):
    """An output folder as a run leaves it, a reference folder, and the record of that run."""
    out, refdir = tmp_path / "out", tmp_path / "reference"
    (out / "reports" / "excel").mkdir(parents=True)
    (out / "processed").mkdir()
    (out / "reports" / "hyvinvointialue_15.html").write_text("<html>15</html>", "utf-8")
    (out / "reports" / "excel" / "hyvinvointialue_15.xlsx").write_bytes(b"PK")
    (out / "processed" / "run.json").write_text("{}", "utf-8")
    (out / "reports" / ".lock").write_text("123", "utf-8")  # locks come and go: not outputs
    refdir.mkdir()
    (refdir / "municipality_key_2025.csv").write_text("kunta_code\n091\n", "utf-8")
    register = tmp_path / "register.csv"
    register.write_text("name,municipality\nA ry,Jyväskylä\n", "utf-8")
    key = run_key({"register": register}, {"level": "hyvinvointialue"}, refdir)
    write_record(out, key, refdir, [["register.csv: 1 rows read", {}]], {"reports": 2, "workbooks": 1})
    return out, refdir, register, key


def test_a_run_as_it_was_left_is_up_to_date(finished):
    out, _, _, key = finished
    record = up_to_date(out, key)
    assert record is not None and record["console"] == [["register.csv: 1 rows read", {}]]
    assert sorted(record["outputs"]) == ["processed/run.json", "reports/excel/hyvinvointialue_15.xlsx",
                                         "reports/hyvinvointialue_15.html"]
    (out / "reports" / ".lock").unlink()  # a lock removed, a staging folder beside: still up to date
    (out.parent / ".out.staging").mkdir()
    assert up_to_date(out, key) is not None


@pytest.mark.parametrize("change", ["register byte", "option", "reference file", "reference added", "env",
                                    "report deleted", "report edited", "report touched", "file added",
                                    "workbook added", "record broken", "record of another format"])
def test_any_change_makes_the_run_go_on(finished, change, monkeypatch):
    out, refdir, register, key = finished
    report = out / "reports" / "hyvinvointialue_15.html"
    if change == "register byte":
        register.write_text("name,municipality\nB ry,Jyväskylä\n", "utf-8")
        key = run_key({"register": register}, {"level": "hyvinvointialue"}, refdir)
    elif change == "option":
        key = run_key({"register": register}, {"level": "kunta"}, refdir)
    elif change == "reference file":
        (refdir / "municipality_key_2025.csv").write_text("kunta_code\n092\n", "utf-8")
    elif change == "reference added":
        (refdir / "population_2025.csv").write_text("x\n", "utf-8")
    elif change == "env":  # where the reference comes from is part of the key
        monkeypatch.setenv("SOTE_REFERENCE_DIR", str(refdir))
        key = run_key({"register": register}, {"level": "hyvinvointialue"}, refdir)
    elif change == "report deleted":
        report.unlink()
    elif change == "report edited":
        report.write_text("<html>16</html>", "utf-8")  # the same size
    elif change == "report touched":
        st = report.stat()
        os.utime(report, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    elif change == "file added":
        (out / "reports" / "kunta_179.html").write_text("x", "utf-8")
    elif change == "workbook added":
        (out / "reports" / "excel" / "kunta_179.xlsx").write_bytes(b"PK")
    elif change == "record broken":
        (out / RECORD).write_text("{", "utf-8")
    elif change == "record of another format":
        rec = json.loads((out / RECORD).read_text("utf-8"))
        (out / RECORD).write_text(json.dumps({**rec, "format": 0}), "utf-8")
    assert up_to_date(out, key) is None


def test_the_code_is_part_of_the_key(finished, monkeypatch):
    _out, refdir, register, key = finished
    monkeypatch.setattr("sote_analytics.digests.code_digest", lambda: "another version of the code")
    assert run_key({"register": register}, {"level": "hyvinvointialue"}, refdir) != key


def test_forget_removes_the_record(finished):
    out, _, _, key = finished
    run_record.forget(out)
    run_record.forget(out)  # twice: no error
    assert not (out / RECORD).exists() and up_to_date(out, key) is None


# ---------------------------------------------------------------------------- the command line
def _state(folder: Path) -> dict[str, tuple]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run(args: list[str]) -> tuple[subprocess.CompletedProcess, bool]:
    """``sote-analytics ARGS`` in a new process; also whether it imported pandas."""
    code = ("import sys\nfrom sote_analytics.cli import main\nsys.argv = ['sote-analytics', *sys.argv[1:]]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\nelse:\n    code = 0\n"
            "print('PANDAS', 'pandas' in sys.modules)\nsys.exit(code)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    r = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
    return r, "PANDAS True" in r.stdout


def test_the_same_run_again_does_nothing_and_any_change_runs(ref, demo_dir, reference_dir, tmp_path):
    names = set(ref.key.loc[ref.key["hyvinvointialue_code"] == "15", "kunta_name_fi"])
    reg = pd.read_csv(demo_dir / "register.csv", dtype=str, keep_default_na=False)
    county = tmp_path / "keski_suomi.csv"
    reg = reg[reg["municipality"].isin(names)].head(120).reset_index(drop=True)  # small: four runs
    reg.to_csv(county, index=False)
    out = tmp_path / "out"
    args = ["run", str(county), "--out-dir", str(out), "--reference-dir", str(reference_dir), "--workers", "1"]

    first, _ = _run(args)
    assert first.returncode == 0, first.stderr
    assert "2 reports written, 0 unchanged, 1 workbooks" in first.stdout and (out / RECORD).is_file()
    before = _state(out)

    again, pandas = _run(args)  # nothing read, computed or written; what the first run said of the file, said again
    assert again.returncode == 0, again.stderr
    assert "nothing changed since the run of" in again.stdout and "0 reports written, 2 unchanged, 1 workbooks" in \
        again.stdout
    said = [line for line in first.stdout.splitlines() if line.startswith(("keski_suomi.csv", "  "))]
    assert said and all(line in again.stdout.splitlines() for line in said)
    assert not pandas and _state(out) == before

    members = reg.index[reg["members"].str.fullmatch(r"\d+")][0]
    reg.loc[members, "members"] = str(int(reg.loc[members, "members"]) + 500)
    reg.to_csv(county, index=False)
    changed, _ = _run(args)
    assert changed.returncode == 0, changed.stderr
    assert "nothing changed" not in changed.stdout and "2 reports written, 0 unchanged" in changed.stdout

    assert (out / RECORD).is_file()
    # an output removed by hand, and another run that fails: no record is left behind (the removed output and
    # the other changes are each tested on the record itself above)
    failed, _ = _run([*args, "--area", "1"])
    assert failed.returncode == 2 and "no hyvinvointialue area to report on" in failed.stderr
    assert not (out / RECORD).exists()


def test_the_console_script_ends_with_the_commands_status_and_all_its_output(tmp_path):
    """``sote-analytics`` (:func:`.cli.console`) ends the process at once after the command, without the
    interpreter's teardown: the status is the command's (0, a user error's 2) and every line it printed, to a
    pipe, arrives."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}

    def console(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "sote_analytics.cli", *args], env=env, capture_output=True,
                              text=True)

    ok = console("--help")
    assert ok.returncode == 0 and "run-demo" in ok.stdout and ok.stdout.endswith("\n")
    missing = console("run", str(tmp_path / "no_such_register.csv"), "--out-dir", str(tmp_path / "out"))
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "no_such_register.csv" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad = console("run", "--no-such-option")
    assert bad.returncode == 2 and "no-such-option" in bad.stderr
    script = ROOT / ".venv" / "bin" / "sote-analytics"
    if script.is_file():  # the installed console script is this function
        assert "from sote_analytics.cli import console" in script.read_text("utf-8")
