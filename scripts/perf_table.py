"""The README's performance table (issue 30's goals) from bench/results/*.json.

    python scripts/perf_table.py          # rewrite the table in README.md, between the markers
    python scripts/perf_table.py --check  # exit 1 if README.md's table is not what the results give
    python scripts/perf_table.py --print  # print the table

Each row: the goal, the figure measured, the naive loop's figure measured in the same run (where the
goal is relative), the target, met or not, and when (and whether the machine was busy with other
work: such figures are noisy). Smoke runs (``--quick``, ``*_quick.json``) are never in the table.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "README.md"
START, END = "<!-- perf-table -->", "<!-- /perf-table -->"
#: Results in the order of the table (issue 30's goals first); any other result file follows.
ORDER = ["report_compute", "run", "quality"]
#: Goals measured by a script of another branch, shown until its results are committed.
EXPECTED = {"report_compute": ("a", "a county report's compute in a warm kernel", "<= 0.4 s",
                               "bench/bench_report_compute.py")}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "x":
        return f"{value:,.1f}×"
    return f"{value:,.2f} {unit}" if value < 10 else f"{value:,.1f} {unit}"


def _target(text: str) -> str:
    return text.replace(">=", "≥").replace("<=", "≤")


def _load() -> list[dict]:
    found = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted(RESULTS.glob("*.json"))
             if not p.stem.endswith("_quick")}
    found = {k: v for k, v in found.items() if isinstance(v, dict) and isinstance(v.get("goals"), list)}
    names = [n for n in ORDER if n in found or n in EXPECTED] + sorted(set(found) - set(ORDER))
    return [found.get(n, {"name": n, "missing": True}) for n in names]


def table() -> str:
    lines = ["| | goal | measured | naive (same run) | target | | measured on |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for res in _load():
        if res.get("missing"):
            key, what, target, script = EXPECTED[res["name"]]
            lines.append(f"| {key} | {what} | not yet measured (`{script}`) | | {_target(target)} | | |")
            continue
        m = res["machine"]
        when = f"{m['date']}, {m['cores']} cores" + (", **under load** (noisy)" if m.get("under_load") else "")
        if m.get("cpu_probe_s"):  # the host's speed at the time (bench/common.py): a loop, then page faults
            when += f", probes {m['cpu_probe_s']:.2f} s / {m.get('fault_probe_s', 0):.2f} s"
        for g in sorted(res["goals"], key=lambda g: g["key"]):  # (a), (b), ... whatever order they ran in
            naive = _fmt(g.get("naive"), "s")
            detail = f" ({g['detail']})" if g.get("detail") else ""
            lines.append(f"| {g['key']} | {g['goal']}{detail} | {_fmt(g['measured'], g['unit'])} | {naive} | "
                         f"{_target(g['target'])} | {'met' if g['met'] else 'NOT met'} "
                         f"| {when} |")
    return "\n".join(lines)


def readme_table(text: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} markers")
    return text.split(START, 1)[1].split(END, 1)[0].strip("\n")


def main(argv: list[str]) -> int:
    text = README.read_text("utf-8")
    want = table()
    if "--print" in argv:
        print(want)
        return 0
    if "--check" in argv:
        if readme_table(text) != want:
            print("README.md's performance table differs from bench/results: run scripts/perf_table.py")
            return 1
        return 0
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    README.write_text(f"{before}{START}\n{want}\n{END}{after}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
