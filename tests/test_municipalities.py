
import pandas as pd
import pytest

from sote_analytics.read.municipalities import (
    MunicipalityResolver,
    finnish_genitive,
    fuzzy_thresholds,
    merger_table,
    normalize_name,
    swedish_genitive,
)


@pytest.fixture(scope="module")
def resolver(ref):
    return MunicipalityResolver(ref.key, ref.year, ref.mergers)


@pytest.mark.parametrize("raw,code,method", [
    ("91", "091", "code"), ("091", "091", "code"), ("Helsinki", "091", "exact"),
    ("Helsingfors", "091", "swedish"), ("Mariehamn", "478", "swedish"),
    ("Jakobstad", "598", "swedish"), ("Raseborg", "710", "swedish"),
    ("Pedersören kunta", "599", "exact"), ("Pedersöre", "599", "swedish"),
    ("  JYVÄSKYLÄ ", "179", "exact"), ("Jyvaskyla", "179", "exact"),
    ("Koski Tl", "284", "exact"), ("Pertunmaa", "507", "merger"), ("588", "507", "merger"),
    ("Jämsänkoski", "182", "merger"), ("Karjaa", "710", "merger"), ("Valtimo", "541", "merger"),
    ("Honkajoki", "214", "merger"), ("Nummi-Pusula", "444", "merger"),
    ("Jyväskyylä", "179", "fuzzy"),
])
def test_resolves(resolver, raw, code, method):
    r = resolver.resolve_one(raw)
    assert (r.code, r.method) == (code, method)


def test_unknown_gets_reason_and_suggestions(resolver):
    r = resolver.resolve_one("Atlantis")
    assert r.code is None and "unknown municipality" in r.reason


def test_ambiguous_typo_is_not_guessed(resolver):
    assert resolver.resolve_one("Hankoo").code == "078"  # one clear winner: accepted
    for two in ("Vaala-Vaasa", "Kemi Tornio"):  # two real municipalities: never a guess
        amb = resolver.resolve_one(two)
        assert amb.code is None and isinstance(amb.suggestions, list) and len(amb.suggestions) == 3


def test_merger_table_agrees_with_reference_snapshot(reference_dir):
    shared = pd.read_csv(next(reference_dir.glob("municipality_mergers_*.csv")), dtype=str)
    ours = merger_table()
    ours = ours[ours["old_code"] != ""]
    pairs = set(zip(ours["old_code"], ours["new_code"], ours["effective_year"].astype(str),
                    strict=True))
    for r in shared.itertuples():
        assert (r.old_code, r.new_code, r.effective_year) in pairs


def test_merger_table_has_no_live_municipality(ref):
    live_codes = set(ref.key["kunta_code"])
    table = merger_table().query("effective_year <= 2025")
    assert not (live_codes & set(table["old_code"]))
    # a live name among the abolished only where the town got a new code under the same name
    # (Heinola, Lohja, Porvoo 1997; Parainen 2009)
    # (Heinola, Lohja, Porvoo 1997; Parainen 2009) or merged into a namesake (Vöyri 2007/2011)
    same = table[table["old_name_fi"].isin(set(ref.key["kunta_name_fi"]))]
    assert sorted(same["old_name_fi"]) == ["Heinola", "Lohja", "Parainen", "Porvoo", "Vöyri"]


def test_normalize_name_strips_invisible_characters():
    assert normalize_name("Hel\u200bsinki") == "helsinki"
    assert normalize_name("Raseborgs stad") == "raseborgs"


# ---- the merger table, row by row -----------------------------------------------------

TABLE = merger_table()


def test_merger_table_complete_and_sourced():
    assert list(TABLE.columns) == ["old_code", "old_name_fi", "old_name_sv", "new_code", "new_name_fi",
                                   "effective_year", "source"]
    assert (TABLE["source"].str.len() > 20).all()
    assert TABLE["effective_year"].min() == 1970 and TABLE["effective_year"].max() == 2025
    # every year with mergers since 1970 (fi.wikipedia Kuntaliitos Suomessa)
    assert {1970, 1971, 1972, 1973, 1974, 1975, 1976, 1977, 1981, 1989, 1993, 1997, 2001, 2003, 2004,
            2005, 2006, 2007, 2008, 2009, 2010, 2011, 2013, 2015, 2016, 2017, 2020, 2021, 2025} \
        == set(TABLE["effective_year"])
    assert (TABLE["old_code"].str.fullmatch(r"\d{3}") | (TABLE["old_code"] == "")).all()
    assert TABLE["new_code"].str.fullmatch(r"\d{3}").all()
    assert ~TABLE.duplicated(["old_code", "old_name_fi", "new_code"]).any()


def _final_codes(code, key_codes, step):
    if code in key_codes:
        return {code}
    return set().union(*(_final_codes(c, key_codes, step) for c in step[code]))


@pytest.mark.parametrize("i", range(len(TABLE)))
def test_every_merger_row_resolves(resolver, ref, i):
    """Table-driven: each abolished municipality's name and code lead to its 2025 successor(s)."""
    row = TABLE.iloc[i]
    key_codes = set(ref.key["kunta_code"])
    step = {}
    for r in TABLE.itertuples():
        if r.old_code:
            step.setdefault(r.old_code, set()).add(r.new_code)
    expected = _final_codes(row["new_code"], key_codes, step)
    assert expected <= key_codes
    # all rows of the same name together decide: one successor -> resolved, several -> asked
    same_name = TABLE[TABLE["old_name_fi"] == row["old_name_fi"]]
    finals = set().union(*(_final_codes(c, key_codes, step) for c in same_name["new_code"]))
    for raw in (row["old_name_fi"], row["old_name_fi"].upper(), row["old_code"], row["old_name_sv"]):
        if not raw:
            continue
        r = resolver.resolve_one(raw)
        if len(finals) == 1:
            # "merger", or the form of a current municipality that is the same one (Porvoo 1997)
            assert r.code == next(iter(finals)) and r.method in ("merger", "exact", "swedish"), raw
        else:
            assert r.code is None and "several" in r.reason, raw
            assert sorted(s[-4:-1] for s in r.suggestions) == sorted(finals), raw


# Former municipalities looked up by the test author: year of the merger and 2025 successor.
# Years: fi.wikipedia "Kuntaliitos Suomessa" as listed in halahti/SocSci23
# reform_years_municipalities.do and en.wikipedia "List of former municipalities of Finland";
# successors: the WarSampo ARPA linker's current_municipalities table (arpa_linker link_to_pnr)
# and the 2025 key. Codes: the 2025 key.
SPOT_CHECKS = [
    ("Ahlainen", 1972, "609"), ("Alahärmä", 2009, "233"), ("Alastaro", 2009, "430"),
    ("Alatornio", 1973, "851"), ("Anjala", 1975, "286"), ("Anttola", 2001, "491"),
    ("Artjärvi", 2011, "560"), ("Askainen", 2009, "481"), ("Dragsfjärd", 2009, "322"),
    ("Elimäki", 2009, "286"), ("Eno", 2009, "167"), ("Eräjärvi", 1973, "562"),
    ("Halikko", 2009, "734"), ("Hauho", 2009, "109"), ("Haukipudas", 2013, "564"),
    ("Haukivuori", 2007, "491"), ("Himanka", 2010, "208"), ("Hinnerjoki", 1970, "050"),
    ("Honkilahti", 1970, "050"), ("Iniö", 2009, "445"), ("Jaala", 2009, "286"),
    ("Joutseno", 2009, "405"), ("Jurva", 2009, "301"), ("Jämsänkoski", 2009, "182"),
    ("Jäppilä", 2004, "593"), ("Kalanti", 1993, "895"), ("Kalvola", 2009, "109"),
    ("Kangaslampi", 2005, "915"), ("Karinainen", 2005, "636"), ("Karjala", 1977, "503"),
    ("Karjalohja", 2013, "444"), ("Karkku", 1973, "790"), ("Karttula", 2011, "297"),
    ("Karunki", 1973, "851"), ("Keikyä", 1981, "790"), ("Kerimäki", 2013, "740"),
    ("Kestilä", 2009, "791"), ("Kesälahti", 2013, "260"), ("Kiihtelysvaara", 2005, "167"),
    ("Kiikala", 2009, "734"), ("Kodisjoki", 2007, "684"), ("Konginkangas", 1993, "992"),
    ("Korpilahti", 2009, "179"), ("Kuivaniemi", 2007, "139"), ("Kullaa", 2005, "886"),
    ("Kuorevesi", 2001, "182"), ("Kymi", 1977, "285"), ("Lehtimäki", 2009, "005"),
    ("Leivonmäki", 2008, "172"), ("Luopioinen", 2007, "635"), ("Metsämaa", 1976, "430"),
    ("Nuijamaa", 1989, "405"), ("Paattinen", 1973, "853"), ("Pielisjärvi", 1973, "422"),
    ("Purmo", 1977, "599"), ("Säynätsalo", 1993, "179"), ("Sääksmäki", 1973, "908"),
    ("Temmes", 2001, "859"), ("Teisko", 1972, "837"), ("Tottijärvi", 1976, "536"),
    ("Vehkalahti", 2003, "075"), ("Värtsilä", 2005, "848"), ("Vähäkyrö", 2013, "905"),
    ("Jyväskylän maalaiskunta", 2009, "179"), ("Rovaniemen maalaiskunta", 2006, "698"),
    ("Kajaanin maalaiskunta", 1977, "205"), ("Rauman maalaiskunta", 1993, "684"),
    ("Iisalmen maalaiskunta", 1970, "140"), ("Honkajoki", 2021, "214"), ("Pertunmaa", 2025, "507"),
]


@pytest.mark.parametrize("name,year,code", SPOT_CHECKS)
def test_spot_checks_of_former_municipalities(resolver, name, year, code):
    rows = TABLE[TABLE["old_name_fi"] == name]
    assert not rows.empty and set(rows["effective_year"]) == {year}
    r = resolver.resolve_one(name)
    assert (r.code, r.method) == (code, "merger")


@pytest.mark.parametrize("raw,code", [
    ("JYVÄSKYLÄN MLK", "179"), ("Jyväskylän mlk", "179"), ("Jyväskylä landskommun", "179"),
    ("Jyväskylä lk", "179"), ("ROVANIEMEN MLK", "698"), ("Kajaanin mlk.", "205"), ("Ekenäs", "710"),
    ("Karis", "710"), ("Nagu", "445"), ("Solf", None), ("Sulva", None), ("769", None),
    ("Snappertuna", "710"), ("Sippola", "286"), ("Nummi", "444"), ("Nummi-Pusula", "444"),
    ("Kemin maalaiskunta", "241"), ("Helsingin mlk", "092"), ("Länsi-Turunmaa", "445"),
    ("180", "179"), ("754", "286"),
])
def test_rural_municipalities_abbreviations_and_divided(resolver, raw, code):
    assert resolver.resolve_one(raw).code == code


def test_rural_municipality_never_taken_for_the_town(resolver):
    # Kuopion maalaiskunta was divided in 1969 (before this table): not Kuopio by guess
    r = resolver.resolve_one("Kuopion mlk")
    assert r.code is None and "Kuopio (297)" in r.suggestions


# ---- genitive and Swedish forms of every municipality of the key ---------------------

def test_genitive_forms_of_all_308(resolver, ref):
    key = ref.key
    assert len(key) == 308
    forms = []
    for code, fi, sv in zip(key["kunta_code"], key["kunta_name_fi"], key["kunta_name_sv"], strict=True):
        base = fi.removesuffix(" kunta")
        gen = fi if fi != base else finnish_genitive(fi)
        forms += [(f"{gen} kaupunki", code), (f"{gen} kunta", code), (f"{gen.upper()} KAUPUNKI", code),
                  (f"{sv} stad", code), (f"{sv} kommun", code), (f"{swedish_genitive(sv)} stad", code)]
    bad = [(raw, code, resolver.resolve_one(raw).code) for raw, code in forms
           if resolver.resolve_one(raw).code != code]
    assert not bad


@pytest.mark.parametrize("raw,code", [
    ("Helsingin kaupunki", "091"), ("Vaasan kaupunki", "905"), ("Vasa stad", "905"),
    ("Pedersören kunta", "599"), ("Pedersöre kommun", "599"), ("Turun kaupunki", "853"),
    ("Tampereen kaupunki", "837"), ("Seinäjoen kaupunki", "743"), ("Lappeenrannan kaupunki", "405"),
    ("Kauniaisten kaupunki", "235"), ("Uudenkaupungin kaupunki", "895"), ("Hangon kaupunki", "078"),
    ("Vihdin kunta", "927"), ("Lopen kunta", "433"), ("Kirkkonummen kunta", "257"),
    ("Nurmeksen kaupunki", "541"), ("Virtain kaupunki", "936"), ("Isonkyrön kunta", "152"),
    ("Kosken Tl kunta", "284"), ("Outokummun kaupunki", "309"), ("Rautalammen kunta", "686"),
    ("Raseborgs stad", "710"), ("Närpes stad", "545"), ("HELSINKI", "091"), ("helsingfors stad", "091"),
])
def test_hand_checked_genitives(resolver, raw, code):
    assert resolver.resolve_one(raw).code == code


def test_no_name_form_names_two_current_municipalities(resolver):
    amb = {v: c for v, (c, m) in resolver._exact.items() if len(c) > 1 and m != "merger"}
    assert not amb


# ---- fuzzy matching cannot be fooled by noise -----------------------------------------

def _noise(n: int, seed: int) -> list[str]:
    """The benchmark's generator of random strings (bench/bench_fuzzy.py), on a smaller sample."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_fuzzy import noise

    return noise(n, seed)


def test_random_strings_never_accepted(resolver):
    values = pd.Series(_noise(5000, seed=19))
    res = resolver.resolve(values)
    accepted = values[res["resolution_method"] == "fuzzy"].tolist()
    assert accepted == []
    assert res["municipality_code"].isna().sum() >= 4990  # a random string may be a real name


@pytest.mark.parametrize("raw", ["paIMiZNO", "4YLAIMaA"])
def test_issue_19_examples_not_accepted(resolver, raw):
    """Noise is never guessed; a value not shaped like a name gets no suggestion either (and no fuzzy cost)."""
    r = resolver.resolve_one(raw)
    assert r.code is None and isinstance(r.suggestions, list) and not r.suggestions
    assert r.reason.startswith("unknown municipality")


def test_a_name_shaped_unknown_value_gets_suggestions(resolver):
    r = resolver.resolve_one("Kuopoi")
    assert r.code is None and "Kuopio (297)" in r.suggestions


@pytest.mark.parametrize("raw,code", [
    ("Jyväskyylä", "179"), ("Helsinkki", "091"), ("Vaasaa", "905"), ("Hankoo", "078"),
    ("Tampre", "837"), ("Rovaniemmi", "698"), ("Lappeenrannta", "405"), ("Hämeenlina", "109"),
])
def test_real_misspellings_accepted(resolver, raw, code):
    r = resolver.resolve_one(raw)
    assert (r.code, r.method) == (code, "fuzzy")


def test_thresholds_are_documented_data():
    t = fuzzy_thresholds()
    assert t.min_similarity >= 85 and t.min_margin > 0 and 0 < t.min_length_ratio <= 1 and t.max_edits >= 1


def test_resolve_returns_suggestion_lists(resolver):
    res = resolver.resolve(pd.Series(["Kuopoi", "Helsinki", "Sulva"]))
    assert res["suggestions"].tolist()[0][0] == "Kuopio (297)"
    assert res["suggestions"].tolist()[1] == []
    assert res["suggestions"].tolist()[2] == ["Mustasaari (499)", "Vaasa (905)"]
