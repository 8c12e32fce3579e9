"""The messy-input corpus: each file gives the expected result or a clear, specific error."""

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sote_analytics.read.ingest import IngestError, ingest, write_ingest
from sote_analytics.read.quality import quality_html

CORPUS = Path(__file__).parent / "data" / "ingest"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text("utf-8"))
TODAY = dt.date(2026, 11, 23)


def test_corpus_has_at_least_20_files():
    files = [p for p in CORPUS.iterdir() if p.suffix in (".csv", ".tsv", ".xlsx")]
    assert len(files) >= 20 and {p.name for p in files} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name, ref):
    exp = EXPECTED[name]
    path = CORPUS / name
    if "error" in exp:
        with pytest.raises(IngestError, match=exp["error"]):
            ingest(path, ref, today=TODAY)
        return
    res = ingest(path, ref, sheet=exp.get("sheet"), today=TODAY)
    r = res.result
    assert r.rows_in == len(r.register) + len(r.quarantine)  # the row invariant
    assert (r.rows_in, len(r.register), len(r.quarantine)) == (exp["rows"], exp["accepted"],
                                                                exp["quarantined"])
    reasons = " | ".join(r.quarantine["reason"]) if len(r.quarantine) else ""
    for sub in exp.get("reasons", []):
        assert sub in reasons, (sub, reasons)
    problems = " | ".join(r.field_problems["problem"]) if len(r.field_problems) else ""
    for sub in exp.get("field_problems", []):
        assert sub in problems, (sub, problems)
    if not exp.get("field_problems"):
        assert not len(r.field_problems), problems
    if "unknown_categories" in exp:
        assert list(res.quality()["categories"]["unknown_values"]) == exp["unknown_categories"]
    checks = {
        "encoding": lambda: res.info.encoding, "delimiter": lambda: res.info.delimiter,
        "header_row": lambda: res.info.header_row, "blank_rows": lambda: res.info.blank_rows_skipped,
        "codes": lambda: r.register["municipality_code"].tolist(),
        "methods": lambda: r.register["resolution_method"].tolist(),
        "unmapped": lambda: res.info.unmapped_columns,
        "personal": lambda: res.info.personal_data_columns,
        "names": lambda: [n for n in exp["names"] if n in set(r.register["name"])],
        "dates": lambda: [str(d) for d in r.register["registration_date"]],
        "members": lambda: [None if pd.isna(v) else int(v) for v in r.register["members"]],
        "likely_duplicates": lambda: int(r.register["likely_duplicate_of"].notna().sum()),
    }
    for key, get in checks.items():
        if key in exp:
            assert get() == exp[key], key


def test_unknown_columns_are_kept_as_extras(ref):
    res = ingest(CORPUS / "08_unknown_columns.csv", ref, today=TODAY)
    assert "extra_Verkkosivu" in res.register.columns


def test_user_mapping_overrides_synonyms(ref, tmp_path):
    f = tmp_path / "own.csv"
    f.write_text("Järjestö;Paikka;Väki\nA ry;Oulu;12\n", encoding="utf-8")
    with pytest.raises(IngestError):
        ingest(f, ref, today=TODAY)
    m = tmp_path / "map.yaml"
    m.write_text("Paikka: municipality\nVäki: members\n", encoding="utf-8")
    res = ingest(f, ref, mapping=m, today=TODAY)
    assert res.register.loc[0, "municipality_code"] == "564"
    assert res.register.loc[0, "members"] == 12


def test_quality_report_json_and_html(ref, tmp_path):
    res = ingest(CORPUS / "12_unknown_municipality.csv", ref, today=TODAY)
    paths = write_ingest(res, tmp_path)
    q = json.loads(Path(paths["quality_json"]).read_text())
    assert (q["rows_in"], q["accepted"], q["quarantined"]) == (5, 1, 4)
    assert q["quarantine_reasons"]["no location: unknown municipality …"] == 2
    assert q["quarantine_examples"]["no location: unknown municipality …"][0]["source_row"] == 2
    assert set(q["completeness"]) >= {"name", "business_id", "paid_staff"}
    page = Path(paths["quality_html"]).read_text()
    assert "hylätty (karanteeniin) 4" in page and 'lang="fi"' in page
    # the reasons in the page's language (they used to be the English texts of the code)
    assert "ei sijaintia" in page and "unknown municipality" not in page and "no location" not in page
    quarantine = pd.read_csv(paths["quarantine_csv"])
    assert len(quarantine) == 4 and "reason" in quarantine
    # the same page in Swedish and English: the catalogue's strings, no Finnish left in headings
    for lang, words, finnish in (("sv", "avvisade (i karantän) 4", "Täyttöaste"),
                                 ("en", "rejected (quarantined) 4", "Täyttöaste")):
        page = Path(write_ingest(res, tmp_path / lang, language=lang)["quality_html"]).read_text()
        assert words in page and f'lang="{lang}"' in page and finnish not in page


def test_quarantine_reasons_are_counted_per_row_not_split_on_suggestions(ref, tmp_path):
    """A suggestion list "did you mean: A (x); B (y)" is one reason, not several."""
    f = tmp_path / "r.csv"
    f.write_text("nimi;kotipaikka;jäseniä\nA ry;Koski;-3\nB ry;Atlantis;\nC ry;Helsinki;\n", "utf-8")
    res = ingest(f, ref, today=TODAY)
    reasons = res.result.summary["quarantine_reasons"]
    assert sum(reasons.values()) >= res.result.rows_in - len(res.register)
    assert all(not k[:1].isupper() or k.startswith(("unknown", "ambiguous")) for k in reasons), reasons
    assert len(res.result.reasons) == len(res.quarantine)
    assert all(isinstance(r, list) and r for r in res.result.reasons)


def test_quality_html_escapes(ref):
    read = {"column_mapping": {"<b>": "name"}, "unmapped_columns": [], "personal_data_columns": []}
    page = quality_html({"file": "<script>x</script>", "read": read, "rows_in": 0, "accepted": 0,
                         "quarantined": 0, "completeness": {}, "resolution_methods": {},
                         "likely_duplicates": 0, "quarantine_reasons": {}, "quarantine_examples": {},
                         "classification": {"classified_rows": 0, "given_rows": 0, "disagreements": 0,
                                            "disagreement_examples": [], "headquarters": 0}})
    assert "<script>x" not in page and "&lt;script&gt;" in page


def test_demo_register_goes_through_ingest_unchanged_in_meaning(ref, demo_dir):
    res = ingest(demo_dir / "register.csv", ref, today=TODAY)
    raw = pd.read_csv(demo_dir / "register.csv", dtype=str)
    assert len(res.quarantine) == 0 and len(res.register) == len(raw)
    assert res.register["name"].tolist() == raw["name"].tolist()
    assert res.register["sector"].tolist() == raw["sector"].tolist()
    assert res.register["paid_staff"].astype("Float64").tolist() == \
        pd.to_numeric(raw["paid_staff"]).astype("Float64").tolist()
    names = ref.key.set_index("kunta_code")
    back = [names.at[c, "kunta_name_fi"] if names.at[c, "kunta_name_fi"] == m else names.at[c, "kunta_name_sv"]
            for c, m in zip(res.register["municipality_code"], raw["municipality"], strict=True)]
    assert back == raw["municipality"].tolist()
    assert res.result.synthetic
