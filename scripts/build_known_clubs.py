"""Build ``src/sote_analytics/data/known_clubs.csv``: Finnish sports clubs known by name.

Usage::

    python scripts/build_known_clubs.py FI_CLUBS_TXT LIIGA_ABBREVIATIONS_RS

Inputs (fetched copies of public files; only this derivation is committed):

``FI_CLUBS_TXT``
    ``europe/finland/fi.clubs.txt`` of github.com/openfootball/clubs (public domain, CC0;
    commit f67fa9c): Finnish football clubs, one per line, with ``|``-separated aliases.
``LIIGA_ABBREVIATIONS_RS``
    ``src/ui/components/abbreviations.rs`` of github.com/nikosalonen/liiga_teletext
    (commit 2256406): the Liiga ice-hockey teams of the 2024-25 season with their full names
    ("Oulun Kärpät", "Porin Ässät").

A club is matched like a known national organisation: by its normalised whole name or an
alias, never inside another name. Aliases that are only a municipality's name ("Lahti",
"Rovaniemi"), shorter than three characters, or also another organisation's name
(``AMBIGUOUS``) are left out.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

DATA = Path(__file__).parents[1] / "src" / "sote_analytics" / "data"
FOOTBALL = "openfootball/clubs@f67fa9c:europe/finland/fi.clubs.txt (CC0)"
HOCKEY = "nikosalonen/liiga_teletext@2256406:src/ui/components/abbreviations.rs (Liiga teams 2024-25)"


#: Aliases that also name another, non-sport organisation: "Allianssi" is the national youth-work
#: umbrella's short name as well as a former football club's.
AMBIGUOUS = {"allianssi"}


def municipalities() -> set[str]:
    with open(DATA / "reference_snapshot" / "municipality_key_2025.csv", encoding="utf-8", newline="") as f:
        return {r[c].casefold() for r in csv.DictReader(f) for c in ("municipality_name_fi", "municipality_name_sv")}


def clean(name: str) -> str:
    name = re.sub(r"#.*$", "", name)           # comments
    name = re.sub(r"\[\w+\]", "", name)         # language markers such as [de]
    name = re.sub(r"\(\d{4}-\d{4}\)", "", name)  # years of a former club
    return re.sub(r"\s+", " ", name.replace("−", "-")).strip(" ,")


def football(path: str) -> list[tuple[str, list[str]]]:
    clubs: list[tuple[str, list[str]]] = []
    for line in Path(path).read_text("utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "=")):
            continue
        if line.startswith((" ", "\t")) and line.strip().startswith("|") and clubs:
            clubs[-1][1].extend(clean(a) for a in line.strip().strip("|").split("|"))
        elif not line.startswith((" ", "\t")):
            clubs.append((clean(line.split(",")[0]), []))
    return clubs


def hockey(path: str) -> list[tuple[str, list[str]]]:
    teams: dict[str, list[str]] = {}
    for m in re.finditer(r'^\s*((?:"[^"]+"\s*\|?\s*)+)=>\s*"([^"]+)"', Path(path).read_text("utf-8"), re.M):
        teams.setdefault(m.group(2), []).extend(re.findall(r'"([^"]+)"', m.group(1)))
    out = []
    for names in teams.values():
        full = max(names, key=len)  # "Oulun Kärpät" over "Kärpät"
        out.append((full, [n for n in names if n != full]))
    return out


def main(football_path: str, hockey_path: str) -> None:
    towns = municipalities()
    rows = []
    seen: set[str] = set()
    for clubs, source in ((football(football_path), FOOTBALL), (hockey(hockey_path), HOCKEY)):
        for name, aliases in clubs:
            keep = [a for a in dict.fromkeys(aliases) if len(a) >= 3 and a.casefold() not in towns
                    and a.casefold() not in AMBIGUOUS and a.casefold() != name.casefold()]
            keys = {name.casefold(), *(a.casefold() for a in keep)}
            if keys & seen:  # the same club in both lists: keep the first
                keep = [a for a in keep if a.casefold() not in seen]
                if name.casefold() in seen:
                    continue
            seen |= keys
            rows.append([name, ";".join(keep), "not_sote", "", "local", "false", source])
    out = DATA / "known_clubs.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "aliases", "sector", "subsector", "org_type", "umbrella", "source"])
        w.writerows(rows)
    print(f"{len(rows)} clubs written to {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
