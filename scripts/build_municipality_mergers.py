"""Build ``src/sote_analytics/data/municipality_mergers.csv`` (municipalities abolished since 1970).

The table is derived, not typed: every row comes from public sources read from local copies
(no network here), and every row names them in its ``source`` column.

Sources (give the paths of local copies on the command line):

``--statfi-key``
    ``data/abolished_mun_key.rda`` of the R package pttry/statficlassifications (2024-08),
    built by its ``data-raw/save_abolished_mun_key.R`` from Statistics Finland's list
    "Lakkautetut kunnat vuoteen 2021 asti" (stat.fi/static/media/uploads/meta/luokitukset/
    lakkautetut_kunnat_vuoteen_2021_asti.xlsx). It gives, for each abolished municipality
    code, the code(s) of the municipality (or municipalities, when it was divided) it joined.
    Authoritative for codes; has no names or years.
``--years``
    ``reform_years_municipalities.do`` of halahti/SocSci23: a code list of Finnish
    municipalities with names (from fi.wikipedia "Luettelo Suomen kunnista") and a list of
    merger years with codes (from fi.wikipedia "Kuntaliitos Suomessa", 9.3.2021).
    Gives names and years.
``--swedish``
    ``Data/kuntacodes_utf8.csv`` of JonasMuellerGastell/FinlandKuntaHarmon: historical
    municipality codes with Finnish and Swedish names (1880-1974). Gives Swedish names of
    municipalities that were abolished in 1970-1977 or later.
``--reference``
    The reference folder (``municipality_key_2025.csv`` for names and Swedish names of
    current municipalities; ``municipality_mergers_2013_2025.csv`` for the mergers after 2021).

A municipality divided between several (Statistics Finland lists more than one successor)
gets one row per successor; the resolver then treats its name as ambiguous unless all
successors became one municipality later.

Run::

    python scripts/build_municipality_mergers.py --statfi-key abolished_mun_key.rda \\
        --years reform_years_municipalities.do --swedish kuntacodes_utf8.csv \\
        --reference ../shared/reference --out src/sote_analytics/data/municipality_mergers.csv
"""

from __future__ import annotations

import argparse
import bz2
import csv
import gzip
import lzma
import re
import struct
from pathlib import Path

FIRST_YEAR = 1970

SRC_STATFI = ("Statistics Finland, lakkautetut kunnat vuoteen 2021 "
              "(via pttry/statficlassifications data/abolished_mun_key.rda)")
SRC_YEARS = "halahti/SocSci23 reform_years_municipalities.do (fi.wikipedia Kuntaliitos Suomessa)"
SRC_SV = "JonasMuellerGastell/FinlandKuntaHarmon Data/kuntacodes_utf8.csv"
SRC_REF = "reference municipality_mergers_2013_2025.csv (NLS boundaries and Statistics Finland keys)"

#: Codes whose entry in the code list of ``--years`` joins two names ("Sippola/Anjalankoski"):
#: the code stayed with the merged municipality (Statistics Finland lists it as its own
#: successor). The first name is the earlier municipality, the second the merged one.
SHARED_CODES = {"754": ("Sippola", "Anjalankoski"), "540": ("Nummi", "Nummi-Pusula")}

#: Swedish names in ``--swedish`` that are OCR slips of the digitised source, not names
#: (checked against the other Swedish names in the same file and the current key).
SWEDISH_REJECT = {"Pemä", "Borgä lk", "Nädendals lk", "Nedertomeä", "Vörä", "Bergöö", "St_Michels lk", "Koski Hl"}


def read_rds_strings(path: Path) -> list[list[str]]:
    """The character vectors of an XDR-serialised R data file (``.rda``), in file order.

    Only what this table needs: no attributes, no other types.
    """
    raw = path.read_bytes()
    for opener in (bz2.decompress, gzip.decompress, lzma.decompress):
        try:
            raw = opener(raw)
            break
        except (OSError, ValueError, lzma.LZMAError):
            continue
    if not raw.startswith(b"RDX2\nX\n") and not raw.startswith(b"RDX3\nX\n"):
        raise ValueError(f"{path}: not an XDR R data file")
    vectors, i = [], 0
    while i < len(raw) - 8:
        flags, n = struct.unpack(">Ii", raw[i:i + 8])
        if flags & 0xFF == 16 and 0 < n < 100_000:  # STRSXP
            j, out = i + 8, []
            for _ in range(n):
                f2, length = struct.unpack(">Ii", raw[j:j + 8])
                if f2 & 0xFF != 9:  # not a CHARSXP: a false start
                    out = None
                    break
                if length == -1:
                    out.append(None)
                    j += 8
                else:
                    out.append(raw[j + 8:j + 8 + length].decode("utf-8"))
                    j += 8 + length
            if out is not None:
                vectors.append(out)
                i = j
                continue
        i += 1
    return vectors


def read_statfi(path: Path) -> dict[str, list[str]]:
    """Abolished code -> successor codes (in the order listed), self-references kept."""
    vectors = [v for v in read_rds_strings(path) if v and all(s and s.startswith("KU") for s in v)]
    joiner, joinee = vectors[0], vectors[1]
    out: dict[str, list[str]] = {}
    for a, b in zip(joiner, joinee, strict=True):
        out.setdefault(a[2:], [])
        if b[2:] not in out[a[2:]]:
            out[a[2:]].append(b[2:])
    return out


def read_years(path: Path) -> tuple[dict[str, str], list[tuple[int, str, str]]]:
    """Code list (code -> name) and merger events (year, name, code) of the Stata file.

    Events commented out in the file (``*2009 Sippola/Anjalankoski 754``) are read too: the
    author left them out of his own analysis, not because they did not happen.
    """
    text = path.read_text("utf-8")
    codes_part = text.split("input Kuntnro")[1].split("\nend")[0]
    names: dict[str, str] = {}
    for line in codes_part.splitlines()[1:]:
        m = re.match(r"(\d{3})\s+(.+?)\s*(?:///.*)?$", line)
        if m and m[1] not in names:
            names[m[1]] = m[2].strip()
    years_part = text.split("input Liitosvuosi")[1].split("\nend")[0]
    events = []
    for line in years_part.splitlines()[1:]:
        m = re.match(r"\*?(\d{4})\t(.+?)\s*\t(\d+)", line)
        if m:
            events.append((int(m[1]), m[2].strip(), m[3].zfill(3)))
    return names, events


def read_swedish(path: Path) -> dict[str, tuple[str, str]]:
    """Code -> (Finnish name, Swedish name) of the historical code list."""
    out = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            sv = (row["Name_Sv"] or "").strip()
            if sv and sv != row["Name_Fi"] and sv not in SWEDISH_REJECT:
                code = str(int(float(row["code"]))).zfill(3)
                out[code] = (row["Name_Fi"].strip(), re.sub(r"\blk$", "landskommun", sv))
    return out


def expand(name: str) -> str:
    """'Jyväskylän mlk' -> 'Jyväskylän maalaiskunta'."""
    return re.sub(r"\bmlk$", "maalaiskunta", name)


def build(statfi: Path, years: Path, swedish: Path, reference: Path) -> list[dict[str, str]]:
    succ = read_statfi(statfi)
    names, events = read_years(years)
    sv_names = read_swedish(swedish)
    with (reference / "municipality_key_2025.csv").open(encoding="utf-8") as f:
        key = {r["kunta"]: r for r in csv.DictReader(f)}
    for code, (_, merged) in SHARED_CODES.items():
        names[code] = merged

    def name_of(code: str) -> str:
        if code in key:
            return key[code]["municipality_name_fi"]
        return expand(names[code])

    rows: list[dict[str, str]] = []

    def swedish(code: str, fi: str) -> str:
        # only when the historical list gives the same Finnish name for the code (it swaps
        # some codes, e.g. 573/579 Parainen)
        hist_fi, sv = sv_names.get(code, ("", ""))
        return sv if code and expand(hist_fi) == fi else ""

    def add(old_code, old_fi, new_code, year, source):
        rows.append({
            "old_code": old_code, "old_name_fi": old_fi,
            "old_name_sv": swedish(old_code, old_fi),
            "new_code": new_code, "new_name_fi": name_of(new_code),
            "effective_year": str(year), "source": source,
        })

    done: set[str] = set()
    for year, raw_name, code in sorted(events):
        if year < FIRST_YEAR:
            continue
        targets = [c for c in succ.get(code, []) if c != code]
        if code in SHARED_CODES and code not in done and year == min(y for y, _, c in events if c == code):
            # the earlier municipality of a shared code: a name-only row into the merged one
            first, _ = SHARED_CODES[code]
            add("", first, code, year, f"{SRC_YEARS}; {SRC_STATFI}")
            done.add(code)
            continue
        if not targets:
            raise SystemExit(f"{raw_name} ({code}, {year}): no successor in the Statistics Finland list")
        old_fi = SHARED_CODES[code][1] if code in SHARED_CODES else expand(raw_name)
        for t in targets:
            add(code, old_fi, t, year, f"{SRC_STATFI}; {SRC_YEARS}")
    # codes Statistics Finland lists as abolished but the year list does not: the town whose
    # code changed when it merged with its rural municipality (Heinola, Lohja, Porvoo 1997).
    listed = {c for _, _, c in events}
    for code, targets in sorted(succ.items()):
        targets = [t for t in targets if t != code]
        if code in listed or not targets:
            continue
        stem = names[code][:4]
        partner_years = {y for y, n, c in events if set(succ.get(c, [])) & set(targets) and y >= FIRST_YEAR
                         and n.startswith(stem) and re.search(r"\b(mlk|kunta)$", n)}
        if len(partner_years) == 1:
            (year,) = partner_years
            for t in targets:
                add(code, expand(names[code]), t, year,
                    f"{SRC_STATFI}; year of the partner municipality's merger in {SRC_YEARS}")
    # after 2021: the reference snapshot
    have = {(r["old_code"], r["new_code"]) for r in rows}
    with (reference / "municipality_mergers_2013_2025.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if (r["old_code"], r["new_code"]) not in have:
                add(r["old_code"], r["old_name_fi"], r["new_code"], int(r["effective_year"]), SRC_REF)
    for r in rows:
        if r["old_name_sv"]:
            r["source"] += f"; Swedish name: {SRC_SV}"
    return sorted(rows, key=lambda r: (int(r["effective_year"]), r["old_name_fi"], r["new_code"]))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--statfi-key", type=Path, required=True)
    p.add_argument("--years", type=Path, required=True)
    p.add_argument("--swedish", type=Path, required=True)
    p.add_argument("--reference", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args(argv)
    rows = build(a.statfi_key, a.years, a.swedish, a.reference)
    cols = ["old_code", "old_name_fi", "old_name_sv", "new_code", "new_name_fi", "effective_year", "source"]
    with a.out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} rows -> {a.out}")


if __name__ == "__main__":
    main()
