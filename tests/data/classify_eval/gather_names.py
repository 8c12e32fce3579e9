# ruff: noqa: E501, E701, E702, SIM115
"""Rebuild real_names.csv from the public sources (run by hand; needs the source files).

Usage: ``python gather_names.py RAW_DIR`` where RAW_DIR holds, extracted with ``git show``:
community.ts  = Eerotuomenoksa/Aloitussivu@8a6d096:communityLinks.ts
sports.ts     = Eerotuomenoksa/Aloitussivu@8a6d096:localSportsClubs.ts
org.js        = saarinenvh/hobbyt@3f54e1c:src/organizers.js
vr.js         = gellati/eurorahavis@397ea0f:vaaliraha4fin.js
Only names are taken (facts, not code). Labels: the list's own theme, with the
hand-checked overrides below; the split is a hash of the case-folded name.
"""
import csv
import hashlib
import os
import re
import sys
import unicodedata

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "real_names.csv")
os.chdir(sys.argv[1])
rows = []
def add(name, src_repo, src_path, commit, lst, extra=""):
    rows.append(dict(name=name.strip(), source_repo=src_repo, source_path=src_path, source_commit=commit, source_list=lst, source_category=extra))
AL = ("Eerotuomenoksa/Aloitussivu", "8a6d09610f185be9081f8df05b476672381dfff7")
txt = open("community.ts", encoding="utf-8").read()
blocks = re.split(r"export const (\w+)", txt)
for i in range(1, len(blocks), 2):
    lst, body = blocks[i], blocks[i+1]
    if lst == "MUSEUM_LINKS":
        continue
    for m in re.finditer(r'name: "([^"]+)"', body):
        add(m.group(1), AL[0], "communityLinks.ts", AL[1], lst, "")
for m in re.finditer(r"name: '([^']+)'.*?specialty: '([^']*)'", open("sports.ts", encoding="utf-8").read()):
    add(m.group(1), AL[0], "localSportsClubs.ts", AL[1], "LOCAL_SPORTS_CLUBS", m.group(2))
HOBBY_CLUBS = {"Helsingin Jyryn yleisurheilijat", "Pakkalan Palloseura ry", "Kirkkojärven Loiske ry", "Westend Indians",
    "Espoon TKD-seura ry", "Sirius Taekwon-Do ry", "Taekwondourheilijat 2011", "HNMKY Taekwondo", "Kuksat ry", "Leirikesä ry",
    "Hiipivät lohikäärmeet ry", "OtaKoppi ry", "Otanko ry", "Aalto Aikikai", "Aalto Predators", "Aalto Runners", "Aalto Tennis",
    "Aalto Basket", "Aalto-Volley", "Bikepoli", "FC Kissat", "Otaniemi Fight Club", "PUS-Hockey", "Teekkaripurjehtijat", "Skipoli",
    "Teekkariratsastajat", "Teekkarisuunnistajat"}
org = open("org.js", encoding="utf-8").read()
for m in re.finditer(r'"name":"([^"]+)"', org):
    if m.group(1) not in HOBBY_CLUBS:
        continue
    add(m.group(1), "saarinenvh/hobbyt", "src/organizers.js", "3f54e1c449de2677137ba98e3aea95ff912ce59b", "items")
vr = open("vr.js", encoding="utf-8").read()
skip = re.compile(r"^(Omat varat|Tuntemattomat|Laina|Yksityislahjoitus)|\b(oy|oyj|ky|ab|ltd|as oy|osuuskunta|oy ab)\b|\.\.\.$", re.I)
assoc = re.compile(r"\b(ry|r\.y\.?|rf|r\.f\.?|rp|r\.p\.?)\b|liitto|yhdistys|järjestö|säätiö|förbund|förening|unioni", re.I)
for m in re.finditer(r'^\["([^"]+)",\d+,', vr, re.M):
    n = m.group(1)
    if not skip.search(n) and assoc.search(n):
        add(n, "gellati/eurorahavis", "vaaliraha4fin.js", "397ea0ff13280bb98a4bb32b0ae20575756bab3c", "moneyData")
seen = set(); out = []
for r in rows:
    k = r["name"].casefold()
    if k in seen: continue
    seen.add(k); out.append(r)
DROP = {"EKL-yhdistykset piireittäin", "KRELLI paikallisyhdistykset", "Svenska pensionärsförbundet paikallisyhdistykset"}
DEFAULT = {"PATIENT_ASSOCIATION_LINKS": "patient_health", "SENIOR_ASSOCIATION_LINKS": "elderly",
           "LOCAL_SPORTS_CLUBS": "not_sote", "items": "not_sote", "moneyData": "not_sote"}
OVERRIDE = {
    "Autistien ja Rett-henkilöiden Tuki ry": ("disability", "autism and Rett syndrome: developmental disability"),
    "Erityislasten Omaiset ELO": ("carers", "relatives (omaiset) of children with special needs"),
    "Lyhytkasvuiset": ("disability", "short stature: disability organisation"),
    "Aivovammaliitto ry": ("disability", "brain injury: neurological disability"),
    "ADHD-liitto ry": ("disability", "neurodevelopmental disorder federation"),
    "A-klinikkasäätiö": ("mental_substance", "substance abuse treatment foundation"),
    "Karjaan ja Pohjan ikäihmisten tuki ry / Stöd för de äldre i Karis och Pojo rf": ("elderly", "support for older people"),
}
final = []
for r in out:
    if r["name"] in DROP:
        continue
    sector, note = OVERRIDE.get(r["name"], (DEFAULT[r["source_list"]], "label from the list it was found in"))
    key = unicodedata.normalize("NFC", r["name"]).casefold().encode()
    split = "development" if int(hashlib.sha1(key).hexdigest(), 16) % 2 == 0 else "heldout"
    final.append(dict(name=r["name"], primary_sector=sector, split=split, label_note=note,
                      source_repo=r["source_repo"], source_path=r["source_path"], source_commit=r["source_commit"],
                      source_list=r["source_list"], source_detail=r["source_category"]))
with open(OUT, "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=list(final[0]))
    w.writeheader()
    w.writerows(final)
