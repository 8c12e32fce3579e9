"""The steps of the main job, each callable from notebooks, the CLI and tests."""

from __future__ import annotations

import json
from pathlib import Path

from . import config
from .demo import SYNTHETIC_NOTE, write_demo
from .indicators import IndicatorSet, compute_indicators, save_indicators
from .reference import ReferenceData
from .register import RegisterResult
from .report.content import RUN_META


def build_demo(ref: ReferenceData, demo_dir: Path, seed: int = config.DEFAULT_SEED):
    """Write the synthetic demo register and survey to ``demo_dir``."""
    return write_demo(ref, demo_dir, seed)


def build_indicators(
    register_path: Path, ref: ReferenceData, processed_dir: Path, survey_path: Path | None = None,
    activity_path: Path | None = None, previous_path: Path | None = None,
) -> tuple[RegisterResult, IndicatorSet]:
    """Read a register, compute every indicator for every area, save them.

    Writes ``indicators.parquet``/``.csv``, ``municipality_sector_counts.csv``,
    ``quarantine.csv`` and ``run.json`` (source, row counts, synthetic flag,
    reference folder, population year) to ``processed_dir``.
    """
    import pandas as pd

    from .ingest import ingest, quality_report
    from .report.content import DIRECTORY, DIRECTORY_COLUMNS, SURVEY, write_geometries

    processed_dir = Path(processed_dir)
    processed_dir.mkdir(parents=True, exist_ok=True)
    ing = ingest(register_path, ref)
    res = ing.result
    source = res.source
    if res.synthetic:
        source = f"{SYNTHETIC_NOTE} ({res.source})"
    activity = pd.read_csv(activity_path, dtype={"association_id": str}) if activity_path else None
    ind = compute_indicators(res.register, ref, source, activity=activity)
    if previous_path:  # net change between two register snapshots
        from .indicators import snapshot_change

        old = ingest(previous_path, ref).register
        change = snapshot_change(old, res.register, ref, source=f"{Path(previous_path).name} -> {source}")
        ind.table = pd.concat([ind.table, change], ignore_index=True)
    paths = save_indicators(ind, processed_dir)
    res.quarantine.to_csv(processed_dir / "quarantine.csv", index=False, lineterminator="\n")
    # the directory keeps only what a report may show: never extras (contact persons, e-mails)
    res.register[["association_id", *DIRECTORY_COLUMNS, "org_type"]].to_parquet(processed_dir / DIRECTORY,
                                                                                 index=False)
    if survey_path:
        pd.read_csv(survey_path, dtype={"seutukunta_code": str}).to_parquet(processed_dir / SURVEY, index=False)
    else:
        (processed_dir / SURVEY).unlink(missing_ok=True)
    paths["geometries"] = [str(p) for p in write_geometries(ref, processed_dir)]
    quality = quality_report(ing)
    meta = {
        **res.summary, "source": source, "year": ref.year,
        "reference_dir": str(Path(ref.folder).resolve()),
        "population_year": ref.population_year, "reference_notes": ref.notes, "outputs": paths,
        "quality": {k: quality[k] for k in ("rows_in", "accepted", "quarantined", "completeness",
                                             "resolution_methods", "likely_duplicates", "classification")},
    }
    (processed_dir / RUN_META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    return res, ind
