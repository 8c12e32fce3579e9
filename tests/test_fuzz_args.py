"""Fuzzing every command's arguments (issue 29, item 7): the parameters are introspected from typer's click
command tree, values are generated valid and invalid, and every run ends in exit 0, or exit 2 with one
``error:`` line; never a traceback, never a connection attempt.

* The command tree (``typer.main.get_command(app)``) is walked: every sub-command of every group, every
  parameter with its type, range, flag and secondary flag, multiplicity and requiredness. A command added
  to cli.py is fuzzed without editing this file (``test_every_command_is_fuzzed`` fails when one is not).
* Values come from a pool per parameter (by name, then by type): the good value, wrong kinds of paths
  (missing, a file where a folder is wanted, a folder where a file is wanted, read-only, a file as a
  parent, a name of 300 characters, a name with a formula), out-of-range and unparsable numbers, bad
  choices, odd strings; options are dropped, repeated, and an unknown option is sometimes added.
* Inputs are built from real names (the package's national organisations and known clubs, the
  municipalities of the reference key, the words of an area of operation), with canary e-mails, phones
  and a person's name in them; a survey in Webropol's shape (tests/data/survey_exports.py); the real
  reference folder, a hostile copy (a formula before every area name) and broken copies.
* Network: ``reference fetch``, ``register fetch``, ``resources fetch`` and ``ytj`` reach the network
  once their checks pass. They are run only with one argument that fails before any request (the
  "poison" below, appended last so that it wins); every socket connect and name lookup is refused and
  recorded in-process, and the harness asserts that none was attempted by any command.
* Rendering: the notebook kernels are replaced by a stub (``report.render.workers.run_jobs`` writes a tiny page
  per job) so that ``report``, ``run`` and ``run-demo`` are fuzzed on their arguments, locks, manifests and
  indexes in seconds; the real rendering is fuzzed by test_fuzz_cli.py and test_fuzz_inputs.py.
* On success: rows in = accepted + quarantined (run.json, quality.json), no canary in any file written or
  on the console, no formula in any CSV or workbook cell.

``SOTE_FUZZ_EXAMPLES`` sets the examples per command (CI: 6); ``make fuzz`` runs many more.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import socket
import time
from pathlib import Path

import pandas as pd
import pytest
import typer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_canary import _texts
from test_formula_safe import formula_cells
from test_fuzz_cli import run_cli

from sote_analytics import boundary
from sote_analytics.cli import app

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "sote_analytics" / "data"
LONG = os.environ.get("SOTE_FUZZ_EXAMPLES") is not None
EXAMPLES = int(os.environ.get("SOTE_FUZZ_EXAMPLES", "6"))
EMAIL, PHONE, PERSON = "kanari.lintu@example.org", "040 987 6543", "Maija Kanarialintunen"


def commands() -> dict[str, object]:
    """Every leaf command of the CLI by its full name (``register fetch``), from typer's click tree."""
    out: dict[str, object] = {}

    def walk(cmd, path):
        if hasattr(cmd, "commands"):  # a group (click.Group or typer's own copy of click)
            for name, sub in cmd.commands.items():
                walk(sub, [*path, name])
        else:
            out[" ".join(path)] = cmd

    walk(typer.main.get_command(app), [])
    return out


COMMANDS = commands()
#: Commands that reach the network once their checks pass: always run with one argument failing first.
POISON: dict[str, list[list[str]]] = {
    "reference fetch": [["--only", "key,nonsense"], ["--only", "=1+1"], ["--only", "key;age"]],
    "register fetch": [["--per-minute", "0"], ["--max-results", "-1"], ["--by", "street"], ["--out", "afile/x"],
                       ["--bulk", "missing.zip"], ["--cache-dir", "afile"], ["--source", "prh"],
                       ["--bulk", "@Z/dir"]],
    "resources fetch": [["--first-id", "0"], ["--per-minute", "-1"], ["--out", "afile"],
                        ["--cache-dir", "afile/x"], ["--source", "x"], ["--per-minute", "nan?"]],
    "ytj": [["--per-minute", "0"], ["--cache-dir", "afile"], ["--out", "@Z/dir"], ["--out", "afile/x.parquet"]],
}
#: Flags never given to a network command: they skip the checks the poison relies on.
NETWORK_FLAGS = {"reference fetch": {"--check"}}

# ---- value pools: "@Z/..." is a file of the shared zoo (absolute), anything else is relative to a fresh cwd
ODD = ["", " ", "-", "--", "=SUM(1)", "+1", "@x", "ä" * 3, "Hel\u200bsinki", "x" * 300, "a;b", "../..", "None"]
PATHS_IN = ["@Z/reg.csv", "@Z/reg.parquet", "@Z/names.csv", "@Z/survey.csv", "@Z/empty.csv", "@Z/afile",
            "@Z/dir", "@Z/missing.csv", "@Z/afile/x.csv", "@Z/bin.csv", "@Z/list.yaml", "@Z/bad.yaml",
            "@Z/=HYPERLINK(1);x.csv", "@Z/" + "n" * 300 + ".csv", "@Z/reg.xlsx", "@Z/processed", "ro", "afile",
            "dir", "missing"]
PATHS_OUT = ["out", "out/new/deeper", "afile", "afile/sub", "ro/x", "ro", "dir", "@Z/afile", "@Z/dir/new",
             "x" * 300, "=1+1"]
INTS = ["0", "1", "2", "-1", "5", "1000", str(2**40), "x", "1.5", "", "2025"]
FLOATS = ["1", "0", "-1", "0.5", "250", "1e9", "inf", "nan", "x", ""]
#: Values that a command accepts, by parameter name.
GOOD: dict[str, list[str]] = {
    "reference_dir": ["@Z/ref", "@Z/ref", "@Z/hostile_ref"],
    "processed_dir": ["@Z/processed"],
    "register": ["@Z/reg.csv", "@Z/reg.parquet", "@Z/reg.xlsx"],
    "file": ["@Z/reg.csv", "@Z/names.csv", "@Z/reg.xlsx", "@Z/reg.parquet"],
    "survey": ["@Z/survey.csv"], "mapping": ["@Z/map.yaml"], "publication": ["@Z/pub.yaml"],
    "notebook": ["@Z/nb.ipynb"], "corrections": ["@Z/corr.csv"], "activity": ["@Z/activity.csv"],
    "previous": ["@Z/reg.csv"], "stea": ["@Z/stea.csv"], "sample": ["@Z/sample.csv"],
    "bulk": ["@Z/bulk.json"],
    "out_dir": ["out", "out/deeper"], "cache_dir": ["cache"], "out": ["out/x.csv", "out/x.parquet"],
    "level": ["hyvinvointialue", "hyvinvointialue", "maakunta", "seutukunta", "kunta", "yhteistyoalue", "koko_maa"],
    "area": ["13", "15", "11", "112", "297", "1"],
    "municipality": ["297", "091"],
    "within": ["hyvinvointialue:13", "maakunta:11", "koko_maa", "seutukunta:112", "kunta:297,749"],
    "scope": ["hyvinvointialue:13", "koko_maa", "kunta:297", "hyvinvointialue:13,15"],
    "language": ["fi", "sv", "en"], "source": ["file", "ytj", "stea"], "survey_kind": ["organisations", "persons"],
    "by": ["post_office", "post-code", "municipality_name"], "sheet": ["Rekisteri"],
    "year": ["2025", "2025", "2024"], "seed": ["0", "1", "2025", str(2**40)], "workers": ["1", "2", str(10**9)],
    "per_minute": ["1", "250", "1e9"], "survey_min_cell": ["1", "5", "1000"], "population_from": ["2015"],
    "only": ["key"], "first_id": ["1"], "last_id": ["1", "2500"], "max_results": ["0", "1000"],
    "base_url": ["http://127.0.0.1:9"],
}
#: Values that a command refuses, by parameter name (besides the wrong values of the parameter's type).
BAD: dict[str, list[str]] = {
    "reference_dir": ["@Z/broken_ref", "@Z/noshapes_ref", "@Z/dir", "@Z/afile", "missing", "@Z/processed"],
    "processed_dir": ["@Z/dir", "@Z/afile", "missing", "@Z/ref", "@Z/processed/run.json"],
    "level": ["county", "KUNTA", "../x", "hyvinvointialue "], "area": ["99", "0", "abc", "=1+1", "Keski-Suomi"],
    "municipality": ["999", "Kuopio"],
    "within": ["x:1", ":", "hyvinvointialue:", "hyvinvointialue:99", "kunta", "koko_maa:1"],
    "scope": ["kunta", "x:y:z", ":", "hyvinvointialue:99"], "language": ["FI", "de", "fi "],
    "source": ["prh", "FILE"], "survey_kind": ["people"], "by": ["street"], "sheet": ["x", "Sheet99"],
    "year": ["1800", "3000", "0", "-1", "x", "2026"], "seed": ["-1"], "workers": ["0", "-1"],
    "per_minute": ["0", "0.5", "-1", "nan"], "survey_min_cell": ["0", "-1"], "only": ["nonsense"],
    "first_id": ["0", "-5"], "max_results": ["-1"], "base_url": ["notaurl", "file:///etc/passwd"],
}
OUTPUT_NAMES = {"out_dir", "out", "cache_dir"}


def _is_path(prm) -> bool:
    ann = prm.type_descriptor.annotation
    return ann is Path or "Path" in str(ann)


def _bad(prm) -> list[str]:
    """The wrong values tried for ``prm``: its own (by name), then the wrong ones of its type."""
    ann = str(prm.type_descriptor.annotation)
    if _is_path(prm):
        generic = PATHS_OUT if prm.name in OUTPUT_NAMES else PATHS_IN
    elif "int" in ann:
        generic = INTS
    elif "float" in ann:
        generic = FLOATS
    else:
        generic = ODD
    return BAD.get(prm.name, []) + generic


def _good(prm) -> list[str]:
    return GOOD.get(prm.name, [])


def _pool(prm) -> list[str]:
    return _good(prm) + _bad(prm)


@st.composite
def arguments(draw, name: str) -> list[str]:
    """A command line for command ``name``: a valid one, a valid one with one wrong value, or chaos (each
    parameter given or not, valid or not, repeated; sometimes an unknown option)."""
    cmd = COMMANDS[name]
    mode = draw(st.sampled_from(["valid", "one_bad", "one_bad", "chaos"]))
    params = [p for p in cmd.params if not (getattr(p, "is_flag", False)
                                            and set(p.opts) & NETWORK_FLAGS.get(name, set()))]
    wrong = draw(st.sampled_from(params)) if mode == "one_bad" and params else None
    args: list[str] = []
    positional: list[str] = []

    def value(prm) -> str:
        if prm is wrong or (mode == "chaos" and draw(st.booleans())) or not _good(prm):
            return draw(st.sampled_from(_bad(prm)))
        return draw(st.sampled_from(_good(prm)))

    for prm in params:
        if prm.param_type_name == "argument":
            if prm is wrong or draw(st.integers(0, 9)) < (9 if prm.required else 6):
                positional.append(value(prm))
            continue
        if getattr(prm, "is_flag", False):
            choices = [[], list(prm.opts[:1])] + ([list(prm.secondary_opts[:1])] if prm.secondary_opts else [])
            args += draw(st.sampled_from(choices))
            continue
        if prm is not wrong and (draw(st.integers(0, 2)) != 0 or (mode != "chaos" and not _good(prm))):
            continue  # given a third of the time; in a valid line never without a valid value
        n = draw(st.integers(1, 3)) if prm.multiple else (draw(st.sampled_from([1, 1, 1, 2])) if mode == "chaos" else 1)
        for _ in range(n):
            args += [prm.opts[0], value(prm)]
    if mode == "chaos" and draw(st.integers(0, 5)) == 0:
        args.append(draw(st.sampled_from(["--bogus", "--help", "-x", "extra-argument"])))
    line = [*name.split(), *positional, *args]
    if name in POISON:
        line += draw(st.sampled_from(POISON[name]))
    return line


# ---- the zoo of inputs (shared, never written by a command) ----------------------------------------------
def real_names() -> dict[str, list[str]]:
    """Organisation names, municipality names and area-of-operation words from the package's own data."""
    orgs = pd.read_csv(DATA / "national_organisations.csv", dtype=str)["name"].dropna().tolist()
    clubs = pd.read_csv(DATA / "known_clubs.csv", dtype=str)["name"].dropna().tolist()
    key = pd.read_csv(DATA / "reference_snapshot" / "municipality_key_2025.csv", dtype=str)
    import yaml

    words = yaml.safe_load((DATA / "operating_area_words.yaml").read_text("utf-8"))
    area_words = list(words["national"]) + list(words["swedish_finland"]["words"])
    return {"orgs": orgs, "clubs": clubs, "fi": key["municipality_name_fi"].tolist(),
            "sv": key["municipality_name_sv"].tolist(), "areas": area_words}


def canary_register(n: int = 24) -> str:
    """``n`` rows of real names and places, canaries in the contact columns and inside the free text."""
    names = real_names()
    rows = ["Nimi;Kotipaikka;Toiminta-alue;Tarkoitus;Jäsenet;Sähköposti;Puhelin;Yhteyshenkilö"]
    for i in range(n):
        org = (names["orgs"] + names["clubs"])[i * 7 % (len(names["orgs"]) + len(names["clubs"]))]
        place = (names["fi"] + names["sv"])[i * 13 % 600] if i % 6 else "Atlantis"
        area = names["areas"][i % len(names["areas"])] if i % 3 == 0 else names["fi"][i * 5 % 300]
        purpose = f"Vertaistukea, soita {PERSON} {PHONE}" if i % 4 == 0 else "Vertaistukea ja neuvontaa"
        rows.append(f"{org};{place};{area};{purpose};{i if i % 5 else 'ei tiedossa'};{EMAIL};{PHONE};{PERSON}")
    rows.append(f"{PERSON};Kuopio;;;;{EMAIL};{PHONE};{PERSON}")  # a person where an association should be
    return "\n".join(rows) + "\n"


def hostile_reference(src: Path, dst: Path) -> Path:
    """A copy of the reference folder with a formula before every area name (tests/test_formula_safe.py)."""
    shutil.copytree(src, dst)
    for p in dst.iterdir():
        p.chmod(0o644)
    for key in dst.glob("municipality_key_*.csv"):
        k = pd.read_csv(key, dtype=str, keep_default_na=False)
        for c in k.columns:
            if "_name_" in c and not c.startswith(("municipality_name_fi", "municipality_name_sv")):
                k[c] = "=" + k[c] + '&HYPERLINK("http://evil")'
        k.to_csv(key, index=False)
    return dst


@pytest.fixture(scope="module")
def zoo(reference_dir, tmp_path_factory) -> Path:
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "data"))
    import survey_exports

    z = tmp_path_factory.mktemp("zoo")
    (z / "reg.csv").write_text(canary_register(), "utf-8")
    shutil.copy(z / "reg.csv", z / "=HYPERLINK(1);x.csv")
    (z / "names.csv").write_text("name,purpose\n" + "\n".join(
        f"{n},soita {PHONE}" for n in real_names()["orgs"][:15]) + f"\n{PERSON},{EMAIL}\n", "utf-8")
    pd.read_csv(z / "reg.csv", sep=";", dtype=str).to_excel(z / "reg.xlsx", index=False, sheet_name="Rekisteri")
    survey_exports.webropol_csv(z / "survey.csv", survey_exports.respondents(12))
    (z / "empty.csv").write_text("")
    (z / "afile").write_text("x")
    (z / "dir").mkdir()
    (z / "bin.csv").write_bytes(bytes(range(256)) * 4)
    (z / "list.yaml").write_text("- a\n- b\n")
    (z / "bad.yaml").write_text("[unclosed\n")
    (z / "map.yaml").write_text("Kotipaikka: municipality\nTarkoitus: purpose\n")
    (z / "pub.yaml").write_text('levels: [hyvinvointialue]\nhierarchy: [hyvinvointialue]\n'
                                'areas: {hyvinvointialue: ["13", "15"]}\nlanguages: {base: [fi]}\n')
    (z / "corr.csv").write_text("nimi;toimiala\nSuomen Sydänliitto ry;patient_health\nAtlantis ry;x\n", "utf-8")
    (z / "activity.csv").write_text("association_id,volunteers\n1,3\nx,y\n")
    (z / "stea.csv").write_text("y_tunnus,year,amount\n0737546-2,2024,1000\n")
    (z / "bulk.json").write_text("[]")
    (z / "nb.ipynb").write_text('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
    shutil.copy(ROOT / "tests" / "data" / "classification_sample.csv", z / "sample.csv")
    shutil.copytree(reference_dir, z / "ref")
    hostile_reference(reference_dir, z / "hostile_ref")
    shutil.copytree(reference_dir, z / "broken_ref")
    for p in (z / "broken_ref").iterdir():
        p.chmod(0o644)
    for key in (z / "broken_ref").glob("municipality_key_*.csv"):  # a truncated key: half a row, no columns
        key.write_text(key.read_text("utf-8")[:300], "utf-8")
    shutil.copytree(reference_dir, z / "noshapes_ref")
    for p in (z / "noshapes_ref").glob("*.geojson"):
        p.chmod(0o644)
        p.write_text('{"type": "FeatureCollection", "features": [')
    code, _, err = run_cli(["ingest", str(z / "reg.csv"), "--out-dir", str(z / "i"), "--reference-dir",
                            str(reference_dir)])
    assert code == 0, err
    shutil.copy(z / "i" / "reg.register.parquet", z / "reg.parquet")
    code, _, err = run_cli(["indicators", "--register", str(z / "reg.csv"), "--survey", str(z / "survey.csv"),
                            "--out-dir", str(z / "processed"), "--reference-dir", str(reference_dir)])
    assert code == 0, err
    shutil.rmtree(z / "i")
    return z


# ---- guards: no network, no kernels, a fresh working folder per example -----------------------------------
ATTEMPTS: list[str] = []


@pytest.fixture
def guarded(monkeypatch):
    install_guards(monkeypatch)
    yield


def install_guards(monkeypatch) -> None:
    """Refuse and record every connection and name lookup; stub the report kernels; no env defaults."""
    def refuse(*args, **kwargs):
        ATTEMPTS.append(repr(args[:2])[:120])
        raise OSError(errno.ENETUNREACH, "network refused by the fuzz harness")

    for attr in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, attr, refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    def run_jobs(jobs, workers, notebook, out_dir, self_contained, on_result=None, pool=None):
        done = []
        for j in (jobs() if callable(jobs) else list(jobs)):
            html = Path(out_dir) / f"{j['stem']}.html"
            html.write_text(f"<html><body>{j['level']} {j['area']}</body></html>", "utf-8")
            r = {"level": j["level"], "area": j["area"], "html": str(html), "executed": "", "seconds": 0.0,
                 "error": None, "error_name": None, "error_value": None, "traceback": None, "stem": j["stem"]}
            done.append(r)
            if on_result:
                on_result(r)
        return done

    from sote_analytics.report.render import publication, workers

    class NoPool:  # `run` starts no worker processes either
        usable = False

        def __init__(self, workers: int) -> None:
            import threading

            self.workers = workers
            self.queued = threading.Event()
            self.queued.set()

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            pass

        def start(self, warm_up=None) -> None:
            pass

    monkeypatch.setattr(workers, "run_jobs", run_jobs)
    monkeypatch.setattr(publication, "run_jobs", run_jobs)
    monkeypatch.setattr(workers, "WorkerPool", NoPool)
    for env in ("SOTE_DATA_DIR", "SOTE_REPORTS_DIR"):
        monkeypatch.delenv(env, raising=False)
    real_mkstemp = boundary.tempfile.mkstemp

    def mkstemp(*args, dir=None, **kw):  # ro/ refuses writes even for root
        if dir is not None and "ro" in Path(dir).absolute().parts:
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real_mkstemp(*args, dir=dir, **kw)

    monkeypatch.setattr(boundary.tempfile, "mkstemp", mkstemp)
    ATTEMPTS.clear()


def _resolve(args: list[str], zoo: Path) -> list[str]:
    return [str(zoo / a[3:]) if a.startswith("@Z/") else a for a in args]


FIGURES: dict[str, list] = {}
#: No shrinking: one failing command line is reported as generated (shrinking a run took minutes).
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
#: The canaries of test_canary.py; the phone's digits only where no longer number holds them (0.19876543 is not a
#: phone number).
CANARY_NEEDLES = ("kanari.lintu", "987 6543", "987-6543", "Kanarialintunen")
PHONE_DIGITS = re.compile(r"(?<![\d.])(?:\+358|0)409876543(?!\d)")


def scan(folder: Path, extra: tuple[str, ...] = (), extra_suffixes: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(file, needle) of every canary found under ``folder`` (every file, decoded as test_canary.py does); with
    ``extra``, those needles too in the files whose suffix is in ``extra_suffixes`` (each file decoded once)."""
    hits = []
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            try:
                text = "\n".join(_texts(p))
            except Exception:  # not what its name says (classify --out x.parquet writes a CSV): read as text
                if p.suffix in extra_suffixes:
                    raise  # a file of those kinds is always read as what it says
                text = p.read_bytes().decode("utf-8", "replace")
            needles = CANARY_NEEDLES + (extra if p.suffix in extra_suffixes else ())
            hits += [(str(p.relative_to(folder)), n) for n in needles if n in text]
            if "409876543" in text:  # every match of PHONE_DIGITS holds these digits (the regex is slow on 28 MB)
                hits += [(str(p.relative_to(folder)), m) for m in PHONE_DIGITS.findall(text)]
    return hits


def run_generated(name: str, args: list[str], zoo: Path, tmp_path_factory) -> tuple[int, str, str, Path]:
    """Run one generated command line in a fresh working folder; check the invariants; return the result."""
    ws = tmp_path_factory.mktemp("a")
    (ws / "afile").write_text("x")
    (ws / "dir").mkdir()
    (ws / "ro").mkdir()
    os.chmod(ws / "ro", 0o555)
    line = _resolve(args, zoo)
    ATTEMPTS.clear()
    cwd = os.getcwd()
    started = time.perf_counter()
    os.chdir(ws)
    try:
        code, out, err = run_cli(line)
    finally:
        os.chdir(cwd)
    FIGURES.setdefault(name, []).append((code, round(time.perf_counter() - started, 2)))
    assert code in (0, 2), (line, code, err[-2000:])
    assert "Traceback" not in err + out, (line, err[-2000:])
    if code == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), (line, err)
    assert ATTEMPTS == [], (line, ATTEMPTS)  # nothing tried to reach the network
    if name in POISON and "--help" not in line:  # refused before any request (--help prints and exits 0)
        assert code == 2, (line, out)
    console = [n for n in CANARY_NEEDLES if n in out + err]
    assert console == [], (line, console)
    if code == 0:
        check_outputs(ws, line)
    return code, out, err, ws


def check_outputs(ws: Path, line: list[str]) -> None:
    """Rows accounted, no canary in any file written, no formula in any CSV or workbook cell."""
    for meta in ws.rglob("run.json"):
        m = json.loads(meta.read_text("utf-8"))
        if "rows_in" in m:
            assert m["rows_in"] == m["accepted"] + m["quarantined"], (line, meta)
    for q in ws.rglob("*.quality.json"):
        m = json.loads(q.read_text("utf-8"))
        assert m["rows_in"] == m["accepted"] + m["quarantined"], (line, q)
    if "--keep-personal-data" not in line:  # asked for: kept as extra_* columns in what ingest writes
        hits = scan(ws)
        assert hits == [], (line, hits[:10])
    cells = formula_cells(ws)
    assert cells == [], (line, cells[:10])


def _examples(name: str) -> int:
    slow = {"run": 3, "run-demo": 4, "demo": 2}  # examples that pass build registers and workbooks
    return max(2, EXAMPLES // slow.get(name, 1))


def make_test(name: str):
    @settings(max_examples=_examples(name), deadline=None, derandomize=not LONG, phases=PHASES,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.filter_too_much])
    @given(args=arguments(name))
    def test(args, zoo, guarded, tmp_path_factory):
        run_generated(name, args, zoo, tmp_path_factory)

    return test


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_generated_arguments_never_traceback(name, zoo, guarded, tmp_path_factory):
    make_test(name)(zoo=zoo, guarded=guarded, tmp_path_factory=tmp_path_factory)


def test_every_command_is_fuzzed():
    """The tree has the commands this file knows the network of; a new fetching command needs a poison."""
    assert len(COMMANDS) >= 13 and sum(len(c.params) for c in COMMANDS.values()) >= 100
    fetching = {n for n, c in COMMANDS.items() if "fetch" in n or n == "ytj"}
    assert fetching <= set(POISON), fetching - set(POISON)
    for name, cmd in COMMANDS.items():
        for prm in cmd.params:  # every parameter has values to try beyond the generic ones
            assert _pool(prm), (name, prm.name)


@pytest.fixture(scope="module", autouse=True)
def figures():
    """With ``SOTE_FUZZ_FIGURES=path``: the command lines run, by command and exit status, with their seconds."""
    yield
    target = os.environ.get("SOTE_FUZZ_FIGURES")
    if target:
        summary = {name: {"runs": len(v), "exit_0": sum(c == 0 for c, _ in v), "exit_2": sum(c == 2 for c, _ in v),
                          "seconds": round(sum(s for _, s in v), 1)} for name, v in sorted(FIGURES.items())}
        Path(target).write_text(json.dumps(summary, indent=1), "utf-8")


# ---- regression tests named for the defects this harness found ---------------------------------------------
def _one_line(code: int, err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error:") and "Traceback" not in err, (code, err)
    return lines[0]


def test_regression_reference_check_on_a_truncated_boundary_file(reference_dir, tmp_path):
    """`reference check` on a folder whose GeoJSON is cut short: pyogrio's DataSourceError was a traceback."""
    ref = tmp_path / "ref"
    shutil.copytree(reference_dir, ref)
    for p in ref.glob("*.geojson"):
        p.chmod(0o644)
        p.write_text('{"type": "FeatureCollection", "features": [')
    code, _, err = run_cli(["reference", "check", "--reference-dir", str(ref)])
    line = _one_line(code, err)
    assert ".geojson" in line and "reference fetch" in line


@pytest.mark.parametrize("content", ["", "id,participants\n1,3\n", "\x00\x01\x02"])
def test_regression_activity_file_without_association_id(reference_dir, tmp_path, content):
    """`indicators --activity F`: an empty F (EmptyDataError) or one without association_id (KeyError) was a
    traceback after the whole register had been read; now one line before any work."""
    (tmp_path / "r.csv").write_text(canary_register(4), "utf-8")
    (tmp_path / "a.csv").write_text(content, "utf-8")
    code, _, err = run_cli(["indicators", "--register", str(tmp_path / "r.csv"), "--activity", str(tmp_path / "a.csv"),
                            "--out-dir", str(tmp_path / "p"), "--reference-dir", str(reference_dir)])
    assert "--activity" in _one_line(code, err)
    assert not (tmp_path / "p" / "indicators.parquet").exists()


@pytest.mark.parametrize("content", ["y_tunnus,year,amount\n0737546-2,2024,1000\n", ""])
def test_regression_stea_file_of_another_shape(reference_dir, tmp_path, content, monkeypatch):
    """`run --stea F` with F not the stea_grants.csv of `resources fetch` (KeyError 'requested', or
    EmptyDataError): one line naming --stea and the file to give."""
    from sote_analytics.report.render import workers

    monkeypatch.setattr(workers, "run_jobs", lambda *a, **k: [])
    (tmp_path / "r.csv").write_text(canary_register(4), "utf-8")
    (tmp_path / "stea.csv").write_text(content, "utf-8")
    code, _, err = run_cli(["run", str(tmp_path / "r.csv"), "--stea", str(tmp_path / "stea.csv"), "--workers", "1",
                            "--out-dir", str(tmp_path / "o"), "--reference-dir", str(reference_dir)])
    line = _one_line(code, err)
    assert "--stea" in line and "stea.csv" in line


def test_regression_demo_survey_is_formula_safe(reference_dir, tmp_path):
    """`demo` with a reference whose area names start a formula wrote them raw into survey.csv."""
    ref = hostile_reference(reference_dir, tmp_path / "ref")
    code, _, err = run_cli(["demo", "--out-dir", str(tmp_path / "d"), "--reference-dir", str(ref)])
    assert code == 0, err
    assert formula_cells(tmp_path / "d") == []
