"""All indicators for all areas at all levels on 100,000- and 1,000,000-row registers.

Goals (printed, not asserted): under 1 s for 100,000 rows, under 10 s for 1,000,000, growing linearly.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import big_register, peak_rss_mb, reference, write_result

from sote_analytics.indicators.engine import compute_indicators


def canonical(ref, n):
    reg = big_register(ref, n)
    codes = dict(zip(ref.key["kunta_name_fi"], ref.key["kunta_code"], strict=True)) | dict(
        zip(ref.key["kunta_name_sv"], ref.key["kunta_code"], strict=True))
    reg["municipality_code"] = reg["municipality"].map(codes)
    reg["registration_date"] = reg["registration_date"].astype("datetime64[ns]")
    return reg


def main(sizes=(100_000, 1_000_000)) -> None:
    ref = reference()
    compute_indicators(canonical(ref, 1000), ref)  # warm-up: imports, reference caches
    lines = []
    times = {}
    for n in sizes:
        reg = canonical(ref, n)
        t0 = time.perf_counter()
        ind = compute_indicators(reg, ref)
        times[n] = time.perf_counter() - t0
        goal = 1.0 if n <= 100_000 else 10.0
        lines.append(f"indicators, {n:>9,} rows: {times[n]:6.2f} s  (goal < {goal:g} s: "
                     f"{'met' if times[n] < goal else 'NOT met'}); {len(ind.table):,} table rows")
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        lines.append(f"  growth {b // a}x rows -> {times[b] / times[a]:.1f}x time")
    lines.append(f"  peak RSS {peak_rss_mb():,.0f} MB")
    write_result("indicators", lines)


if __name__ == "__main__":
    main()
