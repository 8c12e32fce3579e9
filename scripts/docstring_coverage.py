"""Docstring coverage: the share of public definitions with numpydoc sections, and the doctests.

Two scopes are measured:

``api``
    The names of ``sote_analytics.__init__._API`` (defined in or re-exported by ``api.py``),
    followed to the module that defines them, plus the public methods of the classes among them
    (``Store``'s methods).
``package``
    Every public function and class of every public module of the package (names without a
    leading underscore, at module level) and the public methods of those classes.

For each scope the script prints the share of definitions whose docstring has a numpydoc
``Parameters``, ``Returns`` (or ``Yields``) and ``Examples`` section. Each share is over *all*
definitions of the scope (a function without parameters and without a ``Parameters`` section
counts as missing; ``--applicable`` prints the shares over the definitions a section applies to
instead: ``Parameters`` for definitions taking a parameter besides ``self``/``cls``, ``Returns``
for functions and methods, not classes). Doctests are counted per example (``>>>`` statement) in
every docstring of the scope's modules (module, class, function and method docstrings, private
ones included), and the examples marked ``# doctest: +SKIP`` separately.

The source is read with :mod:`ast` (nothing is imported, nothing runs). Usage::

    python scripts/docstring_coverage.py [--applicable] [--json]
"""

from __future__ import annotations

import argparse
import ast
import doctest
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "sote_analytics"

_SECTION = {
    "parameters": re.compile(r"^\s*Parameters\s*\n\s*-{3,}\s*$", re.M),
    "returns": re.compile(r"^\s*(Returns|Yields)\s*\n\s*-{3,}\s*$", re.M),
    "examples": re.compile(r"^\s*Examples\s*\n\s*-{3,}\s*$", re.M),
}


@dataclass
class Definition:
    """One public function, class or method and what its docstring has."""

    qualname: str
    kind: str  # "function", "class", "method"
    takes_parameters: bool
    parameters: bool
    returns: bool
    examples: bool


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def public_modules() -> list[Path]:
    """The package's modules whose dotted name has no private part (``__init__`` counts as public)."""
    out = []
    for p in sorted(PACKAGE.rglob("*.py")):
        rel = p.relative_to(PACKAGE)
        if any(part.startswith("_") and part != "__init__.py" for part in rel.parts):
            continue
        out.append(p)
    return out


def _takes_parameters(node: ast.AST, method: bool) -> bool:
    if isinstance(node, ast.ClassDef):
        init = next((n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                     and n.name == "__init__"), None)
        if init is not None:
            return _takes_parameters(init, True)
        # a dataclass takes its annotated fields
        return any(isinstance(n, ast.AnnAssign) for n in node.body) and any(
            "dataclass" in ast.unparse(d) for d in node.decorator_list)
    a = node.args
    names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)]
    if method and names and names[0] in ("self", "cls"):
        names = names[1:]
    return bool(names or a.vararg or a.kwarg)


def _definition(qualname: str, node: ast.AST, method: bool) -> Definition:
    doc = ast.get_docstring(node) or ""
    kind = "class" if isinstance(node, ast.ClassDef) else ("method" if method else "function")
    return Definition(qualname, kind, _takes_parameters(node, method),
                      *(bool(_SECTION[s].search(doc)) for s in ("parameters", "returns", "examples")))


def _is_property_setter(node: ast.AST) -> bool:
    return any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter") for d in node.decorator_list)


def definitions_of(path: Path, names: set[str] | None = None) -> list[Definition]:
    """Public top-level definitions of one module (only ``names`` when given) and their public methods."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    mod = module_name(path)
    out = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if node.name.startswith("_") or (names is not None and node.name not in names):
            continue
        out.append(_definition(f"{mod}.{node.name}", node, False))
        if isinstance(node, ast.ClassDef):
            for sub in node.body:
                if (isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef) and not sub.name.startswith("_")
                        and not _is_property_setter(sub)):
                    out.append(_definition(f"{mod}.{node.name}.{sub.name}", sub, True))
    return out


def _module_path(dotted: str) -> Path:
    rel = Path(*dotted.split(".")[1:])
    p = PACKAGE / rel.with_suffix(".py")
    return p if p.is_file() else PACKAGE / rel / "__init__.py"


def _api_names() -> tuple[str, ...]:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_API" for t in node.targets):
            return tuple(ast.literal_eval(node.value))
    raise SystemExit("no _API in sote_analytics/__init__.py")


def _resolve(dotted_module: str, name: str, seen: int = 0) -> tuple[Path, str] | None:
    """The module file that defines ``name`` as seen from ``dotted_module`` (following ``from . import``)."""
    path = _module_path(dotted_module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return path, name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level and seen < 5:
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    base = dotted_module.split(".")
                    if path.name != "__init__.py":
                        base = base[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                    return _resolve(target, alias.name, seen + 1)
    return None


def api_definitions() -> list[Definition]:
    out = []
    for name in _api_names():
        found = _resolve("sote_analytics.api", name) or _resolve("sote_analytics.explorer", name)
        if found is None:
            raise SystemExit(f"cannot find the definition of sote_analytics.{name}")
        path, real = found
        out.extend(definitions_of(path, {real}))
    return out


def count_doctests(paths: list[Path]) -> tuple[int, int]:
    """(examples, examples marked +SKIP) in every docstring of the modules at ``paths``."""
    parser = doctest.DocTestParser()
    total = skipped = 0
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            doc = ast.get_docstring(node, clean=True)
            if not doc:
                continue
            for ex in parser.get_examples(doc):
                total += 1
                skipped += bool(ex.options.get(doctest.SKIP))
    return total, skipped


def summary(defs: list[Definition], paths: list[Path], applicable: bool = False) -> dict:
    def share(section: str, pool: list[Definition]) -> dict:
        n = sum(getattr(d, section) for d in pool)
        return {"with": n, "of": len(pool), "share": round(n / len(pool), 3) if pool else None}

    if applicable:
        params_pool = [d for d in defs if d.takes_parameters]
        returns_pool = [d for d in defs if d.kind != "class"]
    else:
        params_pool = returns_pool = defs
    examples, skipped = count_doctests(paths)
    return {"definitions": len(defs), "parameters": share("parameters", params_pool),
            "returns": share("returns", returns_pool), "examples": share("examples", defs),
            "doctests": examples, "skipped_doctests": skipped}


def measure(applicable: bool = False) -> dict:
    api = api_definitions()
    api_paths = sorted({_module_path(d.qualname.rsplit(".", 2 if d.kind == "method" else 1)[0]) for d in api})
    modules = public_modules()
    package = [d for p in modules for d in definitions_of(p)]
    return {"api": summary(api, api_paths, applicable), "package": summary(package, modules, applicable)}


def _line(label: str, s: dict) -> str:
    def pct(x: dict) -> str:
        return f"{100 * x['share']:.0f} % ({x['with']}/{x['of']})" if x["share"] is not None else "-"

    return (f"{label:<8} definitions {s['definitions']:>4}   Parameters {pct(s['parameters']):<16} "
            f"Returns {pct(s['returns']):<16} Examples {pct(s['examples']):<16} "
            f"doctests {s['doctests']:>4}, skipped {s['skipped_doctests']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--applicable", action="store_true",
                    help="shares over the definitions a section applies to (see the module docstring)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    ap.add_argument("--missing", action="store_true", help="list the API definitions missing a section")
    args = ap.parse_args(argv)
    m = measure(args.applicable)
    if args.json:
        print(json.dumps(m, indent=2))
    else:
        print(_line("api", m["api"]))
        print(_line("package", m["package"]))
    if args.missing:
        for d in api_definitions():
            gaps = [s for s in ("parameters", "returns", "examples") if not getattr(d, s)]
            if gaps:
                print(f"  {d.qualname}: no {', '.join(gaps)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
