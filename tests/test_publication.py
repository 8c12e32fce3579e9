"""The publication: warm kernels that never leak between areas, incremental rebuilds, the multi-level index."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from sote_analytics.i18n import t
from sote_analytics.report.render.kernels import WarmKernel
from sote_analytics.report.render.plan import Job, PublicationConfigError, area_languages, load_config, plan
from sote_analytics.report.render.publication import InputHasher, publish
from sote_analytics.store import Store

# ---------------------------------------------------------------------------- warm kernel


def _toy_notebook(path: Path) -> Path:
    """A notebook with a parameters cell whose 'figure' is the area's data; modes misbehave on purpose."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('area = "x"\nvalues = [0]\nmode = "ok"')
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import builtins, os\n"
        "figure = {'area': area, 'data': list(values) + globals().get('carried', [])}\n"
        "carried = list(values)\n"
        "print(figure, getattr(builtins, 'leaked', None))\n"
        "if mode == 'raise':\n    raise ValueError('bad area ' + area)\n"
        "if mode == 'kill':\n    os._exit(3)\n"
        "if mode == 'leak':\n    builtins.leaked = area\n")
    nb.cells = [params, body]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _stdout(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", [])
                   if o.get("output_type") == "stream")


def test_warm_kernel_isolates_areas_and_replaces_bad_kernels(tmp_path):
    import papermill as pm

    nb = _toy_notebook(tmp_path / "toy.ipynb")
    runs = [("A", [111], "ok"), ("B", [222], "ok"), ("C", [333], "raise"), ("D", [444], "ok"),
            ("E", [555], "leak"), ("F", [666], "ok"), ("G", [777], "kill"), ("H", [888], "ok")]
    errors, starts = {}, {}
    with WarmKernel(tmp_path, tmp_path / "kernel.log", preload=()) as k:
        for area, values, mode in runs:
            try:
                k.execute(nb, tmp_path / f"{area}.ipynb", {"area": area, "values": values, "mode": mode})
            except Exception as exc:
                errors[area] = type(exc).__name__
            starts[area] = k.starts
    assert errors == {"C": "PapermillExecutionError", "G": "DeadKernelError"}
    # A and B share a kernel; a failed area and a leaking area each cost a fresh kernel; a dead one is replaced
    assert starts["A"] == starts["B"] == starts["C"] == 1
    assert starts["D"] == 2 and starts["F"] == 3 and starts["H"] == 4
    for area, values, _ in runs:
        if area == "G":
            continue
        out = _stdout(tmp_path / f"{area}.ipynb")
        assert f"'data': {values}" in out  # its own data only, nothing carried over from the previous area
        others = [str(v[0]) for a, v, _ in runs if a != area]
        assert not any(o in out for o in others), (area, out)
    assert "None" in _stdout(tmp_path / "F.ipynb")  # E's builtins leak did not reach F

    # the executed notebook is what papermill records on a cold kernel: parameters cell, metadata, counts
    pm.execute_notebook(str(nb), str(tmp_path / "cold.ipynb"), parameters={"area": "B", "values": [222], "mode": "ok"},
                        kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    cold, warm = (nbformat.read(tmp_path / f, as_version=4) for f in ("cold.ipynb", "B.ipynb"))
    assert [c.source for c in warm.cells] == [c.source for c in cold.cells]
    assert [c.metadata.get("tags") for c in warm.cells] == [c.metadata.get("tags") for c in cold.cells]
    assert [c.get("execution_count") for c in warm.cells] == [c.get("execution_count") for c in cold.cells]
    assert warm.metadata.papermill.parameters == cold.metadata.papermill.parameters


def test_a_kernel_that_dies_while_it_starts_is_an_error_not_a_hang(tmp_path):
    """A kernel that dies while it imports its libraries (out of memory, a broken install) is reported as
    dead at once: the start is retried once on a new kernel, then the report fails with a clear error."""
    from sote_analytics.report.render.kernels import KernelStateError

    nb = _toy_notebook(tmp_path / "toy.ipynb")
    with WarmKernel(tmp_path, tmp_path / "kernel.log", preload=("os; os._exit(3)",)) as k:
        k.launch()  # as a publication worker does, before its first job
        with pytest.raises(KernelStateError, match="died"):
            k.execute(nb, tmp_path / "A.ipynb", {"area": "A", "values": [1], "mode": "ok"})
        assert k.starts == 2  # the launched kernel and one more
    assert not (tmp_path / "A.ipynb").exists()


# ---------------------------------------------------------------------------- languages and config


def test_languages_follow_the_key_and_overrides(ref):
    cfg = load_config()
    langs = area_languages(ref, cfg, "kunta")
    status = ref.key.set_index("kunta_code")["kielisuhde_code"]
    assert all(("sv" in langs[c]) == (status[c] != "0") for c in status.index)
    assert langs["091"] == ["fi", "sv"] and langs["297"] == ["fi"]  # Helsinki bilingual, Kuopio not
    wb = area_languages(ref, cfg, "hyvinvointialue")
    assert "sv" in wb["17"] and wb["15"] == ["fi"]  # Pohjanmaa; Pohjois-Savo
    cfg.overrides = {"hyvinvointialue:15": ["fi", "en"]}
    cfg.level_languages = {"koko_maa": ["en"]}
    assert area_languages(ref, cfg, "hyvinvointialue")["15"] == ["fi", "en"]
    assert area_languages(ref, cfg, "koko_maa")["SSS"] == ["fi", "sv", "en"]


def test_config_errors_name_the_problem(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("levels: [kunta, county]\nhierarchy: [kunta]\n", encoding="utf-8")
    with pytest.raises(PublicationConfigError, match="county"):
        load_config(bad)
    bad.write_text("levels: [kunta]\nlanguages: {base: [fi, de]}\n", encoding="utf-8")
    with pytest.raises(PublicationConfigError, match="de"):
        load_config(bad)


# ---------------------------------------------------------------------------- incremental publication


@pytest.fixture(scope="module")
def small(ref):
    """Two wellbeing areas, one sub-region and three municipalities: the Swedish-speaking Pohjanmaa and Pohjois-Savo."""
    cfg = load_config()
    cfg.levels = ["hyvinvointialue", "seutukunta", "kunta"]
    key = ref.key.set_index("kunta_code")
    x, y, z = "499", "905", "297"  # Mustasaari and Vaasa (Pohjanmaa, one sub-region), Kuopio
    cfg.areas = {"hyvinvointialue": ["17", "15"], "seutukunta": [str(key.loc[x, "seutukunta_code"])],
                 "kunta": [x, y, z]}
    cfg.base_languages, cfg.swedish_status_codes = ["fi"], []  # Finnish only keeps the test short
    return cfg, x, y, z


def test_incremental_rebuild_only_where_the_association_is(ref, demo_dir, processed, small, tmp_path):
    from sote_analytics.pipeline import build_indicators

    cfg, x, y, z = small
    # the session's processed demo (the register and survey of demo_dir), copied: this test rebuilds it in place
    processed = Path(shutil.copytree(processed[0], tmp_path / "processed"))
    out = tmp_path / "out"
    kw = dict(year=2025, processed_dir=processed, out_dir=out, reference_dir=ref.folder, workers=1)
    first = publish(cfg, **kw)
    assert not first.failed, first.failed
    assert len(first.built) == 6 and not first.skipped
    # the warm kernel served several reports
    assert max(r["kernel_starts"] for r in first.built) == 1

    again = publish(cfg, **kw)
    assert not again.built and len(again.skipped) == 6

    # one association of municipality x changed (its members): x, its sub-region and wellbeing area rebuild
    reg = pd.read_csv(demo_dir / "register.csv", dtype=str, keep_default_na=False)
    names = ref.key.set_index("kunta_code").loc[x, ["kunta_name_fi", "kunta_name_sv"]].tolist()
    row = reg.index[reg["municipality"].isin(names) & (reg["members"] != "")][0]
    reg.loc[row, "members"] = str(int(reg.loc[row, "members"]) + 500)
    changed = tmp_path / "register.csv"
    reg.to_csv(changed, index=False)
    build_indicators(changed, ref, processed, survey_path=demo_dir / "survey.csv")
    third = publish(cfg, **kw)
    sub = cfg.areas["seutukunta"][0]
    assert {r["stem"] for r in third.built} == {f"kunta_{x}", f"seutukunta_{sub}", "hyvinvointialue_17"}
    assert len(third.skipped) == 3
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["format"] == 2 and manifest["runs"][-1]["built"] == 3 and manifest["runs"][-1]["skipped"] == 3
    assert all(e["context_changed"] for e in third.skipped)  # the national figures they quote moved

    forced = publish(cfg, **kw, force=True)
    assert len(forced.built) == 6

    # the multi-level index: every entry links up and down to existing entries
    page = (out / "index.html").read_text("utf-8")
    ids = set(re.findall(r'<tr id="([^"]+)"', page))
    assert {f"kunta-{x}", f"seutukunta-{sub}", "hyvinvointialue-17"} <= ids
    targets = re.findall(r'class="sote-(?:up|down)" href="#([^"]+)"', page)
    assert targets and set(targets) <= ids
    row = re.search(rf'<tr id="seutukunta-{sub}">(.*?)</tr>', page, re.S).group(1)
    assert 'class="sote-up" href="#hyvinvointialue-17"' in row
    assert f'class="sote-down" href="#kunta-{x}"' in row and f'href="#kunta-{y}"' in row
    row = re.search(rf'<tr id="kunta-{z}">(.*?)</tr>', page, re.S).group(1)
    assert "sote-up" not in row  # Kuopio's sub-region is not published: no dangling link
    row = re.search(r'<tr id="hyvinvointialue-17">(.*?)</tr>', page, re.S).group(1)
    assert f'href="#seutukunta-{sub}"' in row and f'href="kunta_{x}.html"' not in row


def test_input_hash_components(ref, processed, tmp_path):
    from sote_analytics.report.render.run import default_notebook, report_params

    folder = processed[0]
    nb2 = tmp_path / "nb.ipynb"
    shutil.copy(default_notebook(), nb2)
    h1 = InputHasher(Store(folder), ref, default_notebook())
    nb = nbformat.read(nb2, as_version=4)
    nb.cells[-1].source += "\n"
    nbformat.write(nb, nb2)
    h2 = InputHasher(Store(folder), ref, nb2)
    job_fi, job_sv = Job("hyvinvointialue", "17", "fi"), Job("hyvinvointialue", "17", "sv")
    p_fi = report_params("hyvinvointialue", "17", 2025, "fi", folder, ref.folder)
    p_sv = report_params("hyvinvointialue", "17", 2025, "sv", folder, ref.folder)
    a, b = h1.inputs(job_fi, p_fi), h2.inputs(job_fi, p_fi)
    assert a["notebook"] != b["notebook"] and a["data"] == b["data"]  # a notebook edit rebuilds
    s = h1.inputs(job_sv, p_sv)
    assert s["texts"] != a["texts"] and s["data"] == a["data"]  # the language's own texts
    other = h1.inputs(Job("hyvinvointialue", "15", "fi"),
                      report_params("hyvinvointialue", "15", 2025, "fi", folder, ref.folder))
    assert other["data"] != a["data"] and other["reference"] == a["reference"]
    # moving the processed folder changes no input
    assert h1.inputs(job_fi, report_params("hyvinvointialue", "17", 2025, "fi", tmp_path, ref.folder)) == a
    assert {j.level for j in plan(ref, load_config())} == set(load_config().levels)


# ---------------------------------------------------------------------------- workers
@pytest.mark.skipif(__import__("multiprocessing").get_start_method() != "fork",
                    reason="the fakes reach the workers by fork")
def test_a_dying_worker_fails_only_its_report_and_the_queue_goes_on(monkeypatch, tmp_path):
    """Workers share one job queue; the one report that kills its worker fails, every other report
    (those running beside it when the pool went down included) is rendered."""
    import os
    import time

    import sote_analytics.report.render.kernels as kernels
    import sote_analytics.report.render.workers as workers

    class NoKernel:
        starts = 1

        def __init__(self, *args, **kwargs) -> None:
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            pass

        def launch(self) -> None:
            pass

    def fake_render(kernel, job, notebook, out, self_contained):
        if job["stem"] == "kunta_bad":
            time.sleep(0.1)  # the other worker is busy with its own report when this one dies
            os._exit(3)
        time.sleep(0.05)
        (out / f"{job['stem']}.html").write_text(str(os.getpid()), "utf-8")
        return {"stem": job["stem"], "language": "fi", "error": None, "html": str(out / f"{job['stem']}.html")}

    monkeypatch.setattr(kernels, "WarmKernel", NoKernel)
    monkeypatch.setattr(workers, "_render_one", fake_render)
    stems = ["kunta_a", "kunta_b", "kunta_bad", "kunta_c", "kunta_d", "kunta_e", "kunta_f"]
    jobs = [{"stem": s, "level": "kunta", "area": s, "language": "fi", "params": {}} for s in stems]
    res = workers.run_jobs(jobs, 2, tmp_path / "nb.ipynb", tmp_path, False)
    assert [r["stem"] for r in res] == stems  # in the order asked, each once
    errors = {r["stem"]: r["error"] for r in res}
    assert "died" in errors.pop("kunta_bad")
    assert errors == {s: None for s in stems if s != "kunta_bad"}
    assert {p.stem for p in tmp_path.glob("*.html")} == set(errors)
    pids = {p.read_text("utf-8") for p in tmp_path.glob("*.html")}
    assert len(pids) >= 2  # the queue was shared by more than one worker process


# ---------------------------------------------------------------------------- the folder's index


def test_folder_index_lists_every_manifest_and_never_an_exception(ref, tmp_path):
    """A publication manifest, a Swedish batch manifest and an older Finnish record: every report whose HTML is
    there is listed once (the newest record wins), by level and language; a failure is a short message."""
    from sote_analytics.report.render.folder_index import folder_reports, write_folder_index

    out = tmp_path
    for name in ("hyvinvointialue_17.html", "seutukunta_152.html", "kunta_499.html", "hyvinvointialue_17_sv.html",
                 "maakunta_15_sv.html", "national_maakunta_sv.html", "kunta_905.html"):
        (out / name).write_text("<html></html>", encoding="utf-8")
    raw = "worker failed: FileNotFoundError: [Errno 2] /home/someone/processed/x.parquet\nTraceback (most recent"
    (out / "manifest.json").write_text(json.dumps({"kind": "sote-analytics publication", "reports": {
        "hyvinvointialue_17": {"level": "hyvinvointialue", "area": "17", "language": "fi",
                               "html": str(out / "hyvinvointialue_17.html"), "error": None,
                               "built": "2026-01-02T10:00:00"},
        "seutukunta_152": {"level": "seutukunta", "area": "152", "language": "fi",
                           "html": str(out / "seutukunta_152.html"), "built": "2026-01-02T10:00:00"},
        "kunta_499": {"level": "kunta", "area": "499", "language": "fi", "html": str(out / "kunta_499.html"),
                      "built": "2026-01-02T10:00:00"},
        "kunta_297": {"level": "kunta", "area": "297", "language": "fi", "html": str(out / "kunta_297.html"),
                      "built": "2026-01-02T10:00:00"},  # its file was deleted: not listed
        "kunta_905": {"level": "kunta", "area": "905", "language": "fi", "html": None, "error": raw,
                      "built": "2026-01-02T10:00:00"},  # failed this time; the earlier file is still linked
    }}), encoding="utf-8")
    (out / "manifest_sv.json").write_text(json.dumps({"language": "sv", "started": "2026-01-03T08:00:00", "reports": [
        {"level": "maakunta", "area": "15", "html": str(out / "maakunta_15_sv.html"), "error": None,
         "figures": {"associations": 1234.0, "associations_per_1000": 7.5}},
        {"level": "maakunta", "area": "national", "html": str(out / "national_maakunta_sv.html"), "error": None},
        {"level": "hyvinvointialue", "area": "17", "html": str(out / "hyvinvointialue_17_sv.html"), "error": None},
        {"level": "maakunta", "area": "16", "html": None, "error": raw},
    ]}), encoding="utf-8")
    listed = folder_reports(out)
    assert set(listed) == {"hyvinvointialue_17", "seutukunta_152", "kunta_499", "kunta_905", "hyvinvointialue_17_sv",
                           "maakunta_15_sv", "national_maakunta_sv", "maakunta_16_sv"}
    assert listed["kunta_905"].failed and listed["kunta_905"].html == "kunta_905.html"
    paths = write_folder_index(out, ref, synthetic=True)
    assert set(paths) == {"fi", "sv"}
    fi, sv = (paths[x].read_text("utf-8") for x in ("fi", "sv"))
    for page in (fi, sv):
        for bad in (raw, "FileNotFoundError", "Traceback", "/home/someone", "Errno"):
            assert bad not in page, bad
        ids = re.findall(r'<tr id="([^"]+)"', page)
        assert sorted(ids) == sorted(["hyvinvointialue-17", "seutukunta-152", "kunta-499", "kunta-905",
                                      "maakunta-15", "maakunta-16"]), ids
        targets = re.findall(r'class="sote-(?:up|down)" href="#([^"]+)"', page)
        assert targets and set(targets) <= set(ids)  # the hierarchy links only to listed areas
    # grouped by level, biggest first; maakunta (outside the tree) after it
    order = [fi.find(f'id="level-{lv}"') for lv in ("hyvinvointialue", "seutukunta", "kunta", "maakunta")]
    assert -1 not in order and order == sorted(order), order
    assert fi.count(t("report_failed", "fi")) == 2 and sv.count(t("report_failed", "sv")) == 2
    row = re.search(r'<tr id="hyvinvointialue-17">(.*?)</tr>', fi, re.S).group(1)
    assert 'href="hyvinvointialue_17.html"' in row and 'href="hyvinvointialue_17_sv.html" hreflang="sv"' in row
    assert 'class="sote-down" href="#seutukunta-152"' in row
    row = re.search(r'<tr id="maakunta-15">(.*?)</tr>', sv, re.S).group(1)
    assert 'href="maakunta_15_sv.html"' in row and "1\u00a0234" in row and "7,50" in row
    assert 'href="national_maakunta_sv.html"' in fi and 'href="national_maakunta_sv.html"' in sv
    row = re.search(r'<tr id="kunta-905">(.*?)</tr>', fi, re.S).group(1)
    assert 'href="kunta_905.html"' in row and "epäonnistui" in row
    assert 'href="kunta_297.html"' not in fi


def test_group_digests_follow_each_groups_values():
    """A report's data digest changes with a value of its own area and with nothing else: a value changed in one
    group changes that group's digest only; the same values in another row order or read again give the same
    digests; a column pandas cannot hash (lists) is hashed as text."""
    from sote_analytics.report.render.publication import _group_digests

    df = pd.DataFrame({"area_code": ["1", "1", "2", "3"], "value": [1.5, float("nan"), 2.0, 0.0],
                       "n": [3, 4, 5, 6], "name": pd.array(["a", None, "c", "d"], dtype="string")})
    base = _group_digests(df, ["area_code"])
    assert set(base) == {("1",), ("2",), ("3",)} and len(set(base.values())) == 3
    assert _group_digests(df.iloc[::-1].reset_index(drop=True), ["area_code"]) == base
    assert _group_digests(df.copy(), ["area_code"]) == base
    for col, value in (("value", 2.5), ("n", 7), ("name", "z")):
        changed = df.copy()
        changed.loc[2, col] = value
        after = _group_digests(changed, ["area_code"])
        assert after[("2",)] != base[("2",)] and {k: v for k, v in after.items() if k != ("2",)} == {
            k: v for k, v in base.items() if k != ("2",)}, col
    lists = df.assign(codes=[["091"], ["091", "049"], [], ["179"]])
    listed = _group_digests(lists, ["area_code"])
    lists.at[3, "codes"] = ["180"]
    assert _group_digests(lists, ["area_code"])[("3",)] != listed[("3",)]
