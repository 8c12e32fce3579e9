"""Fuzzing with real names (issue 29, item 7): registers of the package's known organisations, real
municipalities and areas of operation, surveys in the shapes survey tools export, and real, hostile and
broken reference folders, through ingest, indicators (with the survey), export and the incremental
publication; then one mutation of the register and a rebuild over the previous outputs.

Invariants: exit 0 or one ``error:`` line (exit 2), never a traceback; rows in = accepted + quarantined;
no canary (an e-mail, a phone and a person's name put in contact columns, names, purposes, survey answers)
in any file written or on the console; no formula in any CSV or workbook cell; nothing stale: the processed
folder rebuilt in place equals one built fresh from the mutated files, and the incremental publication
rebuilds every report whose indicators changed.

Rendering is the stub of test_fuzz_args.py (notebook kernels are fuzzed by test_fuzz_cli.py). ``SOTE_FUZZ_EXAMPLES``
sets the examples (a third of it; CI: 2).
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_formula_safe import formula_cells
from test_fuzz_args import ATTEMPTS, EMAIL, PERSON, PHONE, hostile_reference, install_guards, real_names, scan
from test_fuzz_cli import run_cli

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "data"))
import survey_exports  # noqa: E402

LONG = os.environ.get("SOTE_FUZZ_EXAMPLES") is not None
EXAMPLES = max(2, int(os.environ.get("SOTE_FUZZ_EXAMPLES", "6")) // 3)
NAMES = real_names()
SURVEY_NEEDLES = ("@example.fi", "555 01")  # the survey's own invented contacts (tests/data/survey_exports.py)
HOSTILE = ["=HYPERLINK(\"http://evil\",\"x\")", "+SUM(A1)", "@cmd", "-2+3", "\ttab", "Hel\u200bsinki", "Ｋｕｏｐｉｏ"]
#: What Webropol's cp1252 export can hold.
HOSTILE_CP1252 = [h for h in HOSTILE if h.isascii()]
SHAPES = {"webropol.csv": survey_exports.webropol_csv, "webropol.xlsx": survey_exports.webropol_xlsx,
          "forms.xlsx": survey_exports.forms_xlsx, "google.csv": survey_exports.google_csv,
          "plain.csv": survey_exports.plain_csv}


@st.composite
def register_rows(draw) -> list[list[str]]:
    """Rows of name, domicile, area of operation, purpose, members, e-mail, phone, contact person."""
    rows = []
    for _ in range(draw(st.integers(3, 14))):
        kind = draw(st.sampled_from(["org", "org", "club", "person", "hostile"]))
        name = {"org": lambda: draw(st.sampled_from(NAMES["orgs"])),
                "club": lambda: draw(st.sampled_from(NAMES["clubs"])),
                "person": lambda: PERSON,
                "hostile": lambda: draw(st.sampled_from(HOSTILE)) + " ry"}[kind]()
        if draw(st.integers(0, 5)) == 0:
            # an e-mail or phone inside a name is redacted; a person's name after an association's is kept (an
            # association may be named after a person: not decided by value, see the report of issue 29 item 7)
            name += draw(st.sampled_from([f" {EMAIL}", f" puh. {PHONE}"]))
        place = draw(st.sampled_from(NAMES["fi"] + NAMES["sv"] + ["Atlantis", "", "Kuopion kaupunki", "091"]))
        area = draw(st.sampled_from(["", "", *NAMES["areas"], *NAMES["fi"][:40],
                                     f"{draw(st.sampled_from(NAMES['fi']))}, {draw(st.sampled_from(NAMES['fi']))}"]))
        purpose = draw(st.sampled_from(["Vertaistukea", f"soita {PERSON} {PHONE}", f"{EMAIL}", "", *HOSTILE]))
        members = draw(st.sampled_from(["12", "0", "", "ei tiedossa", "-3", "1e9", PHONE]))
        rows.append([name, place, area, purpose, members, EMAIL, PHONE, PERSON])
    return rows


def write_register(path: Path, rows: list[list[str]], delimiter: str = ";") -> None:
    header = ["Nimi", "Kotipaikka", "Toiminta-alue", "Tarkoitus", "Jäsenet", "Sähköposti", "Puhelin",
              "Yhteyshenkilö"]
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), "utf-8")


@st.composite
def survey_file(draw) -> tuple[str, list]:
    """A survey shape and its respondents: canaries for the contacts, real or hostile areas, free text."""
    rs = survey_exports.respondents(draw(st.integers(3, 16)))
    for r in rs:
        r.name, r.email, r.phone = PERSON, EMAIL, PHONE
        r.free = draw(st.sampled_from([r.free, f"Soita {PERSON} {PHONE}", f"{EMAIL}", *HOSTILE_CP1252]))
        if draw(st.integers(0, 3)) == 0:
            r.area = draw(st.sampled_from([*NAMES["fi"], *HOSTILE_CP1252, "", f"{PERSON} {PHONE}"]))
    return draw(st.sampled_from(sorted(SHAPES))), rs


@pytest.fixture(scope="module")
def references(reference_dir, tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("refs")
    return {"real": reference_dir, "hostile": hostile_reference(reference_dir, d / "=HYPERLINK(1)ref")}


@pytest.fixture
def stubbed(monkeypatch):
    """Report kernels replaced by the stub of test_fuzz_args.py; every connection refused."""
    install_guards(monkeypatch)
    yield
    assert ATTEMPTS == [], ATTEMPTS  # nothing tried to reach the network


def _ok(code: int, out: str, err: str, what: str) -> None:
    assert code in (0, 2), (what, code, err[-2000:])
    assert "Traceback" not in out + err, (what, err[-2000:])
    if code == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), (what, err)
    leaked = [n for n in ("kanari.lintu", "987 6543", "Kanarialintunen", *SURVEY_NEEDLES) if n in out + err]
    assert leaked == [], (what, leaked)


def _check_folder(folder: Path, what: str) -> None:
    hits = scan(folder, extra=SURVEY_NEEDLES,
                extra_suffixes=(".csv", ".json", ".html", ".parquet", ".xlsx", ".ipynb", ".log"))
    assert hits == [], (what, hits[:10])
    cells = formula_cells(folder)
    assert cells == [], (what, cells[:10])


def _processed_state(p: Path) -> dict[str, object]:
    """What the processed folder says, without the build's time stamps and paths."""
    state: dict[str, object] = {"files": sorted(f.name for f in p.iterdir() if not f.name.startswith("."))}
    for f in sorted(p.glob("*.parquet")):
        state[f.name] = pd.read_parquet(f).to_csv(index=False)
    for f in sorted(p.glob("*.csv")):
        state[f.name] = f.read_text("utf-8")
    meta = json.loads((p / "run.json").read_text("utf-8"))
    state["rows"] = (meta.get("rows_in"), meta.get("accepted"), meta.get("quarantined"))
    return state


#: One entry per area compared after a mutation: True where its indicators changed (and it was rebuilt).
STALE_CHECKS: list[bool] = []
MUTATIONS = ["rename", "move", "drop", "add_quarantined", "purpose"]


def _mutate(rows: list[list[str]], kind: str) -> list[list[str]]:
    rows = [list(r) for r in rows]
    if kind == "rename":
        rows[0][0] = rows[0][0] + " – uusi nimi"
    elif kind == "move":
        rows[0][1] = "Kuopio" if rows[0][1] != "Kuopio" else "Vaasa"
    elif kind == "drop":
        rows = rows[1:]
    elif kind == "add_quarantined":
        rows.append(["Atlantiksen yhdistys ry", "Atlantis", "", "", "3", EMAIL, PHONE, PERSON])
    else:
        rows[-1][3] = f"Uusi tarkoitus: mielenterveys {PHONE}"
    return rows


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(rows=register_rows(), survey=survey_file(), ref_kind=st.sampled_from(["real", "real", "hostile"]),
       mutation=st.sampled_from(MUTATIONS), delimiter=st.sampled_from([";", ",", "\t"]))
def test_real_names_surveys_and_references_keep_every_invariant(rows, survey, ref_kind, mutation, delimiter,
                                                                references, stubbed, tmp_path_factory):
    w = tmp_path_factory.mktemp("rn")
    ref = ["--reference-dir", str(references[ref_kind])]
    reg = w / "rekisteri.csv"
    write_register(reg, rows, delimiter)
    shape, respondents = survey
    sv = SHAPES[shape](w / f"kysely_{shape}", respondents)

    code, out, err = run_cli(["ingest", str(reg), "--out-dir", str(w / "i"), *ref])
    _ok(code, out, err, "ingest")
    if code == 0:
        q = json.loads((w / "i" / "rekisteri.quality.json").read_text("utf-8"))
        assert q["rows_in"] == q["accepted"] + q["quarantined"] == len(rows)

    code, out, err = run_cli(["indicators", "--register", str(reg), "--survey", str(sv), "--out-dir", str(w / "p"),
                              *ref])
    _ok(code, out, err, "indicators")
    if code:
        return
    meta = json.loads((w / "p" / "run.json").read_text("utf-8"))
    assert meta["rows_in"] == meta["accepted"] + meta["quarantined"] == len(rows), meta
    table = pd.read_parquet(w / "p" / "indicators.parquet")
    counted = table[(table["area_level"] == "hyvinvointialue") & (table["indicator"] == "associations")
                    & (table["sector"] == "ALL") & (table["value"] > 0)]
    areas = sorted(counted["area_code"].astype(str).unique())[:2] or ["13"]  # two covered areas (or Pohjois-Savo)
    code, out, err = run_cli(["export", *[x for a in areas for x in ("--area", a)], "--processed-dir", str(w / "p"),
                              "--out-dir", str(w / "x"), *ref])
    _ok(code, out, err, "export")
    (w / "pub.yaml").write_text("levels: [hyvinvointialue]\nhierarchy: [hyvinvointialue]\n"
                                f"areas: {{hyvinvointialue: {json.dumps(areas)}}}\nlanguages: {{base: [fi]}}\n")
    publish = ["report", "--publication", str(w / "pub.yaml"), "--processed-dir", str(w / "p"), "--out-dir",
               str(w / "r"), "--workers", "1", *ref]
    code, out, err = run_cli([*publish, "--force"])
    _ok(code, out, err, "report")
    before = pd.read_parquet(w / "p" / "indicators.parquet")
    for folder in ("i", "p", "x", "r"):
        if (w / folder).exists():
            _check_folder(w / folder, folder)

    # one mutation, rebuilt over the previous outputs, against a fresh build of the mutated files
    write_register(reg, _mutate(rows, mutation), delimiter)
    code, out, err = run_cli(["indicators", "--register", str(reg), "--survey", str(sv), "--out-dir", str(w / "p"),
                              *ref])
    _ok(code, out, err, "indicators again")
    if code:
        return
    code, _, err = run_cli(["indicators", "--register", str(reg), "--survey", str(sv), "--out-dir",
                               str(w / "fresh"), *ref])
    assert code == 0, err
    assert _processed_state(w / "p") == _processed_state(w / "fresh"), mutation  # nothing stale in processed/
    code, out, err = run_cli(publish)  # incremental
    _ok(code, out, err, "report again")
    after = pd.read_parquet(w / "p" / "indicators.parquet")
    entries = json.loads((w / "r" / "manifest.json").read_text("utf-8"))["reports"]
    skipped = {e["area"] for e in entries.values() if "context_changed" in e}  # the ones left as they were
    key = ["indicator", "sector", "area_level", "area_code"]
    for a in areas:
        old = before[(before["area_level"] == "hyvinvointialue") & (before["area_code"].astype(str) == a)]
        new = after[(after["area_level"] == "hyvinvointialue") & (after["area_code"].astype(str) == a)]
        same = len(old) == len(new) and old.sort_values(key)[["value", "n"]].reset_index(drop=True).equals(
            new.sort_values(key)[["value", "n"]].reset_index(drop=True))
        if not same:  # a report whose indicators changed is rebuilt, never skipped as unchanged
            assert a not in skipped, (mutation, a, out)
        STALE_CHECKS.append(not same)
    for folder in ("p", "r"):
        _check_folder(w / folder, folder + " again")


@pytest.fixture(scope="module", autouse=True)
def figures():
    """With ``SOTE_FUZZ_FIGURES=path``: areas compared after a mutation, and how many of them had changed."""
    yield
    target = os.environ.get("SOTE_FUZZ_FIGURES")
    if target:
        Path(target).with_suffix(".inputs.json").write_text(json.dumps(
            {"areas_compared": len(STALE_CHECKS), "changed_and_rebuilt": sum(STALE_CHECKS)}), "utf-8")


def test_regression_a_person_with_a_labelled_phone_as_a_name(reference_dir, tmp_path):
    """"Maija Kanarialintunen puh. 040 987 6543" as an association's name: the phone was redacted, the label
    "puh." left a lower-case word, so the rest was not seen as a person's name and was kept in every output."""
    reg = tmp_path / "r.csv"
    write_register(reg, [[f"{PERSON} puh. {PHONE}", "Kuopio", "", "", "", "", "", ""],
                         ["Kuopion Sydänyhdistys ry", "Kuopio", "", "", "12", "", "", ""]])
    code, out, err = run_cli(["ingest", str(reg), "--out-dir", str(tmp_path / "i"), "--reference-dir",
                              str(reference_dir)])
    assert code == 0, err
    assert scan(tmp_path / "i") == [] and "Kanarialintunen" not in out
