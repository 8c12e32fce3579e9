"""Ingest of 700,000 mostly-bad rows (issue 19): time and peak memory, goal < 30 s and < 1 GB.

Rows: random strings as municipalities, junk counts, formula prefixes, unknown words, a few good
rows; every row must be accounted for (rows in = accepted + quarantined). Printed, not asserted.
"""

import random
import string
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import measured, peak_rss_mb, reference, write_result

from sote_analytics.read.ingest import ingest


def write_bad(path: Path, n: int, seed: int = 19) -> None:
    rng = random.Random(seed)
    letters = string.ascii_letters + "äöÄÖ"
    good = ["Helsinki", "Oulu", "Vasa stad", "Jyväskylän mlk", "091"]
    junk = ["-3", "1e9", "?", "ei tiedossa", "=1+1", "+SUM(A1)", "@cmd", "kymmenen", ""]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("nimi;kotipaikka;jäsenet;tuottaa palveluja;rekisteröintipäivä\n")
        for i in range(n):
            mun = rng.choice(good) if i % 20 == 0 else "".join(rng.choice(letters) for _ in range(rng.randint(3, 12)))
            name = f"Yhdistys {i} ry" if i % 7 else rng.choice(junk)
            fh.write(f"{name};{mun};{rng.choice(junk)};{rng.choice(['kyllä', 'x', ''])};"
                     f"{rng.choice(['31.12.2099', '1.1.1990', 'eilen', ''])}\n")


def main(n: int = 700_000) -> None:
    ref = reference()
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bad.csv"
        write_bad(path, n)
        with measured("ingest", times):
            res = ingest(path, ref)
    r = res.result
    assert r.rows_in == n == len(r.register) + len(r.quarantine)
    write_result("ingest_bad", [
        f"ingest {n:,} mostly-bad rows: {times['ingest']:.1f} s (goal < 30 s)",
        f"  accepted {len(r.register):,}, quarantined {len(r.quarantine):,}; rows in = accepted + quarantined",
        f"  peak RSS {peak_rss_mb():,.0f} MB (goal < 1,024 MB)",
    ])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 700_000)
