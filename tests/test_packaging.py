"""The pip and conda dependency lists agree; the code is ruff clean; import is light."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_matches_pyproject():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pip_deps = {_name(d) for d in py["project"]["dependencies"]}
    pip_deps |= {_name(d) for d in py["project"]["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section
    conda |= {_name(d) for d in pip_section if d != "-e ."}  # packages conda-forge does not have
    assert conda == pip_deps


def test_ruff_clean():
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_import_has_no_heavy_side_effects():
    code = ("import sys, sote_analytics, sote_analytics.reference, sote_analytics.config;"
            "heavy = {'geopandas', 'plotly', 'papermill', 'requests'} & set(sys.modules);"
            "print(sorted(heavy))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"
