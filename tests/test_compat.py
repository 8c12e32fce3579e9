"""The report runner's uses of library internals: present in the installed versions, loud when not."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest

from sote_analytics.report.render import compat

ROOT = Path(__file__).resolve().parents[1]


def test_every_internal_name_exists_in_the_installed_versions():
    compat.check()


def test_a_missing_internal_fails_loudly_naming_library_and_version(monkeypatch):
    from papermill.engines import papermill_engines

    monkeypatch.delattr(papermill_engines, "_engines")
    with pytest.raises(compat.IncompatibleLibraryError, match=r"papermill \d+\.\d+.* has no .*_engines.*constraints"):
        compat.check()


def test_a_missing_exporter_hook_fails_loudly(monkeypatch):
    from nbconvert import HTMLExporter

    for cls in HTMLExporter.__mro__:
        if "_init_resources" in vars(cls):
            monkeypatch.delattr(cls, "_init_resources")
    with pytest.raises(compat.IncompatibleLibraryError, match="nbconvert"):
        compat.check()


@pytest.mark.parametrize("name", compat.PLOTLY_UTILS)
def test_a_missing_plotly_serialisation_helper_fails_loudly(monkeypatch, name):
    """The report's figures are serialised with plotly's own helpers (fragments.figure_dict): a plotly without
    one of them fails the check naming plotly, its version and the name."""
    import _plotly_utils.utils as plotly_utils

    monkeypatch.delattr(plotly_utils, name)
    with pytest.raises(compat.IncompatibleLibraryError, match=rf"plotly \d+\.\d+.* has no _plotly_utils.utils.{name},"):
        compat.check()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text("utf-8").splitlines():
        if line and not line.startswith("#") and "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


@pytest.mark.parametrize("library", sorted(compat.TESTED))
def test_the_constraints_pin_the_libraries_whose_internals_are_used(library):
    """constraints.txt pins each library compat.py leans on, inside pyproject's range and the major version
    tested; the installed version is the pinned one (make install installs with the constraints)."""
    pins = _pins()
    key = re.sub(r"[-_.]+", "-", library).lower()
    assert key in pins, f"{library} missing from constraints.txt"
    assert pins[key].split(".")[0] == compat.TESTED[library]
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    spec = re.search(rf'"{re.escape(library)}(>=[^"]+)"', pyproject.replace("jupyter-client", "jupyter_client"))
    assert spec and "<" in spec.group(1), f"{library} has no upper bound in pyproject.toml"
    assert importlib.metadata.version(library) == pins[key]


def test_workers_fail_every_report_in_one_line_on_an_incompatible_library(processed, reference_dir, tmp_path,
                                                                         monkeypatch):
    """The check runs in each worker (forked: the patch below reaches it); every report fails with its message."""
    from sote_analytics.report.render import workers
    from sote_analytics.report.render.publication import render_batch

    def incompatible():
        raise compat.IncompatibleLibraryError("papermill 9.0 has no papermill_engines._engines, which the report "
                                              "runner uses; install the tested versions")

    monkeypatch.setattr(workers, "check_libraries", incompatible)
    batch = render_batch("hyvinvointialue", year=2025, processed_dir=processed[0], out_dir=tmp_path / "out",
                         reference_dir=reference_dir, areas=["15"], workers=1, progress=False, national=False)
    assert [r.area for r in batch.failed] == ["15"]
    assert batch.failed[0].error.startswith("IncompatibleLibraryError: papermill 9.0")
    assert not (tmp_path / "out" / "hyvinvointialue_15.html").exists()
