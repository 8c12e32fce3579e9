"""Personal data by value and header (issue 29, item 4): canaries in every column of a register and a
survey, one `sote-analytics run` with two workers, every output file scanned: 0 hits.

The canaries are an e-mail address, a phone number (in three spellings) and a person's name with a
common first name; the surname is unique, so any trace of the name is found.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EMAIL = "kanari.lintu@example.org"
PHONE = "040 987 6543"
PERSON = "Maija Kanarialintunen"
#: What must never be found in an output: the address, the number however it is spelled, the surname.
NEEDLES = ("kanari.lintu", "987 6543", "9876543", "987-6543", "Kanarialintunen")

REGISTER_HEADER = ["Nimi", "Kotipaikka", "Toiminta-alue", "Tarkoitus", "Jäsenet", "Toimiala", "Sähköposti",
                   "S-posti", "Puh.", "Tel", "Mobile", "Puhelin", "Osoite", "Postiosoite", "Yhteystiedot",
                   "Yhteyshenkilö", "Vastuuhenkilö", "Chairperson", "Ordf.", "Kontaktuppgifter", "Henkilö",
                   "Lisätieto"]


def _register(person_as_name: bool = False) -> str:
    """30 associations of Pohjois-Savo, canaries in every column; seven rows that quarantine; with
    ``person_as_name`` one more whose name is a person's."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(REGISTER_HEADER)
    places = ["Kuopio", "Iisalmi", "Varkaus", "Siilinjärvi", "Atlantis"]
    for i in range(30):
        place = places[i % len(places)]
        name = f"Kuopion Kanarialintuyhdistys {i} ry"
        if i % 3 == 1:
            name += f" {EMAIL}"  # an e-mail inside a name
        elif i % 3 == 2:
            name += f" puh. {PHONE}"
        row = [name, place if i % 7 else f"{place} {PHONE}", f"{place}, yhteyshenkilö {PERSON}",
               f"Vertaistukea; soita {PERSON}lle {PHONE} tai {EMAIL}", "12" if i % 4 else PHONE,
               "patient_health" if i % 5 else f"patient_health {EMAIL}"]
        row += [EMAIL, EMAIL, PHONE, PHONE, "0409876543", PHONE, f"Kanarialintunen-katu 1, {place}",
                f"PL 1, {place}", f"{PERSON}, {EMAIL}", PERSON, PERSON, PERSON, PERSON, f"{PERSON} {PHONE}",
                PERSON, f"Tiedot: {PERSON}, {EMAIL}, {PHONE}"]
        w.writerow(row)
    w.writerow([f"{PERSON} {EMAIL}", "Atlantis", "", "", "", ""] + [PERSON] * (len(REGISTER_HEADER) - 6))
    if person_as_name:  # a person's name where an association's should be, in a known municipality
        w.writerow([PERSON, "Kuopio", "", "", "", ""] + [""] * (len(REGISTER_HEADER) - 6))
    return buf.getvalue()


def _survey() -> str:
    """The example Webropol survey with canaries in every answer column and some unmatched areas."""
    lines = (ROOT / "examples" / "oma_kysely.csv").read_text("utf-8").splitlines()
    head = next(i for i, ln in enumerate(lines) if ln.startswith("Vastausaika"))
    rows = list(csv.reader(lines[head:], delimiter=";"))
    header, body = rows[0], rows[1:]
    out = [header]
    for k, r in enumerate(body):
        r = r + [""] * (len(header) - len(r))
        r[1], r[2], r[3] = PERSON, EMAIL, PHONE
        r[4] = f"{r[4]} {EMAIL}"
        r[-1] = f"Terveisin {PERSON}, {PHONE}, {EMAIL}"
        if k % 9 == 0:
            r[5] = f"{PERSON} {PHONE}"  # an area no one can read: counted, never shown as typed
        if k % 11 == 0:
            r[6] = f"{EMAIL}"  # a sector no one can read
        if k == 5:  # a choice question answered with contact details: below any suppression limit
            r[9] = f"Soita {PERSON} {PHONE}"
        out.append(r)
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\n").writerows(out)
    return "\n".join(lines[:head]) + "\n" + buf.getvalue()


def _texts(path: Path) -> list[str]:
    """Everything a user could read in ``path``, decoded: unescaped HTML, notebooks JSON-decoded, every
    Parquet and workbook cell, headers included."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        out = [" ".join(table.column_names)]
        for name in table.column_names:
            values = table.column(name).to_pylist()
            out += [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]
        return out
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        return [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row
                if c is not None]
    raw = path.read_bytes().decode("utf-8", errors="replace")
    if suffix in (".ipynb", ".json"):
        try:
            return [json.dumps(json.loads(raw), ensure_ascii=False), raw]
        except ValueError:
            return [raw]
    if suffix in (".html", ".htm", ".svg"):
        return [html.unescape(raw), raw]
    return [raw]


def scan(folder: Path) -> list[tuple[str, str]]:
    """(file, needle) of every canary found under ``folder``."""
    hits = []
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        text = "\n".join(_texts(p))
        hits += [(str(p.relative_to(folder)), n) for n in NEEDLES if n in text]
    return hits


@pytest.mark.slow
def test_no_canary_in_any_output_of_a_run(reference_dir, tmp_path):
    (tmp_path / "rekisteri.csv").write_text(_register(), "utf-8")
    (tmp_path / "kysely.csv").write_text(_survey(), "utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    p = subprocess.run([sys.executable, "-m", "sote_analytics.cli", "run", str(tmp_path / "rekisteri.csv"),
                        "--survey", str(tmp_path / "kysely.csv"), "--level", "hyvinvointialue", "--workers", "2",
                        "--keep-executed",
                        "--out-dir", str(out), "--reference-dir", str(reference_dir)],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    assert p.returncode == 0, p.stderr[-3000:]
    (tmp_path / "console.log").write_text(p.stdout + p.stderr, "utf-8")
    files = [f for f in out.rglob("*") if f.is_file()]
    kinds = {f.suffix for f in files}
    assert {".html", ".ipynb", ".parquet", ".csv", ".xlsx", ".json"} <= kinds, kinds
    hits = scan(out) + [("console", n) for n in NEEDLES if n in (p.stdout + p.stderr)]
    assert hits == [], hits[:40]


def test_no_canary_in_what_ingest_and_classify_write(reference_dir, tmp_path):
    from test_fuzz_cli import run_cli

    f = tmp_path / "rekisteri.csv"
    f.write_text(_register(), "utf-8")
    code, out, err = run_cli(["ingest", str(f), "--out-dir", str(tmp_path / "i"), "--reference-dir",
                              str(reference_dir)])
    assert code == 0, err
    code, out2, err2 = run_cli(["classify", str(f), "--out", str(tmp_path / "c" / "names.csv")])
    assert code == 0, err2
    assert {p.suffix for p in (tmp_path / "i").iterdir()} >= {".csv", ".parquet", ".json", ".html"}
    hits = scan(tmp_path / "i") + scan(tmp_path / "c")
    hits += [("console", n) for n in NEEDLES if n in out + err + out2 + err2]
    assert hits == [], hits[:40]


def test_a_person_as_an_association_name_is_not_kept(reference_dir, tmp_path):
    from test_fuzz_cli import run_cli

    f = tmp_path / "rekisteri.csv"
    f.write_text(_register(person_as_name=True), "utf-8")
    code, _, err = run_cli(["indicators", "--register", str(f), "--out-dir", str(tmp_path / "p"), "--reference-dir",
                            str(reference_dir)])
    assert code == 0, err
    hits = scan(tmp_path / "p")
    assert ("directory.parquet", "Kanarialintunen") not in hits  # the directory screens names itself
    assert hits == [], hits
