"""Build ``src/sote_analytics/data/conditions.csv``, the condition lexicon, from cited sources.

Usage::

    python scripts/build_conditions.py ICD10FI_CSV ORPHANET_OBO HUMANDO_TSV

It also reads ``/usr/share/dict/american-english`` (Debian package ``wamerican``) to tell
eponyms that are English words, and the project's municipality key and ``known_clubs.csv``
(build that first: ``scripts/build_known_clubs.py``). The output is deterministic.

Inputs (fetched copies of public files; nothing of them is committed but this derivation):

``ICD10FI_CSV``
    ``ICD10fi/1_source_vocabulary/icd10fi_source_google_tralations.csv`` of
    github.com/FINNGEN/mapping_finland (MIT licence; commit 08bf18e): THL's Finnish ICD-10
    codes and names. Only rows whose Finnish name is THL's own (``name_en_source == "THL"``)
    are read, never the machine-translated ones.
``ORPHANET_OBO``
    ``src/deprecated/DO_NON_Production_Files/orphanet_import.obo`` of
    github.com/DiseaseOntology/HumanDiseaseOntology (commit 0269423): the Orphanet
    rare-disease nomenclature (ORPHA codes, English names, exact synonyms, definitions,
    ICD-10 cross-references; Orphanet data are CC BY 4.0) as imported by the Disease Ontology.
``HUMANDO_TSV``
    ``DOreports/HumanDO.tsv`` of the same repository (commit 4bc5e8a): the Disease Ontology's
    labels (CC0), read for eponyms of common conditions that Orphanet, a rare-disease list,
    lacks ("Gilles de la Tourette syndrome").

Rows (``term, language, sector, subsector, icd10, match, source``), by kind:

1. ICD-10 terms (as before issue 12's second round): one word of a THL name with a medical
   word shape (-oosi, -iitti, -patia, -oireyhtymä, -tauti ...), ``match = anywhere``;
   eponyms ("Marfanin oireyhtymä" -> marfan) and Latin words shared with the English name,
   ``match = word_start``.
2. ICD-10 head nouns before an organisation word (``match = org_tail``): the last word of a
   THL name (the head of a Finnish noun phrase: "Paikallinen skleroderma" -> skleroderma),
   6 letters or more, in the nominative, matched only when an organisation or patient word
   follows it ("sklerodermayhdistys", "palovamma-yhdistys", "X- ja Y-liitto"). The burns
   block T20-T32 is read for this kind too.
3. Organs and senses (``match = org_tail``): a short list of body words (iho, keuhko,
   silmä, ...), each kept only if THL's names use it as a word or as the first part of a
   compound; the row cites the first ICD-10 code where it occurs.
4. Eponyms (``match = eponym``): a capitalised word of an Orphanet name or exact synonym, or
   of a Disease Ontology label, that never occurs in lower case anywhere in those texts (so a proper
   name: Angelman, Fabry, Perthes, Tourette), 4 letters or more, not a Finnish
   municipality's name nor a nationality adjective. An eponym that is also an English word
   or a common proper name in the ``wamerican`` word list ("Turner", "Wilson", "Best") is
   ``eponym_condition``: a condition word must follow it ("Turner-syndrooma"); so is one
   that is a lower-case Finnish word of THL's names, or has only four letters.
5. Latin names (``match = word_start``): Orphanet names and synonyms, and Disease Ontology
   labels, of two or three words that all have a Latin ending ("osteogenesis imperfecta",
   "myasthenia gravis"); and one-word names of a medical shape, 7 letters or more
   (``match = word``, a whole word: "sarcoidosis", "hemophilia").
6. Orphanet acronyms (``match = acronym``, upper case, matched case-sensitively): the
   acronyms Orphanet gives for a disease (an exact synonym in capitals, the capitals that
   open a synonym such as "PWS due to point mutation", or "Name (ACR)" opening the
   definition), 2 to 7 characters, and their root without a type number (NF1 -> NF).
   Acronyms that are also the name or alias of a known sports club
   (``data/known_clubs.csv``) are left out.

The sector of a term follows the ICD-10 chapter of its code (for Orphanet rows the first
ICD-10 cross-reference): mental and behavioural -> mental_substance, intellectual and
developmental disorders, blindness, deafness and CP -> disability, dementia ->
memory, neoplasms -> cancer, and so on (``sector_of``).
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
DATA = ROOT / "src" / "sote_analytics" / "data"
ICD_SOURCE = ("FINNGEN/mapping_finland@08bf18e:ICD10fi/1_source_vocabulary/"
              "icd10fi_source_google_tralations.csv (THL Finnish ICD-10 names)")
DO_SOURCE = ("DiseaseOntology/HumanDiseaseOntology@4bc5e8a:DOreports/HumanDO.tsv "
             "(Disease Ontology labels, CC0) {code}")
ORPHA_SOURCE = ("DiseaseOntology/HumanDiseaseOntology@0269423:src/deprecated/DO_NON_Production_Files/"
                "orphanet_import.obo (Orphanet nomenclature, CC BY 4.0) ORPHA:{code}")

SHAPE = re.compile(r"(oosi|iitti|patia|emia|plasia|trofia|ooma|oomat|syndrooma|oireyhtymä|tauti|sairaus|"
                   r"fobia|algia|astenia|ismi|ia)$")
GENERIC = {"sairaus", "tauti", "määrittämätön", "muu", "muualla", "luokittelematon", "tulehdus", "oireyhtymä",
           "syndrooma", "kasvain", "infektio", "hoito", "tila", "vamma", "häiriö", "ensimmäinen", "tyyppi",
           "kroonia", "systeeminen", "primaarinen", "sekundaarinen", "akuutti", "pitkäaikainen",
           "normaalia", "ruokavalio", "komplikaatio", "lääkitys", "psykologia", "liikunta", "teknologia",
           "energia", "terapia", "down", "beck", "pick", "feil", "still", "potter", "louis", "nelson",
           "schmidt", "edwards", "gilbert", "lambert", "larsen", "ileus", "canis", "torus", "proteus",
           "kirurgia", "anatomia", "fysiologia", "strategia", "historia", "media"}
#: Words of THL names that are everyday Finnish (or name an activity, a person or a place),
#: never read as a condition even before an organisation word ("raskausyhdistys" is not a
#: patient organisation of pregnancy; "työyhdistys", "perheyhdistys" are not conditions).
EVERYDAY = {
    "aikuinen", "aikuisen", "aiheuttama", "aiheuttamat", "alkuperä", "alue", "asento", "elämä", "elinikä",
    "hoitoon", "huolto", "ihminen", "ikäinen", "isän", "itsemurha", "kehitys", "kotona", "koulu", "käyttö",
    "lapsi", "lapsen", "lapset", "liikenne", "luonto", "läheinen", "matka", "mies", "miehen", "muoto",
    "nainen", "naisen", "nuori", "nuoruus", "olosuhde", "opiskelu", "perhe", "perheen", "puoliso", "raskaus",
    "raskauden", "ravinto", "ruoka", "sosiaalinen", "suku", "syntymä", "synnytys", "syy", "taide", "talous",
    "tapaturma", "toiminta", "tutkimus", "työ", "työn", "työpaikka", "uhri", "urheilu", "vaihe", "vanhemmat",
    "vanhus", "vanhuus", "vapaa", "vesi", "väestö", "yhteisö", "ympäristö", "äiti", "äidin", "kuljetus",
    "liikunnan", "harrastus", "eläin", "eläimen", "koira", "hevonen", "kissa", "lintu", "kala", "metsä",
    "maatila", "kaupunki", "maaseutu", "koti", "kodin", "tuki", "hoitaja", "lääkäri", "seurakunta",
    "aikana", "aineita", "kävely", "rengas", "muutos", "muunnos", "menetys", "kastelu", "käynnistys",
    "käynnistysyritys", "persoonallisuus", "sukupuoli", "vastaanottavaisuus", "kuolema", "reaktio",
    "koostumus", "rajamuoto", "lopputulos", "kriisi", "kriisiä", "merkittävä", "liittyvä", "periytyvä",
    "voimakkuus", "ylimäärä", "teeskentely", "pitoisuus", "käytös", "vaikea", "kahdentuma", "löydös",
    "tartunta", "toukka", "mediana", "peukalo", "viljelytulos", "merkkejä", "nousua", "oireita",
    "ulkomuoto", "sulkemisliike", "syntymäpaino", "kehonlämpö", "painonlisäys", "suuhengitys",
}
#: Eponyms from the ICD-10 names ("Marfanin oireyhtymä" -> marfan), matched at a word start.
EPONYM = re.compile(r"\b([A-Z][a-zéü]{3,}?)(?:'?in|'?n) (?:oireyhtymä|tauti|sairaus)")
#: Latin word shapes for words shared by the Finnish and English names.
LATIN = re.compile(r"(itis|osis|oma|ia|ica|icus|ium|us|um|ae|is|ata|ans|ens)$")
ENGLISH = {"virus", "status", "australis", "mania", "delirium", "distress", "intrinsic", "minimus", "maximus"}
#: Latin endings of every word of a multi-word Orphanet name read as a Latin name.
LATIN_PHRASE_WORD = re.compile(r"[a-z]{3,}(a|ae|is|us|um|ica|icus|osa|osum|ata|atum|ans|ens|ex|ix|ium|ia|ma|"
                               r"alis|aris|ilis|ior|i)$")
ENGLISH_PHRASE = {"syndrome", "disease", "type", "with", "and", "due", "the", "of", "in", "to", "or", "deficiency",
                  "disorder", "familial", "rare", "form", "atypical", "isolated", "acquired", "congenital",
                  "hereditary", "primary", "secondary", "juvenile", "adult", "infantile", "late", "early", "onset"}
#: Body, organ and sense words (Finnish), matched before an organisation word; each is kept
#: only if THL's names contain it (as a word or as a compound's first part). Subsector per word.
BODY_WORDS = {
    "iho": ("patient_health", "allergy_asthma"), "keuhko": ("patient_health", "lung"),
    "munuais": ("patient_health", "kidney"), "maksa": ("patient_health", "kidney"),
    "sydän": ("patient_health", "heart"), "verisuoni": ("patient_health", "heart"),
    "silmä": ("patient_health", "patient_other"), "näkö": ("disability", "visual"),
    "korva": ("disability", "hearing"), "kuulo": ("disability", "hearing"),
    "aivo": ("disability", "neurological"), "hermo": ("disability", "neurological"),
    "lihas": ("disability", "mobility"), "selkä": ("patient_health", "rheumatism"),
    "selkäranka": ("patient_health", "rheumatism"), "nivel": ("patient_health", "rheumatism"),
    "luu": ("patient_health", "rheumatism"), "lonkka": ("patient_health", "rheumatism"),
    "polvi": ("patient_health", "rheumatism"), "suoli": ("patient_health", "patient_other"),
    "suolisto": ("patient_health", "patient_other"), "vatsa": ("patient_health", "patient_other"),
    "mahalaukku": ("patient_health", "patient_other"), "ruokatorvi": ("patient_health", "patient_other"),
    "haima": ("patient_health", "patient_other"), "kilpirauhas": ("patient_health", "patient_other"),
    "lisämunuais": ("patient_health", "patient_other"), "veri": ("patient_health", "patient_other"),
    "imusuoni": ("patient_health", "patient_other"), "hammas": ("patient_health", "patient_other"),
    "nenä": ("patient_health", "patient_other"), "kurkku": ("patient_health", "patient_other"),
    "kohtu": ("patient_health", "patient_other"), "munasarja": ("patient_health", "patient_other"),
    "eturauhas": ("patient_health", "patient_other"), "virtsarakko": ("patient_health", "kidney"),
    "rakko": ("patient_health", "kidney"), "sappi": ("patient_health", "kidney"),
    "palovamma": ("patient_health", "patient_other"), "hengitystie": ("patient_health", "lung"),
}
#: English words (Debian package ``wamerican``): an eponym that is also an English word or a
#: common proper name ("Turner", "Wilson", "Best", "Angel") must be followed by a condition word
#: ("Turner-syndrooma"), match ``eponym_condition``; other eponyms take the wider ``eponym``.
DICTIONARY = Path("/usr/share/dict/american-english")
#: One-word English or Latin condition names ("Sarcoidosis", "Endometriosis", "Hemophilia").
MEDICAL_WORD = re.compile(r"[a-z]+(osis|itis|emia|aemia|pathy|trophy|plasia|algia|oma|ia|ism)")
NATIONALITY = re.compile(r"(ese|ish|ian|can|ean|ic|ican)$")
ROMAN = re.compile(r"^[IVX]+$")


def sector_of(code: str) -> tuple[str, str]:
    """(sector, subsector) of an ICD-10 code by chapter and block."""
    c, n = code[0], int(code[1:3]) if code[1:3].isdigit() else -1
    if (c == "F" and n in (0, 1, 2, 3)) or (c == "G" and n == 30):
        return "patient_health", "memory"
    if c == "F" and (70 <= n <= 79 or n == 84):  # intellectual disability; autism spectrum (F84)
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


def read_icd10(path: str) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return [r for r in csv.DictReader(f) if r["name_en_source"] == "THL" and re.match(r"^[A-Z]\d\d", r["code"])]


def is_burn(code: str) -> bool:
    return code[0] == "T" and code[1:3].isdigit() and 20 <= int(code[1:3]) <= 32


def icd10_rows(rows: list[dict]) -> dict[str, tuple]:
    """Kinds 1-3: shaped words, eponyms and Latin words; nouns before an organisation word; body words."""
    terms: dict[str, tuple] = {}
    for row in rows:
        if row["code"][0] in "STVWXYZ":  # injuries, external causes, contact reasons: not conditions
            continue
        for word in re.findall(r"[a-zåäöéü]+", row["name_fi"].casefold()):
            if len(word) >= 6 and SHAPE.search(word) and word not in GENERIC and word not in terms:
                terms[word] = (*sector_of(row["code"]), row["code"], "anywhere", "fi", ICD_SOURCE)
        for m in EPONYM.finditer(row["name_fi"]):
            word = m.group(1).casefold()
            # a stem ending in -e is a Finnish inflection ("nefroottine-") unless the English name has it
            if word not in terms and word not in GENERIC and (not word.endswith("e") or word in
                                                               row["name_en"].casefold().replace("'", " ").split()):
                terms[word] = (*sector_of(row["code"]), row["code"], "eponym", "fi", ICD_SOURCE)
        en = set(re.findall(r"[a-z]+", row["name_en"].casefold()))
        for word in re.findall(r"[a-z]+", row["name_fi"].casefold()):  # Latin names shared with the English
            if (len(word) >= 5 and word in en and LATIN.search(word) and word not in terms
                    and word not in GENERIC and word not in ENGLISH):
                terms[word] = (*sector_of(row["code"]), row["code"], "word_start", "la", ICD_SOURCE)
    # 2. the head noun (last word) of a disease or burn name, before an organisation word
    for row in rows:
        if row["code"][0] in "STVWXYZ" and not is_burn(row["code"]):
            continue
        head = re.sub(r"\(.*?\)|\[.*?\]", " ", row["name_fi"]).split(",")[0].casefold()
        for word in re.findall(r"[a-zåäö]+", head)[-1:]:
            if (len(word) >= 6 and word not in terms and word not in GENERIC and word not in EVERYDAY
                    and not word.endswith(("n", "t", "lla", "llä", "ssa", "ssä", "sta", "stä", "ksi", "ine"))):
                sector = ("patient_health", "patient_other") if is_burn(row["code"]) else sector_of(row["code"])
                terms[word] = (*sector, row["code"], "org_tail", "fi", ICD_SOURCE)
    # 3. body words: the first THL name that has the word, or a compound starting with it
    for stem, (sector, subsector) in BODY_WORDS.items():
        hit = next((r["code"] for r in rows
                    if re.search(rf"\b{stem}", r["name_fi"].casefold())), None)
        if hit is None:
            print(f"  body word {stem!r} not in THL names: left out", file=sys.stderr)
            continue
        terms[stem] = (sector, subsector, hit, "org_tail", "fi", ICD_SOURCE + " (organ or sense word)")
    return terms


def read_obo(path: str) -> list[dict]:
    text = Path(path).read_text("utf-8")
    out = []
    for block in text.split("\n[Term]\n")[1:]:
        block = block.split("\n[Typedef]\n")[0]
        if "\nis_obsolete: true" in block:
            continue
        name = re.search(r"^name: (.*)$", block, re.M)
        ident = re.search(r"^id: Orphanet:(\d+)$", block, re.M)
        if not name or not ident:
            continue
        d = re.search(r'^def: "(.*?)" \[', block, re.M)
        out.append({"code": ident.group(1), "name": name.group(1).strip(), "source": ORPHA_SOURCE,
                    "synonyms": [s.strip() for s in re.findall(r'^synonym: "(.*?)" EXACT', block, re.M)],
                    "definition": d.group(1) if d else "",
                    "icd10": re.findall(r"^xref: ICD-10:([A-Z]\d\d[.\d]*)", block, re.M)})
    return out


def orphanet_rows(entries: list[dict], municipalities: set[str], clubs: set[str], taken: dict) -> dict[str, tuple]:
    """Kinds 4-6: eponyms, Latin names and acronyms of the Orphanet nomenclature."""
    lower_words: set[str] = set()
    for e in entries:
        for label in (e["name"], *e["synonyms"], e["definition"]):
            lower_words.update(w for w in re.findall(r"[A-Za-zÀ-ÿ]+", label) if w.islower())
    terms: dict[str, tuple] = {}

    def add(term: str, e: dict, match: str, language: str) -> None:
        if term in terms or term in taken:
            return
        code = e["icd10"][0] if e["icd10"] else ""
        sector = sector_of(code) if code else ("patient_health", "patient_other")
        terms[term] = (*sector, code, match, language, e["source"].format(code=e["code"]))

    for e in sorted(entries, key=lambda e: (e["source"] != ORPHA_SOURCE, e.get("sort", 0),
                                            int(e["code"]) if e["code"].isdigit() else 0)):
        labels = [e["name"], *e["synonyms"]]
        for label in labels:
            # 4. eponyms: capitalised words never written in lower case in the Orphanet text
            for word in re.findall(r"[A-Za-zÀ-ÿ]+", label):
                if (re.fullmatch(r"[A-Z][a-zà-ÿ]{3,}", word) and word.lower() not in lower_words
                        and word.casefold() not in municipalities and not NATIONALITY.search(word)
                        and not ROMAN.match(word)):
                    add(word.casefold(), e, "eponym", "en")
            # 5. Latin names of two or three words; one-word English or Latin names of a medical shape
            words = label.casefold().split()
            if len(words) == 1 and len(words[0]) >= 7 and MEDICAL_WORD.fullmatch(words[0]):
                add(words[0], e, "word", "en")
            if 2 <= len(words) <= 3 and all(LATIN_PHRASE_WORD.fullmatch(w) and w not in ENGLISH_PHRASE
                                            for w in words):
                add(" ".join(words), e, "word_start", "la")
        # 6. acronyms
        found = []
        for s in e["synonyms"]:
            m = re.match(r"([A-Z][A-Z0-9]{1,6})(?=\s|$)", s)
            if m:
                found.append(m.group(1))
        m = re.match(re.escape(e["name"]) + r"\s*\(([A-Z][A-Z0-9]{1,6})[;)]", e["definition"])
        if m:
            found.append(m.group(1))
        for acr in found:
            for a in dict.fromkeys([acr, acr.rstrip("0123456789")]):
                if len(re.sub(r"\d", "", a)) >= 2 and not ROMAN.match(a) and a.casefold() not in clubs:
                    add(a, e, "acronym", "en")
    return terms


def read_do_labels(path: str) -> list[dict]:
    """Disease Ontology labels (id, label, parent) as entries without synonyms or ICD-10 codes."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:]
    return [{"code": r[0].strip('"'), "name": r[1].strip('"'), "source": DO_SOURCE, "synonyms": [],
             "definition": "", "icd10": [], "sort": i} for i, r in enumerate(rows) if len(r) >= 2]


def known_club_names() -> set[str]:
    path = DATA / "known_clubs.csv"
    if not path.exists():
        return set()
    with open(path, encoding="utf-8", newline="") as f:
        out = set()
        for r in csv.DictReader(f):
            out.update(a.strip().casefold() for a in [r["name"], *r["aliases"].split(";")] if a.strip())
        return out


def municipality_names() -> set[str]:
    with open(DATA / "reference_snapshot" / "municipality_key_2025.csv", encoding="utf-8", newline="") as f:
        out = set()
        for r in csv.DictReader(f):
            out.update(r[c].casefold() for c in ("municipality_name_fi", "municipality_name_sv"))
        return out


def english_words() -> set[str]:
    if not DICTIONARY.exists():
        sys.exit(f"{DICTIONARY} is missing: apt-get install wamerican")
    return {w.strip().removesuffix("'s").casefold() for w in DICTIONARY.read_text("utf-8").splitlines()}


def main(icd10_path: str, orphanet_path: str, do_path: str) -> None:
    terms = icd10_rows(read_icd10(icd10_path))
    entries = read_obo(orphanet_path) + read_do_labels(do_path)
    orpha = orphanet_rows(entries, municipality_names(), known_club_names(), terms)
    terms.update(orpha)
    english = english_words()
    finnish = {w for r in read_icd10(icd10_path) for w in re.findall(r"[a-zåäö]+", r["name_fi"])}
    for term, row in terms.items():
        if row[3] == "eponym" and (term in english or term in finnish
                                   or (len(term) <= 4 and row[5] != ICD_SOURCE)):
            terms[term] = (*row[:3], "eponym_condition", *row[4:])
    out = DATA / "conditions.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["term", "language", "sector", "subsector", "icd10", "match", "source"])
        for term in sorted(terms):
            sector, subsector, code, match, language, source = terms[term]
            w.writerow([term, language, sector, subsector, code, match, source])
    counts: dict[str, int] = {}
    for t in terms.values():
        counts[t[3]] = counts.get(t[3], 0) + 1
    print(f"{len(terms)} terms written to {out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
