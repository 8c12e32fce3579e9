"""Incremental indicators (issue 30, part 3): unchanged inputs rewrite nothing; a changed input
recomputes, equal to a fresh run, and rewrites only the files whose bytes changed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from sote_analytics.pipeline import build_indicators, read_register, store_indicators
from sote_analytics.reference import load_reference
from sote_analytics.store import INDICATORS, RUN_META, Store


def _county_file(ref, demo_dir: Path, out: Path, code: str = "15") -> Path:
    """The demo register's associations of one wellbeing area (Keski-Suomi by default)."""
    names = set(ref.key.loc[ref.key["hyvinvointialue_code"] == code, "kunta_name_fi"])
    reg = pd.read_csv(demo_dir / "register.csv", dtype=str, keep_default_na=False)
    reg[reg["municipality"].isin(names)].to_csv(out, index=False)
    return out


def _state(folder: Path) -> dict[str, tuple]:
    """Every entry of the folder (and the folder itself): inode, mtime and size."""
    out = {".": (folder.stat().st_ino, folder.stat().st_mtime_ns)}
    for p in sorted(folder.rglob("*")):
        st = p.stat()
        out[p.relative_to(folder).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def _siblings(folder: Path) -> set[str]:
    return {p.name for p in folder.parent.iterdir()} - {f".{folder.name}.lock"}


@pytest.fixture(scope="module")
def county(ref, demo_dir, tmp_path_factory) -> Path:
    return _county_file(ref, demo_dir, tmp_path_factory.mktemp("county") / "keski_suomi.csv")


@pytest.fixture(scope="module")
def county_built(ref, county, tmp_path_factory) -> tuple[Path, object]:
    """The county file's processed folder (no survey), built once; tests copy it before they touch it."""
    processed = tmp_path_factory.mktemp("county_built") / "processed"
    _, ind = build_indicators(county, ref, processed)
    return processed, ind


def _copy(built: Path, to: Path) -> Path:
    return Path(shutil.copytree(built, to))


def test_unchanged_inputs_rewrite_nothing(ref, county, demo_dir, tmp_path):
    processed = tmp_path / "processed"
    survey = demo_dir / "survey.csv"
    res1, ind1 = build_indicators(county, ref, processed, survey_path=survey)
    assert len(res1.register) > 100
    digest = Store(processed).meta()["input_digest"]
    before, around = _state(processed), _siblings(processed)

    res2, ind2 = build_indicators(county, ref, processed, survey_path=survey)
    assert _state(processed) == before  # no file rewritten: inodes, mtimes and sizes as they were
    assert _siblings(processed) == around  # no staging folder left behind
    pd.testing.assert_frame_equal(ind2.table, ind1.table)
    pd.testing.assert_frame_equal(ind2.municipality_counts, ind1.municipality_counts)
    pd.testing.assert_frame_equal(res2.register, res1.register)
    assert (res2.rows_in, len(res2.quarantine)) == (res1.rows_in, len(res1.quarantine))
    Store(processed).begin()  # the skip released the lock: a new transaction can start
    Store(processed).abort()

    # an option that changes the output is a change: recomputed
    build_indicators(county, ref, processed, survey_path=survey, survey_k=6)
    assert json.loads((processed / RUN_META).read_text("utf-8"))["input_digest"] != digest
    assert _state(processed)[RUN_META] != before[RUN_META]


def test_a_changed_register_recomputes_like_a_fresh_run(ref, county, county_built, tmp_path):
    processed, fresh = _copy(county_built[0], tmp_path / "processed"), tmp_path / "fresh"
    before = _state(processed)

    changed = tmp_path / "changed.csv"
    reg = pd.read_csv(county, dtype=str, keep_default_na=False)
    row = reg.index[reg["members"].str.fullmatch(r"\d+")][0]
    reg.loc[row, "members"] = str(int(reg.loc[row, "members"]) + 1000)
    reg.to_csv(changed, index=False)

    _, ind = build_indicators(changed, ref, processed)
    _, ind_fresh = build_indicators(changed, ref, fresh)
    got = pd.read_parquet(processed / INDICATORS)
    pd.testing.assert_frame_equal(got, pd.read_parquet(fresh / INDICATORS))
    pd.testing.assert_frame_equal(ind.table, ind_fresh.table)
    after = _state(processed)
    assert after[INDICATORS] != before[INDICATORS]  # the members changed: the indicators were rewritten
    geo = [name for name in before if name.startswith("geo_")]
    assert geo and all(after[name] == before[name] for name in geo)  # same bytes: the file was not replaced
    Store(processed).verify()
    # every file the fresh run wrote has the same bytes here (the workbook has its own timestamp)
    meta, meta_fresh = Store(processed).meta()["files"], Store(fresh).meta()["files"]
    assert {k: v for k, v in meta.items() if not k.endswith(".xlsx")} == \
        {k: v for k, v in meta_fresh.items() if not k.endswith(".xlsx")}


def _members_changed(county: Path, out: Path, by: int) -> Path:
    reg = pd.read_csv(county, dtype=str, keep_default_na=False)
    row = reg.index[reg["members"].str.fullmatch(r"\d+")][0]
    reg.loc[row, "members"] = str(int(reg.loc[row, "members"]) + by)
    reg.to_csv(out, index=False)
    return out


def test_boundaries_are_drawn_again_only_when_what_they_depend_on_changed(ref, reference_dir, county, county_built,
                                                                          tmp_path, monkeypatch):
    import sote_analytics.store as store_mod

    processed = _copy(county_built[0], tmp_path / "processed")
    drawn: list[str] = []
    real = type(ref).boundaries

    def spy(self, level, *args, **kwargs):
        drawn.append(level)
        return real(self, level, *args, **kwargs)

    monkeypatch.setattr(type(ref), "boundaries", spy)
    # a new process: a reference that has read no boundary yet
    fresh_ref = load_reference(ref.year, reference_dir)
    build_indicators(_members_changed(county, tmp_path / "a.csv", 7), fresh_ref, processed)
    assert drawn == []  # the same reference: the folder's boundary files are kept
    Store(processed).verify()
    # what reading them says (merged municipalities) is still said, as a full run says it
    build_indicators(tmp_path / "a.csv", load_reference(ref.year, reference_dir), tmp_path / "full")
    drawn.clear()
    notes = Store(processed).meta()["reference_notes"]
    assert any(n.startswith("Boundaries of") for n in notes)
    assert notes == Store(tmp_path / "full").meta()["reference_notes"]
    geo = sorted(p.name for p in processed.glob("geo_*.parquet"))
    assert len(geo) == 6
    (processed / geo[0]).write_bytes(b"not a parquet file")  # damaged: that one is drawn again
    build_indicators(_members_changed(county, tmp_path / "b.csv", 8), ref, processed)
    assert drawn == [geo[0].removeprefix("geo_").removesuffix(".parquet")]
    Store(processed).verify()
    pd.read_parquet(processed / geo[0])
    drawn.clear()
    monkeypatch.setattr(store_mod, "MAP_SIMPLIFY", store_mod.MAP_SIMPLIFY * 2)  # what they depend on: all again
    build_indicators(_members_changed(county, tmp_path / "c.csv", 9), ref, processed)
    assert sorted(drawn) == sorted(g.removeprefix("geo_").removesuffix(".parquet") for g in geo)


def test_a_damaged_folder_is_recomputed(ref, county, county_built, tmp_path):
    processed, ind1 = _copy(county_built[0], tmp_path / "processed"), county_built[1]
    (processed / INDICATORS).write_bytes(b"broken")
    build_indicators(county, ref, processed)
    Store(processed).verify()
    pd.testing.assert_frame_equal(pd.read_parquet(processed / INDICATORS), ind1.table)


def test_store_indicators_of_the_same_frames_rewrites_nothing(ref, county, tmp_path):
    processed = tmp_path / "processed"
    res = read_register(county, ref).result
    _, ind1 = store_indicators(res, ref, processed)
    before = _state(processed)
    _, ind2 = store_indicators(res, ref, processed)
    assert _state(processed) == before
    pd.testing.assert_frame_equal(ind2.table, ind1.table)
    res.register.loc[res.register.index[0], "members"] = 99999
    store_indicators(res, ref, processed)
    assert _state(processed)[INDICATORS] != before[INDICATORS]


def test_an_unchanged_run_is_quick(ref, county, county_built, tmp_path):
    import time

    processed = _copy(county_built[0], tmp_path / "processed")
    t0 = time.perf_counter()
    build_indicators(county, ref, processed)
    # goal 1 s (measured by bench/bench_incremental.py); generous here: the machine is shared
    assert time.perf_counter() - t0 < 10
    assert os.listdir(processed)


def test_the_command_line_twice_rewrites_nothing_and_leaves_the_folder_unlocked(ref, county, reference_dir,
                                                                                  tmp_path):
    """`sote-analytics indicators` opens the transaction before its checks: the skip must end it too."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    processed = tmp_path / "processed"
    cmd = [sys.executable, "-m", "sote_analytics.cli", "indicators", "--register", str(county), "--out-dir",
           str(processed), "--reference-dir", str(reference_dir)]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before, around = _state(processed), _siblings(processed)
    second = subprocess.run(cmd, env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout  # the same counts said
    # every file as it was; the folder's own mtime is not compared: the command line's check that
    # --out-dir is writable (boundary.output_dir) creates and removes a probe file in it
    after = _state(processed)
    assert {k: v for k, v in after.items() if k != "."} == {k: v for k, v in before.items() if k != "."}
    assert after["."][0] == before["."][0] and _siblings(processed) == around
    Store(processed).begin()  # not locked by anyone
    Store(processed).abort()


def test_a_swap_that_fails_after_the_unchanged_files_were_kept_leaves_the_folder_complete(tmp_path, monkeypatch):
    import sote_analytics.store as store_module

    s = Store(tmp_path / "processed")
    frame = pd.DataFrame({"source_row": [1, 2], "reason": ["name missing", "exact duplicate"]})
    s.write_quarantine(frame)
    s.write_meta({"source": "x.csv"})
    before = _state(s.path)
    s.begin()
    s.write_quarantine(frame)  # the same bytes: kept (linked), not replaced

    def fail(src, dst):
        raise OSError("killed")

    monkeypatch.setattr(store_module.os, "rename", fail)
    with pytest.raises(OSError):
        s.write_meta({"source": "y.csv"})
    monkeypatch.undo()
    s.abort()
    assert _state(s.path) == before
    s.verify()
    assert s.meta()["source"] == "x.csv"

    s.begin()
    s.write_quarantine(frame)
    s.write_meta({"source": "y.csv"})
    after = _state(s.path)
    assert after["quarantine.csv"] == before["quarantine.csv"]  # same inode and mtime: not rewritten
    assert s.meta()["source"] == "y.csv"


def test_the_review_workbook_is_written_again_only_when_its_rows_change(ref, county, tmp_path, monkeypatch):
    import sote_analytics.classify.corrections as corrections
    from sote_analytics.classify.corrections import read_corrections
    from sote_analytics.store import REVIEW

    reg = pd.read_csv(county, dtype=str, keep_default_na=False)
    reg.loc[reg.index[:2], "name"] = ["Qwxz ry", "Zyqv ry"]  # names no rule knows: to review
    reg.loc[reg.index[:2], "sector"] = ""
    reg.to_csv(tmp_path / "base.csv", index=False)
    processed = tmp_path / "processed"
    build_indicators(tmp_path / "base.csv", ref, processed)
    n = Store(processed).meta()["quality"]["review"]["associations"]
    assert n >= 2
    written: list[Path] = []
    real = corrections.write_review_workbook

    def spy(register, path, language="fi"):
        written.append(Path(path))
        return real(register, path, language)

    monkeypatch.setattr(corrections, "write_review_workbook", spy)
    before = (processed / REVIEW).read_bytes()
    changed = reg.copy()
    row = changed.index[changed["members"].str.fullmatch(r"\d+")][-1]
    changed.loc[row, "members"] = str(int(changed.loc[row, "members"]) + 11)  # not a reviewed column
    changed.to_csv(tmp_path / "a.csv", index=False)
    build_indicators(tmp_path / "a.csv", ref, processed)
    assert written == [] and (processed / REVIEW).read_bytes() == before
    assert Store(processed).meta()["quality"]["review"]["associations"] == n
    Store(processed).verify()
    # a reviewed association renamed: written again, and it says the new name
    changed.loc[changed["name"] == "Qwxz ry", "name"] = "Qwxz uusi ry"
    changed.to_csv(tmp_path / "b.csv", index=False)
    build_indicators(tmp_path / "b.csv", ref, processed)
    assert len(written) == 1
    assert "Qwxz uusi ry" in pd.read_excel(processed / REVIEW, dtype=str).iloc[:, 2].tolist()
    assert read_corrections(processed / REVIEW).empty
    Store(processed).verify()
    (processed / REVIEW).write_bytes(b"damaged")  # a damaged workbook is not kept
    changed.loc[row, "members"] = "5"
    changed.to_csv(tmp_path / "c.csv", index=False)
    build_indicators(tmp_path / "c.csv", ref, processed)
    assert len(written) == 2
    Store(processed).verify()
