"""One boundary for user errors (issue 29, item 1): every bad path, option and config file a user can
give ends in exit 2 and one ``error:`` line naming it, never a traceback; so do a full disk and a
read-only folder met while writing."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from test_fuzz_cli import run_cli

from sote_analytics import boundary

REGISTER = "nimi;kotipaikka\nHARSO;Helsinki\nKeuruun Sydänyhdistys ry;Keuruu\n"


@pytest.fixture
def files(tmp_path: Path, monkeypatch) -> Path:
    """A folder of good and bad inputs; ``ro/`` refuses writes even for root (the write probe is patched)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "k.csv").write_text(REGISTER, "utf-8")
    (tmp_path / "afile").write_text("x")
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o555)
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    (tmp_path / "str.yaml").write_text("just some words\n")
    (tmp_path / "csv.yaml").write_text("level;area\nkunta;091\n")
    (tmp_path / "pub.csv").write_text("level;area\nkunta;091\n")
    (tmp_path / "badmap.yaml").write_text("[unclosed\n")
    (tmp_path / "listmap.yaml").write_text("- Nimi\n")
    (tmp_path / "bad.csv").write_text('name,sector\n"x\n')
    (tmp_path / "notpq.parquet").write_text("not parquet at all")
    real_mkstemp = boundary.tempfile.mkstemp
    ro = str(tmp_path / "ro")

    def mkstemp(*args, dir=None, **kw):
        if dir is not None and str(Path(dir).absolute()).startswith(ro):
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkstemp(*args, dir=dir, **kw)

    monkeypatch.setattr(boundary.tempfile, "mkstemp", mkstemp)
    return tmp_path


P = "{processed}"
#: name -> (arguments, a word the message must contain)
CASES: dict[str, tuple[str, str]] = {
    # an output path that is read-only or a file (run, export, ingest, indicators, classify, demo, report)
    "run-out-readonly": ("run k.csv --out-dir ro/x --workers 1", "ro/x"),
    "run-out-file": ("run k.csv --out-dir afile --workers 1", "afile"),
    "export-out-readonly": (f"export --area 15 --processed-dir {P} --out-dir ro/x", "ro/x"),
    "export-out-file": (f"export --area 15 --processed-dir {P} --out-dir afile", "afile"),
    "ingest-out-readonly": ("ingest k.csv --out-dir ro/x", "ro/x"),
    "ingest-out-file": ("ingest k.csv --out-dir afile", "afile"),
    "indicators-out-readonly": ("indicators --register k.csv --out-dir ro/x", "ro/x"),
    "indicators-out-file": ("indicators --register k.csv --out-dir afile", "afile"),
    "classify-out-readonly": ("classify k.csv --out ro/x/o.csv", "ro/x"),
    "classify-out-file-parent": ("classify k.csv --out afile/o.csv", "afile"),
    "classify-out-folder": ("classify k.csv --out ro", "folder"),
    "demo-out-readonly": ("demo --out-dir ro/x", "ro/x"),
    "demo-out-file": ("demo --out-dir afile", "afile"),
    "report-out-readonly": (f"report --area 15 --processed-dir {P} --out-dir ro/x --workers 1", "ro/x"),
    "report-out-file": (f"report --area 15 --processed-dir {P} --out-dir afile --workers 1", "afile"),
    # a missing --survey, --activity, --bulk or --mapping, or a bad mapping YAML
    "indicators-survey-missing": ("indicators --register k.csv --survey missing.csv --out-dir o", "--survey"),
    "run-survey-missing": ("run k.csv --survey missing.csv --out-dir o", "--survey"),
    "indicators-activity-missing": ("indicators --register k.csv --activity missing.csv --out-dir o", "--activity"),
    "run-activity-missing": ("run k.csv --activity missing.csv --out-dir o", "--activity"),
    "register-fetch-bulk-missing": ("register fetch --bulk missing.zip --out o/r", "--bulk"),
    "run-ytj-bulk-missing": ("run --source ytj --bulk missing.zip --out-dir o", "--bulk"),
    "ingest-mapping-missing": ("ingest k.csv --mapping missing.yaml --out-dir o", "missing.yaml"),
    "run-mapping-missing": ("run k.csv --mapping missing.yaml --out-dir o", "--mapping"),
    "ingest-mapping-bad-yaml": ("ingest k.csv --mapping badmap.yaml --out-dir o", "YAML"),
    "run-mapping-bad-yaml": ("run k.csv --mapping badmap.yaml --out-dir o", "YAML"),
    "ingest-mapping-list": ("ingest k.csv --mapping listmap.yaml --out-dir o", "mapping"),
    "indicators-previous-missing": ("indicators --register k.csv --previous missing.csv --out-dir o", "missing"),
    # ytj on a missing or non-Parquet file
    "ytj-missing": ("ytj missing.parquet --cache-dir c", "no such file"),
    "ytj-not-parquet": ("ytj notpq.parquet --cache-dir c", "Parquet"),
    "ytj-csv": ("ytj k.csv --cache-dir c", "Parquet"),
    # a publication YAML that is a list, a string or a CSV
    "publication-list": (f"report --publication list.yaml --processed-dir {P} --out-dir o", "list"),
    "publication-string": (f"report --publication str.yaml --processed-dir {P} --out-dir o", "text"),
    "publication-csv-named-yaml": (f"report --publication csv.yaml --processed-dir {P} --out-dir o", "mapping"),
    "publication-csv": (f"report --publication pub.csv --processed-dir {P} --out-dir o", ".yaml"),
    "publication-missing": (f"report --publication none.yaml --processed-dir {P} --out-dir o", "no such file"),
    # ranges and choices
    "report-workers-negative": (f"report --area 15 --processed-dir {P} --out-dir o --workers -1", "--workers"),
    "report-workers-zero": (f"report --area 15 --processed-dir {P} --out-dir o --workers 0", "--workers"),
    "run-workers-negative": ("run k.csv --out-dir o --workers -1", "--workers"),
    "demo-seed-negative": ("demo --seed -1 --out-dir o", "--seed"),
    "report-language-xx": (f"report --area 15 --processed-dir {P} --out-dir o --language xx", "--language"),
    "ingest-language-xx": ("ingest k.csv --language xx --out-dir o", "--language"),
    "run-language-xx": ("run k.csv --language xx --out-dir o", "--language"),
    "run-source-unknown": ("run k.csv --source prh --out-dir o", "--source"),
    "indicators-survey-kind": ("indicators --register k.csv --survey-kind people --out-dir o", "--survey-kind"),
    "register-fetch-by": ("register fetch --by street --out o/r", "--by"),
    # classify --evaluate --sample with a malformed CSV, or one without the labelled columns
    "classify-sample-malformed": ("classify --evaluate --sample bad.csv", "--sample"),
    "classify-sample-no-columns": ("classify --evaluate --sample k.csv", "primary_sector"),
    "classify-sample-missing": ("classify --evaluate --sample none.csv", "no such file"),
    # inputs that are missing or the wrong kind
    "report-notebook-missing": (f"report --area 15 --processed-dir {P} --out-dir o --notebook none.ipynb",
                                "--notebook"),
    "report-processed-missing": ("report --area 15 --processed-dir nothing --out-dir o", "nothing"),
    "export-processed-file": ("export --area 15 --processed-dir afile --out-dir o", "afile"),
    "ingest-file-missing": ("ingest missing.csv --out-dir o", "no such file"),
    "ingest-file-folder": ("ingest ro --out-dir o", "folder"),
    "indicators-register-folder": ("indicators --register ro --out-dir o", "folder"),
    "run-register-missing": ("run missing.csv --out-dir o", "no such file"),
    "run-no-register": ("run --out-dir o", "REGISTER"),
    "run-corrections-missing": ("run k.csv --corrections none.csv --out-dir o", "--corrections"),
    "reference-dir-missing": ("reference check --reference-dir nowhere", "--reference-dir"),
    "reference-dir-file": ("reference check --reference-dir afile", "--reference-dir"),
}


def _assert_one_line(code: int, err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, (code, err)
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_bad_argument_is_one_line_and_exit_2(name, files, reference_dir, small_processed):
    args, word = CASES[name]
    argv = args.replace(P, str(small_processed)).split()
    if argv[0] != "reference":
        argv += ["--reference-dir", str(reference_dir)] if argv[0] not in ("ytj", "classify") else []
    code, _, err = run_cli(argv)
    line = _assert_one_line(code, err)
    assert word in line, line
    assert not (files / "o").exists() or not any((files / "o").rglob("*.parquet")), "work started anyway"


def test_a_full_disk_while_writing_is_one_line(files, reference_dir, monkeypatch):
    """ENOSPC from the middle of the writes of `indicators`: one line naming the fix, exit 2."""
    import pandas as pd

    def full(self, path, *a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    code, _, err = run_cli(["indicators", "--register", "k.csv", "--out-dir", "o", "--reference-dir",
                            str(reference_dir)])
    line = _assert_one_line(code, err)
    assert "disk is full" in line and "free some space" in line


def test_permission_denied_while_writing_is_one_line(files, reference_dir, monkeypatch):
    import pandas as pd

    def denied(self, path, *a, **kw):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", denied)
    code, _, err = run_cli(["ingest", "k.csv", "--out-dir", "o", "--reference-dir", str(reference_dir)])
    line = _assert_one_line(code, err)
    assert "permission denied" in line


def test_workers_are_capped_by_jobs():
    assert boundary.cap_workers(10, 2) == 2
    assert boundary.cap_workers(None, 1) == 1
    assert 1 <= boundary.cap_workers(64, 500) <= (os.cpu_count() or 1) * 64


@pytest.fixture(scope="module")
def small_processed(reference_dir, tmp_path_factory) -> Path:
    """A processed folder from a two-row register."""
    d = tmp_path_factory.mktemp("bp")
    (d / "r.csv").write_text(REGISTER, "utf-8")
    code, _, err = run_cli(["indicators", "--register", str(d / "r.csv"), "--reference-dir", str(reference_dir),
                            "--out-dir", str(d / "p")])
    assert code == 0, err
    return d / "p"
