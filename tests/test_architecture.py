"""The house rules of the code base, checked by walking the imports and the registries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "sote_analytics"

#: Stages below the presentation: none may import ``report``.
BELOW_REPORT = ["store", "pipeline", "read.ingest", "read.register", "read.validation", "read.municipalities",
                "classify.classifier", "taxonomy", "indicators.engine", "indicators.survey", "read.quality", "export",
                "figures", "text", "read.business_id", "sources.demo", "reference"]
#: The reading stage: never imports classification.
READING = ["read.ingest", "read.register", "read.validation", "read.municipalities", "text", "read.business_id",
           "read.quality"]


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of the package modules a file imports (relative imports resolved)."""
    mod = _module_name(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if node.module:  # "from . import config" imports config, not the package's __init__
                out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    # the package's __init__ is lazy (its API is imported on first attribute access, see test_api)
    return {o for o in out if o.startswith("sote_analytics") and o != "sote_analytics"}


def _closure(module: str, graph: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [module]
    while todo:
        m = todo.pop()
        for dep in graph.get(m, ()):
            if dep in graph and dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PKG.rglob("*.py")}


def test_the_walker_sees_real_imports(graph):
    assert "sote_analytics.store" in graph["sote_analytics.pipeline"]
    assert "sote_analytics.report.fragments" in _closure("sote_analytics.report.national", graph)


@pytest.mark.parametrize("name", BELOW_REPORT)
def test_nothing_below_report_imports_report(graph, name):
    mod = f"sote_analytics.{name}"
    reached = _closure(mod, graph) | graph[mod]
    assert not {m for m in reached if m.startswith("sote_analytics.report")}, f"{mod} reaches the report stage"


@pytest.mark.parametrize("name", READING)
def test_reading_never_imports_classification(graph, name):
    mod = f"sote_analytics.{name}"
    reached = _closure(mod, graph) | graph[mod]
    assert "sote_analytics.classify.classifier" not in reached, f"{mod} reaches classification"


def test_processed_file_names_live_only_in_store():
    """No module but the store names a file of the processed folder."""
    names = ['"run.json"', '"directory.parquet"', '"survey.parquet"', '"indicators.parquet"',
             '"municipality_sector_counts.csv"', '"quarantine.csv"']
    offenders = [(p.name, n) for p in PKG.rglob("*.py") if p.name != "store.py"
                 for n in names if n in p.read_text("utf-8")]
    assert not offenders


def test_every_yaml_indicator_has_one_formula_and_back():
    from sote_analytics.indicators.engine import REGISTRY, _yaml, check_registry

    assert set(REGISTRY) == set(_yaml()["indicators"])
    check_registry()
    with pytest.raises(RuntimeError, match="in the YAML only \\['new_one'\\]"):
        check_registry(yaml_ids=[*REGISTRY, "new_one"])
    with pytest.raises(RuntimeError, match="with a formula only \\['associations'\\]"):
        check_registry(yaml_ids=[i for i in REGISTRY if i != "associations"])


def test_report_views_name_registered_indicators():
    from sote_analytics.indicators.engine import definitions, listed

    for view in ("key_figures", "ranking"):
        assert listed(view) and set(listed(view)) <= set(definitions())


def test_every_catalogue_string_exists_in_three_languages_and_is_text():
    """YAML 1.1 reads yes/no as booleans: every entry must be a string in fi, sv and en."""
    from sote_analytics.i18n import _strings

    bad = {k: v for k, v in _strings().items()
           if not isinstance(v, dict) or any(not isinstance(v.get(g), str) for g in ("fi", "sv", "en"))}
    assert not bad


def test_package_exceptions_share_one_root():
    from sote_analytics.errors import SoteAnalyticsError
    from sote_analytics.read.ingest import IngestError
    from sote_analytics.reference import ReferenceDataError
    from sote_analytics.report.render.run import BatchInputError
    from sote_analytics.store import StoreError

    for exc in (IngestError, ReferenceDataError, BatchInputError, StoreError):
        assert issubclass(exc, SoteAnalyticsError)
