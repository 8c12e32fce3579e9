"""The documentation stays true: the README's paths exist, the generated rule table is current."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: A backticked span is a path when it has no space and either a slash or a file extension.
_PATH = re.compile(r"^[\w.\-/*]+$")
_EXT = re.compile(r"\.(py|csv|yaml|yml|json|md|css|j2|ipynb|toml|txt|parquet|xlsx)$")


def section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section of a markdown text (up to the next ``## ``)."""
    m = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"README has no '## {heading}' section"
    return m.group(1)


def backticked_paths(text: str) -> list[str]:
    spans = re.findall(r"`([^`\n]+)`", text)
    return [s for s in spans if _PATH.match(s) and ("/" in s or _EXT.search(s))]


def test_the_path_extractor_finds_paths_and_ignores_commands():
    text = "| a | `src/x.py` (or `y.csv`) | `sote-analytics classify --evaluate` `views:` `@register_indicator` |"
    assert backticked_paths(text) == ["src/x.py", "y.csv"]


def test_every_path_in_where_to_change_what_exists():
    paths = backticked_paths(section(README.read_text(encoding="utf-8"), "Where to change what"))
    assert len(paths) >= 10, paths  # the section names files; an empty extraction is a broken test
    missing = [p for p in paths if not (any(ROOT.glob(p)) if "*" in p else (ROOT / p).exists())]
    assert not missing, f"README 'Where to change what' names paths that do not exist (update it): {missing}"


def test_the_readme_links_the_classification_documents():
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (ROOT / target).is_file(), target
    assert "docs/classification.md" in text and "docs/classification_rules.md" in text


def load_script(name: str):
    """A module of ``scripts/`` (they are not a package)."""
    spec = importlib.util.spec_from_file_location(f"_script_{name}", ROOT / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def _rule_table():
    return load_script("rule_table")


def test_the_committed_rule_table_is_the_scripts_output():
    mod = _rule_table()
    committed = (ROOT / "docs" / "classification_rules.md").read_text(encoding="utf-8")
    assert committed == mod.render(), "docs/classification_rules.md is out of date: run python scripts/rule_table.py"


def test_the_rule_table_has_one_row_per_rule():
    import csv

    mod = _rule_table()
    with (mod.DATA / "classification_rules.csv").open(encoding="utf-8", newline="") as f:
        codes = [r["code"] for r in csv.DictReader(f)]
    first_cells = [line.split(" | ")[0][2:] for line in mod.render().splitlines() if line.startswith("| ")]
    assert sorted(c for c in first_cells if c in codes) == sorted(codes)


@pytest.mark.parametrize("name", ["rule_table.py", "docstring_coverage.py"])
def test_the_doc_scripts_run(name, capsys):
    mod = load_script(name[:-3])
    assert mod.main(["--check"] if name == "rule_table.py" else []) == 0
