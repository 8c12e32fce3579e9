"""Need versus supply: population by age in the reference folder, the per-target-group indicator, the report."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from sote_analytics.indicators.definitions import target_groups
from sote_analytics.indicators.engine import compute_indicators
from sote_analytics.reference import ReferenceDataError, load_reference

TARGET = "associations_per_1000_target_group"


def _age_folder(reference_dir, tmp_path, year=2024, drop=None):
    """The shared reference files plus a population_by_age_<year>.csv derived from their population."""
    folder = tmp_path / "ref"
    folder.mkdir()
    for p in reference_dir.iterdir():
        if p.is_file():
            shutil.copy(p, folder / p.name)
    ref = load_reference(2025, reference_dir=folder)
    pop = ref.population
    rows = []
    for i, (kunta, total) in enumerate(pop.items()):
        share65 = 0.15 + (i % 7) / 100  # varies by municipality so that sums are not proportional
        rows += [(kunta, "0_17", round(total * 0.18)), (kunta, "18_64", round(total * (0.82 - share65))),
                 (kunta, "65_plus", round(total * share65)), (kunta, "75_plus", round(total * share65 / 2))]
    df = pd.DataFrame(rows, columns=["kunta_code", "age_group", "population"])
    if drop is not None:
        df = df[~((df["kunta_code"] == drop[0]) & (df["age_group"] == drop[1]))]
    df.to_csv(folder / f"population_by_age_{year}.csv", index=False)
    return folder, df


def _register(ref):
    """Elderly associations in the municipalities of one wellbeing services county, one child and family too."""
    codes = ref.members("hyvinvointialue", "12")["kunta_code"].tolist()
    rows = [{"municipality_code": c, "sector": "elderly"} for c in codes for _ in range(1 + int(c) % 3)]
    rows += [{"municipality_code": codes[0], "sector": "child_family"},
             {"municipality_code": "091", "sector": "rescue"}]
    return pd.DataFrame(rows)


def test_loader_reads_age_groups_and_sums_areas(reference_dir, tmp_path):
    folder, df = _age_folder(reference_dir, tmp_path)
    ref = load_reference(2025, reference_dir=folder)
    assert ref.population_by_age_year == 2024
    assert len(ref.population_by_age) == 308 * 4
    hva = ref.target_population("hyvinvointialue", "65_plus")
    members = ref.members("hyvinvointialue", "12")["kunta_code"]
    expected = df[df["kunta_code"].isin(members) & (df["age_group"] == "65_plus")]["population"].sum()
    assert hva["12"] == expected and len(hva) == 23
    assert any("Population by age of 2024" in n for n in ref.notes)


def test_loader_refuses_an_incomplete_or_unknown_age_file(reference_dir, tmp_path):
    folder, _ = _age_folder(reference_dir, tmp_path, drop=("091", "65_plus"))
    with pytest.raises(ReferenceDataError, match=r"091.*65_plus"):
        _ = load_reference(2025, reference_dir=folder).population_by_age
    bad = folder / "population_by_age_2024.csv"
    bad.write_text(bad.read_text("utf-8") + "091,65_to_99,5\n", "utf-8")
    with pytest.raises(ReferenceDataError, match="unknown age groups"):
        _ = load_reference(2025, reference_dir=folder).population_by_age


def test_indicator_is_associations_per_1000_of_the_target_group(reference_dir, tmp_path):
    folder, df = _age_folder(reference_dir, tmp_path)
    ref = load_reference(2025, reference_dir=folder)
    reg = _register(ref)
    tb = compute_indicators(reg, ref, "test").table
    rows = tb[tb["indicator"] == TARGET].set_index(["area_level", "area_code", "sector"])
    members = ref.members("hyvinvointialue", "12")["kunta_code"]
    n_elderly = int((reg["sector"] == "elderly").sum())
    pop65 = df[df["kunta_code"].isin(members) & (df["age_group"] == "65_plus")]["population"].sum()
    got = rows.loc[("hyvinvointialue", "12", "elderly")]
    assert got["value"] == pytest.approx(n_elderly * 1000 / pop65) and got["n"] == n_elderly
    # child and family against the under-18s of one municipality
    kid = reg[reg["sector"] == "child_family"]["municipality_code"].iloc[0]
    pop017 = df[(df["kunta_code"] == kid) & (df["age_group"] == "0_17")]["population"].iloc[0]
    assert rows.loc[("kunta", kid, "child_family"), "value"] == pytest.approx(1000 / pop017)
    # a sector without a target group, and all sectors together, have no figure
    assert np.isnan(rows.loc[("kunta", "091", "rescue"), "value"])
    assert rows.xs("ALL", level="sector")["value"].isna().all()
    # the sectors of the data file, and no other, get figures (0 where there is no association)
    with_value = set(tb[(tb["indicator"] == TARGET) & tb["value"].notna()]["sector"])
    assert with_value == set(target_groups()["sector"])
    assert rows.loc[("hyvinvointialue", "12", "employment"), "value"] == 0


def test_without_age_data_the_indicator_is_empty_and_the_report_says_why(ref, processed):
    from sote_analytics.report.content import load_context, need_supply

    assert ref.population_by_age is None  # the shared reference folder has no age data
    out, _res, ind = processed
    tb = ind.table
    assert tb[tb["indicator"] == TARGET]["value"].isna().all() and (tb["indicator"] == TARGET).any()
    ctx = load_context("hyvinvointialue", "12", 2025, "en", out, reference_dir=ref.folder)
    html = need_supply(ctx)
    assert "no population by age group" in html and "<table" not in html


def test_with_age_data_the_report_shows_the_figures(reference_dir, tmp_path):
    from sote_analytics.pipeline import build_indicators
    from sote_analytics.report.content import load_context, need_supply

    folder, _ = _age_folder(reference_dir, tmp_path)
    ref = load_reference(2025, reference_dir=folder)
    reg_path = tmp_path / "register.csv"
    _register(ref).assign(name=lambda d: [f"Yhdistys {i}" for i in range(len(d))]).to_csv(reg_path, index=False)
    out = tmp_path / "processed"
    _res, ind = build_indicators(reg_path, ref, out)
    ctx = load_context("hyvinvointialue", "12", 2025, "en", out, reference_dir=ref.folder)
    html = need_supply(ctx)
    v = ind.table.query(f"indicator == '{TARGET}' and area_level == 'hyvinvointialue' and area_code == '12' "
                        "and sector == 'elderly'")["value"].iloc[0]
    assert "<table" in html and "Aged 65 or over" in html and f"{v:.2f}" in html
