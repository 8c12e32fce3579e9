"""The main job against the naive way: the batch of 23 wellbeing-area reports.

Baseline: for each area, the `papermill` command line and then `jupyter nbconvert --to html
--no-input`, one after the other, as a user would by hand. Product: `sote-analytics report
--level hyvinvointialue --all` with its default workers. Same machine, data and notebook.
Prints the ratio (goal >= 3x on 2 cores), median time per report, peak memory, HTML payload
per report without the embedded plotly.js and the self-contained size, import time and the time from kernel
start to the first rendered cell (on a warm kernel: the product path keeps one per worker).
"""

import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import reference, write_result

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOK = ROOT / "notebooks" / "reports" / "regional_report.ipynb"


PEAKS: list[float] = []
_PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]);"
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)")


def run(cmd, **kw) -> float:
    """Run a command; record the peak RSS of its process tree (largest single process) in PEAKS."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", _PEAK, *cmd], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True, cwd=ROOT, **kw)
    PEAKS.append(int(r.stderr.strip().splitlines()[-1]) / 1024)
    return time.perf_counter() - t0


def payload(path: Path) -> int:
    """Bytes of a report without the plotly.js bundle a self-contained report embeds."""
    import re

    text = path.read_bytes()
    m = re.search(rb'<script[^>]*id="sote-plotly-gz"[^>]*>.*?</script>', text, re.S)
    return len(text) - (len(m.group(0)) if m else 0)


def peak_since(mark: int) -> float:
    return max(PEAKS[mark:], default=0.0)


def main() -> None:
    from sote_analytics.pipeline import build_demo, build_indicators

    ref = reference()
    work = Path(__file__).parent / "results" / "work"
    shutil.rmtree(work, ignore_errors=True)
    demo = build_demo(ref, work / "demo")
    processed = work / "processed"
    build_indicators(demo.register, ref, processed, survey_path=demo.survey)
    codes = ref.areas("hyvinvointialue")["code"].tolist()
    refdir = str(Path(ref.folder).resolve())

    # --- baseline: papermill CLI + nbconvert CLI, one area after the other
    base_out = work / "baseline"
    base_out.mkdir()
    base_times = []
    mark = len(PEAKS)
    t0 = time.perf_counter()
    for c in codes:
        nb = base_out / f"hyvinvointialue_{c}.ipynb"
        t = run([str(BIN / "papermill"), str(NOTEBOOK), str(nb), "-p", "level", "hyvinvointialue",
                 "-r", "area", c, "-p", "year", "2025", "-p", "language", "fi",
                 "-p", "processed_dir", str(processed.resolve()), "-p", "reference_dir", refdir])
        t += run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)])
        base_times.append(t)
    baseline = time.perf_counter() - t0
    base_peak = peak_since(mark)

    # --- product
    prod_out = work / "product"
    mark = len(PEAKS)
    t0 = time.perf_counter()
    run([str(BIN / "sote-analytics"), "report", "--level", "hyvinvointialue", "--all",
         "--processed-dir", str(processed), "--out-dir", str(prod_out), "--reference-dir", refdir])
    product = time.perf_counter() - t0
    peak = peak_since(mark)
    manifest = json.loads((prod_out / "manifest.json").read_text())
    per_report = [r["seconds"] for r in manifest["reports"] if r["area"] != "national"]
    sizes = [payload(prod_out / f"hyvinvointialue_{c}.html") for c in codes]
    self_out = work / "self_contained"
    run([str(BIN / "sote-analytics"), "report", "--level", "hyvinvointialue", "--area", "15", "--self-contained",
         "--processed-dir", str(processed), "--out-dir", str(self_out), "--reference-dir", refdir])
    self_size = (self_out / "hyvinvointialue_15.html").stat().st_size

    # --- import time and kernel start -> first rendered cell
    def import_ms(module: str) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", f"import {module}"], check=True)
            t1 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            times.append((t1 - t0) - (time.perf_counter() - t1))
        return statistics.median(times) * 1000

    imp_pkg, imp_ref, imp_report = (import_ms("sote_analytics"), import_ms("sote_analytics.reference"),
                                    import_ms("sote_analytics.report.content"))
    firsts = []
    for c in codes:
        nb = json.loads((prod_out / "_executed" / f"hyvinvointialue_{c}.ipynb").read_text())
        start = dt.datetime.fromisoformat(nb["metadata"]["papermill"]["start_time"])
        ends = [dt.datetime.fromisoformat(cell["metadata"]["papermill"]["end_time"]) for cell in nb["cells"]
                if cell["cell_type"] == "code" and cell.get("outputs")]
        if ends:
            firsts.append((min(ends) - start).total_seconds())

    # --- warm kernels: the same 23 areas through the publication path (2 workers, one warm kernel each)
    warm_out = work / "warm"
    wb_cfg = work / "wb.yaml"
    wb_cfg.write_text("levels: [hyvinvointialue]\nhierarchy: [hyvinvointialue]\n"
                      "languages: {base: [fi], swedish_status_codes: []}\n", encoding="utf-8")
    t0 = time.perf_counter()
    run([str(BIN / "sote-analytics"), "report", "--publication", str(wb_cfg), "--workers", "2",
         "--processed-dir", str(processed), "--out-dir", str(warm_out), "--reference-dir", refdir])
    warm = time.perf_counter() - t0

    # --- the whole publication (all levels, fi + sv where due), then one association changed
    pub_out = work / "publication"
    pub_cmd = [str(BIN / "sote-analytics"), "report", "--all-levels", "--workers", "2",
               "--processed-dir", str(processed), "--out-dir", str(pub_out), "--reference-dir", refdir]
    t0 = time.perf_counter()
    run(pub_cmd)
    whole = time.perf_counter() - t0
    pub = json.loads((pub_out / "manifest.json").read_text())
    import pandas as pd

    reg = pd.read_csv(demo.register, dtype=str, keep_default_na=False)
    row = reg.index[reg["members"] != ""][0]
    reg.loc[row, "members"] = str(int(reg.loc[row, "members"]) + 500)
    changed = work / "register.csv"
    reg.to_csv(changed, index=False)
    t0 = time.perf_counter()
    build_indicators(changed, ref, processed, survey_path=demo.survey)
    reindex = time.perf_counter() - t0
    t0 = time.perf_counter()
    run(pub_cmd)
    incremental = time.perf_counter() - t0
    inc = json.loads((pub_out / "manifest.json").read_text())
    kunta = [payload(p) for p in pub_out.glob("kunta_*.html")]
    pub_sizes = [p.stat().st_size for p in pub_out.glob("*.html") if not p.name.startswith("index")]

    lines = [
        f"report batch, {len(codes)} wellbeing areas (+ national overview in the product run), "
        f"{os.cpu_count()} cores",
        f"  baseline (papermill CLI + nbconvert CLI per area, sequential): {baseline:7.1f} s "
        f"(median {statistics.median(base_times):.1f} s/report), peak child RSS {base_peak:,.0f} MB",
        f"  product  (sote-analytics report --all, {manifest['workers']} workers):      {product:7.1f} s "
        f"(median {statistics.median(per_report):.1f} s/report in a worker), peak child RSS {peak:,.0f} MB",
        f"  speed-up baseline/product: {baseline / product:.1f}x "
        f"(goal >= 3x: {'met' if baseline / product >= 3 else 'NOT met'})",
        f"  HTML payload without plotly.js: median {statistics.median(sizes) / 1024:,.0f} KB, "
        f"max {max(sizes) / 1024:,.0f} KB (goal <= 500 KB: {'met' if max(sizes) <= 500 * 1024 else 'NOT met'})",
        f"  self-contained single file (area 15): {self_size / 1024**2:.1f} MB; largest report of the publication "
        f"{max(pub_sizes) / 1024**2:.2f} MB (goal < 1.5 MB: {'met' if max(pub_sizes) < 1.5 * 1024**2 else 'NOT met'})",
        f"  municipality reports without plotly.js: median {statistics.median(kunta) / 1024:,.0f} KB, max "
        f"{max(kunta) / 1024:,.0f} KB (goal < 250 KB: {'met' if max(kunta) < 250 * 1024 else 'NOT met'})",
        f"  import sote_analytics: {imp_pkg:.0f} ms; .reference (pandas): {imp_ref:.0f} ms; "
        f".report.content (pandas, IPython, plotly lazily): {imp_report:.0f} ms",
        f"  papermill start -> first rendered cell (warm kernel): median {statistics.median(firsts):.2f} s",
        f"  warm kernels (publication path, 2 workers): {warm:7.1f} s; speed-up baseline/warm: "
        f"{baseline / warm:.1f}x (goal >= 8x: {'met' if baseline / warm >= 8 else 'NOT met'})",
        f"  whole publication ({pub['built']} reports, all levels, fi + sv where due, 2 workers): {whole:7.1f} s "
        f"(goal < 600 s: {'met' if whole < 600 else 'NOT met'}), {len(pub['errors'])} failed",
        f"  one association changed: indicators {reindex:.1f} s, publication re-run {incremental:.1f} s "
        f"(goal < 10 s: {'met' if incremental < 10 else 'NOT met'}), rebuilt {inc['built']}, "
        f"unchanged {inc['skipped']}",
    ]
    write_result("reports", lines)


if __name__ == "__main__":
    main()
