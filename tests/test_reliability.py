"""Reliability: faults during a batch, hostile input at scale, determinism.

(The "no network" guarantee is pytest-socket, configured for the whole suite in pyproject:
outgoing connections other than to localhost fail; test_fetch checks that it is on.)
"""

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sote_analytics.i18n import t
from sote_analytics.report.render.publication import render_batch
from sote_analytics.report.render.run import BatchInputError

ROOT = Path(__file__).resolve().parents[1]


def test_killed_worker_and_raising_notebook_do_not_stop_the_others(processed, reference_dir, tmp_path, at_root,
                                                                   fault_notebook):
    processed_dir, _, _ = processed
    out = tmp_path / "out"
    batch = render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=out,
                         reference_dir=reference_dir, areas=["15", "18", "90", "20"], workers=2,
                         notebook=fault_notebook, progress=False, national=False)
    by_area = {r.area: r for r in batch.results}
    assert by_area["18"].html and by_area["20"].html
    assert "worker process died" in by_area["15"].error
    assert "injected failure" in by_area["90"].error
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["runs"][-1]["errors"]) == {"hyvinvointialue_15", "hyvinvointialue_90"}
    index = (out / "index.html").read_text()
    # the index names the failed areas with a short message; the error itself stays in the manifest
    assert 'id="hyvinvointialue-15"' in index and 'id="hyvinvointialue-90"' in index
    assert index.count(t("report_failed", "fi").split(";")[0]) == 2
    assert "worker process died" not in index and "injected failure" not in index
    assert sorted(p.name for p in out.glob("*.html")) == ["hyvinvointialue_18.html", "hyvinvointialue_20.html",
                                                          "index.html"]
    assert not list(out.rglob("*.tmp"))
    # a re-run with the real notebook recovers
    again = render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=out,
                         reference_dir=reference_dir, areas=["15", "90"], workers=2, progress=False, national=False)
    assert not again.failed and (out / "hyvinvointialue_15.html").exists()


def test_cli_exit_codes(processed, reference_dir, tmp_path, at_root, fault_notebook):
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    processed_dir, _, _ = processed
    common = ["--processed-dir", str(processed_dir), "--out-dir", str(tmp_path / "o"),
              "--reference-dir", str(reference_dir)]
    r = CliRunner().invoke(app, ["report", "--area", "18", "--area", "999", *common])
    assert r.exit_code == 2 and "no hyvinvointialue with code 999" in r.output  # checked before any work
    assert not (tmp_path / "o").exists()
    r = CliRunner().invoke(app, ["report", "--area", "18", "--area", "90", "--notebook",
                                 str(fault_notebook), *common])
    assert r.exit_code == 1
    assert "FAILED hyvinvointialue 90" in r.output and "2 reports written" in r.output  # area 18 + national


def test_unwritable_target_fails_only_that_area(processed, reference_dir, tmp_path, at_root):
    processed_dir, _, _ = processed
    out = tmp_path / "out"
    (out / "hyvinvointialue_18.html").mkdir(parents=True)  # the target cannot be written as a file
    batch = render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=out,
                         reference_dir=reference_dir, areas=["18", "20"], workers=2, progress=False, national=False)
    assert [r.area for r in batch.failed] == ["18"]
    assert (out / "hyvinvointialue_20.html").is_file() and not list(out.rglob("*.tmp"))
    (out / "hyvinvointialue_18.html").rmdir()
    assert not render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=out,
                            reference_dir=reference_dir, areas=["18"], progress=False, national=False).failed


def test_output_folder_that_is_a_file_is_a_clear_error(processed, reference_dir, tmp_path, at_root):
    processed_dir, _, _ = processed
    target = tmp_path / "reports"
    target.write_text("not a folder")
    with pytest.raises(BatchInputError, match="is a file"):
        render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=target,
                     reference_dir=reference_dir, areas=["18"], progress=False)


def test_corrupt_cache_files(processed, reference_dir, tmp_path, at_root):
    processed_dir, _, _ = processed
    broken = tmp_path / "processed"
    shutil.copytree(processed_dir, broken)
    (broken / "indicators.parquet").write_bytes(b"PAR1 this is not parquet")
    out = tmp_path / "out"
    with pytest.raises(BatchInputError, match=r"incomplete \(indicators\.parquet .*re-run `sote-analytics indicators"):
        render_batch("hyvinvointialue", year=2025, processed_dir=broken, out_dir=out,
                     reference_dir=reference_dir, areas=["18"], progress=False)
    assert not list(out.glob("*.html"))
    # a corrupt plotly.js next to the reports is replaced by the next batch
    (out / "assets").mkdir(parents=True)
    (out / "assets" / "plotly.min.js").write_text("garbage")
    batch = render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=out,
                         reference_dir=reference_dir, areas=["18"], progress=False, national=False)
    assert not batch.failed and (out / "assets" / "plotly.min.js").stat().st_size > 1_000_000


def test_missing_reference_file(processed, reference_dir, tmp_path, at_root):
    processed_dir, _, _ = processed
    partial = tmp_path / "reference"
    shutil.copytree(reference_dir, partial)
    for f in partial.glob("municipalities_*.geojson"):
        f.chmod(0o644)
        f.unlink()
    with pytest.raises(BatchInputError, match="municipalities_<year>_"):
        render_batch("hyvinvointialue", year=2025, processed_dir=processed_dir, out_dir=tmp_path / "o",
                     reference_dir=partial, areas=["18"], progress=False)


def test_a_100_mb_register_is_read_with_every_row_accounted_for(ref, tmp_path):
    from sote_analytics.pipeline import read_register as ingest  # read, then classify

    purpose = "Yhdistys tukee ikääntyneitä ja heidän läheisiään. " * 2000  # ~100 kB a row
    n = 1000
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("nimi;kotipaikka;tarkoitus\n")
        for i in range(n):
            fh.write(f"Yhdistys {i} ry;{'Oulu' if i % 10 else 'Atlantis'};{purpose}\n")
    assert path.stat().st_size > 100 * 1024**2
    res = ingest(path, ref)
    assert res.result.rows_in == n == len(res.register) + len(res.quarantine)
    assert len(res.quarantine) == 100
    assert (res.register["sector"] == "elderly").all()  # purpose text classified


def test_exports_neutralise_formulas(ref, tmp_path):
    from sote_analytics.read.ingest import ingest, write_ingest

    res = ingest(ROOT / "tests" / "data" / "ingest" / "31_formula_injection.csv", ref)
    paths = write_ingest(res, tmp_path)
    text = Path(paths["register_csv"]).read_text(encoding="utf-8")
    for bad in ("\n=cmd", ",=cmd", "\n+SUM", ",+SUM", ",@SUM", "\n@Vaasan", ",=HYPERLINK"):
        assert bad not in text, bad
    assert "'=cmd" in text and "'+SUM" in text and "'@SUM(A1)" in text
    assert "-2+3" not in text.replace("'-2+3", "")  # "-2+3" is a formula too: neutralised


def test_two_runs_give_identical_tables_and_html(ref, demo_dir, processed, reference_dir, tmp_path, at_root):
    from sote_analytics.pipeline import build_indicators

    session_build = processed[0]  # run a: the session's build of the demo register and survey (conftest)
    outs = []
    for run in ("a", "b"):
        processed = tmp_path / run / "processed"
        if run == "a":
            shutil.copytree(session_build, processed)
        else:  # run b: built again here, in this test
            build_indicators(demo_dir / "register.csv", ref, processed, survey_path=demo_dir / "survey.csv")
        render_batch("hyvinvointialue", year=2025, processed_dir=processed, out_dir=tmp_path / run / "reports",
                     reference_dir=reference_dir, areas=["18"], progress=False, national=False)
        outs.append(tmp_path / run)
    a, b = outs
    for name in ("indicators.csv", "indicators.parquet", "municipality_sector_counts.csv", "directory.parquet"):
        assert (a / "processed" / name).read_bytes() == (b / "processed" / name).read_bytes(), name

    def strip_time(page: str) -> str:  # the run time is the only thing allowed to differ
        return re.sub(r"sote-analytics [\d.]+, tuotettu [\d.]+", "", page)

    ha = (a / "reports" / "hyvinvointialue_18.html").read_text(encoding="utf-8")
    hb = (b / "reports" / "hyvinvointialue_18.html").read_text(encoding="utf-8")
    assert strip_time(ha) == strip_time(hb)
    assert pd.read_csv(a / "processed" / "indicators.csv").shape[0] > 100_000
