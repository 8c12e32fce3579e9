"""The documented API's docstrings: numpydoc sections, and examples that run.

For the functions listed in :data:`DOCUMENTED` every docstring has a numpydoc ``Parameters``
section (when the function takes a parameter), ``Returns`` and ``Examples``; the examples of their
modules run as doctests on the embedded reference snapshot and the small register of
``src/conftest.py``, with no failure and no ``+SKIP`` outside :data:`NETWORK` (functions whose point
is a download). ``pytest`` also collects the doctests of ``src/`` itself (``--doctest-modules`` in
pyproject); this test runs those of the documented modules whichever test paths are given.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Module -> the documented names in it (``"*"``: every public function defined there;
#: ``"Class.*"``: the class and each of its public methods and properties).
DOCUMENTED: dict[str, tuple[str, ...]] = {
    "sote_analytics.api": ("*",),
    "sote_analytics.figures": ("*",),
    "sote_analytics.store": ("Store.*",),
    "sote_analytics.read.ingest": ("ingest", "IngestResult.*"),
    "sote_analytics.read.register": ("canonicalize", "RegisterResult.*"),
    "sote_analytics.read.quality": ("*",),
    "sote_analytics.export": ("*",),
    "sote_analytics.read.survey_read": ("read_survey",),
    "sote_analytics.classify.corrections": ("*",),
    "sote_analytics.indicators.scope": ("*", "Scope.*"),
    "sote_analytics.errors": ("SoteAnalyticsError", "UnknownValueError", "NotClassifiedError"),
    "sote_analytics.explorer": ("explore",),
}

#: Docstrings whose examples may be skipped because a network call is their point ("module.qualname").
NETWORK: frozenset[str] = frozenset()

_SECTION = {s: re.compile(rf"^\s*{s}\s*\n\s*-{{3,}}\s*$", re.M) for s in ("Parameters", "Returns", "Examples")}


def _documented() -> list[tuple[str, str, object]]:
    out = []
    for modname, names in DOCUMENTED.items():
        mod = importlib.import_module(modname)
        for name in names:
            if name == "*":
                out += [(modname, n, f) for n, f in vars(mod).items()
                        if inspect.isfunction(f) and f.__module__ == modname and not n.startswith("_")]
            elif name.endswith(".*"):
                cls = getattr(mod, name[:-2])
                out.append((modname, cls.__name__, cls))
                for n, f in vars(cls).items():
                    if not n.startswith("_") and (inspect.isfunction(f) or isinstance(f, property | classmethod
                                                                                      | staticmethod)):
                        out.append((modname, f"{cls.__name__}.{n}", f))
            else:
                out.append((modname, name, getattr(mod, name)))
    return out


def _takes_parameters(obj) -> bool:
    if isinstance(obj, property):
        return False
    if isinstance(obj, classmethod | staticmethod):
        obj = obj.__func__
    try:
        params = list(inspect.signature(obj).parameters.values())
    except (TypeError, ValueError):
        return False
    return any(p.name not in ("self", "cls") for p in params)


def missing_sections(obj) -> list[str]:
    doc = inspect.getdoc(obj.fget if isinstance(obj, property) else obj) or ""
    wanted = ["Returns", "Examples"]
    if _takes_parameters(obj):
        wanted.insert(0, "Parameters")
    if inspect.isclass(obj):
        wanted.remove("Returns")
    return [s for s in wanted if not _SECTION[s].search(doc)]


def test_the_section_check_can_fail():
    def f(x):
        """Summary only."""

    assert missing_sections(f) == ["Parameters", "Returns", "Examples"]


@pytest.mark.parametrize("modname", sorted(DOCUMENTED))
def test_documented_functions_have_parameters_returns_and_examples(modname):
    gaps = {f"{m}.{n}": missing_sections(obj) for m, n, obj in _documented() if m == modname}
    assert gaps, f"nothing documented found in {modname}"
    gaps = {k: v for k, v in gaps.items() if v}
    assert not gaps, f"numpydoc sections missing: {gaps}"


@pytest.fixture(scope="module")
def namespace(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("_src_conftest", ROOT / "src" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod.doctest_globals(tmp_path_factory.mktemp("doctests"))


def run_doctests(module, namespace: dict) -> tuple[doctest.TestResults, list[str], str]:
    """(results, names of docstrings with a skipped example outside NETWORK, report of the failures)."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    out: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)  # as pytest (doctest_optionflags)
    skipped = []
    for test in finder.find(module, module.__name__, globs={**vars(module), **namespace}):
        if any(ex.options.get(doctest.SKIP) for ex in test.examples) and test.name not in NETWORK:
            skipped.append(test.name)
        runner.run(test, out=out.append)
    return runner.summarize(verbose=False), skipped, "".join(out)


@pytest.mark.parametrize("modname", sorted(DOCUMENTED))
def test_the_examples_run(modname, namespace):
    results, skipped, report = run_doctests(importlib.import_module(modname), namespace)
    assert results.attempted > 0, f"{modname} has no doctest"
    assert results.failed == 0, report
    assert not skipped, f"examples marked +SKIP (only a network call may be): {skipped}"


def test_a_wrong_example_fails(namespace):
    mod = type(sys)("_wrong", ">>> 1 + 1\n3\n")
    results, _, _ = run_doctests(mod, namespace)
    assert results.failed == 1
    skipping = type(sys)("_skipping", ">>> 1 + 1  # doctest: +SKIP\n3\n")
    assert run_doctests(skipping, namespace)[1] == ["_skipping"]
