"""Classification of 100,000 association names (time printed, not asserted)."""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import pandas as pd
from common import big_register, reference, write_result

from sote_analytics.classify.classifier import classify


def main(n: int = 100_000) -> None:
    ref = reference()
    names = big_register(ref, n)["name"]
    # make most names distinct, as in a real register (the engine works on distinct texts)
    names = pd.Series([f"{nm} {i % 5000}" if i % 3 else nm for i, nm in enumerate(names)])
    t0 = time.perf_counter()
    got = classify(names)
    dt = time.perf_counter() - t0
    write_result("classify", [
        f"classify {n:,} names ({names.nunique():,} distinct): {dt:.2f} s ({n / dt:,.0f} names/s)",
        f"  unclassified {(got['sector'] == 'unclassified').mean():.1%}, "
        f"low confidence {(got['confidence'] == 'low').mean():.1%}",
        "  decided by: " + ", ".join(f"{k or 'unclassified'} {v:.1%}"
                                     for k, v in got["sector_source"].value_counts(normalize=True).items()),
    ])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
