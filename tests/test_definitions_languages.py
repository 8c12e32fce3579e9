"""The indicators' definitions and caveats in Finnish, Swedish and English, and the workbook's dictionary
sheet in the workbook's language."""

import pytest

from sote_analytics.config import load_yaml
from sote_analytics.indicators.definitions import data_dictionary, definitions
from sote_analytics.indicators.definitions import indicator_yaml as _yaml

LANGS = ("fi", "sv", "en")
TRANSLATED = ("definition_fi", "definition_sv", "caveat_fi", "caveat_sv")


def test_the_yaml_loads_and_translates_every_entry():
    """Every indicator, activity statistic and change indicator has its own fi/sv text in the YAML (text, not
    a YAML 1.1 boolean), and an empty English caveat is empty in every language."""
    from importlib import resources

    text = resources.files("sote_analytics").joinpath("data/indicators.yaml").read_text("utf-8")
    y = load_yaml(text)
    assert y == _yaml()
    entries = {**y["indicators"], **y["change_indicators"],
               **{f"stat {k}": v for k, v in y["activity_stats"].items()}}
    assert len(entries) >= 50
    for k, v in entries.items():
        assert all(isinstance(v.get(f), str) for f in TRANSLATED), k
        assert v["definition_fi"].strip() and v["definition_sv"].strip(), k
        en_caveat = str(v.get("caveat") or "")
        for g in ("fi", "sv"):
            assert bool(v[f"caveat_{g}"].strip()) == bool(en_caveat.strip()), (k, g)
            assert v[f"definition_{g}"] != v["definition"], (k, g)
            assert not en_caveat or v[f"caveat_{g}"] != en_caveat, (k, g)


def test_every_indicator_has_a_definition_in_three_languages():
    defs = definitions()
    for k, d in defs.items():
        assert d["definition_en"] == d["definition"] and d["caveat_en"] == d["caveat"], k
        for g in LANGS:
            assert isinstance(d[f"definition_{g}"], str) and d[f"definition_{g}"].strip(), (k, g)
            assert bool(d[f"caveat_{g}"].strip()) == bool(d["caveat"].strip()), (k, g)
    assert defs["associations"]["definition_fi"].startswith("Alueella kotipaikkaansa pitävien yhdistysten")
    assert defs["associations"]["definition_sv"].startswith("Antalet föreningar med hemort i området")
    assert defs["participants_total"]["definition_fi"].startswith("Osallistujia: ")
    assert defs["participants_total"]["caveat_sv"] == "Endast föreningar som rapporterat uppgiften ingår."
    assert defs["share_of_national"]["caveat_fi"] == defs["share_of_national"]["caveat_sv"] == ""


def test_data_dictionary_has_every_language_and_keeps_its_columns():
    dd = data_dictionary()
    assert {"indicator", "family", "family_fi", "name_fi", "name_sv", "name_en", "unit", "definition",
            "caveat"} <= set(dd.columns)
    assert {f"{f}_{g}" for f in ("definition", "caveat") for g in LANGS} <= set(dd.columns)
    assert (dd["definition"] == dd["definition_en"]).all() and (dd["caveat"] == dd["caveat_en"]).all()
    assert set(dd["indicator"]) == set(definitions())


@pytest.mark.parametrize("language, definition, caveat", [
    ("fi", "Määritelmä", "Huomio"), ("sv", "Definition", "Obs"), ("en", "Definition", "Caveat")])
def test_dictionary_sheet_is_in_the_workbooks_language(processed, ref, language, definition, caveat):
    from sote_analytics.export import area_frames
    from sote_analytics.i18n import t as tr

    _, _, ind = processed
    sheets = area_frames(ind, ref, "hyvinvointialue", "15", language=language)
    dd = sheets[tr("x_sheet_dictionary", language)]
    assert definition in dd.columns and caveat in dd.columns
    assert not any("(en)" in str(c) for c in dd.columns)
    row = dd[dd[tr("x_id", language)] == "associations"].iloc[0]
    defs = definitions()["associations"]
    assert row[definition] == defs[f"definition_{language}"]
    assert row[caveat] == defs[f"caveat_{language}"]
    if language == "fi":
        assert row[definition].startswith("Alueella kotipaikkaansa pitävien yhdistysten lukumäärä")
        assert row[definition] != defs["definition"]
