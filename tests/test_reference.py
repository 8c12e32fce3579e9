import shutil

import pandas as pd
import pytest

from sote_analytics.reference import (
    ReferenceDataError,
    ReferenceNotFoundError,
    level_ids,
    load_reference,
    locate_reference,
)


def test_key_2025_has_308_municipalities_with_three_digit_codes(ref):
    assert len(ref.key) == 308
    assert ref.key["kunta_code"].str.fullmatch(r"\d{3}").all()
    assert "091" in set(ref.key["kunta_code"])  # Helsinki keeps its leading zero
    assert "588" not in set(ref.key["kunta_code"])  # Pertunmaa merged in 2025


@pytest.mark.parametrize("level,count", [("hyvinvointialue", 23), ("maakunta", 19),
                                         ("yhteistyoalue", 6), ("koko_maa", 1)])
def test_area_counts(ref, level, count):
    assert len(ref.areas(level)) == count


def test_every_municipality_in_exactly_one_area_per_level(ref):
    for level in level_ids():
        codes = ref.key[f"{level}_code"]
        assert codes.notna().all() and (codes != "").all(), level
        areas = ref.areas(level)
        assert areas["n_municipalities"].sum() == 308, level
        assert areas["code"].is_unique, level


def test_area_populations_add_up_to_national_total(ref):
    total = int(ref.population.sum())
    for level in level_ids():
        assert int(ref.areas(level)["population"].sum()) == total, level


def test_population_year_is_said_when_older_than_key(ref):
    assert ref.population_year == 2022
    assert any("2022" in n and "2025" in n for n in ref.notes)


def test_mantyharju_polygon_covers_former_pertunmaa(ref, reference_dir):
    import geopandas as gpd

    raw = gpd.read_file(next(reference_dir.glob("municipalities_2023_*.geojson")))
    pertunmaa = raw.loc[raw["NATCODE"] == "588", "geometry"].iloc[0]
    before = raw.loc[raw["NATCODE"] == "507", "geometry"].iloc[0]
    b = ref.boundaries("kunta").set_index("code")
    mantyharju = b.loc["507", "geometry"]
    assert mantyharju.buffer(1e-9).contains(pertunmaa)
    assert mantyharju.area == pytest.approx(before.area + pertunmaa.area, rel=1e-6)
    assert len(b) == 308


def test_area_outline_matches_its_municipalities(ref):
    mun = ref.boundaries("kunta").merge(ref.key[["kunta_code", "hyvinvointialue_code"]],
                                        left_on="code", right_on="kunta_code")
    areas = ref.boundaries("hyvinvointialue").set_index("code")
    ks = mun[mun["hyvinvointialue_code"] == "15"]
    assert areas.loc["15", "geometry"].area == pytest.approx(ks.geometry.area.sum(), rel=1e-6)
    assert areas.loc["15", "name_fi"] == "Keski-Suomen hyvinvointialue"


def test_dissolved_boundaries_are_kept_per_level_and_handed_out_as_copies(reference_dir):
    """A second call gives what a fresh reference dissolves; a caller's change to its copy reaches nobody;
    new municipality polygons are dissolved again."""
    ref = load_reference(2025, reference_dir=reference_dir)
    first = ref.boundaries("maakunta", simplify=0.005)
    first.loc[0, "name_fi"] = "muutettu"
    first.geometry = first.geometry.translate(1, 1)
    again = ref.boundaries("maakunta", simplify=0.005)
    fresh = load_reference(2025, reference_dir=reference_dir).boundaries("maakunta", simplify=0.005)
    assert again.equals(fresh) and "muutettu" not in set(again["name_fi"])
    assert not ref.boundaries("maakunta").geometry.geom_equals_exact(again.geometry, 0).all()  # own key
    shrunk = ref.municipality_boundaries.copy()
    shrunk.geometry = shrunk.geometry.translate(0.5, 0)
    ref.__dict__["municipality_boundaries"] = shrunk  # the cached_property replaced
    assert not ref.boundaries("maakunta", simplify=0.005).geometry.geom_equals_exact(fresh.geometry, 1e-9).all()


def test_offline_without_folder_or_cache_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.delenv("SOTE_REFERENCE_DIR", raising=False)
    # 2025 now falls back to the embedded snapshot; a year it lacks still needs a source
    with pytest.raises(ReferenceNotFoundError) as err:
        locate_reference(None, tmp_path / "empty-cache", 2024)
    msg = str(err.value)
    assert "sote-analytics reference fetch --year 2024" in msg
    assert "SOTE_REFERENCE_DIR" in msg and "--reference-dir" in msg


def test_boundaries_missing_a_municipality_fail_loudly(reference_dir, tmp_path):
    import geopandas as gpd

    for f in reference_dir.glob("*.csv"):
        shutil.copy(f, tmp_path / f.name)
    g = gpd.read_file(next(reference_dir.glob("municipalities_2023_*.geojson")))
    g[g["NATCODE"] != "020"].to_file(tmp_path / "municipalities_2023_test.geojson",
                                     driver="GeoJSON")
    ref = load_reference(2025, reference_dir=tmp_path)
    with pytest.raises(ReferenceDataError, match="020"):
        _ = ref.municipality_boundaries


def test_unknown_code_in_population_is_refused(reference_dir, tmp_path):
    for f in reference_dir.glob("*"):
        shutil.copy(f, tmp_path / f.name)
    pop = pd.read_csv(tmp_path / "population_by_municipality_2000_2022.csv", dtype=str)
    pop.loc[len(pop)] = ["2022", "999", "10"]
    pop.to_csv(tmp_path / "population_by_municipality_2000_2022.csv", index=False)
    ref = load_reference(2025, reference_dir=tmp_path)
    with pytest.raises(ReferenceDataError, match="999"):
        _ = ref.population
