"""A complete incremental key (issue 29, item 3): after each kind of input change, the reports an
incremental publication rebuilds are exactly the reports whose page a ``--force`` rebuild changes.

Three wellbeing areas (Pohjois-Savo 13, Keski-Suomi 15, Pohjanmaa 17), a national organisation that
operates in all of them, and a survey with sub-region and county-level answers (tests/data/incremental).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from test_fuzz_cli import run_cli

DATA = Path(__file__).parent / "data" / "incremental"
AREAS = ("13", "15", "17")


def _page(path: Path) -> str:
    """A report's page without what differs between two renders of the same inputs (script order)."""
    text = path.read_text("utf-8")
    return re.sub(r"<script[^>]*>(?:(?!</script>).)*</script>",
                  lambda m: m.group(0) if "newPlot" in m.group(0) else "", text, flags=re.S)


def _pages(out: Path) -> dict[str, str]:
    return {a: _page(out / f"hyvinvointialue_{a}.html") for a in AREAS}


def _build(work: Path, reference_dir: Path) -> None:
    code, _, err = run_cli(["indicators", "--register", str(work / "reg.csv"), "--survey", str(work / "survey.csv"),
                            "--out-dir", str(work / "p"), "--reference-dir", str(reference_dir)])
    assert code == 0, err


def _publish(work: Path, out: Path, reference_dir: Path, *force: str) -> str:
    code, stdout, err = run_cli(["report", "--publication", str(work / "pub.yaml"), "--processed-dir",
                                 str(work / "p"), "--out-dir", str(out), "--workers", "1", *force,
                                 "--reference-dir", str(reference_dir)])
    assert code == 0, err
    return stdout


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


MUTATIONS = {
    # an association's name in one area (by domicile)
    "domicile": ("reg.csv", "Keuruun Sydänyhdistys ry", "Keuruun Sydän- ja Verisuoniyhdistys ry"),
    # a national organisation: in every area by its area of operation
    "operating_area": ("reg.csv", "Suomen Sydänliitto ry", "Sydänliitto – Hjärtförbundet ry"),
    # one more row read and quarantined: the row accounting every report shows
    "row_accounting": ("reg.csv", "Vaasan Omaishoitajat rf;Vaasa;;40;carers\n",
                       "Vaasan Omaishoitajat rf;Vaasa;;40;carers\nAtlantiksen yhdistys ry;Atlantis;;3;\n"),
    # an answer known only at the county (no sub-region)
    "survey_county": ("survey.csv", "Pohjanmaan hyvinvointialue;Muu;2;80", "Pohjanmaan hyvinvointialue;Muu;5;80"),
    # an answer of a sub-region
    "survey_subregion": ("survey.csv", "Kuopion seutukunta;Vammaisjärjestö;3;100",
                         "Kuopion seutukunta;Vammaisjärjestö;1;100"),
}


@pytest.fixture(scope="module")
def baseline(reference_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("inc")
    for f in DATA.iterdir():
        shutil.copy(f, work / f.name)
    _build(work, reference_dir)
    _publish(work, work / "out", reference_dir, "--force")
    return work


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_the_rebuilt_reports_are_the_changed_ones(kind, baseline, reference_dir, tmp_path):
    work = tmp_path / "w"
    shutil.copytree(baseline, work)
    before = _pages(work / "out")
    name, old, new = MUTATIONS[kind]
    _replace(work / name, old, new)
    _build(work, reference_dir)
    said = _publish(work, work / "out", reference_dir)  # incremental, over the previous publication
    incremental = _pages(work / "out")
    rebuilt = {a for a in AREAS if incremental[a] != before[a]}
    _publish(work, tmp_path / "forced", reference_dir, "--force")
    forced = _pages(tmp_path / "forced")
    changed = {a for a in AREAS if forced[a] != before[a]}
    assert changed, f"{kind}: the mutation changed no page (the test would prove nothing)"
    assert rebuilt == changed, (kind, said)
    assert incremental == forced  # nothing stale: every page equals its forced rebuild
