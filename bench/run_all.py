"""`make bench`: every benchmark in one run; figures printed and written to bench/results/.

    python bench/run_all.py            # everything (about 15 minutes on 2 idle cores)
    python bench/run_all.py --quick    # a smoke run: issue 30's benchmarks with small inputs only
    then: python scripts/perf_table.py # the README's performance table from bench/results/

bench_report_compute.py (goal (a) of issue 30: a county report's compute in a warm kernel) is written on
another branch; it runs here once it exists.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = ["bench_ingest.py", "bench_ingest_bad.py", "bench_fuzzy.py", "bench_classify.py", "bench_indicators.py",
           "bench_reports.py", "bench_ytj.py", "bench_quality.py", "bench_report_compute.py", "bench_run.py"]
#: The scripts with a --quick smoke run.
QUICK = ["bench_quality.py", "bench_report_compute.py", "bench_run.py"]

if __name__ == "__main__":
    quick = "--quick" in sys.argv[1:]
    failed = []
    for s in QUICK if quick else SCRIPTS:
        if not (HERE / s).exists():
            print(f"== {s}: not here yet, skipped", flush=True)
            continue
        print(f"== {s}", flush=True)
        if subprocess.run([sys.executable, str(HERE / s), *(["--quick"] if quick else [])]).returncode:
            failed.append(s)
    if failed:
        print(f"failed: {', '.join(failed)}")
    sys.exit(1 if failed else 0)
