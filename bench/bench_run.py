"""Issue 30's goals for the main job and the publication, each with its figure (bench/results/run.json).

(a) a county report's compute in a warm kernel <= 0.4 s: measured by bench/bench_report_compute.py
    (written on another branch); not here.
(b) 23 county reports through the publication path (2 workers, warm kernels) vs the naive loop
    (the `papermill` CLI, then `jupyter nbconvert --to html --no-input`, per area), measured in the
    same run: >= 25x.
(c) `sote-analytics run` on a one-county file (the demo register's associations of wellbeing area 15,
    Keski-Suomi, about 300), end to end with workbooks: <= 15 s.
(d) the whole publication, `report --all-levels`: <= 120 s and <= 80 MB of output.
(e) `run` again after one association's member count changed: <= 3 s; and with nothing changed: <= 1 s.
(f) 108,000 associations (a national synthetic register: the demo register resampled) through `run`
    for every county report: <= 30 s, with every county's report and directory present.

Every figure is a wall-clock time of the command line, as a user runs it, on this machine; a machine
busy with other work gives noisy figures (the results say so: ``under_load``). `--quick` is a smoke
run: 3 areas in (b), no (d), 20,000 associations in (f).

    python bench/bench_run.py [--quick] [--only b,c,e]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import big_register, county_file, goal, machine_info, one_member_changed, reference, write_goals

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "reports" / "regional_report.ipynb"
WORK = Path(__file__).parent / "results" / "work_run"


def timed(cmd: list[str]) -> float:
    """Seconds of one command (output discarded; a failure stops the benchmark with its output)."""
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep
                            + os.environ.get("PYTHONPATH", "")})
    if r.returncode:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-3000:]}")
    return time.perf_counter() - t0


def cli(*args: str) -> list[str]:
    return [str(BIN / "sote-analytics"), *args]


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024**2


def bench_b(ref, processed: Path, quick: bool) -> dict:
    codes = ref.areas("hyvinvointialue")["code"].tolist()[: 3 if quick else None]
    refdir = str(Path(ref.folder).resolve())
    naive_out = WORK / "b_naive"
    naive_out.mkdir(parents=True)
    naive = 0.0
    for c in codes:
        nb = naive_out / f"hyvinvointialue_{c}.ipynb"
        naive += timed([str(BIN / "papermill"), str(NOTEBOOK), str(nb), "-p", "level", "hyvinvointialue",
                        "-r", "area", c, "-p", "year", str(ref.year), "-p", "language", "fi",
                        "-p", "processed_dir", str(processed.resolve()), "-p", "reference_dir", refdir])
        naive += timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)])
    out = WORK / "b_publication"
    if quick:  # the same warm workers, fewer areas
        cmd = cli("report", "--level", "hyvinvointialue", *[a for c in codes for a in ("--area", c)],
                  "--workers", "2", "--processed-dir", str(processed), "--out-dir", str(out), "--reference-dir", refdir)
    else:
        cfg = WORK / "b_publication.yaml"
        cfg.write_text("levels: [hyvinvointialue]\nhierarchy: [hyvinvointialue]\n"
                       "languages: {base: [fi], swedish_status_codes: []}\n", encoding="utf-8")
        cmd = cli("report", "--publication", str(cfg), "--workers", "2", "--processed-dir", str(processed),
                  "--out-dir", str(out), "--reference-dir", refdir)
    product = timed(cmd)
    ratio = naive / product
    return goal("b", f"{len(codes)} county reports: publication path (2 workers) vs naive papermill + nbconvert loop",
                ">= 25x", ratio, "x", ratio >= 25, naive=naive,
                detail=f"publication path {product:.1f} s, naive {naive:.1f} s ({naive / len(codes):.1f} s/report)")


def bench_d(ref, processed: Path) -> list[dict]:
    out = WORK / "d_publication"
    seconds = timed(cli("report", "--all-levels", "--workers", "2", "--processed-dir", str(processed),
                        "--out-dir", str(out), "--reference-dir", str(Path(ref.folder).resolve())))
    size = folder_mb(out)
    html = list(out.glob("*.html"))
    n = len(html)
    html_mb = sum(p.stat().st_size for p in html) / 1024**2
    executed = folder_mb(out / "_executed") if (out / "_executed").is_dir() else 0.0
    return [goal("d", "the whole publication (report --all-levels, 2 workers)", "<= 120 s", seconds, "s",
                 seconds <= 120, detail=f"{n} HTML files"),
            goal("d", "the whole publication's output", "<= 80 MB", size, "MB", size <= 80,
                 detail=f"HTML {html_mb:,.0f} MB, executed notebooks {executed:,.0f} MB")]


def bench_ce(ref, register: Path) -> list[dict]:
    county = county_file(register, ref, WORK / "keski_suomi.csv")
    n = sum(1 for _ in county.open(encoding="utf-8")) - 1
    out = WORK / "c_run"
    cmd = cli("run", str(county), "--out-dir", str(out), "--reference-dir", str(Path(ref.folder).resolve()))
    first = timed(cmd)
    books = len(list((out / "reports" / "excel").glob("*.xlsx")))
    one_member_changed(county, county)  # the same file, one association's member count changed
    changed = timed(cmd)
    unchanged = timed(cmd)
    from sote_analytics.pipeline import build_indicators

    processed = out / "processed"
    before = {p.name: p.stat().st_mtime_ns for p in processed.iterdir()}
    t0 = time.perf_counter()
    build_indicators(county, ref, processed)
    skip = time.perf_counter() - t0
    untouched = before == {p.name: p.stat().st_mtime_ns for p in processed.iterdir()}
    return [goal("c", f"`run` on a one-county file ({n} associations of Keski-Suomi), end to end with workbooks",
                 "<= 15 s", first, "s", first <= 15, detail=f"{books} workbooks"),
            goal("e", "`run` again after one association's member count changed", "<= 3 s", changed, "s",
                 changed <= 3),
            goal("e", "`run` again with nothing changed", "<= 1 s", unchanged, "s", unchanged <= 1),
            goal("e", "indicators of the unchanged file (build_indicators in a warm process)", "<= 1 s", skip, "s",
                 skip <= 1 and untouched, detail="processed folder untouched" if untouched else "REWRITTEN")]


def bench_f(ref, quick: bool) -> dict:
    from sote_analytics.store import Store

    n = 20_000 if quick else 108_000
    big = big_register(ref, n)
    path = WORK / f"national_{n}.csv"
    big.to_csv(path, index=False)
    out = WORK / "f_run"
    seconds = timed(cli("run", str(path), "--out-dir", str(out), "--reference-dir", str(Path(ref.folder).resolve())))
    codes = ref.areas("hyvinvointialue")["code"].tolist()
    reports = {c for c in codes if (out / "reports" / f"hyvinvointialue_{c}.html").is_file()}
    store = Store(out / "processed")
    listed = {c for c in codes if len(store.directory(ref.members("hyvinvointialue", c)["kunta_code"].tolist()))}
    ok = reports == listed == set(codes)
    return goal("f", f"{n:,} associations through `run`, every county report", "<= 30 s", seconds, "s",
                seconds <= 30 and ok, detail=f"{len(reports)}/{len(codes)} county reports, "
                f"{len(listed)}/{len(codes)} county directories non-empty")


def main(argv: list[str] | None = None) -> None:
    from sote_analytics.pipeline import build_demo, build_indicators

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: smaller inputs, no (d)")
    ap.add_argument("--only", default="b,c,d,e,f", help="goals to measure (c and e run together)")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    machine = machine_info()
    ref = reference()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    demo = build_demo(ref, WORK / "demo")
    goals: list[dict] = []
    if only & {"c", "e"}:
        goals += bench_ce(ref, demo.register)
    if only & {"b", "d"}:
        processed = WORK / "processed"
        build_indicators(demo.register, ref, processed, survey_path=demo.survey)
        if "b" in only:
            goals.append(bench_b(ref, processed, args.quick))
        if "d" in only and not args.quick:
            goals += bench_d(ref, processed)
    if "f" in only:
        goals.append(bench_f(ref, args.quick))
    write_goals("run_quick" if args.quick else "run", goals, args.quick, machine)


if __name__ == "__main__":
    main()
