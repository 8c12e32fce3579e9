"""YTJ register from a local bulk file of 250,000 companies (all forms): time and peak memory.

The bulk file (SYNTHETIC records in the v3 shape, ~15 % associations) is generated in a
child process first, so the peak memory printed is that of streaming and building alone.
Goal (issue 13): under 60 s and under 1 GB peak. Printed, not asserted.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import measured, peak_rss_mb, reference, write_result


def generate(path: Path, n: int) -> None:
    from sote_analytics.sources.ytj_synthetic import synthetic_companies, write_bulk_zip

    write_bulk_zip(synthetic_companies(reference(), n), path)


def main(n: int = 250_000) -> None:
    from sote_analytics.sources.ytj_register import build_ytj_register

    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        bulk = Path(tmp) / "all_companies.zip"
        with measured("generate", times):
            subprocess.run([sys.executable, __file__, "--generate", str(bulk), str(n)], check=True)
        ref = reference()
        with measured("build", times):
            _reg, man = build_ytj_register(Path(tmp) / "cache", ref, bulk=bulk, synthetic=True)
        size = bulk.stat().st_size
    c = man["counts"]
    assert c["records_seen"] == n
    write_result("ytj", [
        f"ytj bulk {n:,} companies ({size / 1e6:,.0f} MB zip): stream + build {times['build']:.1f} s "
        f"(goal < 60 s), peak RSS {peak_rss_mb():,.0f} MB (goal < 1024 MB)",
        f"  associations/foundations {c['associations_and_foundations']:,}: accepted {c['accepted']:,}, "
        f"quarantined {c['quarantined']:,}, dissolved {c['by_status'].get('dissolved', 0):,}",
        f"  (generating the synthetic file took {times['generate']:.1f} s in a child process)",
    ])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--generate":
        generate(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 250_000)
