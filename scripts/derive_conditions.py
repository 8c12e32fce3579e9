"""Derive ``src/sote_analytics/data/conditions.csv`` from the Finnish ICD-10 (THL names).

Usage: ``python scripts/derive_conditions.py ICD10FI_CSV``, where the input is
``ICD10fi/1_source_vocabulary/icd10fi_source_google_tralations.csv`` of
github.com/FINNGEN/mapping_finland (MIT licence; commit 08bf18e), a table of the THL
Finnish ICD-10 codes and names (columns ``code, name_en_source, name_fi, ...``). Only rows
whose Finnish name is THL's own (``name_en_source == "THL"``) are used, never the
machine-translated ones.

A term is one word of a THL name that has a medical word shape (-oosi, -iitti, -patia,
-emia, -plasia, -trofia, -ooma, -syndrooma, -oireyhtymä, -tauti, -sairaus, -ia ...), at
least 6 letters. Its sector follows the ICD-10 chapter of the code where it first occurs
(mental and behavioural -> mental_substance, intellectual disability/blindness/deafness/CP
-> disability, dementia and Alzheimer -> memory, C00-D48 -> cancer, ...). The output has
one row per term with ``term, language, sector, subsector, icd10, match, source``. Eponyms
("Marfanin oireyhtymä" -> marfan) and Latin words a THL name shares with the English name
("Osteogenesis imperfecta") are added with ``match = word_start``.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

SOURCE = ("FINNGEN/mapping_finland@08bf18e ICD10fi/1_source_vocabulary/"
          "icd10fi_source_google_tralations.csv (THL Finnish ICD-10 names)")
SHAPE = re.compile(r"(oosi|iitti|patia|emia|plasia|trofia|ooma|oomat|syndrooma|oireyhtymä|tauti|sairaus|"
                   r"fobia|algia|astenia|ismi|ia)$")
GENERIC = {"sairaus", "tauti", "määrittämätön", "muu", "muualla", "luokittelematon", "tulehdus", "oireyhtymä",
           "syndrooma", "kasvain", "infektio", "hoito", "tila", "vamma", "häiriö", "ensimmäinen", "tyyppi",
           "kroonia", "systeeminen", "primaarinen", "sekundaarinen", "akuutti", "pitkäaikainen",
           "normaalia", "ruokavalio", "komplikaatio", "lääkitys", "psykologia", "liikunta", "teknologia",
           "energia", "terapia", "down", "beck", "pick", "feil", "still", "potter", "louis", "nelson",
           "schmidt", "edwards", "gilbert", "lambert", "larsen", "ileus", "canis", "torus", "proteus",
           "kirurgia", "anatomia", "fysiologia", "strategia", "historia", "media"}
#: Eponyms and Latin names, matched only at a word start ("Marfan-yhdistys", "Lupus Suomi").
EPONYM = re.compile(r"\b([A-Z][a-zéü]{3,}?)(?:in|n) (?:oireyhtymä|tauti|sairaus)")
#: Latin word shapes for words shared by the Finnish and English names.
LATIN = re.compile(r"(itis|osis|oma|ia|ica|icus|ium|us|um|ae|is|ata|ans|ens)$")
ENGLISH = {"virus", "status", "australis", "mania", "delirium", "distress", "intrinsic", "minimus", "maximus"}


def sector_of(code: str) -> tuple[str, str]:
    c, n = code[0], int(code[1:3]) if code[1:3].isdigit() else -1
    if (c == "F" and n in (0, 1, 2, 3)) or (c == "G" and n == 30):
        return "patient_health", "memory"
    if c == "F" and 70 <= n <= 79:
        return "disability", "intellectual"
    if c == "F":
        return "mental_substance", ""
    if c == "H" and n == 54:
        return "disability", "visual"
    if c == "H" and n in (90, 91):
        return "disability", "hearing"
    if c == "G" and n in (20, 35, 40, 80, 81, 82):
        return "disability", "neurological"
    if c == "C" or (c == "D" and n <= 48):
        return "patient_health", "cancer"
    if c == "E" and 10 <= n <= 14:
        return "patient_health", "diabetes"
    if c == "I":
        return "patient_health", "heart"
    if (c == "J" and n in (45, 46)) or (c == "L" and 20 <= n <= 30):
        return "patient_health", "allergy_asthma"
    if c == "J":
        return "patient_health", "lung"
    if c == "M":
        return "patient_health", "rheumatism"
    if (c == "N" and 0 <= n <= 19) or (c == "K" and 70 <= n <= 77):
        return "patient_health", "kidney"
    return "patient_health", "patient_other"


EPONYM_TERMS: dict[str, bool] = {}


def main(path: str) -> None:
    terms: dict[str, tuple[str, str, str, str]] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["name_en_source"] != "THL" or not re.match(r"^[A-Z]\d\d", row["code"]):
                continue
            if row["code"][0] in "STVWXYZ":  # injuries, external causes, contact reasons: not conditions
                continue
            for word in re.findall(r"[a-zåäöéü]+", row["name_fi"].casefold()):
                if len(word) >= 6 and SHAPE.search(word) and word not in GENERIC and word not in terms:
                    terms[word] = (*sector_of(row["code"]), row["code"], "anywhere")
            for m in EPONYM.finditer(row["name_fi"]):
                word = m.group(1).casefold()
                if word not in terms and word not in GENERIC and not word.endswith("e"):
                    terms[word] = (*sector_of(row["code"]), row["code"], "word_start")
                    EPONYM_TERMS[word] = True
            en = set(re.findall(r"[a-z]+", row["name_en"].casefold()))
            for word in re.findall(r"[a-z]+", row["name_fi"].casefold()):  # Latin names shared with the English
                if (len(word) >= 5 and word in en and LATIN.search(word) and word not in terms
                        and word not in GENERIC and word not in ENGLISH):
                    terms[word] = (*sector_of(row["code"]), row["code"], "word_start")
    out = Path(__file__).parents[1] / "src" / "sote_analytics" / "data" / "conditions.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["term", "language", "sector", "subsector", "icd10", "match", "source"])
        for term in sorted(terms):
            sector, subsector, code, match = terms[term]
            w.writerow([term, "la" if match == "word_start" and not EPONYM_TERMS.get(term) else "fi",
                        sector, subsector, code, match, SOURCE])
    print(f"{len(terms)} terms written to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
