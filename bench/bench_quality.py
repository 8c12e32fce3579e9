"""`IngestResult.quality()` at 1,000, 10,000 and 108,000 mostly-bad rows (issue 30): linear in the rows.

The rows are bench_ingest_bad.py's (unknown municipalities, junk counts; most are quarantined, which is
what the report's reason categories and examples cost). Goal: linear, i.e. the time per row at the
largest size at most twice that at 10,000 rows (before the fix: 0.03 s at 1,000 rows, 2.6-3.6 s at 108,000).

    python bench/bench_quality.py [--quick]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_ingest_bad import write_bad
from common import goal, machine_info, reference, write_goals

from sote_analytics.read.ingest import ingest


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    sizes = (1_000, 10_000, 30_000) if quick else (1_000, 10_000, 108_000)
    machine = machine_info()
    ref = reference()
    times = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"bad_{n}.csv"
            write_bad(path, n)
            res = ingest(path, ref)
            best = float("inf")
            for _ in range(3):
                t0 = time.perf_counter()
                res.quality()
                best = min(best, time.perf_counter() - t0)
            times[n] = (best, len(res.quarantine))
    big, mid = sizes[-1], sizes[1]
    growth = (times[big][0] / big) / (times[mid][0] / mid)
    goals = [goal("quality", f"quality() of {n:,} rows ({q:,} quarantined), best of 3", "linear", t, "s",
                  growth <= 2) for n, (t, q) in times.items()]
    goals.append(goal("quality", f"quality(): time per row at {big:,} rows / at {mid:,} rows", "<= 2 (linear)",
                      growth, "x", growth <= 2))
    write_goals("quality_quick" if quick else "quality", goals, quick, machine)


if __name__ == "__main__":
    main(sys.argv[1:])
