"""Helpers shared by the benchmarks: timing, peak memory, synthetic registers of any size."""

from __future__ import annotations

import os
import resource
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from sote_analytics import config

# the allocator the command line chooses for itself and its kernels, here too: the in-process parts and
# the naive papermill loop run as the product's commands do (before pandas is imported)
config.prefer_arrow_pool()

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


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


# ---------------------------------------------------------------------------- results with goals (issue 30)
def machine_info() -> dict:
    """Where and when a figure was measured: cores, CPU, memory, load average, Python, date (UTC)."""
    import datetime as dt
    import platform

    cpu = ""
    with suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    try:
        mem = next(int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        mem = None
    load = os.getloadavg()
    # the host's speed when the figures were taken (the same VM is not always as fast): a fixed Python loop,
    # and 400 MB of fresh memory touched page by page (page faults: what starting kernels and workers costs)
    t0 = time.perf_counter()
    sum(range(30_000_000))
    t1 = time.perf_counter()
    pages = bytearray(400 * 1024 * 1024)
    pages[::4096] = b"x" * len(range(0, len(pages), 4096))
    t2 = time.perf_counter()
    del pages
    return {"cpu_probe_s": round(t1 - t0, 3), "fault_probe_s": round(t2 - t1, 3),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": os.cpu_count(),
            "cpu": cpu, "memory_mb": mem, "load_average": [round(x, 2) for x in load],
            "python": platform.python_version(), "platform": platform.platform(),
            # a machine busy with other work when the run started: its figures are noisy
            "under_load": load[0] > 0.5 * (os.cpu_count() or 1) or bool(os.environ.get("SOTE_BENCH_UNDER_LOAD"))}


def goal(key: str, what: str, target: str, measured: float, unit: str, met: bool, *, naive: float | None = None,
         detail: str = "") -> dict:
    """One goal of issue 30 with its figure (and the naive loop's, measured in the same run, where relative)."""
    return {"key": key, "goal": what, "target": target, "measured": round(measured, 3), "unit": unit,
            "naive": None if naive is None else round(naive, 3), "met": bool(met), "detail": detail}


def fmt(value: float, unit: str) -> str:
    return f"{value:,.2f} {unit}" if unit in ("s", "x") and value < 10 else f"{value:,.1f} {unit}"


def write_goals(name: str, goals: list[dict], quick: bool = False, machine: dict | None = None) -> None:
    """bench/results/<name>.json (read by scripts/perf_table.py) and <name>.txt, printed."""
    import json

    machine = machine or machine_info()
    # at the end too (the benchmark's own processes count in it): other work that started meanwhile shows here
    machine["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    lines = [f"{name}: {machine['date']}, {machine['cores']} cores, {machine['cpu']}, load average "
             f"{machine['load_average']} (at the end {machine['load_average_end']})"
             + (" (UNDER LOAD: noisy)" if machine["under_load"] else "")
             + (" [--quick: smoke run, smaller inputs]" if quick else "")]
    for g in goals:
        naive = f"; naive {fmt(g['naive'], 's')}" if g["naive"] is not None else ""
        lines.append(f"  ({g['key']}) {g['goal']}: {fmt(g['measured'], g['unit'])}{naive} "
                     f"(goal {g['target']}: {'met' if g['met'] else 'NOT met'})" + (f"; {g['detail']}" if g["detail"]
                                                                                    else ""))
    write_result(name, lines)
    out = Path(__file__).parent / "results" / f"{name}.json"
    out.write_text(json.dumps({"name": name, "quick": quick, "machine": machine, "goals": goals}, indent=2,
                              ensure_ascii=False) + "\n", encoding="utf-8")


def county_file(register_csv: Path, ref, out: Path, code: str = "15") -> Path:
    """The associations of one wellbeing area (Keski-Suomi by default) of a register file."""
    names = set(ref.key.loc[ref.key["hyvinvointialue_code"] == code, "kunta_name_fi"]) | set(
        ref.key.loc[ref.key["hyvinvointialue_code"] == code, "kunta_name_sv"])
    reg = pd.read_csv(register_csv, dtype=str, keep_default_na=False)
    reg[reg["municipality"].isin(names)].to_csv(out, index=False)
    return out


def one_member_changed(register_csv: Path, out: Path, by: int = 500) -> Path:
    """The same register with one association's member count changed."""
    reg = pd.read_csv(register_csv, dtype=str, keep_default_na=False)
    row = reg.index[reg["members"].str.fullmatch(r"\d+")][0]
    reg.loc[row, "members"] = str(int(reg.loc[row, "members"]) + by)
    reg.to_csv(out, index=False)
    return out
