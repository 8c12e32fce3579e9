# ruff: noqa: E501  (the README template holds markdown table rows)
"""Build the compact reference snapshot embedded in the package.

Reads a reference folder in the format of ``../shared/reference`` (official open data:
Statistics Finland classification service via rOpenGov/geofi, National Land Survey
boundaries, THL Sotkanet population; all CC BY 4.0) and writes
``src/sote_analytics/data/reference_snapshot/``:

* ``municipality_key_<year>.csv``: only the columns the package reads (municipality
  names, the four area levels with names fi/sv/en, language status, urban/rural group);
* ``municipalities_<byear>_nls_4500k_simplified.geojson``: municipal boundaries,
  simplified as a coverage (shared borders stay shared), coordinates rounded to
  4 decimals (about 10 m), properties ``NATCODE``, ``NAMEFIN``, ``NAMESWE`` only;
* ``population_by_municipality_<y0>_<y1>.csv``: the last years of the population series;
* ``municipality_mergers_<y0>_<y1>.csv`` and ``grid_hyvinvointialue.csv``;
* ``snapshot.json``: build date, inputs with SHA-256, outputs with SHA-256;
* ``README.md``: sources, licence and the attribution to show.

Usage::

    python scripts/build_reference_snapshot.py --source ../shared/reference [--year 2025]

The result is checked by loading it with the package's own loader before it replaces
the old snapshot.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src" / "sote_analytics" / "data" / "reference_snapshot"

KEY_COLUMNS = ["kunta", "municipality_name_fi", "municipality_name_sv", "municipality_name_en"]
LEVELS = ["seutukunta", "maakunta", "hyvinvointialue", "yhteistyoalue"]
EXTRA = ["kielisuhde_code", "kuntaryhmitys_code"]

README = """# Embedded reference snapshot (built by `scripts/build_reference_snapshot.py`)

A compact copy of official open reference data, used by sote-analytics when no
`--reference-dir`, no `$SOTE_REFERENCE_DIR` and no complete `reference fetch` cache is
there, so the first command works on a machine without network. Refresh the data with
`sote-analytics reference fetch`; rebuild this folder with the script.

| file | content | source |
| --- | --- | --- |
| `municipality_key_{year}.csv` | municipalities of 1.1.{year} with names fi/sv/en and their sub-region, region, wellbeing services county and collaborative area | Statistics Finland, classification service (as collected by the rOpenGov geofi R package) |
| `{boundary}` | municipal boundaries of {byear}, 1:4.5 million, simplified (tolerance {tol}°), WGS84 | National Land Survey of Finland, administrative divisions |
| `{population}` | population on 31 Dec by municipality | THL Sotkanet indicator 127 (data: Statistics Finland) |
| `{mergers}` | municipalities that ceased, with their successor | derived from the keys and boundaries of the years |
| `grid_hyvinvointialue.csv` | tile-grid layout of the wellbeing services counties | rOpenGov geofi |

Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). The data were
simplified and reduced to the columns the package uses.

Attribution to show in anything built from these data:
**Lähde: Tilastokeskus, Maanmittauslaitos, THL (CC BY 4.0)**

Built {built} from `{source}`; `snapshot.json` lists the inputs and outputs with SHA-256.
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _round(coords, nd: int):
    if isinstance(coords[0], list | tuple):
        return [_round(c, nd) for c in coords]
    return [round(float(c), nd) for c in coords]


def build(source: Path, out: Path, year: int, pop_years: int, tolerance: float, digits: int) -> dict:
    """Write the snapshot of ``year`` derived from ``source`` into ``out``."""
    import geopandas as gpd
    from shapely.geometry import mapping

    out.mkdir(parents=True, exist_ok=True)
    inputs: dict[str, str] = {}

    key_path = source / f"municipality_key_{year}.csv"
    raw = pd.read_csv(key_path, dtype=str, keep_default_na=False)
    inputs[key_path.name] = _sha(key_path)
    cols = KEY_COLUMNS + [f"{lv}_{p}" for lv in LEVELS
                          for p in ("code", "name_fi", "name_sv", "name_en")] + EXTRA
    missing = [c for c in cols if c not in raw]
    if missing:
        raise SystemExit(f"{key_path}: columns missing: {missing}")
    key = raw[cols].copy()
    for c in [f"{lv}_code" for lv in LEVELS] + EXTRA:
        key[c] = key[c].str.replace(r"\.0$", "", regex=True)
    key["kunta"] = key["kunta"].str.zfill(3)
    key["year"] = year
    key.sort_values("kunta").to_csv(out / f"municipality_key_{year}.csv", index=False, lineterminator="\n")

    bfiles = sorted(source.glob("municipalities_*_nls_4500k.geojson"))
    bpath = max((p for p in bfiles if int(p.name.split("_")[1]) <= year), key=lambda p: p.name)
    inputs[bpath.name] = _sha(bpath)
    byear = int(bpath.name.split("_")[1])
    gdf = gpd.read_file(bpath)[["NATCODE", "NAMEFIN", "NAMESWE", "geometry"]]
    gdf["NATCODE"] = gdf["NATCODE"].astype(str).str.zfill(3)
    gdf = gdf.set_geometry(gdf.geometry.simplify_coverage(tolerance)).sort_values("NATCODE")
    feats = [{"type": "Feature",
              "properties": {"NATCODE": r.NATCODE, "NAMEFIN": r.NAMEFIN, "NAMESWE": r.NAMESWE},
              "geometry": (g := mapping(r.geometry)) | {"coordinates": _round(g["coordinates"], digits)}}
             for r in gdf.itertuples()]
    boundary = f"municipalities_{byear}_nls_4500k_simplified.geojson"
    (out / boundary).write_text(json.dumps({"type": "FeatureCollection", "features": feats},
                                           ensure_ascii=False, separators=(",", ":")), "utf-8")

    ppath = next(iter(sorted(source.glob("population_by_municipality_*.csv"))))
    inputs[ppath.name] = _sha(ppath)
    pop = pd.read_csv(ppath, dtype={"municipality_code": str})
    last = int(pop["year"].max())
    pop = pop[pop["year"] > last - pop_years]
    population = f"population_by_municipality_{int(pop['year'].min())}_{last}.csv"
    pop.sort_values(["year", "municipality_code"]).to_csv(out / population, index=False,
                                                         lineterminator="\n")

    mpath = next(iter(sorted(source.glob("municipality_mergers_*.csv"))))
    inputs[mpath.name] = _sha(mpath)
    mer = pd.read_csv(mpath, dtype=str)
    mergers = mpath.name
    mer.sort_values(["effective_year", "old_code"]).to_csv(out / mergers, index=False, lineterminator="\n")

    gpath = source / "grid_hyvinvointialue.csv"
    if gpath.is_file():
        inputs[gpath.name] = _sha(gpath)
        grid = pd.read_csv(gpath, dtype=str)
        grid.sort_values(["row", "col"], key=lambda s: pd.to_numeric(s, errors="coerce")) \
            .to_csv(out / "grid_hyvinvointialue.csv", index=False, lineterminator="\n")

    built = dt.date.today().isoformat()
    (out / "README.md").write_text(README.format(
        year=year, boundary=boundary, byear=byear, tol=tolerance, population=population,
        mergers=mergers, built=built, source=source.name), "utf-8")
    meta = {"built": built, "year": year, "source_folder": str(source.name),
            "licence": "CC BY 4.0", "attribution": "Lähde: Tilastokeskus, Maanmittauslaitos, THL (CC BY 4.0)",
            "simplify_tolerance_degrees": tolerance, "coordinate_decimals": digits,
            "inputs": inputs,
            "outputs": {p.name: _sha(p) for p in sorted(out.iterdir()) if p.name != "snapshot.json"}}
    (out / "snapshot.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, required=True, help="reference folder (../shared/reference)")
    ap.add_argument("--year", type=int, default=2025, help="municipality key year")
    ap.add_argument("--out", type=Path, default=TARGET)
    ap.add_argument("--population-years", type=int, default=8)
    ap.add_argument("--tolerance", type=float, default=0.004, help="simplification, degrees")
    ap.add_argument("--digits", type=int, default=4, help="coordinate decimals")
    a = ap.parse_args(argv)

    from sote_analytics.reference import load_reference

    with tempfile.TemporaryDirectory() as tmp:
        meta = build(a.source.resolve(), Path(tmp), a.year, a.population_years, a.tolerance, a.digits)
        ref = load_reference(a.year, reference_dir=tmp)  # the loader's own checks
        n_areas = len(ref.boundaries("hyvinvointialue"))
        if a.out.exists():
            shutil.rmtree(a.out)
        shutil.copytree(tmp, a.out)
    size = sum(p.stat().st_size for p in a.out.iterdir())
    print(f"snapshot {a.year} in {a.out}: {len(ref.key)} municipalities, {n_areas} wellbeing areas, "
          f"population {ref.population_year}, {size / 1e6:.2f} MB, built {meta['built']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
