"""One orchestrator: publication, batch and ``run`` share one path and one manifest, and stay incremental."""

from __future__ import annotations

import json
from dataclasses import replace

from typer.testing import CliRunner

from sote_analytics.cli import app
from sote_analytics.report.render.manifest import FORMAT, read_manifest, write_manifest
from sote_analytics.report.render.plan import load_config
from sote_analytics.report.render.publication import publish


def test_publish_then_a_batch_then_publish_again_stays_incremental(processed, reference_dir, tmp_path):
    """The sequence of the issue: publish (1 built), publish (0 built), ``report --area 15`` into the same folder,
    publish again: still 0 built (it rebuilt all 509 reports of the default publication before)."""
    processed_dir = processed[0]
    out = tmp_path / "out"
    cfg = replace(load_config(), levels=["hyvinvointialue"], areas={"hyvinvointialue": ["15"]})
    kw = dict(year=2025, processed_dir=processed_dir, out_dir=out, reference_dir=reference_dir, workers=1)
    first = publish(cfg, **kw)
    assert [r["stem"] for r in first.built] == ["hyvinvointialue_15"] and not first.failed
    second = publish(cfg, **kw)
    assert not second.built and len(second.skipped) == 1
    r = CliRunner().invoke(app, ["report", "--level", "hyvinvointialue", "--area", "15", "--processed-dir",
                                 str(processed_dir), "--out-dir", str(out), "--reference-dir", str(reference_dir),
                                 "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "1 reports written, 1 unchanged" in r.output  # the national overview is new; area 15 is not
    third = publish(cfg, **kw)
    assert not third.built and [e["area"] for e in third.skipped] == ["15"]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == FORMAT and set(manifest["reports"]) == {"hyvinvointialue_15",
                                                                         "national_hyvinvointialue"}
    assert [run["built"] for run in manifest["runs"]] == [1, 0, 1, 0]
    assert not list(out.glob("manifest_*.json"))


def test_old_manifests_are_migrated_into_one(tmp_path):
    """A format 1 batch manifest (reports as a list), a Swedish batch manifest and a publication's records
    become one format 2 manifest; the per-language file is removed when the new one is written."""
    (tmp_path / "kunta_091.html").write_text("<html></html>")
    (tmp_path / "kunta_091_sv.html").write_text("<html></html>")
    (tmp_path / "manifest.json").write_text(json.dumps({
        "version": "0.1.0", "level": "kunta", "language": "fi", "started": "2026-01-01T10:00:00",
        "processed_dir": "/p", "reports": [{"level": "kunta", "area": "091", "html": "kunta_091.html",
                                            "figures": {"associations": 3}}]}))
    (tmp_path / "manifest_sv.json").write_text(json.dumps({
        "language": "sv", "started": "2026-01-02T10:00:00",
        "reports": [{"level": "kunta", "area": "091", "html": "kunta_091_sv.html"}]}))
    m = read_manifest(tmp_path)
    assert m["format"] == FORMAT and sorted(m["reports"]) == ["kunta_091", "kunta_091_sv"]
    fi = m["reports"]["kunta_091"]
    assert fi["inputs_hash"] is None and fi["figures"] == {"associations": 3} and fi["processed_dir"] == "/p"
    assert m["reports"]["kunta_091_sv"]["built"] == "2026-01-02T10:00:00"
    write_manifest(tmp_path, m["reports"], {"started": "2026-01-03T10:00:00"})
    assert not (tmp_path / "manifest_sv.json").exists()
    again = read_manifest(tmp_path)
    assert again["reports"] == m["reports"] and len(again["runs"]) == 3


def test_run_area_limits_the_run_and_a_second_run_rebuilds_nothing(demo_dir, reference_dir, tmp_path):
    """``run --area`` renders that area and the national overview, writes its workbook only; the same run again
    rebuilds no report (the processed data it writes is the same)."""
    out = tmp_path / "out"
    args = ["run", str(demo_dir / "register.csv"), "--level", "hyvinvointialue", "--area", "15", "--out-dir",
            str(out), "--reference-dir", str(reference_dir), "--workers", "1"]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "2 reports written, 0 unchanged, 1 workbooks" in r.output
    reports = out / "reports"
    assert sorted(p.name for p in reports.glob("*.html")) == ["hyvinvointialue_15.html", "index.html",
                                                              "national_hyvinvointialue.html"]
    assert [p.name for p in (reports / "excel").glob("*.xlsx")] == ["hyvinvointialue_15.xlsx"]
    page = (reports / "hyvinvointialue_15.html").read_text("utf-8")
    assert 'href="excel/hyvinvointialue_15.xlsx"' in page  # the workbook, written beside the workers, is linked
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "0 reports written, 2 unchanged, 1 workbooks" in r.output
    r = CliRunner().invoke(app, [*args[:-4], "--area", "999", "--reference-dir", str(reference_dir)])
    assert r.exit_code == 2 and "no hyvinvointialue with code 999" in r.output


def test_an_index_of_two_registers_names_each(processed, demo_dir, ref, reference_dir, tmp_path):
    """Reports of register A and of register B in one folder: the index names both, with their dates, and
    says per row which register it shows."""
    import pandas as pd

    from sote_analytics.pipeline import build_indicators
    from sote_analytics.report.render.publication import render_batch

    out = tmp_path / "out"
    kw = dict(year=2025, out_dir=out, reference_dir=reference_dir, workers=1, progress=False, national=False)
    render_batch("hyvinvointialue", processed_dir=processed[0], areas=["15"], **kw)
    reg = pd.read_csv(demo_dir / "register.csv", dtype=str, keep_default_na=False)
    other = tmp_path / "toinen_rekisteri.csv"
    reg.head(3000).to_csv(other, index=False)
    b = tmp_path / "processed_b"
    build_indicators(other, ref, b)
    render_batch("maakunta", processed_dir=b, areas=["13"], **kw)
    index = (out / "index.html").read_text("utf-8")
    assert "toinen_rekisteri.csv" in index and "register.csv" in index
    from sote_analytics.i18n import t

    assert index.count('class="sote-note sote-sources"') == 1 and t("index_source_col", "fi") in index


def test_a_full_disk_while_committing_reports_leaves_the_previous_folder(processed, reference_dir, tmp_path,
                                                                         monkeypatch):
    """The reports are written into a staging folder and moved in after the manifest could be written: a disk
    that fills up leaves the previous complete folder byte for byte, and no staging folder."""
    import errno

    from sote_analytics.report.render import publication
    from sote_analytics.report.render.publication import render_batch, staging_dir

    out = tmp_path / "out"
    kw = dict(year=2025, processed_dir=processed[0], out_dir=out, reference_dir=reference_dir, workers=1,
              progress=False, national=False, areas=["15"])
    render_batch("hyvinvointialue", **kw)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publication, "write_manifest", full)
    try:
        render_batch("hyvinvointialue", force=True, **kw)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    else:
        raise AssertionError("the full disk was not reported")
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert not staging_dir(out).exists()
