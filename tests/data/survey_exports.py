"""One invented survey of Pohjois-Savo's associations, written in the shapes survey tools export.

Every name, e-mail address and phone number is invented (``@example.fi``, 040 555 01xx). The truth
of each respondent (sub-region, area level and code, sector, Likert point, numbers, options) is
kept beside the rows so a test can check what ``read_survey`` makes of each shape:

* ``webropol_xlsx`` - .xlsx with two title rows, a "Vastausaika" column, one column per option of
  the multiple choice ("Toimintamuodot: Vertaistuki", 1 or blank), contact columns;
* ``webropol_csv`` - the same as ``;``-separated CSV in cp1252 (``delimiter=","`` for the comma one);
* ``forms_xlsx`` - Microsoft Forms: ID, Start time, Completion time, Email, Name, then the questions,
  options joined by ";" with a trailing ";";
* ``google_csv`` - Google Forms: "Aikaleima" (or "Timestamp") first, comma-separated, options
  joined by ", ";
* ``plain_csv`` - a hand-made table in UTF-8 with a BOM, options joined by ";".

Run as a script to write the README's example: ``python tests/data/survey_exports.py examples/oma_kysely.csv``.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

#: (answer, seutukunta code, area level, area code): what the answer is read as.
AREAS = [
    ("Kuopion seutukunta", "112", "seutukunta", "112"),
    ("Kuopio", "112", "seutukunta", "112"),
    ("Ylä-Savo", "111", "seutukunta", "111"),
    ("Varkauden seutu", "114", "seutukunta", "114"),
    ("Kuopion seutukunta", "112", "seutukunta", "112"),
    ("Sisä-Savo", "115", "seutukunta", "115"),
    ("Ylä-Savon seutukunta", "111", "seutukunta", "111"),
    ("Koillis-Savo", "113", "seutukunta", "113"),
    ("Iisalmi", "111", "kunta", "140"),
    ("Siilinjärvi", "112", "kunta", "749"),
    ("Kuopio", "112", "seutukunta", "112"),
    ("Pohjois-Savo", None, "maakunta", "11"),
    ("Varkauden seutu", "114", "seutukunta", "114"),
    ("Pohjois-Savon hyvinvointialue", None, "hyvinvointialue", "13"),
    ("Kuopio", "112", "seutukunta", "112"),
    ("Ylä-Savo", "111", "seutukunta", "111"),
    ("Ei tiedossa oleva kylä", None, None, None),
]
SECTORS = [
    ("Mielenterveys- ja päihdetyö", "mental_substance"),
    ("Vammaisjärjestö", "disability"),
    ("Potilasjärjestö", "patient_health"),
    ("Eläkeläisjärjestö", "elderly"),
    ("Lapsi- ja perhejärjestö", "child_family"),
    ("Omaiset ja läheiset", "carers"),
    ("Eläkeläisjärjestö", "elderly"),
    ("Muu", "other_sote"),
    ("Lapset, nuoret ja perheet", "child_family"),
    ("Kulttuuri", "unclassified"),
]
LIKERT = [("Täysin samaa mieltä", 5), ("Jokseenkin samaa mieltä", 4), ("Ei samaa eikä eri mieltä", 3),
          ("Jokseenkin eri mieltä", 2), ("Jokseenkin samaa mieltä", 4), ("Täysin eri mieltä", 1),
          ("En osaa sanoa", None)]
PARTICIPANTS = [("n. 200", 200), ("1 200", 1200), ("350", 350), ("noin 80", 80), ("45", 45), ("", None)]
HOURS = [("1 250,5", 1250.5), ("300", 300), ("n. 40", 40), ("12,5", 12.5), ("0", 0)]
OPTIONS = ["Vertaistuki", "Neuvonta", "Virkistys", "Vapaaehtoistoiminta"]
FIRST = ["Maija", "Matti", "Liisa", "Pekka", "Anna", "Juha", "Tiina", "Kari"]
LAST = ["Meikäläinen", "Virtanen", "Korhonen", "Nieminen", "Mäkinen", "Hämäläinen", "Laine", "Heikkinen"]
FREE = ["Toivomme säännöllisiä tapaamisia järjestöjen kanssa, soittakaa 040 555 0199",
        "Yhteistyö on sujunut hyvin kunnan kanssa tänä vuonna",
        "Lisää maksuttomia tiloja vertaisryhmille, kiitos",
        "Ottakaa yhteyttä sähköpostilla: yhteys@example.fi",
        "Maija Meikäläinen toivoo lisää tietoa avustuksista",
        ""]
QUESTIONS = {
    "likert_text": "Yhteistyö hyvinvointialueen kanssa toimii hyvin",
    "likert_num": "Tiedämme, mistä saamme tukea toimintaamme (1–5)",
    "single": "Haluaako yhdistys hyvinvointialueen kumppaniksi?",
    "multi": "Toimintamuodot",
    "participants": "Osallistujia vuodessa",
    "volunteers": "Vapaaehtoisia",
    "hours": "Vapaaehtoistunteja vuodessa",
    "free": "Terveiset hyvinvointialueelle",
}


@dataclass
class Respondent:
    name: str
    email: str
    phone: str
    association: str
    area: str
    seutukunta_code: str | None
    area_level: str | None
    area_code: str | None
    sector_text: str
    sector: str
    likert_text: str
    likert: int | None
    likert_num: int
    single: str
    options: list[str]
    participants_text: str
    participants: float | None
    volunteers: int
    hours_text: str
    hours: float
    free: str
    time: str


WHEN = ["keväällä", "syksyllä", "talvella", "kesällä", "ensi vuonna", "tänä vuonna", "jatkossa"]


def _free(i: int) -> str:
    base = FREE[i % len(FREE)]
    return f"{base} ({WHEN[i % len(WHEN)]})" if base else ""


def respondents(n: int = 40) -> list[Respondent]:
    """The invented respondents (deterministic)."""
    out = []
    for i in range(n):
        area = AREAS[i % len(AREAS)]
        sector = SECTORS[(i * 3) % len(SECTORS)]
        lk = LIKERT[i % len(LIKERT)]
        part = PARTICIPANTS[i % len(PARTICIPANTS)]
        hours = HOURS[(i * 2) % len(HOURS)]
        first, last = FIRST[i % len(FIRST)], LAST[(i * 5) % len(LAST)]
        out.append(Respondent(
            name=f"{first} {last}", email=f"vastaaja{i + 1}@example.fi", phone=f"040 555 01{i:02d}",
            association=f"Esimerkkiyhdistys {i + 1} ry", area=area[0], seutukunta_code=area[1],
            area_level=area[2], area_code=area[3], sector_text=sector[0], sector=sector[1],
            likert_text=lk[0], likert=lk[1], likert_num=1 + (i * 7) % 5,
            single=["kyllä", "ei", "ehkä", "kyllä"][i % 4],
            options=[o for j, o in enumerate(OPTIONS) if (i + j) % 3 != 0],
            participants_text=part[0], participants=part[1], volunteers=(i * 3) % 25,
            hours_text=hours[0], hours=hours[1], free=_free(i),
            time=f"2026-03-{1 + i % 28:02d} 10:{i % 60:02d}",
        ))
    return out


def _questions(r: Respondent, multi: str) -> list[str]:
    return [r.likert_text, str(r.likert_num), r.single, multi, r.participants_text, str(r.volunteers),
            r.hours_text, r.free]


def _question_headers() -> list[str]:
    q = QUESTIONS
    return [q["likert_text"], q["likert_num"], q["single"], q["multi"], q["participants"], q["volunteers"],
            q["hours"], q["free"]]


def webropol_rows(rs: list[Respondent]) -> list[list[str]]:
    """Webropol: two title rows, a blank row, the header; one column per option of the multiple choice."""
    heads = _question_headers()
    option_heads = [f"{QUESTIONS['multi']}: {o}" for o in OPTIONS]
    header = ["Vastausaika", "Vastaajan nimi", "Sähköposti", "Puhelin", "Yhdistyksen nimi", "Seutukunta",
              "Järjestön toimiala", *heads[:3], *option_heads, *heads[4:]]
    rows = [["Järjestökysely 2026 – Pohjois-Savo"], [f"Vastauksia: {len(rs)}"], [], header]
    for r in rs:
        q = _questions(r, "")
        marks = ["1" if o in r.options else "" for o in OPTIONS]
        rows.append([r.time, r.name, r.email, r.phone, r.association, r.area, r.sector_text, *q[:3], *marks,
                     *q[4:]])
    return rows


def webropol_two_row_rows(rs: list[Respondent]) -> list[list[str]]:
    """Webropol with the multiple choice in a merged question cell and its options in a second header row."""
    rows = webropol_rows(rs)
    i = next(j for j, r in enumerate(rows) if r and r[0] == "Vastausaika")
    header = rows[i]
    first = header.index(f"{QUESTIONS['multi']}: {OPTIONS[0]}")
    top = [QUESTIONS["multi"] if j == first else ("" if first < j < first + len(OPTIONS) else h)
           for j, h in enumerate(header)]
    below = [OPTIONS[j - first] if first <= j < first + len(OPTIONS) else "" for j in range(len(header))]
    return [*rows[:i], top, below, *rows[i + 1:]]


def webropol_two_row_xlsx(path: Path, rs: list[Respondent]) -> Path:
    return write_xlsx(path, webropol_two_row_rows(rs))


def write_csv(path: Path, rows: list[list[str]], *, delimiter: str = ";", encoding: str = "cp1252") -> Path:
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append([(int(v) if v.isdigit() and len(v) < 6 else v) if v else None for v in r] if r else [None])
    wb.save(path)
    return Path(path)


def webropol_csv(path: Path, rs: list[Respondent], delimiter: str = ";") -> Path:
    return write_csv(path, webropol_rows(rs), delimiter=delimiter, encoding="cp1252")


def webropol_xlsx(path: Path, rs: list[Respondent]) -> Path:
    return write_xlsx(path, webropol_rows(rs))


def forms_xlsx(path: Path, rs: list[Respondent]) -> Path:
    """Microsoft Forms: ID, Start time, Completion time, Email, Name, then the questions."""
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Seutukunta", "Järjestön toimiala",
              *_question_headers()]
    rows = [header]
    for i, r in enumerate(rs):
        multi = "".join(f"{o};" for o in r.options)
        rows.append([str(i + 1), r.time, r.time, r.email, r.name, r.area, r.sector_text, *_questions(r, multi)])
    return write_xlsx(path, rows)


def google_csv(path: Path, rs: list[Respondent], timestamp: str = "Aikaleima") -> Path:
    """Google Forms: the timestamp first, comma-separated, options joined by ", "."""
    header = [timestamp, "Sähköpostiosoite", "Seutukunta", "Järjestön toimiala", *_question_headers()]
    rows = [header] + [[r.time.replace("-", "/"), r.email, r.area, r.sector_text, *_questions(r, ", ".join(r.options))]
                       for r in rs]
    return write_csv(path, rows, delimiter=",", encoding="utf-8")


def plain_csv(path: Path, rs: list[Respondent]) -> Path:
    """A hand-made table: UTF-8 with a BOM, a contact person column, options joined by ";"."""
    header = ["Seutukunta", "Järjestön toimiala", "Yhteyshenkilö", *_question_headers()]
    rows = [header] + [[r.area, r.sector_text, r.name, *_questions(r, ";".join(r.options))] for r in rs]
    return write_csv(path, rows, delimiter=",", encoding="utf-8-sig")


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/oma_kysely.csv")
    rows = webropol_rows(respondents(40))
    rows[0] = ["Järjestökysely 2026 – Pohjois-Savo (keksitty esimerkki: nimet, osoitteet ja numerot eivät ole oikeita)"]
    write_csv(out, rows, delimiter=";", encoding="utf-8")
    print(f"written {out}")
