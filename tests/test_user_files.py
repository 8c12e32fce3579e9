"""A user's own files, as they really come (issue 24).

Exports written the way six real sources shape them (``tests/data/real_exports.py``: a
Yhdistystori-style .xlsx with title rows and its category column, a Lähellä-style CSV, a
Toimeksi-style CSV with contact columns, a PRH extract, a municipal link directory), with
field problems injected; the generator knows the truth without the product's rules.
Surveys are tested in ``test_survey_read.py``.
"""

from __future__ import annotations

import html
import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sote_analytics.pipeline import apply_classification, read_register
from sote_analytics.read.register import canonicalize

HERE = Path(__file__).parent
EXAMPLES = HERE.parent / "examples"
_spec = importlib.util.spec_from_file_location("real_exports", HERE / "data" / "real_exports.py")
GEN = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(GEN)
#: Truth kinds of the generator that are problems (the field becomes unknown); the others are read
#: (approximations, bounds, ranges: kept and flagged; "unknown" words: missing, not a problem).
PROBLEM_KINDS = {"not a number", "negative", "invalid date", "invalid business id"}
SOTE_OUT = {"not_sote", "unclassified"}


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    return GEN.write_exports(tmp_path_factory.mktemp("exports"), seed=0)


@pytest.fixture(scope="module")
def read(exports, ref):
    return {name: read_register(path, ref) for name, path in exports["files"].items()}


def _truth(exports, name: str) -> pd.DataFrame:
    t = exports["truth"]
    return t[t["file"] == name].copy()


def _joined(res, truth: pd.DataFrame) -> pd.DataFrame:
    reg = res.register.assign(source_row=res.register["source_row"].astype(int))
    return reg.merge(truth, on="source_row", suffixes=("", "_truth"), validate="one_to_one")


def test_no_association_is_lost_to_a_field_problem(read, exports):
    for name, res in read.items():
        t = _truth(exports, name)
        r = res.result
        assert r.rows_in == len(r.register) + len(r.quarantine) == len(t), name
        expected = set(t.loc[t["expected_quarantine"].astype(bool), "source_row"].astype(int))
        assert set(r.quarantine["source_row"].astype(int)) == expected, (name, r.quarantine["reason"].tolist())
        # every quarantined row is one that cannot be an association of a place
        for reason in r.quarantine["reason"]:
            assert reason.startswith(("name missing", "no real name", "no location", "exact duplicate",
                                      "duplicate register number", "duplicate business ID")), reason


def test_every_field_problem_is_counted(read, exports):
    total = 0
    for name, res in read.items():
        t = _truth(exports, name)
        expected = set()
        for row, problems in zip(t["source_row"], t["field_problems"], strict=True):
            if t.loc[t["source_row"] == row, "expected_quarantine"].iloc[0]:
                continue
            for col, kind in json.loads(problems) if isinstance(problems, str) else problems:
                if kind in PROBLEM_KINDS:
                    expected.add((int(row), {"paid_staff": "staff"}.get(col, col)))
        fp = res.result.field_problems
        fp = fp[~fp["kind"].str.startswith("personal data")]
        got = {(int(r), "staff" if c.startswith("paid_staff") else c) for r, c in zip(fp["source_row"], fp["column"],
                                                                                      strict=True)}
        assert got == expected, name
        summary = res.result.summary
        assert summary["field_problems_total"] == len(res.result.field_problems)
        assert sum(sum(k.values()) for k in summary["field_problems"].values()) == summary["field_problems_total"]
        # the association with the problem is there, its field unknown and named in field_problems
        for row, _col in got:
            a = res.register[res.register["source_row"].astype(int) == row].iloc[0]
            assert isinstance(a["field_problems"], str)
        total += len(got)
    assert total >= 8  # the generator injects problems in four of the five exports


def test_approximate_member_counts_are_kept_as_documented(read, exports):
    for name, res in read.items():
        m = _joined(res, _truth(exports, name))
        if m["members_truth"].isna().all():
            continue
        got = m["members"].astype("Float64").astype(float).to_numpy()
        np.testing.assert_allclose(got, m["members_truth"].astype(float).to_numpy(), equal_nan=True, err_msg=name)
        flagged = m["approximate"].fillna("").str.contains("members")
        assert (flagged == m["members_approx"].astype(bool)).all(), name


def test_staff_in_persons_and_full_time_equivalents_is_read(read, exports):
    for name, res in read.items():
        m = _joined(res, _truth(exports, name))
        if m["paid_staff_truth"].isna().all():
            continue
        fte_rows = m["paid_staff_unit"] == "htv"
        got_fte = m.loc[fte_rows, "paid_staff_fte"].astype("Float64").astype(float)
        np.testing.assert_allclose(got_fte, m.loc[fte_rows, "staff_fte"].astype(float), equal_nan=True)
        persons = m["paid_staff_unit"] == "persons"
        got = m.loc[persons, "paid_staff"].astype("Float64").astype(float)
        np.testing.assert_allclose(got, m.loc[persons, "paid_staff_truth"].astype(float), equal_nan=True)


def test_paid_staff_share_counts_the_part_timers(read, exports, ref):
    """The share with paid staff: FTE > 0 or persons >= 1, of those whose staff is known."""
    from sote_analytics.indicators.engine import compute_indicators

    res = read["yhdistystori.xlsx"]
    m = _joined(res, _truth(exports, "yhdistystori.xlsx"))
    local_sote = m[~m["sector"].isin(SOTE_OUT) & ~m["is_headquarters"].astype(bool)]
    known = local_sote["staff_fte"].notna()
    expected = float((local_sote.loc[known, "staff_fte"] > 0).mean())
    t = compute_indicators(res.register, ref, "x").table
    got = t.query("area_level == 'koko_maa' and sector == 'ALL' and indicator == 'paid_staff_share'")
    assert got["value"].iloc[0] == pytest.approx(expected) and got["n"].iloc[0] == known.sum()
    assert (local_sote.loc[known, "staff_fte"].between(0, 1, inclusive="neither")).any()  # part-timers are there


def test_sote_precision_and_recall_on_exports_with_their_own_categories(read, exports):
    for name, res in read.items():
        m = _joined(res, _truth(exports, name))
        if m["category"].isna().all():
            continue
        pred = ~m["sector"].isin(SOTE_OUT)
        true = m["is_sote"].astype(bool)
        tp = int((pred & true).sum())
        assert tp / max(int(pred.sum()), 1) >= 0.95 and tp / max(int(true.sum()), 1) >= 0.95, name
        # the file's category was used: every known category's bound holds (a sote category gives a sote
        # sector, a not-sote one not sote, a sector category that sector)
        from sote_analytics.classify.classifier import source_categories
        from sote_analytics.text import normalize_text

        bound = m["category"].map(lambda c: source_categories().get(normalize_text(c, casefold=True), "")
                                  if isinstance(c, str) else "")
        sote = ~m["sector"].isin(SOTE_OUT)
        ok = np.select([bound == "sote", bound == "not_sote", bound.isin(["", "lean_not_sote"])],
                       [sote, m["sector"] == "not_sote", True], default=m["sector"] == bound)
        assert ok.all(), (name, m.loc[~ok, ["name", "category", "sector"]].to_string())
        assert (bound != "").mean() > 0.5, name


def test_unclassified_is_never_in_the_sote_total(read, ref):
    from sote_analytics.indicators.engine import compute_indicators

    reg = read["yhdistystori.xlsx"].register.copy()
    reg.loc[reg.index[:7], "sector"] = "unclassified"
    t = compute_indicators(reg, ref, "x").table
    country = t.query("area_level == 'koko_maa' and indicator == 'associations'").set_index("sector")["value"]
    local = reg[~reg["is_headquarters"].astype(bool)]
    assert country["ALL"] == int((~local["sector"].isin(SOTE_OUT)).sum())
    assert country["unclassified"] == int((local["sector"] == "unclassified").sum()) > 0


def test_nothing_personal_in_the_ingest_outputs(exports, ref, tmp_path):
    from sote_analytics.read.ingest import write_ingest

    for name in ("toimeksi.csv", "yhdistystori.xlsx"):
        res = read_register(exports["files"][name], ref)
        paths = write_ingest(res, tmp_path / name)
        personal = _personal_values(exports, name)
        assert personal
        hits = _scan(tmp_path / name, personal)
        assert not hits, hits[:5]
        # the dropped columns are named, never their values
        assert res.info.personal_data_columns and Path(paths["quality_html"]).exists()


def _personal_values(exports, name: str) -> list[str]:
    t = _truth(exports, name)
    values = [v for x in t["personal_values"] for v in (json.loads(x) if isinstance(x, str) else x)]
    return sorted({v for v in values if len(v) >= 6})


def _scan(folder: Path, needles: list[str]) -> list[tuple[str, str]]:
    """Every output file's text (HTML unescaped, JSON and notebooks decoded, Parquet and xlsx cells)."""
    hits = []
    for p in folder.rglob("*"):
        if not p.is_file():
            continue
        if p.suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pq.read_table(p)
            text = "\n".join(str(v) for name in table.column_names if not pa.types.is_binary(table[name].type)
                              for v in table[name].to_pylist())
        elif p.suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(p, read_only=True)
            text = "\n".join(str(c) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for c in r)
        else:
            text = p.read_bytes().decode("utf-8", errors="replace")
            if p.suffix in (".json", ".ipynb"):
                text += json.dumps(json.loads(text), ensure_ascii=False)
            text = html.unescape(text)
        hits += [(p.name, n) for n in needles if n in text]
    return hits


# ---------------------------------------------------------------------------- the defects, one by one
def _write(tmp_path: Path, text: str, name: str = "r.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, "utf-8")
    return p


@pytest.mark.parametrize("text", [
    "nimi;kotipaikka\nHARSO;Helsinki\n",
    "nimi;kotipaikka;toiminta-alue\nKansallinen Senioriliitto ry;;Koko Suomi\nEläkeliitto ry;Helsinki;Koko Suomi\n"
    "Suomen Sydänliitto ry;Helsinki;Koko Suomi\n",
    "nimi;kotipaikka\n" + "".join(f"Helsingin Seniorit {i} ry;Helsinki\n" for i in range(7)),
])
def test_known_organisations_in_an_ordinary_file_do_not_crash(ref, tmp_path, text):
    """The known-organisation lookup met pandas' Arrow strings (NA, not None) from the reader."""
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    f = _write(tmp_path, text)
    res = read_register(f, ref)
    assert len(res.register) == text.count("\n") - 1
    r = CliRunner().invoke(app, ["ingest", str(f), "--out-dir", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output


def test_a_known_organisation_is_known_through_the_readers_dtype(ref, tmp_path):
    res = read_register(_write(tmp_path, "nimi;kotipaikka\nSuomen Sydänliitto ry;Helsinki\nX ry;Oulu\n"), ref)
    assert pd.api.types.is_string_dtype(res.register["name"])
    row = res.register.set_index("name").loc["Suomen Sydänliitto ry"]
    assert (row["sector_source"], row["org_type"]) == ("known_org", "national")


@given(data=st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_classification_takes_any_mix_of_known_unknown_and_missing(ref, data):
    from sote_analytics.classify.classifier import national_organisations

    known = sorted(national_organisations())[:60]
    name = st.one_of(st.sampled_from(known), st.sampled_from(["Oulun Eläkkeensaajat ry", "X ry", "Kerho"]),
                     st.just(""), st.none(), st.text(max_size=12))
    n = data.draw(st.integers(1, 12))
    raw = pd.DataFrame({
        "name": data.draw(st.lists(name, min_size=n, max_size=n)),
        "municipality": data.draw(st.lists(st.sampled_from(["Helsinki", "", None, "Atlantis", "091"]), min_size=n,
                                           max_size=n)),
        "operating_area": data.draw(st.lists(st.sampled_from(["Koko Suomi", "", None, "Keski-Suomi", "Mars"]),
                                             min_size=n, max_size=n)),
        "category": data.draw(st.lists(st.sampled_from(["Liikunta ja urheilu", "Sosiaali- ja terveysala", None, "?"]),
                                       min_size=n, max_size=n)),
    }, dtype="string")
    res = canonicalize(raw, ref, "fuzz")
    assert res.rows_in == len(res.register) + len(res.quarantine)
    reg = apply_classification(res.register)
    assert reg["sector"].notna().all() and len(reg) == len(res.register)
    assert not reg["sector"].isin(["sote", "lean_not_sote"]).any()  # bounds are never sectors


@pytest.mark.parametrize("value,members,approx", [
    ("n. 218", 218, True), ("noin 200", 200, True), ("yli 100", 100, True), ("200–300", 250, True),
    ("alle 10", 5, True), ("1 200", 1200, False), ("ei tiedossa", None, False), ("-", None, False),
])
def test_member_counts_as_registers_write_them(ref, tmp_path, value, members, approx):
    res = read_register(_write(tmp_path, f"nimi;kotipaikka;jäsenmäärä\nA ry;Konnevesi;{value}\n"), ref)
    assert len(res.register) == 1 and res.quarantine.empty
    got = res.register["members"].iloc[0]
    assert (None if pd.isna(got) else int(got)) == members
    assert ("members" in str(res.register["approximate"].iloc[0])) == approx
    assert not len(res.result.field_problems)


def test_impossible_counts_become_unknown_with_a_field_problem(ref, tmp_path):
    res = read_register(_write(tmp_path, "nimi;kotipaikka;jäsenmäärä\nA ry;Konnevesi;-3\nB ry;Laukaa;paljon\n"), ref)
    assert len(res.register) == 2 and res.register["members"].isna().all()
    assert res.result.summary["field_problems"] == {"members": {"members: negative …": 1,
                                                                "members: not a number …": 1}}


def test_staff_in_htv_with_decimal_commas_is_read_and_named(ref, tmp_path):
    f = _write(tmp_path, "Yhdistyksen nimi;Kotipaikka;Palkattua henkilöstöä (htv)\nA ry;Jyväskylä;0,5\n"
                         "B ry;Jyväskylä;6,5\nC ry;Jyväskylä;0\nD ry;Jyväskylä;\n")
    res = read_register(f, ref)
    assert res.info.column_mapping["Palkattua henkilöstöä (htv)"] == "paid_staff_fte"
    assert res.register["paid_staff_fte"].astype(float).tolist()[:3] == [0.5, 6.5, 0.0]
    assert "Palkattua henkilöstöä (htv)" not in res.info.unmapped_columns


def test_a_persons_column_with_fractions_is_read_as_full_time_equivalents(ref, tmp_path):
    res = read_register(_write(tmp_path, "nimi;kotipaikka;henkilöstö\nA ry;Oulu;2,5\nB ry;Oulu;3\n"), ref)
    assert res.register["paid_staff_fte"].astype("Float64").tolist()[0] == 2.5
    assert res.register["paid_staff"].astype("Int64").tolist()[1] == 3 and not len(res.result.field_problems)


def test_a_column_that_looks_known_but_is_not_read_is_named_with_the_line_to_add(ref, tmp_path):
    from typer.testing import CliRunner

    from sote_analytics.cli import app
    from sote_analytics.read.quality import quality_html

    f = _write(tmp_path, "nimi;kotipaikka;Palkattuja työntekijöitä arviolta\nA ry;Oulu;3\n")
    res = read_register(f, ref)
    assert res.info.suggested_columns == {"Palkattuja työntekijöitä arviolta": "paid_staff"}
    page = quality_html(res.quality(), "fi")
    assert '"Palkattuja työntekijöitä arviolta": paid_staff' in html.unescape(page)
    r = CliRunner().invoke(app, ["ingest", str(f), "--out-dir", str(tmp_path / "o")])
    assert r.exit_code == 0 and "'Palkattuja työntekijöitä arviolta': paid_staff" in r.output
    # and the line, in a mapping file, reads it: in `ingest` and in `run` alike
    m = _write(tmp_path, "'Palkattuja työntekijöitä arviolta': paid_staff\n", "m.yaml")
    assert read_register(f, ref, mapping=m).register["paid_staff"].tolist() == [3]


def test_run_takes_a_mapping_a_sheet_and_corrections(ref):
    import inspect

    from sote_analytics.cli import run_register

    assert {"mapping", "sheet", "corrections"} <= set(inspect.signature(run_register).parameters)


def test_ingest_does_not_say_kept_and_dropped_of_the_same_column(tmp_path):
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    f = _write(tmp_path, "nimi;kotipaikka;Yhteyshenkilö;Sähköposti;Kotisivu\nA ry;Oulu;Matti M;m@example.fi;x.fi\n")
    r = CliRunner().invoke(app, ["ingest", str(f), "--out-dir", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    kept = next(ln for ln in r.output.splitlines() if "kept as they are" in ln)
    dropped = next(ln for ln in r.output.splitlines() if "personal data columns" in ln)
    assert "Kotisivu" in kept and "Sähköposti" not in kept and "Sähköposti" in dropped


@pytest.mark.parametrize("name,category,sector", [
    ("JYP Jyväskylä ry", "Liikunta ja urheilu", "not_sote"),
    ("Laukaan Luja ry", "Liikunta ja urheilu", "not_sote"),
    ("Keuruun Eläkeläisten Liikuntaseura ry", "Liikunta ja urheilu", "not_sote"),
    ("Jyväskylän Martat ry", "Sosiaali- ja terveysala", "other_sote"),
    ("Jyväskylän Katulähetys ry", "Mielenterveys- ja päihdetyö", "mental_substance"),
    ("Sovatek-säätiö sr", "Mielenterveys- ja päihdetyö", "mental_substance"),
    ("Kuopion Reumayhdistys ry", "Sosiaali- ja terveysala", "patient_health"),
    ("Laukaan Metsästysseura ry", "Metsästys", "not_sote"),
])
def test_the_files_own_category_bounds_the_classification(ref, tmp_path, name, category, sector):
    """A sote category never becomes not-sote; a sports or hunting category never becomes sote."""
    res = read_register(_write(tmp_path, f"nimi;kotipaikka;toimiala\n{name};Jyväskylä;{category}\n"), ref)
    assert res.register["sector"].iloc[0] == sector
    q = res.quality()
    assert q["categories"]["given_rows"] == 1 and q["categories"]["known_rows"] == 1


def test_unknown_category_values_are_listed(ref, tmp_path):
    res = read_register(_write(tmp_path, "nimi;kotipaikka;luokka\nA ry;Oulu;Veteraanityö\nB ry;Oulu;Golf\n"), ref)
    assert res.quality()["categories"]["unknown_values"] == {"Golf": 1, "Veteraanityö": 1}


def test_run_on_ingests_own_output_keeps_every_column_and_the_original_accounting(ref, tmp_path):
    from sote_analytics.read.ingest import write_ingest

    f = _write(tmp_path, "nimi;kotipaikka;toiminta-alue;toimiala;jäsenmäärä\n"
                         "Keski-Suomen Tukipiiri ry;;Keski-Suomi;Vammaisjärjestöt;n. 50\n"
                         "Laukaan Luja ry;Laukaa;;Liikunta ja urheilu;300\n;Oulu;;;\n", "lista.csv")
    first = read_register(f, ref)
    paths = write_ingest(first, tmp_path / "ing")
    again = read_register(paths["register_parquet"], ref)
    assert again.result.source == "lista.csv" and again.result.summary["origin"]["rows_in"] == 3
    assert again.result.summary["origin"]["quarantined"] == 1
    cols = ["name", "sector", "org_type", "operating_area_codes", "source_category", "members"]
    pd.testing.assert_frame_equal(first.register[cols].reset_index(drop=True),
                                  again.register[cols].reset_index(drop=True))
    assert not again.info.unmapped_columns  # the derived columns are made again, not kept as extras


def test_district_organisations_of_the_county_count_as_its_own(ref, tmp_path):
    from sote_analytics.indicators.engine import compute_indicators

    f = _write(tmp_path, "nimi;kotipaikka;toiminta-alue\nKeski-Suomen Omaishoitajat ry;Jyväskylä;Keski-Suomi\n"
                         "Keski-Suomen Monikkoperheet ry;Jyväskylä;\nJyväskylän Eläkkeensaajat ry;Jyväskylä;\n")
    reg = read_register(f, ref).register.set_index("name")
    assert reg.loc["Keski-Suomen Monikkoperheet ry", "operating_area_inferred"] == "name"
    assert reg.loc["Keski-Suomen Monikkoperheet ry", "org_type"] == "district"
    county = ref.key.loc[ref.key["kunta_code"] == "179", "hyvinvointialue_code"].iloc[0]
    t = compute_indicators(reg.reset_index(), ref, "x").table
    v = t.query(f"area_level == 'hyvinvointialue' and area_code == '{county}' and sector == 'ALL'").set_index(
        "indicator")["value"]
    assert (v["associations"], v["district_associations"], v["own_associations"]) == (1, 2, 3)
    other = t.query(f"area_level == 'hyvinvointialue' and area_code != '{county}' and indicator == "
                    "'district_associations'")["value"]
    assert (other == 0).all()


def test_corrections_last_and_the_review_workbook_is_a_corrections_file(ref, tmp_path):
    from sote_analytics.classify.corrections import read_corrections, write_review_workbook

    f = _write(tmp_path, "nimi;kotipaikka;y-tunnus\nTukikohta ry;Keuruu;\nPaja ry;Keuruu;0737546-2\n"
                         "Kuopion Reumayhdistys ry;Kuopio;\n")
    res = read_register(f, ref)
    review, n = write_review_workbook(res.register, tmp_path / "tarkistettavat.xlsx")
    assert n == 2  # the two names with no signal
    from openpyxl import load_workbook

    wb = load_workbook(review)
    ws = wb.worksheets[0]
    assert ws.cell(1, 9).value == "korjattu toimiala" and ws.max_row == 3
    ws.cell(2, 9).value = "Mielenterveys, päihteet ja riippuvuudet"
    wb.save(review)
    fixes = read_corrections(review)
    assert len(fixes) == 1  # empty rows are ignored
    extra = _write(tmp_path, "y-tunnus;korjattu toimiala\n0737546-2;Ei sote-alaa\n9999999-9;elderly\n", "k.csv")
    again = read_register(f, ref, corrections=review)
    again2 = read_register(f, ref, corrections=extra)
    reg = again.register.set_index("name")
    assert (reg.loc["Tukikohta ry", "sector"], reg.loc["Tukikohta ry", "sector_source"]) == (
        "mental_substance", "correction")
    assert again2.register.set_index("name").loc["Paja ry", "sector"] == "not_sote"
    assert again2.corrections["applied"] == 1 and again2.corrections["unmatched"] == ["9999999-9 (row 3)"]
    q = again2.quality()
    assert q["corrections"]["applied"] == 1


def test_example_register_runs_through_every_report(reference_dir, tmp_path, monkeypatch):
    """The README's example file: `run` gives reports, the review workbook and nothing personal."""
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(app, ["run", str(EXAMPLES / "yhdistysluettelo.csv"), "--reference-dir",
                                 str(reference_dir), "--workers", "2"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "sote-output"
    assert "26 rows read, 24 accepted, 2 quarantined" in r.output
    assert "field values unreadable" in r.output and "Sähköposti" in r.output
    assert (out / "processed" / "tarkistettavat.xlsx").exists()
    problems = pd.read_csv(out / "processed" / "field_problems.csv")
    assert set(problems["column"]) >= {"members", "business_id"}
    assert not _scan(out, ["eh@example.fi", "Esimerkki Henkilö", "040 555 0199"])
    meta = json.loads((out / "processed" / "run.json").read_text("utf-8"))
    assert meta["quality"]["field_problems_total"] == len(problems)
    page = html.unescape((out / "reports" / "hyvinvointialue_15.html").read_text("utf-8"))
    assert "Keski-Suomen hyvinvointialue" in page and "Konneveden" not in page.split("<main")[0]


def test_an_approximate_member_count_does_not_make_a_gap(ref, tmp_path):
    """Konnevesi "had no elderly association" because Konneveden Eläkkeensaajat ("n. 218") was quarantined."""
    from sote_analytics.indicators.engine import compute_indicators, coverage_gaps

    f = _write(tmp_path, "nimi;kotipaikka;jäsenmäärä;palkattua henkilöstöä (htv)\n"
                         "Konneveden Eläkkeensaajat ry;Konnevesi;n. 218;0,5\nLaukaan Eläkeläiset ry;Laukaa;120;0\n")
    reg = read_register(f, ref).register
    assert len(reg) == 2
    ind = compute_indicators(reg, ref, "x")
    gaps = coverage_gaps(ind.municipality_counts, ref, "hyvinvointialue", "15")
    elderly = set(gaps.loc[gaps["sector"] == "elderly", "kunta_name_fi"])
    assert "Konnevesi" not in elderly and "Laukaa" not in elderly and "Muurame" in elderly


def test_build_indicators_takes_the_mapping_and_says_how_the_file_was_read(ref, tmp_path):
    from sote_analytics.pipeline import build_indicators

    f = _write(tmp_path, "nimi;kotipaikka;Palkattuja (arvio)\nA ry;Oulu;3\nB ry;Oulu;0\n")
    m = _write(tmp_path, "'Palkattuja (arvio)': paid_staff\n", "m.yaml")
    seen = []
    res, _ = build_indicators(f, ref, tmp_path / "p", mapping=m, on_read=seen.append)
    assert res.register["paid_staff"].tolist() == [3, 0] and seen[0].info.column_mapping["Palkattuja (arvio)"]
    meta = json.loads((tmp_path / "p" / "run.json").read_text("utf-8"))
    assert meta["quality"]["read"]["column_mapping"]["Palkattuja (arvio)"] == "paid_staff"
    assert (tmp_path / "p" / "field_problems.csv").exists() and (tmp_path / "p" / "tarkistettavat.xlsx").exists()


def test_the_operating_section_does_not_say_district_organisations_are_elsewhere():
    from sote_analytics.i18n import t

    for lang in ("fi", "sv", "en"):
        text = t("sec_operating_text", lang)
        assert "muualla" not in text and "någon annanstans" not in text and "elsewhere" not in text


def test_classify_out_writes_only_what_it_classifies(tmp_path):
    from typer.testing import CliRunner

    from sote_analytics.cli import app

    f = _write(tmp_path, "Nimi;Puheenjohtaja;Sähköposti;Tarkoitus\nKeuruun Eläkkeensaajat ry;Maija Virtanen;"
                         "mv@example.fi;soita 040 555 0199\n")
    r = CliRunner().invoke(app, ["classify", str(f), "--out", str(tmp_path / "o.csv")])
    assert r.exit_code == 0, r.output
    text = (tmp_path / "o.csv").read_text("utf-8")
    assert "Maija" not in text and "mv@example.fi" not in text and "040 555 0199" not in text
    assert list(pd.read_csv(tmp_path / "o.csv").columns[:2]) == ["Nimi", "Tarkoitus"]
