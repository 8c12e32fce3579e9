"""Helpers shared by the benchmarks: timing, peak memory, synthetic registers of any size."""

from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd


def reference():
    from sote_analytics.reference import load_reference

    return load_reference(2025, os.environ.get("SOTE_REFERENCE_DIR"))


def big_register(ref, n: int, seed: int = 1) -> pd.DataFrame:
    """A register of ``n`` rows built by resampling the demo generator's output."""
    from sote_analytics.sources.demo import generate_register

    base = generate_register(ref, seed)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(base), n)
    big = base.iloc[idx].reset_index(drop=True)
    big["association_id"] = [f"B{i:07d}" for i in range(n)]
    big["register_number"] = [f"{100 + i // 1000}.{i % 1000:03d}" for i in range(n)]
    big["business_id"] = pd.NA
    return big


@contextmanager
def measured(label: str, results: dict):
    t0 = time.perf_counter()
    yield
    results[label] = time.perf_counter() - t0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(name: str, lines: list[str]) -> None:
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
