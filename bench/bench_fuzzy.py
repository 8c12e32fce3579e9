"""Fuzzy municipality matching against noise: 100,000 random strings, 0 may be accepted.

Also checks that the real misspellings of the ingest corpus are still accepted. Prints the
counts and the time; exits non-zero if a random string was accepted as a municipality.
"""

import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import pandas as pd
from common import reference, write_result

from sote_analytics.read.municipalities import MunicipalityResolver

#: tests/data/ingest/14_misspelt_municipality.csv and the resolver tests: misspelling -> code
REAL_MISSPELLINGS = {"Jyväskyylä": "179", "Helsinkki": "091", "Vaasaa": "905", "Hankoo": "078",
                     "Tampre": "837", "Rovaniemmi": "698", "Lappeenrannta": "405", "Hämeenlina": "109"}


def noise(n: int, seed: int) -> list[str]:
    """Random strings of 3-14 characters from four alphabets (mixed case, lower, upper, printable)."""
    rng = random.Random(seed)
    alphabets = [string.ascii_letters + string.digits, string.ascii_lowercase + "äö",
                 string.ascii_uppercase + "ÄÖ", string.printable.strip()]
    out = []
    for i in range(n):
        a = alphabets[i % len(alphabets)]
        s = "".join(rng.choice(a) for _ in range(rng.randint(3, 14)))
        out.append(s.capitalize() if i % 8 == 1 else s)
    return out


def main(n: int = 100_000) -> int:
    ref = reference()
    resolver = MunicipalityResolver(ref.key, ref.year, ref.mergers)
    values = pd.Series(noise(n, seed=2025))
    t0 = time.perf_counter()
    res = resolver.resolve(values)
    dt = time.perf_counter() - t0
    fuzzy = values[res["resolution_method"] == "fuzzy"]
    exact = values[res["municipality_code"].notna() & (res["resolution_method"] != "fuzzy")]
    lost = {k: v for k, v in REAL_MISSPELLINGS.items()
            if (resolver.resolve_one(k).code, resolver.resolve_one(k).method) != (v, "fuzzy")}
    write_result("fuzzy", [
        f"fuzzy: {n:,} random strings ({values.nunique():,} distinct) resolved in {dt:.2f} s",
        f"  accepted by fuzzy matching: {len(fuzzy)} {fuzzy.tolist()[:10]}",
        f"  exact hits (a random string that is a real name form): {len(exact)} {exact.tolist()[:10]}",
        f"  real misspellings accepted: {len(REAL_MISSPELLINGS) - len(lost)}/{len(REAL_MISSPELLINGS)}"
        + (f" lost: {lost}" if lost else ""),
    ])
    return 1 if len(fuzzy) or lost else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
