"""Ingest of a 200,000-row register: time and peak memory (printed, not asserted)."""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import big_register, measured, peak_rss_mb, reference, write_result

from sote_analytics.read.ingest import ingest


def main(n: int = 200_000) -> None:
    ref = reference()
    reg = big_register(ref, n)
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        reg.to_csv(path, index=False)
        with measured("ingest", times):
            res = ingest(path, ref)
    assert res.result.rows_in == n
    write_result("ingest", [
        f"ingest {n:,} rows: {times['ingest']:.2f} s ({n / times['ingest']:,.0f} rows/s)",
        f"  accepted {len(res.register):,}, quarantined {len(res.quarantine):,}",
        f"  peak RSS {peak_rss_mb():,.0f} MB",
    ])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
