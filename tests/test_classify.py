"""The classifier: rules as data, collisions settled by exclusions and priorities, evaluated."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sote_analytics.classify.classifier import classify, sector_rules
from sote_analytics.classify.evaluation import evaluate
from sote_analytics.cli import app
from sote_analytics.taxonomy import sectors

SAMPLE = Path(__file__).parent / "data" / "classification_sample.csv"
#: Macro-F1 the rule set reached on the sample when the classifier was resolved (issue 4);
#: in-sample figure (rules and labels written together), so only a floor against regressions.
MACRO_F1_FLOOR = 0.99
ORG_TYPE_FLOOR = 0.94


@pytest.fixture(scope="module")
def sample():
    return pd.read_csv(SAMPLE, dtype=str)


def test_sample_is_large_and_varied(sample):
    assert len(sample) >= 400
    assert (sample["primary_sector"] == "not_sote").mean() >= 1 / 3
    assert set(sample["primary_sector"]) >= set(sectors().index) - {"unclassified"}
    assert sample["name"].str.endswith(" rf").sum() >= 30  # Swedish names too


def test_f1_does_not_fall_below_the_resolved_figure(sample):
    ev = evaluate(sample)
    assert ev["macro_f1"] >= MACRO_F1_FLOOR, ev["per_sector"]
    assert ev["org_type_accuracy"] >= ORG_TYPE_FLOOR


@pytest.mark.parametrize("name,sector,rule", [
    ("Eläkeläisten Golfkerho ry", "not_sote", "NS01"),          # sport beats elderly
    ("Reumaattisten lasten vanhemmat ry", "patient_health", "PH04"),  # not child work
    ("Porin Sotainvalidit ry", "other_sote", "OS01"),            # veterans before disability
    ("Porin Ikäihmisten Tuki ry", "elderly", "EL01"),             # no ASCII-\\b false hit
    ("Omaiset mielenterveystyön tukena Uusimaa ry", "mental_substance", "MS01"),
    ("Folkhälsan i Ekenäs rf", "general_health", "GH01"),
    ("Pensionärsföreningen i Karleby rf", "elderly", "EL01"),
    ("Frivilliga brandkåren i Malax rf", "rescue", "RE01"),
])
def test_collisions(name, sector, rule):
    got = classify(pd.Series([name])).iloc[0]
    assert (got["sector"], got["rule"]) == (sector, rule)


def test_multi_label_and_explainable():
    got = classify(pd.Series(["Kuopion Omaishoitajat ja Muistiyhdistys ry"])).iloc[0]
    assert set(got["sectors"].split(";")) == {"patient_health", "carers"}
    assert got["sector"] == "patient_health" and "PH05" in got["rules"].split(";")


def test_purpose_text_is_used():
    got = classify(pd.Series(["Tuki ry"]), pd.Series(["Yhdistys tukee kehitysvammaisia ja heidän perheitään"]))
    assert got.iloc[0]["sector"] == "disability"


def test_org_types():
    got = classify(pd.Series(["Invalidiliitto ry", "Eläkeliiton Keski-Suomen piiri ry",
                              "Ikäinstituutti sr", "Keuruun Invalidit ry"]))
    assert got["org_type"].tolist() == ["national", "district", "foundation", "local"]
    assert got["is_headquarters"].tolist() == [True, True, False, False]


def test_rules_are_valid_data():
    from sote_analytics.classify.classifier import ORG_TYPES, org_type_rules

    rules = sector_rules()
    assert set(org_type_rules()["org_type"]) <= set(ORG_TYPES)
    assert rules["code"].is_unique
    assert set(rules["sector"]) <= set(sectors().index)
    for table in (rules, org_type_rules()):  # texts are case-folded: patterns must be lower case
        for col in ("include", "exclude"):
            assert (table[col] == table[col].str.lower()).all(), col


def test_demo_register_classification_agrees_with_generated_sectors(demo_dir):
    reg = pd.read_csv(demo_dir / "register.csv", dtype=str)
    got = classify(reg["name"])
    agree = (got["sector"] == reg["sector"]).mean()
    assert agree >= 0.97, got[got["sector"] != reg["sector"]].join(reg[["name", "sector"]], rsuffix="_gen").head()


def test_read_register_classifies_when_no_sector_and_reports_disagreements(ref, tmp_path):
    from sote_analytics.pipeline import read_register as ingest

    f = tmp_path / "r.csv"
    f.write_text("nimi;kotipaikka\nKeuruun Eläkkeensaajat ry;Keuruu\nKeuruun Palloseura ry;Keuruu\n", "utf-8")
    res = ingest(f, ref)
    assert res.register["sector"].tolist() == ["elderly", "not_sote"]
    assert set(res.register["sector_source"]) == {"name_rule"}  # the signal that decided
    assert set(res.register["confidence"]) <= {"high", "medium"}
    g = tmp_path / "g.csv"
    g.write_text("nimi;kotipaikka;toimiala\nKeuruun Eläkkeensaajat ry;Keuruu;carers\n", "utf-8")
    res = ingest(g, ref)
    assert res.register.loc[0, "sector"] == "carers"  # the given sector is kept
    assert res.register.loc[0, "sector_source"] == "given"
    q = res.quality()["classification"]
    assert q["disagreements"] == 1 and q["disagreement_examples"][0]["classified"] == "elderly"


def test_cli_evaluate_prints_figures(monkeypatch):
    monkeypatch.chdir(Path(__file__).parents[1])
    r = CliRunner().invoke(app, ["classify", "--evaluate"])
    assert r.exit_code == 0, r.output
    assert "macro-F1=" in r.output and "precision" in r.output and "confusion" in r.output


def test_cli_classifies_a_file_read_like_ingest(tmp_path, monkeypatch):
    monkeypatch.setenv("SOTE_DATA_DIR", str(tmp_path / "data"))
    f = tmp_path / "names.csv"
    f.write_bytes("Yhdistyksen nimi;Tarkoitus\nKeuruun Eläkkeensaajat ry;\nTuki ry;kehitysvammaisten tuki\n"
                  .encode("cp1252"))
    r = CliRunner().invoke(app, ["classify", str(f)])
    assert r.exit_code == 0, r.output
    out = pd.read_csv(tmp_path / "data" / "processed" / "classify" / "names.classified.csv")
    assert out["sector"].tolist() == ["elderly", "disability"]
    assert out["Yhdistyksen nimi"].iloc[0] == "Keuruun Eläkkeensaajat ry"


# ---------------------------------------------------------------------------- issue 12: real names
REAL = Path(__file__).parent / "data" / "classify_eval" / "real_names.csv"
#: Figures measured after the third round of issue 12 (cited lexicons: ICD-10, Orphanet, Disease
#: Ontology; known organisations and clubs; the field's general Finnish, Swedish and English
#: vocabulary in the rules; see docs/classification.md), rounded down a little: development recall 0.923,
#: precision 1.000, accuracy 0.916; held-out 0.804, 1.000, 0.782, the held-out half scored once,
#: after the rules were committed, never tuned on. Regression floors; the held-out ones are below
#: the issue's goals (recall 0.90, accuracy 0.85).
REAL_FLOORS = {"development": {"sote_recall": 0.92, "sote_precision": 0.98, "accuracy": 0.91},
               "heldout": {"sote_recall": 0.80, "sote_precision": 0.98, "accuracy": 0.78}}


@pytest.fixture(scope="module")
def real():
    return pd.read_csv(REAL, dtype=str)


def test_real_names_set_has_provenance_and_a_fixed_split(real):
    import hashlib
    import unicodedata

    assert len(real) >= 300
    assert real[["source_repo", "source_path", "source_commit"]].ne("").all().all()
    assert set(real["primary_sector"]) <= set(sectors().index)
    assert (real["primary_sector"] == "not_sote").sum() >= 100  # false positives are tested
    want = ["development" if int(hashlib.sha1(unicodedata.normalize("NFC", n).casefold().encode()).hexdigest(), 16)
            % 2 == 0 else "heldout" for n in real["name"]]
    assert real["split"].tolist() == want


@pytest.mark.parametrize("split", ["development", "heldout"])
def test_real_names_do_not_fall_below_the_resolved_figures(real, split):
    ev = evaluate(real[real["split"] == split].reset_index(drop=True))
    floors = REAL_FLOORS[split]
    assert ev["sote_precision"] >= floors["sote_precision"], ev["sote_confusion"]
    assert ev["sote_recall"] >= floors["sote_recall"], ev["errors"].head(20)
    assert ev["accuracy"] >= floors["accuracy"], ev["errors"].head(20)


@pytest.mark.xfail(strict=True, reason="issue 12 goals not reached on the held-out half (see docs/classification.md)")
def test_heldout_reaches_the_issue_goals(real):
    ev = evaluate(real[real["split"] == "heldout"].reset_index(drop=True))
    assert ev["sote_recall"] >= 0.90 and ev["sote_precision"] >= 0.95 and ev["accuracy"] >= 0.85


@pytest.mark.parametrize("name,sector,source,confidence", [
    ("Suomen Sarkoidoosiyhdistys ry", "patient_health", "name_lexicon", "medium"),   # ICD-10 term in a compound
    ("Suomen Marfan-yhdistys", "patient_health", "name_lexicon", "medium"),          # eponym, word start
    ("Myositis-yhdistys ry", "patient_health", "name_lexicon", "medium"),             # Disease Ontology label
    ("Kuvitteloosi-yhdistys ry", "patient_health", "name_shape", "low"),              # shape, no lexicon hit
    ("Suomen CF-yhdistys ry", "patient_health", "name_lexicon", "medium"),            # Orphanet acronym, whole token
    ("Suomen cf-yhdistys ry", "unclassified", "", "low"),                             # acronyms are case-sensitive
    ("Suomen Angelman-yhdistys", "patient_health", "name_lexicon", "medium"),         # Orphanet eponym
    ("Angelmanin kyläyhdistys", "not_sote", "name_rule", "high"),                     # rules first
    ("Ihoyhdistys ry", "patient_health", "name_lexicon", "medium"),                   # organ word + organisation
    ("Ihon hoito Oy", "unclassified", "", "low"),                                     # organ word alone: nothing
    ("22q11 Suomi ry", "patient_health", "name_shape", "low"),                        # chromosome band
    ("Oulun Kärpät", "not_sote", "known_org", "high"),                                # known club
    ("Diabetesliitto ry", "patient_health", "known_org", "high"),
    ("Keuruun Eläkkeensaajat ry", "elderly", "name_rule", "high"),
    ("Kuopion Omaishoitajat ja Muistiyhdistys ry", "patient_health", "name_rule", "medium"),  # collision
    ("Tampereen Kokoomus ry", "not_sote", "name_rule", "high"),
    ("Kuokkalan Pursiseura", "unclassified", "", "low"),
])
def test_signals_and_confidence(name, sector, source, confidence):
    got = classify(pd.Series([name])).iloc[0]
    assert (got["sector"], got["sector_source"], got["confidence"]) == (sector, source, confidence)


@pytest.mark.parametrize("name,sector,rule", [
    # third round of issue 12: general vocabulary of the field, invented names (not evaluation names)
    ("Kuvitteelliset Sairastavat ry", "patient_health", "PH09"),            # Finnish patient word
    ("Föreningen för sällsynta diagnoser i Ytterby rf", "patient_health", "PH09"),  # Swedish
    ("Imaginary Disease Support Finland", "patient_health", "PH09"),        # English
    ("Psykosociala föreningen i Ytterby rf", "mental_substance", "MS01"),
    ("Drogfria Ytterby rf", "mental_substance", "MS02"),
    ("Närståendeföreningen i Ytterby rf", "carers", "CA01"),
    ("Ylikylän Omaiset ry", "carers", "CA01"),
    ("Erityislasten Omaiset Ylikylä ry", "carers", "CA01"),                # relatives before general disability
    ("Muistisairaiden omaiset Ylikylä ry", "patient_health", "PH05"),       # a named condition before relatives
    ("Pensionstagarna i Ytterby rf", "elderly", "EL01"),
    ("Dövas förening i Ytterby rf", "disability", "DI03"),
    ("Ylikylän Vertaistukiyhdistys ry", "general_health", "GH01"),
    ("Ylikylän Teekkarikilta ry", "not_sote", "NS13"),                       # not-sote words last (75)
    ("Ylikylän Opettajat ry", "not_sote", "NS13"),
    ("Ylikylän Diabeetikko-opettajat ry", "patient_health", "PH02"),        # ... so any sote word wins
    ("Ylikylän seurakunta, eläkeläiset ry", "not_sote", "NS07"),   # the old priority-10 rules unchanged
])
def test_third_round_vocabulary(name, sector, rule):
    got = classify(pd.Series([name])).iloc[0]
    assert (got["sector"], got["rule"]) == (sector, rule)


def test_known_organisations_in_swedish_and_their_aliases():
    got = classify(pd.Series(["Svenska pensionärsförbundet rf", "Psykosociala förbundet", "FDUV",
                              "Finlands Dövas Förbund rf", "Pensionstagarnas Centralförbund"]))
    assert got["sector"].tolist() == ["elderly", "mental_substance", "disability", "disability", "elderly"]
    assert set(got["sector_source"]) == {"known_org"}


def test_rules_cite_a_source():
    rules = sector_rules()
    assert rules["source"].str.len().gt(0).all()


def test_signal_order_known_then_category_then_purpose_then_name():
    from sote_analytics.classify.classifier import SECTOR_SOURCES

    names = pd.Series(["Diabetesliitto ry", "Tuki ry", "Tuki ry", "Keuruun Palloseura ry"])
    cats = pd.Series(["Vammaisjärjestöt", "Vammaisjärjestöt", "", ""])
    purposes = pd.Series(["", "", "kehitysvammaisten tuki", ""])
    got = classify(names, purposes, cats)
    assert got["sector_source"].tolist() == ["known_org", "source_category", "purpose", "name_rule"]
    assert got["sector"].tolist() == ["patient_health", "disability", "disability", "not_sote"]
    assert set(got["sector_source"]) <= set(SECTOR_SOURCES)
    assert classify(names).columns.tolist() == got.columns.tolist()  # the old call shape still works


def test_knowledge_tables_are_cited_and_valid():
    from sote_analytics.classify.classifier import _read_csv, conditions

    lex = conditions()
    assert len(lex) >= 500 and lex["term"].is_unique
    assert set(lex["sector"]) <= set(sectors().index)
    assert set(lex["match"]) <= {"anywhere", "word_start", "word", "org_tail", "eponym", "eponym_condition",
                                 "acronym"}
    acr = lex["match"] == "acronym"  # acronyms are matched case-sensitively, upper case, two characters or more
    assert (lex.loc[~acr, "term"] == lex.loc[~acr, "term"].str.lower()).all()
    assert lex.loc[acr, "term"].str.fullmatch(r"[A-Z][A-Z0-9]+").all()
    for name in ("conditions.csv", "national_organisations.csv", "known_clubs.csv", "source_categories.csv"):
        table = _read_csv(name)
        assert table["source"].str.len().gt(0).all(), name
        bounds = {"sote", "lean_not_sote"} if name == "source_categories.csv" else set()
        assert set(table["sector"]) <= set(sectors().index) | bounds, name


def test_a_source_category_word_is_a_signal_not_an_error(ref, tmp_path):
    """A directory's own category ("Potilasjärjestöt") classifies a name that has no sector word."""
    from sote_analytics.pipeline import read_register

    f = tmp_path / "links.csv"
    f.write_text("Nimi;Kotipaikka;Luokka\nTukikohta ry;Keuruu;Potilasjärjestöt\nX ry;Keuruu;golf\n", "utf-8")
    res = read_register(f, ref)
    assert res.result.rows_in == len(res.register) == 2 and res.quarantine.empty
    row = res.register.iloc[0]
    assert (row["sector"], row["sector_source"], row["source_category"]) == (
        "patient_health", "source_category", "Potilasjärjestöt")
    # a vocabulary column's unknown word is kept (no signal), not an error; a typo in a column of
    # sector codes is an error (tests/data/ingest/27_unknown_sector.csv)
    other = res.register.iloc[1]
    assert other["source_category"] == "golf" and other["sector_source"] != "source_category"


def test_classify_reads_title_rows_and_writes_formula_safe_csv(tmp_path, monkeypatch):
    """classify FILE uses ingest's reader (title rows above the header) and never writes a live formula."""
    monkeypatch.setenv("SOTE_DATA_DIR", str(tmp_path / "data"))
    f = tmp_path / "list.csv"
    f.write_text("Yhdistysluettelo 2026\n\nNimi;Kunta\n=HYPERLINK(\"http://x\");Keuruu\n"
                 "Keuruun Eläkkeensaajat ry;Keuruu\n", "utf-8")
    r = CliRunner().invoke(app, ["classify", str(f), "--out", str(tmp_path / "o.csv")])
    assert r.exit_code == 0, r.output
    out = pd.read_csv(tmp_path / "o.csv", dtype=str)
    assert len(out) == 2 and out["Nimi"].iloc[0].startswith("'=")
    assert out["sector"].iloc[1] == "elderly"
    assert not (tmp_path / "list.classified.csv").exists()


@pytest.mark.parametrize("name,sector", [
    # fourth round of issue 12: names from three whole cited lists (national_organisations.csv, source column)
    ("Me Itse ry", "disability"),                                   # Vammaisjärjestöjen naisverkosto
    ("Vammaiskumppanuus ry", "disability"),
    ("Suomen Nivelyhdistys ry", "patient_health"),                  # its own word (nivel) over the list's theme
    ("Nyyti ry", "mental_substance"),                               # Mielenterveyspooli 2.0
    ("KoKoA – Koulutetut kokemusasiantuntijat ry", "mental_substance"),
    ("FinFami", "mental_substance"),
    ("Psoriasisförbundet", "patient_health"),                       # Pieni ele, Swedish name as an alias
    ("Allergia- ja Astmaliitto", "patient_health"),                 # a former name as an alias
    ("Sotainvalidien Veljesliitto ry", "other_sote"),               # Vaalikeräys 2009: veterans
])
def test_fourth_round_known_organisations(name, sector):
    got = classify(pd.Series([name])).iloc[0]
    assert (got["sector"], got["sector_source"], got["confidence"]) == (sector, "known_org", "high")


@pytest.mark.parametrize("name,sector,rule", [
    # fourth round: small fixes, invented names
    ("Ylikylän seurakunnan eläkeläiset ry", "not_sote", "NS07"),   # genitive of seurakunta
    ("Ylikylän seurakuntien diakoniarengas ry", "not_sote", "NS07"),
    ("Ylikylän Seurakuntayhtymän kerho ry", "not_sote", "NS07"),   # compounds still match
    ("Blind Guardian fanit ry", "unclassified", ""),                # a band's name is not a disability word
    ("Blind Owl Fan Club Finland", "unclassified", ""),
    ("Föreningen för blinda i Ytterby rf", "disability", "DI02"),  # Swedish
    ("Ytterby Blind Association", "disability", "DI02"),           # English phrase of the field
    ("Blindförbundet i Ytterby", "disability", "DI02"),
])
def test_fourth_round_small_fixes(name, sector, rule):
    got = classify(pd.Series([name])).iloc[0]
    assert (got["sector"], got["rule"]) == (sector, rule)
