import pandas as pd

from sote_analytics.read.business_id import check_digit as business_id_check_digit
from sote_analytics.sources.demo import finnish_genitive, write_demo


def test_same_seed_gives_byte_identical_files(ref, tmp_path):
    a = write_demo(ref, tmp_path / "a", seed=7)
    b = write_demo(ref, tmp_path / "b", seed=7)
    c = write_demo(ref, tmp_path / "c", seed=8)
    for name in ("register", "survey", "readme"):
        assert getattr(a, name).read_bytes() == getattr(b, name).read_bytes(), name
    assert a.register.read_bytes() != c.register.read_bytes()


def test_register_is_calibrated_and_labelled(demo_dir, ref):
    reg = pd.read_csv(demo_dir / "register.csv", dtype={"business_id": str})
    assert 9_500 <= len(reg) <= 11_000  # ~10,200 sote associations (SOSTE 2023)
    assert reg["synthetic"].all()
    assert "SYNTHETIC" in (demo_dir / "README.txt").read_text()
    staff = reg["paid_staff"].dropna()
    assert 0.18 <= (staff > 0).mean() <= 0.26  # ~22% (Järjestöbarometri 2016)
    by_sector = reg.dropna(subset=["paid_staff"]).groupby("sector")["paid_staff"].apply(
        lambda s: (s > 0).mean())
    assert by_sector["employment"] > 0.7
    assert by_sector["child_family"] < 0.15
    assert reg["association_id"].is_unique
    assert not reg.duplicated(["name", "municipality"]).any()
    # a valid Y-tunnus wherever one is given
    bids = reg["business_id"].dropna()
    assert bids.str.fullmatch(r"\d{7}-\d").all()
    assert all(business_id_check_digit(b[:7]) == int(b[-1]) for b in bids)


def test_keski_suomi_mix_resembles_the_published_one(demo_dir, ref):
    reg = pd.read_csv(demo_dir / "register.csv")
    members = ref.members("hyvinvointialue", "15")
    ks = reg[reg["municipality"].isin(set(members["kunta_name_fi"]))]
    assert 420 <= len(ks) <= 600  # ~500 in Keski-Suomi
    shares = ks["sector"].value_counts(normalize=True)
    assert 0.14 <= shares["elderly"] <= 0.28  # ~1/5
    mll = ks[(ks["sector"] == "child_family") & ks["name"].str.contains("MLL|Mannerheimin")]
    assert len(mll) > 0.4 * (ks["sector"] == "child_family").sum()  # over half MLL


def test_swedish_majority_municipalities_get_swedish_domicile(demo_dir):
    reg = pd.read_csv(demo_dir / "register.csv")
    assert (reg["municipality"] == "Närpes").any()
    assert reg.loc[reg["municipality"] == "Närpes", "name"].str.endswith(" rf").any()


def test_survey_mimics_pohjois_savo(demo_dir):
    s = pd.read_csv(demo_dir / "survey.csv", dtype={"seutukunta_code": str})
    assert len(s) == 101
    assert s["seutukunta"].nunique() >= 3
    assert s["yhteistyo_hyvinvointialueen_kanssa"].between(1, 5).all()


def test_finnish_genitive():
    assert finnish_genitive("Keuruu") == "Keuruun"
    assert finnish_genitive("Saarijärvi") == "Saarijärven"
    assert finnish_genitive("Jämsä") == "Jämsän"
    assert finnish_genitive("Turku") == "Turun"
