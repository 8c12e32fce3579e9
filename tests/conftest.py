"""Shared fixtures: the reference snapshot (via SOTE_REFERENCE_DIR), demo data, indicators.

Outgoing sockets are blocked except to localhost (pytest-socket, see pyproject), so an
accidental download fails the test that makes it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from sote_analytics import config

config.prefer_arrow_pool()  # the allocator the command line uses, here and in the kernels the tests start

#: Never collect this file itself for doctests: src/ and tests/ each have a conftest.py, and two
#: modules named ``conftest`` collected by --doctest-modules clash ("import file mismatch").
collect_ignore = ["conftest.py"]

ROOT = Path(__file__).resolve().parents[1]
#: Test-data generators (``tests/data/*.py``, e.g. ``ytj_synthetic``) are importable by name; they are
#: not part of the package.
sys.path.insert(0, str(ROOT / "tests" / "data"))


def _reference_dir() -> Path | None:
    env = os.environ.get(config.REFERENCE_DIR_ENV)
    if env:
        return Path(env)
    guess = ROOT.parent / "shared" / "reference"
    return guess if guess.is_dir() else None


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    d = _reference_dir()
    if d is None or not d.is_dir():
        pytest.fail(f"reference data missing: set {config.REFERENCE_DIR_ENV} to the reference folder")
    return d


@pytest.fixture(scope="session")
def ref(reference_dir):
    from sote_analytics.reference import load_reference

    return load_reference(2025, reference_dir=reference_dir)


@pytest.fixture(scope="session")
def demo_dir(ref, tmp_path_factory) -> Path:
    from sote_analytics.pipeline import build_demo

    out = tmp_path_factory.mktemp("demo")
    build_demo(ref, out, seed=config.DEFAULT_SEED)
    return out


@pytest.fixture(scope="session")
def processed(ref, demo_dir, tmp_path_factory):
    from sote_analytics.pipeline import build_indicators

    out = tmp_path_factory.mktemp("processed")
    res, ind = build_indicators(demo_dir / "register.csv", ref, out, survey_path=demo_dir / "survey.csv")
    return out, res, ind


@pytest.fixture(scope="session")
def demo_read(ref, demo_dir):
    """The demo register read through the public API (``sote_analytics.read_register``), once per worker."""
    import sote_analytics as sa

    return sa.read_register(demo_dir / "register.csv", ref)


@pytest.fixture(scope="session")
def demo_ind(ref, demo_read):
    """The demo register's indicators through the public API (read_register, compute_indicators; no survey),
    computed once per worker for the modules that read them (test_analysts, test_api, test_explore)."""
    import sote_analytics as sa

    return sa.compute_indicators(demo_read.register, ref, "demo")


@pytest.fixture
def at_root(monkeypatch):
    """Run the test from the repository's root (the report notebooks' relative paths)."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def fault_notebook(tmp_path) -> Path:
    """The regional notebook with an injected fault: area 15 kills its worker process, area 90 raises."""
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "reports" / "regional_report.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(
        "import os, signal\n"
        "if area == '15':\n    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent is the worker\n"
        "if area == '90':\n    raise RuntimeError('injected failure')"))
    path = tmp_path / "fault.ipynb"
    nbformat.write(nb, path)
    return path


#: Data folders hold fixtures and the scripts that gathered them, not tests.
collect_ignore_glob = ["data/*", "fixtures/*"]
