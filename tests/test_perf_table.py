"""The README's performance table is what scripts/perf_table.py makes of the committed bench/results."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_table_is_the_results():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "perf_table.py"), "--check"], capture_output=True,
                       text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_table_names_every_goal_of_issue_30():
    table = subprocess.run([sys.executable, str(ROOT / "scripts" / "perf_table.py"), "--print"], capture_output=True,
                           text=True, check=True).stdout
    for key in ("| a |", "| b |", "| c |", "| d |", "| e |", "| f |", "| quality |"):
        assert key in table, key
