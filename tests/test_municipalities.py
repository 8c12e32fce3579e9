import pandas as pd
import pytest

from sote_analytics.municipalities import MunicipalityResolver, merger_table, normalize_name


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
        assert amb.code is None and len(amb.suggestions) == 3


def test_merger_table_agrees_with_reference_snapshot(reference_dir):
    shared = pd.read_csv(next(reference_dir.glob("municipality_mergers_*.csv")), dtype=str)
    ours = merger_table()
    ours = ours[ours["old_code"] != ""]
    pairs = set(zip(ours["old_code"], ours["new_code"], ours["effective_year"].astype(str),
                    strict=True))
    for r in shared.itertuples():
        assert (r.old_code, r.new_code, r.effective_year) in pairs


def test_merger_table_has_no_live_municipality(ref):
    live = set(ref.key["kunta_name_fi"])
    ceased = set(merger_table().query("effective_year <= 2025")["old_name_fi"])
    assert not (live & ceased)


def test_normalize_name_strips_invisible_characters():
    assert normalize_name("Hel\u200bsinki") == "helsinki"
    assert normalize_name("Raseborgs stad") == "raseborgs"
