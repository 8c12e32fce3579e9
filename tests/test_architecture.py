"""The house rules of the code base, checked by walking the imports and the registries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "src" / "sote_analytics"

#: Stages below the presentation: none may import ``report``.
BELOW_REPORT = ["store", "read.ingest", "read.register", "read.validation", "read.municipalities",
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


#: The layers of the package, lowest first: a module may import its own layer and those below, never above.
#: Each entry: a layer and the module prefixes (below ``sote_analytics.``) that belong to it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("foundation", ("config", "errors", "text", "atomic", "i18n", "taxonomy", "templating", "boundary", "net",
                    "filenames", "digests", "run_record", "csvwrite")),
    ("reference", ("reference",)),
    ("read", ("read",)),
    ("classify", ("classify",)),
    ("indicators", ("indicators",)),
    ("sources", ("sources",)),
    ("figures", ("figures",)),
    ("outputs", ("store", "export")),
    ("report", ("report",)),
    ("render", ("report.render",)),
    ("pipeline", ("pipeline",)),
    ("api", ("api",)),
    ("explorer", ("explorer",)),
    ("cli", ("cli",)),
]
#: The package's ``__init__`` re-exports the API lazily (on first attribute access): its only import.
ROOT = "sote_analytics"


def layer_of(module: str) -> int:
    """The index in :data:`LAYERS` of a package module (the longest matching prefix wins)."""
    name = module.removeprefix("sote_analytics.")
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (name == p or name.startswith(p + ".")) and len(p) > best_len:
                best, best_len = i, len(p)
    if best is None:
        raise AssertionError(f"{module} belongs to no layer: add it to LAYERS")
    return best


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PKG.rglob("*.py")}


def module_graph(raw: dict[str, set[str]]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (module-level and function-local), names resolved to modules."""
    mods = set(raw)

    def owner(target: str) -> str | None:
        while target and target not in mods:
            target = target.rpartition(".")[0]
        return target or None

    return {m: {o for t in ts if (o := owner(t)) and o != m and o != ROOT} for m, ts in raw.items() if m != ROOT}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def upward(g: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Imports of a module from a higher layer."""
    return sorted((m, d) for m, ds in g.items() for d in ds if layer_of(d) > layer_of(m))


def private_imports() -> list[tuple[str, str]]:
    """``from X import _name`` of a package module's private name by another module (``__version__`` aside)."""
    found = []
    for p in PKG.rglob("*.py"):
        mod = _module_name(p)
        for node in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("sote_analytics")):
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__"):
                        found.append((mod, f"{node.module or '.'}.{a.name}"))
    return sorted(found)


def layout_table(g: dict[str, set[str]]) -> str:
    """The layers, their modules and the layers each imports: the picture of the code the test checks."""
    rows = ["| layer | modules | lines | imports from layers |", "| --- | --- | --- | --- |"]
    for i, (name, _) in enumerate(LAYERS):
        mods = sorted(m for m in g if layer_of(m) == i)
        lines = sum(len((PKG.parent / (m.replace(".", "/") + ".py")).read_text("utf-8").splitlines())
                    if (PKG.parent / (m.replace(".", "/") + ".py")).exists()
                    else len((PKG.parent / m.replace(".", "/") / "__init__.py").read_text("utf-8").splitlines())
                    for m in mods)
        deps = sorted({LAYERS[layer_of(d)][0] for m in mods for d in g[m] if layer_of(d) != i},
                      key=[n for n, _ in LAYERS].index)
        short = ", ".join(m.removeprefix("sote_analytics.") for m in mods)
        rows.append(f"| {i} {name} | {short} | {lines} | {', '.join(deps) or '-'} |")
    edges = sum(len(v) for v in g.values())
    rows.append(f"\n{len(g)} modules, {edges} imports between them; cycles: {len(cycles(g))}; "
                f"upward imports: {len(upward(g))}; private names imported across modules: {len(private_imports())}")
    return "\n".join(rows)


def test_every_module_has_a_layer(graph):
    for m in module_graph(graph):
        layer_of(m)


def test_no_import_cycles(graph):
    """No cycle, counting function-local imports: a function-local import is still a dependency."""
    found = cycles(module_graph(graph))
    assert not found, found


def test_no_upward_imports(graph):
    found = upward(module_graph(graph))
    assert not found, "\n".join(f"{m} (layer {LAYERS[layer_of(m)][0]}) imports {d} (layer {LAYERS[layer_of(d)][0]})"
                                 for m, d in found)


def test_no_private_names_across_modules():
    assert not private_imports(), private_imports()


def test_every_import_names_an_existing_module(graph):
    """A function-local import of a moved or renamed module fails only when the function runs: caught here."""
    mods = set(graph)
    broken = sorted((m, d) for m, ds in graph.items() for d in ds
                    if d not in mods and d.rpartition(".")[0] not in mods)
    assert not broken, broken


def test_the_checks_can_fail():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(g) == [["a", "b", "c"]]
    assert upward({"sote_analytics.read.ingest": {"sote_analytics.pipeline"}}) == [
        ("sote_analytics.read.ingest", "sote_analytics.pipeline")]


def test_print_the_layout(graph, capsys):
    """``pytest tests/test_architecture.py -s -k layout`` (or ``python tests/test_architecture.py``) prints it."""
    table = layout_table(module_graph(graph))
    with capsys.disabled():
        print("\n" + table)
    assert "cycles: 0; upward imports: 0" in table


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
    from sote_analytics.indicators.definitions import indicator_yaml as _yaml
    from sote_analytics.indicators.formulas import REGISTRY, check_registry

    assert set(REGISTRY) == set(_yaml()["indicators"])
    check_registry()
    with pytest.raises(RuntimeError, match="in the YAML only \\['new_one'\\]"):
        check_registry(yaml_ids=[*REGISTRY, "new_one"])
    with pytest.raises(RuntimeError, match="with a formula only \\['associations'\\]"):
        check_registry(yaml_ids=[i for i in REGISTRY if i != "associations"])


def test_report_views_name_registered_indicators():
    from sote_analytics.indicators.definitions import definitions, listed

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


if __name__ == "__main__":
    print(layout_table(module_graph({_module_name(p): _imports(p) for p in PKG.rglob("*.py")})))
