"""Write register exports shaped the way the real sources shape them, and return their truth.

``write_exports(out_dir, seed=0)`` writes five exports (a Yhdistystori workbook, Lähellä.fi,
Toimeksi/Pohjoissavolaiset and PRH CSVs, a municipal link directory) and returns
``{"files": {name: path}, "truth": DataFrame}``; the truth is also written as ``truth.csv`` and
``<export>_truth.csv`` (lists as JSON). Every association is invented; its sector is labelled as a
knowledgeable person would label the name and the activity, never by the product's rules (this
module imports nothing from ``sote_analytics``). See ``real_exports/README.md``.

Truth columns: ``file``, ``source_row`` (the row number a spreadsheet shows), ``name`` (as written),
``expected_quarantine``, ``quarantine_reason``, ``is_sote``, ``sector`` (taxonomy code or
``not_sote``), ``category`` (as written) and ``category_vocabulary``, ``ambiguous_name`` (only the
category tells the sector), ``paid_staff`` with ``paid_staff_unit`` (``htv`` or ``persons``) and
``staff_fte`` (htv only), ``members`` with ``members_approx``, ``volunteers``, ``field_problems``
(list of ``(column, kind)``), ``municipality`` (expected domicile code), ``operating_area`` (raw),
``org_type`` (local/district/national), ``personal_values`` (the personal strings injected) and
``note`` (why a hard case is labelled as it is).
"""

from __future__ import annotations

import csv
import json
import math
import random
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parents[2] / "src" / "sote_analytics" / "data"
NAN = math.nan

SECTORS = ("elderly", "child_family", "mental_substance", "disability", "patient_health", "carers",
           "employment", "rescue", "youth_education", "general_health", "other_sote")

# Finnish genitives of the municipalities used (the form a local association's name starts with).
GENITIVE = {
    "Hankasalmi": "Hankasalmen", "Joutsa": "Joutsan", "Jyväskylä": "Jyväskylän", "Jämsä": "Jämsän",
    "Kannonkoski": "Kannonkosken", "Karstula": "Karstulan", "Keuruu": "Keuruun", "Kinnula": "Kinnulan",
    "Kivijärvi": "Kivijärven", "Konnevesi": "Konneveden", "Kyyjärvi": "Kyyjärven", "Laukaa": "Laukaan",
    "Luhanka": "Luhangan", "Multia": "Multian", "Muurame": "Muuramen", "Petäjävesi": "Petäjäveden",
    "Pihtipudas": "Pihtiputaan", "Saarijärvi": "Saarijärven", "Toivakka": "Toivakan", "Uurainen": "Uuraisten",
    "Viitasaari": "Viitasaaren", "Äänekoski": "Äänekosken",
    "Iisalmi": "Iisalmen", "Joroinen": "Joroisten", "Kaavi": "Kaavin", "Keitele": "Keiteleen",
    "Kiuruvesi": "Kiuruveden", "Kuopio": "Kuopion", "Lapinlahti": "Lapinlahden", "Leppävirta": "Leppävirran",
    "Pielavesi": "Pielaveden", "Rautalampi": "Rautalammin", "Rautavaara": "Rautavaaran",
    "Siilinjärvi": "Siilinjärven", "Sonkajärvi": "Sonkajärven", "Suonenjoki": "Suonenjoen", "Tervo": "Tervon",
    "Tuusniemi": "Tuusniemen", "Varkaus": "Varkauden", "Vesanto": "Vesannon", "Vieremä": "Vieremän",
}
KS_VILLAGES = ["Vuonteen", "Kuusan", "Lievestuoreen", "Leppäveden", "Sumiaisten", "Koskenpään", "Kuohun",
               "Oravasaaren", "Tikkakosken", "Puuppolan", "Kinkomaan", "Kalmarin", "Pylkönmäen", "Kolkanpään",
               "Savonkylän", "Hohkolan", "Kärkisten", "Niemisjärven"]
PS_VILLAGES = ["Riistaveden", "Vehmersalmen", "Karttulan", "Kurkimäen", "Juankosken", "Muuruveden",
               "Pajulahden", "Säyneisen", "Kiukonpohjan", "Haminalahden"]
# abolished municipalities as PRH still writes them -> today's municipality
OLD_NAMES = {"Sumiainen": "Äänekoski", "Suolahti": "Äänekoski", "Korpilahti": "Jyväskylä",
             "Jämsänkoski": "Jämsä", "Nilsiä": "Kuopio", "Varpaisjärvi": "Lapinlahti"}

# (kind, sector, name templates with {G} = municipality genitive, purpose sentence)
KINDS = [
    ("elderly", "elderly", ["{G} Eläkkeensaajat ry", "{G} Eläkeläiset ry", "{G} Seudun Eläkeläiset ry",
                            "Eläkeliiton {G} yhdistys ry", "{G} Senioriyhdistys ry", "{G} Vanhustentuki ry"],
     "Edistää eläkeläisten hyvinvointia, virkistystä ja yhteistoimintaa."),
    ("child_family", "child_family", ["Mannerheimin Lastensuojeluliiton {G} yhdistys ry",
                                      "{G} Yhden Vanhemman Perheet ry", "{G} Monikkoperheet ry",
                                      "{G} Perhekahvila ry"],
     "Tukee lapsiperheiden arkea ja vanhemmuutta."),
    ("mental", "mental_substance", ["{G} A-kilta ry", "{G} Mielenterveysyhdistys ry", "{G} Klubitalo ry",
                                    "{G} Sininauha ry", "{G} Mielenterveysseura ry"],
     "Tarjoaa vertaistukea mielenterveys- ja päihdekuntoutujille."),
    ("disability", "disability", ["{G} Invalidit ry", "{G} Kehitysvammaisten Tuki ry", "{G} Näkövammaiset ry",
                                  "{G} Kuulo ry", "{G} Autismiyhdistys ry",
                                  "{G} Seudun Aivohalvaus- ja afasiayhdistys ry"],
     "Valvoo vammaisten henkilöiden etuja ja järjestää vertaistoimintaa."),
    ("patient", "patient_health", ["{G} Sydänyhdistys ry", "{G} Diabetesyhdistys ry", "{G} Reumayhdistys ry",
                                   "{G} Muistiyhdistys ry", "{G} Hengitysyhdistys ry", "{G} Psoriasisyhdistys ry"],
     "Tukee sairastuneita ja heidän läheisiään."),
    ("carers", "carers", ["{G} Omaishoitajat ry", "{G} Seudun Omaishoitajat ja Läheiset ry"],
     "Tukee omaishoitajia ja edistää heidän jaksamistaan."),
    ("employment", "employment", ["{G} Työttömät ry", "{G} Työttömien Yhdistys ry", "{G} Seudun Työnhakijat ry"],
     "Edistää työttömien työllistymistä ja toimeentuloa."),
    ("rescue", "rescue", ["{G} VPK ry", "{G} Vapaapalokunta ry", "{G} Pelastuskoirat ry"],
     "Ylläpitää vapaaehtoista palo- ja pelastustoimintaa."),
    ("youth", "youth_education", ["{G} 4H-yhdistys ry"], "Ohjaa lapsia ja nuoria harrastuksiin ja työelämään."),
    ("general", "general_health", ["{G} Setlementti ry", "{G} Vapaaehtoiskeskus ry", "{G} Diakoniayhdistys ry",
                                   "{G} Kansanterveysyhdistys ry"],
     "Edistää kuntalaisten terveyttä ja hyvinvointia vapaaehtoistoiminnalla."),
    ("veterans", "other_sote", ["{G} Sotaveteraanit ry", "{G} Rintamaveteraanit ry"],
     "Tukee sotaveteraaneja ja heidän puolisoitaan."),
    ("food_aid", "other_sote", ["{G} Ruoka-apu ry", "{G} Maahanmuuttajien Tuki ry"],
     "Auttaa vähävaraisia ja maahan muuttaneita arjessa."),
    ("sport", "not_sote", ["{G} Urheilijat ry", "{G} Palloseura ry", "{G} Hiihtoseura ry", "{G} Golfseura ry",
                           "{G} Pesäpalloseura ry", "{G} Voimistelijat ry", "{G} Keilailijat ry", "{G} Ampujat ry"],
     "Järjestää liikunta- ja kilpailutoimintaa."),
    ("hunting", "not_sote", ["{G} Metsästysseura ry", "{G} Erämiehet ry", "{G} Kalastusseura ry"],
     "Harjoittaa metsästystä ja riistanhoitoa."),
    ("village", "not_sote", ["{V} Kyläyhdistys ry", "{G} Kotiseutuyhdistys ry", "{G} Omakotiyhdistys ry"],
     "Kehittää kylää ja järjestää yhteisiä tapahtumia."),
    ("culture", "not_sote", ["{G} Kamarikuoro ry", "{G} Teatteriyhdistys ry", "{G} Soittokunta ry",
                             "{G} Kuvataideyhdistys ry", "{G} Sukututkijat ry"],
     "Edistää kulttuuria ja taidetta paikkakunnalla."),
    ("martat", "not_sote", ["{G} Martat ry"], "Neuvoo kodin ja arjen taidoissa."),
    ("religious", "not_sote", ["{G} Rauhanyhdistys ry"], "Järjestää hengellisiä tilaisuuksia."),
    ("political", "not_sote", ["{G} Kokoomus ry", "{G} Yrittäjät ry", "{G} Reserviläiset ry"],
     "Ajaa jäsentensä yhteisiä asioita."),
    ("hobby", "not_sote", ["{G} Mehiläishoitajat ry", "{G} Puutarhaseura ry", "{G} Kamerakerho ry"],
     "Kokoaa harrastajia yhteen."),
]
KIND = {k[0]: k for k in KINDS}
WEIGHTS = {"elderly": 12, "child_family": 5, "mental": 4, "disability": 6, "patient": 7, "carers": 3,
           "employment": 3, "rescue": 4, "youth": 2, "general": 3, "veterans": 3, "food_aid": 1,
           "sport": 16, "hunting": 7, "village": 10, "culture": 7, "martat": 3, "religious": 2,
           "political": 3, "hobby": 3}
# names that say nothing of the activity: only the category tells the sector
AMBIGUOUS = ["{G} Luja ry", "{G} Huima ry", "{G} Kipinä ry", "{G} Toivo ry", "{G} Ilo ry", "{G} Voima ry",
             "{G} Valo ry", "{G} Majakka ry", "{G} Silta ry", "{G} Kohtaamo ry", "{G} Nuotta ry", "{G} Kaiku ry",
             "{G} Pilke ry", "{G} Verso ry", "{G} Kompassi ry", "{G} Tupa ry", "{G} Tuulispää ry", "{G} Kajo ry"]
AMBIGUOUS_KINDS = ["sport", "sport", "culture", "mental", "elderly", "employment", "child_family", "disability",
                   "hobby", "patient", "carers"]

# each source's category words per kind (first is the usual one); None = the source has no word for it
CATEGORY = {
    "yhdistystori": {
        "elderly": ["Ikääntyneet ja eläkeläiset", "Vanhus- ja eläkeläisyhdistykset"],
        "child_family": ["Lapsi- ja perhetyö"], "mental": ["Mielenterveys-, päihde- ja riippuvuustyö"],
        "disability": ["Vammaisjärjestöt"], "patient": ["Potilas- ja kansanterveysjärjestöt"],
        "carers": ["Omaisjärjestöt"], "employment": ["Työllisyyden edistäminen"],
        "rescue": ["Pelastusalan vapaaehtoisjärjestöt"], "youth": ["Nuorisokasvatusjärjestöt"],
        "general": ["Yleinen terveys ja hyvinvointi", "Monialajärjestöt"], "veterans": ["Veteraanityö"],
        "food_aid": ["Muu toiminta"], "sport": ["Liikunta ja urheilu"], "hunting": ["Metsästys ja kalastus"],
        "village": ["Kylä- ja asukastoiminta"], "culture": ["Kulttuuri ja taide"], "martat": ["Kotitalous ja martat"],
        "religious": ["Hengellinen toiminta"], "political": ["Poliittinen toiminta", "Ammatillinen toiminta"],
        "hobby": ["Vapaa-aika ja harrastukset"],
    },
    "lahella": {
        "elderly": ["Ikäihmiset"], "child_family": ["Lapset, nuoret ja perheet"], "mental": ["Mieli", "Päihteettömyys"],
        "disability": ["Vammaisuus"], "patient": ["Sairastuminen"], "carers": ["Omaiset ja läheiset"],
        "employment": ["Työ ja työllisyys"], "rescue": ["Turvallisuus"], "youth": ["Nuoret"],
        "general": ["Hyvinvointi ja terveys"], "veterans": ["Veteraanit"], "food_aid": ["Maahanmuuttajat"],
        "sport": ["Liikunta ja ulkoilu"], "hunting": ["Luonto ja ympäristö"], "village": ["Kyläyhteisöt"],
        "culture": ["Kulttuuri ja taide"], "martat": ["Kädentaidot ja harrastukset"], "religious": ["Hengellisyys"],
        "political": ["Vaikuttaminen"], "hobby": ["Kädentaidot ja harrastukset"],
    },
    "toimeksi": {
        "elderly": ["Eläkeläistoiminta"], "child_family": ["Lapsi- ja perhetoiminta"],
        "mental": ["Mielenterveystyö", "Päihdetyö"], "disability": ["Vammaistyö"], "patient": ["Potilasjärjestöt"],
        "carers": ["Omaistoiminta"], "employment": ["Työllisyys"], "rescue": ["Vapaaehtoinen pelastuspalvelu"],
        "youth": ["Nuorisotyö"], "general": ["Sosiaali- ja terveysala"], "veterans": ["Sosiaali- ja terveysala"],
        "food_aid": ["Sosiaali- ja terveysala"], "sport": ["Liikunta ja urheilu"], "hunting": ["Metsästys ja kalastus"],
        "village": ["Kylätoiminta", "Asukastoiminta"], "culture": ["Kulttuuri"], "martat": ["Harrastustoiminta"],
        "religious": ["Hengellinen toiminta"], "political": ["Muu toiminta"],
        "hobby": ["Harrastustoiminta", "Ympäristö"],
    },
    "prh": {
        **{k: ["Sosiaali- ja terveysalan yhdistykset"] for k in
           ("elderly", "child_family", "mental", "disability", "patient", "carers", "employment", "general",
            "food_aid")},
        "rescue": ["Muut yhdistykset"], "youth": ["Muut yhdistykset"],
        "veterans": ["Maanpuolustukseen ja kansainvälisiin suhteisiin liittyvät yhdistykset"],
        "sport": ["Urheilu- ja liikuntayhdistykset"], "hunting": ["Vapaa-ajan yhdistykset"],
        "village": ["Kulttuurialan yhdistykset"], "culture": ["Kulttuurialan yhdistykset"],
        "martat": ["Vapaa-ajan yhdistykset"], "religious": ["Uskontoon ja maailmankatsomukseen liittyvät yhdistykset"],
        "political": ["Poliittiset yhdistykset", "Ammattiin ja elinkeinoon liittyvät yhdistykset"],
        "hobby": ["Vapaa-ajan yhdistykset"],
    },
    "generic": {
        "elderly": ["Eläkeläiset", "Seniorit"], "child_family": ["Lapset ja perheet"], "mental": ["Mielenterveys"],
        "disability": ["Vammaiset"], "patient": ["Potilaat"], "carers": ["Omaiset", "Omaishoito"],
        "employment": ["Työttömät"], "rescue": ["VPK", "Pelastus"], "youth": ["Nuorisotyö"], "general": ["Sote"],
        "veterans": ["Veteraanit"], "food_aid": ["Maahanmuuttajat"], "sport": ["Liikunta", "Urheilu"],
        "hunting": ["Metsästys"], "village": ["Kylätoiminta"], "culture": ["Kulttuuri"], "martat": ["Martat"],
        "religious": ["Seurakunta"], "political": ["Politiikka", "Yrittäjät"], "hobby": ["Harrastukset"],
    },
}
# the words above that name the sector outright (used for names that say nothing themselves)
DECISIVE = {
    "yhdistystori": set(CATEGORY["yhdistystori"]) - {"general", "veterans", "food_aid"},
    "lahella": {"elderly", "child_family", "mental", "disability", "patient", "carers", "employment", "sport",
                "culture", "hobby", "village"},
    "toimeksi": set(CATEGORY["toimeksi"]) - {"general", "veterans", "food_aid", "political"},
    "prh": set(),
    "generic": set(CATEGORY["generic"]) - {"general", "veterans"},
}

FIRST = ["Matti", "Maija", "Liisa", "Pekka", "Anna", "Juha", "Tuula", "Kari", "Sirpa", "Jari", "Päivi", "Timo",
         "Eila", "Seppo", "Marja", "Heikki", "Ritva", "Antti", "Leena", "Jouni"]
LAST = ["Meikäläinen", "Virtanen", "Korhonen", "Nieminen", "Mäkinen", "Hämäläinen", "Laitinen", "Heikkinen",
        "Koskinen", "Järvinen", "Lehtonen", "Huttunen", "Kettunen", "Savolainen", "Rautiainen", "Hyvönen"]
STREETS = ["Kauppakatu", "Puistotie", "Koulutie", "Rantatie", "Kirkkotie", "Asemakatu", "Myllytie", "Sepäntie"]
POSTAL = {"Kuopio": "70", "Siilinjärvi": "71", "Iisalmi": "74", "Varkaus": "78", "Suonenjoki": "77",
          "Leppävirta": "79", "Kiuruvesi": "74", "Lapinlahti": "73"}
ASCII = str.maketrans({"ä": "a", "ö": "o", "å": "a", "é": "e"})
TRUTH_COLUMNS = ["file", "source_row", "name", "expected_quarantine", "quarantine_reason", "is_sote", "sector",
                 "category", "category_vocabulary", "ambiguous_name", "paid_staff", "paid_staff_unit", "staff_fte",
                 "members", "members_approx", "volunteers", "field_problems", "municipality", "operating_area",
                 "org_type", "personal_values", "note"]


def _municipalities() -> pd.DataFrame:
    key = pd.read_csv(DATA / "reference_snapshot" / "municipality_key_2025.csv", dtype=str)
    return key[["kunta", "municipality_name_fi", "municipality_name_sv", "maakunta_name_fi"]]


def _national() -> pd.DataFrame:
    nat = pd.read_csv(DATA / "national_organisations.csv", dtype=str)
    return nat[nat["org_type"] == "national"][["name", "sector"]]


def _check_digit(base: str) -> int | None:
    r = sum(int(d) * w for d, w in zip(base, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return None if r == 1 else (0 if r == 0 else 11 - r)


class _Gen:
    """Draws associations without repeating a name, a business ID or a register number."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.names: set[str] = set()
        self.ids: set[str] = set()
        self.regs: set[str] = set()
        self.phones: set[str] = set()
        key = _municipalities()
        self.code = dict(zip(key["municipality_name_fi"], key["kunta"], strict=True))
        self.sv = dict(zip(key["municipality_name_fi"], key["municipality_name_sv"], strict=True))
        self.region = {r: key.loc[key["maakunta_name_fi"] == r, "municipality_name_fi"].tolist()
                       for r in ("Keski-Suomi", "Pohjois-Savo", "Pohjanmaa")}
        self.national = _national()

    def business_id(self) -> str:
        while True:
            base = f"{self.rng.randrange(1, 10)}{self.rng.randrange(0, 10**6):06d}"
            c = _check_digit(base)
            bid = f"{base}-{c}"
            if c is not None and bid not in self.ids:
                self.ids.add(bid)
                return bid

    def bad_business_id(self) -> str:
        while True:
            base = f"{self.rng.randrange(1, 10)}{self.rng.randrange(0, 10**6):06d}"
            c = _check_digit(base)
            bid = f"{base}-{(c + 1) % 10}" if c is not None else ""
            if bid and bid not in self.ids:  # the check digit is off by one
                self.ids.add(bid)
                return bid

    def register_number(self) -> str:
        while True:
            reg = f"{self.rng.randrange(100, 230)}.{self.rng.randrange(0, 1000):03d}"
            if reg not in self.regs:
                self.regs.add(reg)
                return reg

    def phone(self) -> str:
        while True:
            p = f"0{self.rng.choice(('40', '44', '50'))} 555 0{self.rng.randrange(100, 1000):03d}"
            if p not in self.phones and p != "040 555 0199":
                self.phones.add(p)
                return p

    def person(self) -> tuple[str, str]:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        email = f"{first.lower().translate(ASCII)}.{last[0].lower().translate(ASCII)}@example.fi"
        return f"{first} {last}", email

    def name(self, templates: list[str], town: str, villages: list[str]) -> str | None:
        for _ in range(30):
            t = self.rng.choice(templates)
            n = t.format(G=GENITIVE[town], V=self.rng.choice(villages))
            if n not in self.names:
                self.names.add(n)
                return n
        return None

    def members(self, kind: str, org_type: str = "local") -> tuple[str, float, bool, list]:
        """The written member count, its truth value, approximate?, problems (plain counts mostly)."""
        if org_type == "national":
            v = self.rng.randrange(2000, 60000)
            return f"{v:,}".replace(",", " "), float(v), False, []
        spans = {"elderly": (40, 450), "sport": (20, 900), "village": (15, 250), "patient": (30, 600)}
        lo, hi = spans.get(kind, (10, 300))
        v = self.rng.randrange(lo, hi)
        return str(v), float(v), False, []


INJECTED_MEMBERS = [  # (written, truth, approximate?, problem kind or None)
    ("n. 218", 218.0, True, "approximate"), ("noin 200", 200.0, True, "approximate"),
    ("yli 100", 100.0, True, "lower bound"), ("200–300", 250.0, True, "range"), ("alle 10", 5.0, True, "upper bound"),
    ("ei tiedossa", NAN, False, "unknown"), ("-", NAN, False, "unknown"), ("1 200", 1200.0, False, None),
    ("", NAN, False, None), ("paljon", NAN, False, "not a number"), ("1 450", 1450.0, False, None),
    ("n. 40", 40.0, True, "approximate"),
]
INJECTED_HTV = [("0,5", 0.5, None), ("6,5", 6.5, None), ("12,5", 12.5, None), ("-3", NAN, "negative"),
                ("1,5", 1.5, None), ("2", 2.0, None)]


def _truth_row(file: str, row: int, org: dict, **kw) -> dict:
    t = {c: None for c in TRUTH_COLUMNS}
    t.update(file=file, source_row=row, name=org.get("name"), expected_quarantine=False, quarantine_reason="",
             is_sote=org["sector"] != "not_sote", sector=org["sector"], category=org.get("category", ""),
             category_vocabulary=org.get("vocabulary", ""), ambiguous_name=org.get("ambiguous", False),
             paid_staff=NAN, paid_staff_unit="", staff_fte=NAN, members=NAN, members_approx=False, volunteers=NAN,
             field_problems=[], municipality=org.get("municipality", ""), operating_area=org.get("area", ""),
             org_type=org.get("org_type", "local"), personal_values=[], note=org.get("note", ""))
    t.update(kw)
    return t


def _orgs(g: _Gen, region: str, n: int, vocabulary: str, villages: list[str], *, hard: list[dict] = (),
          towns: list[str] | None = None) -> list[dict]:
    """n local associations of a region: mostly from KINDS, ~10 % ambiguous names, plus the hard cases."""
    towns = towns or g.region[region]
    kinds = list(WEIGHTS)
    out = [dict(h) for h in hard]
    for h in out:
        g.names.add(h["name"])
    while len(out) < n:
        town = g.rng.choice(towns) if g.rng.random() > 0.3 else ("Jyväskylä" if region == "Keski-Suomi" else
                                                                  "Kuopio" if region == "Pohjois-Savo" else towns[0])
        if g.rng.random() < 0.10 and DECISIVE[vocabulary]:
            kind = g.rng.choice([k for k in AMBIGUOUS_KINDS if k in DECISIVE[vocabulary]])
            name, ambiguous = g.name(AMBIGUOUS, town, villages), True
        else:
            kind = g.rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
            name, ambiguous = g.name(KIND[kind][2], town, villages), False
        if name is None:
            continue
        words = CATEGORY[vocabulary][kind]
        category = g.rng.choice(words) if not ambiguous else words[0]
        if not ambiguous and g.rng.random() < 0.08:
            category = ""
        out.append(dict(name=name, kind=kind, sector=KIND[kind][1], town=town, category=category,
                        vocabulary=vocabulary if category else "", ambiguous=ambiguous,
                        municipality=g.code[town], org_type="local"))
    return out


def _district(g: _Gen, region_gen: str, seat: str, area: str, specs: list[tuple[str, str]],
              vocabulary: str) -> list[dict]:
    out = []
    for suffix, kind in specs:
        name = f"{region_gen} {suffix}"
        g.names.add(name)
        out.append(dict(name=name, kind=kind, sector=KIND[kind][1], town=seat, category=CATEGORY[vocabulary][kind][0],
                        vocabulary=vocabulary, ambiguous=False, municipality=g.code[seat], org_type="district",
                        area=area))
    return out


# national organisations of national_organisations.csv whose domicile is Helsinki
HELSINKI_NATIONAL = ["SOSTE Suomen sosiaali ja terveys ry", "Suomen Punainen Risti", "Invalidiliitto ry",
                     "Eläkeliitto ry", "Suomen Sydänliitto ry", "Suomen Syöpäyhdistys ry",
                     "MIELI Suomen Mielenterveys ry", "Väestöliitto ry", "Kuuloliitto ry", "Hengitysliitto ry"]
KS_DISTRICTS = [("Omaishoitajat ry", "carers"), ("Sydänpiiri ry", "patient"), ("Muistiyhdistys ry", "patient"),
                ("Näkövammaiset ry", "disability"), ("Kehitysvammaisten Tuki ry", "disability"),
                ("Eläkeläisten Piiri ry", "elderly"), ("Mielenterveysseura ry", "mental"),
                ("Pelastusalan Liitto ry", "rescue"), ("4H-piiri ry", "youth"), ("Sotaveteraanipiiri ry", "veterans"),
                ("Liikunta ry", "sport"), ("Kylät ry", "village"), ("Martat ry", "martat"),
                ("Työttömien Yhdistys ry", "employment"), ("Diabetesyhdistys ry", "patient")]
PS_DISTRICTS = [("Omaishoitajat ry", "carers"), ("Sydänpiiri ry", "patient"), ("Muistiyhdistys ry", "patient"),
                ("Eläkeläispiiri ry", "elderly"), ("Pelastusalan Liitto ry", "rescue"), ("Kylät ry", "village"),
                ("Liikunta ry", "sport"), ("Martat ry", "martat"), ("Sotaveteraanipiiri ry", "veterans")]
HARD_KS = [
    dict(name="Jyväskylän Invalidien Urheilijat ry", kind="disability", sector="disability", town="Jyväskylä",
         note="an association of disabled people whose activity is adapted sport: a disability association "
              "(its members and purpose), though its activity is sport"),
    dict(name="Keuruun Eläkeläisten Golfkerho ry", kind="sport", sector="not_sote", town="Keuruu",
         note="a golf club whose members are pensioners: sport, not elderly work"),
    dict(name="Laukaan Eläkeläisten Kuoro ry", kind="culture", sector="not_sote", town="Laukaa",
         note="a pensioners' choir: culture"),
    dict(name="Jyväskylän Katulähetys ry", kind="mental", sector="mental_substance", town="Jyväskylä",
         note="a Christian street mission whose work is substance-abuse and homeless work: mental_substance"),
    dict(name="Sovatek-säätiö sr", kind="employment", sector="employment", town="Jyväskylä", ambiguous=True,
         note="a foundation whose name says nothing; its work is rehabilitative employment"),
    dict(name="Laukaan Luja ry", kind="sport", sector="not_sote", town="Laukaa", ambiguous=True,
         note="a sports club with a bare-word name"),
    dict(name="Äänekosken Huima ry", kind="sport", sector="not_sote", town="Äänekoski", ambiguous=True,
         note="a sports club with a bare-word name"),
    dict(name="Konneveden Eläkkeensaajat ry", kind="elderly", sector="elderly", town="Konnevesi"),
    dict(name="Äänekosken Seudun Syöpäyhdistyksen Kuntoliikkujat ry", kind="patient", sector="patient_health",
         town="Äänekoski", note="cancer patients' exercise group: patient work, not sport"),
]


def _finish_hard(g: _Gen, hard: list[dict], vocabulary: str) -> list[dict]:
    out = []
    for h in hard:
        h = dict(h)
        h.setdefault("ambiguous", False)
        h["category"] = CATEGORY[vocabulary][h["kind"]][0]
        h["vocabulary"] = vocabulary
        h["municipality"] = g.code[h["town"]]
        h["org_type"] = "local"
        out.append(h)
    return out


def _slug(name: str) -> str:
    s = name.lower().translate(ASCII).replace(" ry", "").replace(" rf", "").replace(" sr", "")
    return "".join(ch for ch in s if ch.isalnum())


def _counts(g: _Gen, org: dict, t: dict, *, staff_unit: str, inject: dict) -> tuple[str, str, str]:
    """Write members, paid staff and volunteers; record their truth in ``t``."""
    kind = org["kind"]
    if "members" in inject:
        m_txt, m_val, m_apx, m_kind = inject["members"]
        if m_kind:
            t["field_problems"].append(("members", m_kind))
    else:
        m_txt, m_val, m_apx, _ = g.members(kind, org.get("org_type", "local"))
        if g.rng.random() < 0.07:
            m_txt, m_val = "", NAN
    t["members"], t["members_approx"] = m_val, m_apx
    big = org.get("org_type") in ("district", "national") or kind in ("general", "mental", "employment")
    if "staff" in inject:
        s_txt, s_val, s_kind = inject["staff"]
        if s_kind:
            t["field_problems"].append(("paid_staff", s_kind))
    elif big and g.rng.random() < 0.7:
        if staff_unit == "htv":
            s_val = g.rng.choice((0.5, 1.0, 1.5, 2.0, 3.5, 4.0, 6.5, 12.5))
            s_txt = f"{s_val:g}".replace(".", ",")
        else:
            s_val = float(g.rng.randrange(1, 15))
            s_txt = f"{s_val:g}"
    elif g.rng.random() < 0.5:
        s_txt, s_val = "0", 0.0
    else:
        s_txt, s_val = "", NAN
    t["paid_staff"], t["paid_staff_unit"] = s_val, staff_unit if s_txt else ""
    t["staff_fte"] = s_val if staff_unit == "htv" else NAN
    if g.rng.random() < 0.6:
        v = g.rng.randrange(0, 60)
        t["volunteers"] = float(v)
        vol = str(v)
    else:
        vol = ""
    return m_txt, s_txt, vol


def _inject_plan(rng: random.Random, n: int, items: list, first: int = 3) -> dict[int, object]:
    slots = rng.sample(range(first, n), len(items))
    return dict(zip(slots, items, strict=True))


def _write_csv(path: Path, header: list[str], rows: list[list[str]], *, delimiter: str, encoding: str) -> None:
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(header)
        w.writerows(rows)


# --------------------------------------------------------------------------------------------- exports

def _yhdistystori(g: _Gen, out: Path) -> list[dict]:
    from openpyxl import Workbook

    voc = "yhdistystori"
    orgs = _orgs(g, "Keski-Suomi", 280, voc, KS_VILLAGES, hard=_finish_hard(g, HARD_KS, voc))
    orgs += _district(g, "Keski-Suomen", "Jyväskylä", "Keski-Suomi", KS_DISTRICTS, voc)
    for o in orgs[-4:]:  # district by name only: no area written
        o["area"] = ""
    seated = g.national[g.national["name"].isin(HELSINKI_NATIONAL)]
    for nat in seated.sample(5, random_state=g.rng.randrange(10**6)).itertuples(index=False):
        kind = {"patient_health": "patient", "mental_substance": "mental", "general_health": "general",
                "other_sote": "food_aid", "child_family": "child_family"}.get(nat.sector, nat.sector)
        g.names.add(nat.name)
        orgs.append(dict(name=nat.name, kind=kind, sector=nat.sector, town="Helsinki", area="Koko Suomi",
                         category=CATEGORY[voc][kind][0], vocabulary=voc, ambiguous=False,
                         municipality="091", org_type="national"))
    g.rng.shuffle(orgs)
    header = ["Yhdistyksen nimi", "Kotipaikka", "Toiminta-alue", "Toimiala", "Y-tunnus", "Jäsenmäärä",
              "Palkattua henkilöstöä (htv)", "Vapaaehtoisia", "Yhdistyksen tarkoitus", "Kotisivu", "Yhteyshenkilö"]
    first_data = 4
    n = len(orgs)
    members_plan = _inject_plan(g.rng, n, INJECTED_MEMBERS)
    staff_plan = _inject_plan(g.rng, n, INJECTED_HTV)
    special = g.rng.sample([i for i in range(3, n) if orgs[i]["org_type"] == "local"], 6)
    bad_id_rows, contact_rows, purpose_phone_row, no_domicile_row = special[:2], special[2:4], special[4], special[5]
    rows, truth = [], []
    for i, o in enumerate(orgs):
        r = first_data + i
        t = _truth_row("yhdistystori.xlsx", r, o)
        inject = {}
        if i in members_plan:
            inject["members"] = members_plan[i]
        if i in staff_plan:
            inject["staff"] = staff_plan[i]
        m, s, v = _counts(g, o, t, staff_unit="htv", inject=inject)
        town = o["town"]
        area = o.get("area")
        if area is None:
            area = g.rng.choice(["", "", town, town, f"{town} ja lähikunnat"])
        if i == no_domicile_row:
            other = g.rng.choice([x for x in g.region["Keski-Suomi"] if x != o["town"]])
            town, area = "", f"{o['town']}, {other}"
            t["municipality"], t["note"] = "", "no domicile written, an area of operation is: not quarantined"
        t["operating_area"] = area
        bid = ""
        if i in bad_id_rows:
            bid = g.bad_business_id()
            t["field_problems"].append(("business_id", "invalid business id"))
        elif g.rng.random() < 0.75:
            bid = g.business_id()
        purpose = KIND[o["kind"]][3] if (not o.get("ambiguous") and g.rng.random() < 0.35) else ""
        if i == purpose_phone_row:
            purpose = "Kokoontumiset tiistaisin seurakuntatalolla, tiedustelut soita 040 555 0199."
            t["personal_values"].append("040 555 0199")
            t["field_problems"].append(("purpose", "personal data"))
        contact = ""
        if i in contact_rows:
            person, email = g.person()
            contact = f"{person}, {email}"
            t["personal_values"] += [person, email]
            t["field_problems"].append(("contact", "personal data"))
        home = f"https://www.{_slug(o['name'])}.fi" if g.rng.random() < 0.4 else ""
        rows.append([o["name"], town, area, o["category"], bid, m, s, v, purpose, home, contact])
        truth.append(t)
    # a row without a name, and an exact duplicate of a kept row
    dup_of = g.rng.randrange(10, len(rows) - 10)
    rows.append(["", "Jyväskylä", "Jyväskylä", "Liikunta ja urheilu", "", "35", "", "", "", "", ""])
    truth.append(_truth_row("yhdistystori.xlsx", first_data + len(rows) - 1,
                            dict(name="", sector="not_sote", category="Liikunta ja urheilu", vocabulary=voc,
                                 municipality="179", area="Jyväskylä"),
                            expected_quarantine=True, quarantine_reason="no name", members=35.0))
    rows.append(list(rows[dup_of]))
    t = dict(truth[dup_of], source_row=first_data + len(rows) - 1, expected_quarantine=True,
             quarantine_reason=f"exact duplicate of row {first_data + dup_of}",
             field_problems=list(truth[dup_of]["field_problems"]),
             personal_values=list(truth[dup_of]["personal_values"]))
    truth.append(t)
    wb = Workbook()
    ws = wb.active
    ws.title = "Yhdistykset"
    ws.append(["Yhdistystori – yhdistysluettelo"])
    ws.append(["Haettu 1.11.2026"])
    ws.append(header)
    for row in rows:  # whole numbers as numbers, the rest as the source wrote them
        ws.append([None if c == "" else int(c) if isinstance(c, str) and c.isdigit() and j != 4 else c
                   for j, c in enumerate(row)])
    wb.save(out / "yhdistystori.xlsx")
    return truth


def _lahella(g: _Gen, out: Path) -> list[dict]:
    voc = "lahella"
    orgs = _orgs(g, "Keski-Suomi", 90, voc, KS_VILLAGES)
    swedish = [("{S} Pensionärsförening rf", "elderly"), ("Folkhälsan i {S} rf", "general"),
               ("{S} Närståendevårdare rf", "carers"), ("{S} Hörselförening rf", "disability"),
               ("{S} Jaktförening rf", "hunting"), ("{S} Bollklubb rf", "sport"),
               ("{S} Hembygdsförening rf", "village"),
               ("{S} Sångkör rf", "culture"), ("{S} Hjärtförening rf", "patient"), ("{S} Marthaförening rf", "martat"),
               ("{S} Krigsveteraner rf", "veterans"), ("{S} Diabetesförening rf", "patient")]
    sv_towns = ["Pietarsaari", "Vaasa", "Kokkola", "Uusikaarlepyy", "Mustasaari", "Närpiö", "Pedersören kunta", "Luoto"]
    sv_towns = [t for t in sv_towns if t in g.sv]
    for tmpl, kind in swedish:
        for town in g.rng.sample(sv_towns, 2):
            sv = g.sv[town]
            name = tmpl.format(S=sv if tmpl.startswith("Folkhälsan") or sv[-1] in "aeiouyåäös" else sv + "s")
            if name in g.names:
                continue
            g.names.add(name)
            orgs.append(dict(name=name, kind=kind, sector=KIND[kind][1], town=town, category=CATEGORY[voc][kind][0],
                             vocabulary=voc, ambiguous=False, municipality=g.code[town], org_type="local",
                             swedish=True))
    g.rng.shuffle(orgs)
    header = ["Organisaation nimi", "Kunta", "Toiminta-alue", "Kategoria", "Kuvaus", "Verkkosivu", "Jäsenmäärä"]
    rows, truth = [], []
    n = len(orgs)
    members_plan = _inject_plan(g.rng, n, INJECTED_MEMBERS[:6], first=1)
    for i, o in enumerate(orgs):
        t = _truth_row("lahella.csv", 2 + i, o)
        inject = {"members": members_plan[i]} if i in members_plan else {}
        m, _, _ = _counts(g, o, t, staff_unit="", inject=inject)
        t["paid_staff_unit"], t["paid_staff"], t["volunteers"] = "", NAN, NAN
        town = g.sv[o["town"]] if o.get("swedish") else o["town"]
        region = "Pohjanmaa" if o.get("swedish") else "Keski-Suomi"
        neighbours = g.rng.sample(g.region[region], 2)
        names = [town] + [g.sv[x] if o.get("swedish") else x for x in neighbours if x != o["town"]]
        area = ", ".join(names) if g.rng.random() < 0.5 else town
        t["operating_area"] = area
        desc = KIND[o["kind"]][3] if (not o.get("ambiguous") and not o.get("swedish") and g.rng.random() < 0.5) else ""
        home = f"https://www.{_slug(o['name'])}.fi" if g.rng.random() < 0.5 else ""
        rows.append([o["name"], town, area, o["category"], desc, home, m])
        truth.append(t)
    dup_of = g.rng.randrange(5, len(rows) - 5)
    rows.append(list(rows[dup_of]))
    truth.append(dict(truth[dup_of], source_row=2 + len(rows) - 1, expected_quarantine=True,
                      quarantine_reason=f"exact duplicate of row {2 + dup_of}",
                      field_problems=list(truth[dup_of]["field_problems"]), personal_values=[]))
    _write_csv(out / "lahella.csv", header, rows, delimiter=",", encoding="utf-8-sig")
    return truth


def _toimeksi(g: _Gen, out: Path) -> list[dict]:
    voc = "toimeksi"
    orgs = _orgs(g, "Pohjois-Savo", 140, voc, PS_VILLAGES)
    orgs += _district(g, "Pohjois-Savon", "Kuopio", "Pohjois-Savo", PS_DISTRICTS, voc)
    g.rng.shuffle(orgs)
    header = ["Nimi", "Kotikunta", "Toiminta-alue", "Toimiala", "Yhteyshenkilö", "Sähköposti", "Puhelin",
              "Postiosoite", "Jäseniä", "Henkilöstö", "Vapaaehtoisia"]
    rows, truth = [], []
    n = len(orgs)
    members_plan = _inject_plan(g.rng, n, INJECTED_MEMBERS[5:], first=1)
    staff_plan = _inject_plan(g.rng, n, [("-3", NAN, "negative"), ("paljon", NAN, "not a number")], first=1)
    no_place_row = g.rng.choice([i for i in range(1, n) if i not in members_plan and i not in staff_plan])
    for i, o in enumerate(orgs):
        t = _truth_row("toimeksi.csv", 2 + i, o)
        inject = {}
        if i in members_plan:
            inject["members"] = members_plan[i]
        if i in staff_plan:
            inject["staff"] = staff_plan[i]
        m, s, v = _counts(g, o, t, staff_unit="persons", inject=inject)
        area = o.get("area", g.rng.choice(["", o["town"], "Pohjois-Savo" if g.rng.random() < 0.1 else o["town"]]))
        town = o["town"]
        if i == no_place_row:
            town, area = "", ""
            t.update(expected_quarantine=True, quarantine_reason="neither domicile nor area of operation",
                     municipality="")
        t["operating_area"] = area
        person = email = phone = address = ""
        if g.rng.random() < 0.85:
            person, email = g.person()
            phone = g.phone()
            code = POSTAL.get(o["town"], "7" + str(g.rng.randrange(1, 10)))
            street = f"{g.rng.choice(STREETS)} {g.rng.randrange(1, 40)}"
            address = f"{street}, {code}{g.rng.randrange(1, 99):02d}0 {o['town']}"
            t["personal_values"] = [person, email, phone, address]
            t["field_problems"].append(("contact", "personal data"))
        rows.append([o["name"], town, area, o["category"], person, email, phone, address, m, s, v])
        truth.append(t)
    _write_csv(out / "toimeksi.csv", header, rows, delimiter=";", encoding="cp1252")
    return truth


def _prh(g: _Gen, out: Path) -> list[dict]:
    voc = "prh"
    orgs = _orgs(g, "Keski-Suomi", 80, voc, KS_VILLAGES) + _orgs(g, "Pohjois-Savo", 70, voc, PS_VILLAGES)
    g.rng.shuffle(orgs)
    header = ["Rekisterinumero", "Nimi", "Kotipaikka", "Rekisteröintipäivä", "Tarkoitusluokka"]
    rows, truth = [], []
    old_towns = {v: k for k, v in OLD_NAMES.items()}
    bad_date_row = g.rng.randrange(5, len(orgs))
    for i, o in enumerate(orgs):
        t = _truth_row("prh_extract.csv", 2 + i, o)
        if o["category"] == "" or g.rng.random() < 0.12:  # PRH leaves many unclassified
            o["category"] = ""
            t["category"], t["category_vocabulary"] = "", ""
        if o["kind"] == "veterans" and o["category"]:
            t["note"] = "PRH files war veterans under defence (class 8); the association is veterans' social work"
        town = o["town"]
        if town in old_towns and g.rng.random() < 0.5:
            town = old_towns[town]
            t["note"] = f"domicile written as the abolished municipality {town}"
        if g.rng.random() < 0.3:
            town = town.upper()
        name = o["name"].upper() if g.rng.random() < 0.2 else o["name"]
        year = g.rng.randrange(1950, 2025)
        date = f"{g.rng.randrange(1, 29)}.{g.rng.randrange(1, 13)}.{year}"
        if g.rng.random() < 0.5:
            d, mth, y = date.split(".")
            date = f"{int(d):02d}.{int(mth):02d}.{y}"
        if i == bad_date_row:
            date = "31.2.2001"
            t["field_problems"].append(("registration_date", "invalid date"))
        t["operating_area"], t["name"] = "", name
        rows.append([g.register_number(), name, town, date, o["category"]])
        truth.append(t)
    rows.append([g.register_number(), "", "KUOPIO", "12.03.1999", "Vapaa-ajan yhdistykset"])
    truth.append(_truth_row("prh_extract.csv", 2 + len(rows) - 1,
                            dict(name="", sector="not_sote", category="Vapaa-ajan yhdistykset", vocabulary=voc,
                                 municipality="297"),
                            expected_quarantine=True, quarantine_reason="no name"))
    _write_csv(out / "prh_extract.csv", header, rows, delimiter=";", encoding="utf-8")
    return truth


def _link_directory(g: _Gen, out: Path) -> list[dict]:
    voc = "generic"
    # Äänekoski's directory: its own associations and a few of the neighbours'
    towns = ["Äänekoski"] * 6 + ["Konnevesi", "Laukaa", "Saarijärvi", "Viitasaari"]
    orgs = _orgs(g, "Keski-Suomi", 60, voc, ["Sumiaisten", "Koiviston", "Kuhnamon", "Hietaman", "Mämmen"], towns=towns)
    g.rng.shuffle(orgs)
    header = ["Nimi", "Kotisivu", "Luokka", "Kunta"]
    rows, truth = [], []
    for i, o in enumerate(orgs):
        t = _truth_row("linkkihakemisto.csv", 2 + i, o)
        t["operating_area"] = ""
        home = f"https://www.{_slug(o['name'])}.fi" if g.rng.random() < 0.8 else ""
        rows.append([o["name"], home, o["category"], o["town"]])
        truth.append(t)
    _write_csv(out / "linkkihakemisto.csv", header, rows, delimiter=";", encoding="utf-8")
    return truth


def write_exports(out_dir: Path, seed: int = 0) -> dict:
    """Write the exports into ``out_dir``; return ``{"files": {name: path}, "truth": DataFrame}``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    g = _Gen(seed)
    parts = {"yhdistystori.xlsx": _yhdistystori(g, out), "lahella.csv": _lahella(g, out),
             "toimeksi.csv": _toimeksi(g, out), "prh_extract.csv": _prh(g, out),
             "linkkihakemisto.csv": _link_directory(g, out)}
    frames = []
    for name, rows in parts.items():
        df = pd.DataFrame(rows, columns=TRUTH_COLUMNS)
        frames.append(df)
        _truth_csv(df, out / f"{Path(name).stem}_truth.csv")
    truth = pd.concat(frames, ignore_index=True)
    _truth_csv(truth, out / "truth.csv")
    return {"files": {name: out / name for name in parts}, "truth": truth}


def _truth_csv(df: pd.DataFrame, path: Path) -> None:
    flat = df.copy()
    for c in ("field_problems", "personal_values"):
        flat[c] = flat[c].map(lambda v: json.dumps([list(x) if isinstance(x, tuple) else x for x in v],
                                                   ensure_ascii=False))
    flat.to_csv(path, index=False, encoding="utf-8")


if __name__ == "__main__":
    import sys

    res = write_exports(Path(sys.argv[1] if len(sys.argv) > 1 else "real_exports_out"))
    print(res["truth"].groupby("file").size().to_string())
