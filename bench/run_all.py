"""`make bench`: every benchmark in one run; figures printed and written to bench/results/."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
SCRIPTS = ["bench_ingest.py", "bench_ingest_bad.py", "bench_fuzzy.py", "bench_classify.py", "bench_indicators.py",
           "bench_reports.py", "bench_ytj.py"]

if __name__ == "__main__":
    failed = []
    for s in SCRIPTS:
        if not (HERE / s).exists():
            continue
        print(f"== {s}", flush=True)
        if subprocess.run([sys.executable, str(HERE / s)]).returncode:
            failed.append(s)
    sys.exit(1 if failed else 0)
