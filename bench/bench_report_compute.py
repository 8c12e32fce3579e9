"""A report's compute in a warm process (issue 30): what the regional notebook's cells run, without the kernel.

For a county (hyvinvointialue 15), Helsinki (hyvinvointialue 90) and a municipality (kunta 179), the
report's context is loaded and every section rendered as the notebook does, several times in one process
(the first run of each is a warm-up: imports, the reference and the indicator table read for the first time).
Prints the median compute per report and per section. Before issue 30 part 2 (warm-process cProfile):
county 1.25 s, Helsinki 1.36 s, municipality 0.70 s; the goal is <= 0.4 s for the county.

    python bench/bench_report_compute.py [--processed DIR] [--runs N] [--html-out DIR]

Without ``--processed`` the demo register is built into bench/results/work_compute. ``--html-out`` writes
each report's sections as one HTML file (to compare the output before and after a change).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

#: (label, level, area) of the measured reports.
REPORTS = (("county 15", "hyvinvointialue", "15"), ("Helsinki 90", "hyvinvointialue", "90"),
           ("municipality 179", "kunta", "179"))
#: The sections in the order of notebooks/reports/regional_report.ipynb.
SECTIONS = ("banner", "key_figures", "sectors", "maps", "gaps", "operating_organisations", "resources",
            "trends", "survey", "directory", "data_method")
#: Before-figures of the issue (seconds, warm-process cProfile).
BEFORE = {"county 15": 1.25, "Helsinki 90": 1.36, "municipality 179": 0.70}
GOAL = 0.4


def render(level: str, area: str, processed: Path, refdir: str | None) -> tuple[dict[str, float], str]:
    """One report's compute: (seconds per step, the sections' HTML)."""
    from sote_analytics.report import content as rc

    times = {}
    t0 = time.perf_counter()
    ctx = rc.load_context(level, area, 2025, "fi", processed, refdir)
    times["context"] = time.perf_counter() - t0
    parts = []
    for name in SECTIONS:
        t1 = time.perf_counter()
        parts.append(getattr(rc, name)(ctx).data)
        times[name] = time.perf_counter() - t1
    times["total"] = time.perf_counter() - t0
    return times, "\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processed", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--html-out", type=Path)
    args = ap.parse_args()
    refdir = os.environ.get("SOTE_REFERENCE_DIR")
    processed = args.processed
    if processed is None:
        from common import reference

        from sote_analytics.pipeline import build_demo, build_indicators

        ref = reference()
        work = Path(__file__).parent / "results" / "work_compute"
        processed = work / "processed"
        if not (processed / "run.json").exists():
            demo = build_demo(ref, work / "demo")
            build_indicators(demo.register, ref, processed, survey_path=demo.survey)
    results = {}
    for label, level, area in REPORTS:
        render(level, area, processed, refdir)  # warm-up
        runs = []
        for _ in range(args.runs):
            times, html = render(level, area, processed, refdir)
            runs.append(times)
        results[label] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        if args.html_out:
            args.html_out.mkdir(parents=True, exist_ok=True)
            (args.html_out / f"{level}_{area}.html").write_text(html, encoding="utf-8")
    print(f"report compute in a warm process, median of {args.runs} runs (seconds)")
    for label, r in results.items():
        flag = "" if label != "county 15" else ("  (goal <= 0.4 s: met)" if r["total"] <= GOAL
                                                 else "  (goal <= 0.4 s: NOT met)")
        print(f"  {label:18s} {r['total']:.3f}  (before: {BEFORE[label]:.2f}){flag}")
    print("by section (seconds):")
    print("  " + " " * 24 + "".join(f"{lab[:14]:>16s}" for lab in results))
    for k in ("context", *SECTIONS):
        print(f"  {k:24s}" + "".join(f"{results[lab][k]:16.3f}" for lab in results))
    from common import goal, write_goals

    county = results["county 15"]["total"]
    write_goals("report_compute", [goal(
        "a", "a county report's compute in a warm kernel", "<= 0.4 s", county, "s", county <= GOAL,
        detail="; ".join(f"{lab} {r['total']:.3f} s (before {BEFORE[lab]:.2f} s)" for lab, r in results.items()))])


if __name__ == "__main__":
    main()
