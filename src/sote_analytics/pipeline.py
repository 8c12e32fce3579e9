"""The steps of the main job, each callable from notebooks, the CLI and tests."""

from __future__ import annotations

import json
from pathlib import Path

from . import config
from .demo import SYNTHETIC_NOTE, write_demo
from .indicators import IndicatorSet, compute_indicators, save_indicators
from .reference import ReferenceData
from .register import RegisterResult, read_register
from .report.content import RUN_META


def build_demo(ref: ReferenceData, demo_dir: Path, seed: int = config.DEFAULT_SEED):
    """Write the synthetic demo register and survey to ``demo_dir``."""
    return write_demo(ref, demo_dir, seed)


def build_indicators(
    register_path: Path, ref: ReferenceData, processed_dir: Path
) -> tuple[RegisterResult, IndicatorSet]:
    """Read a register, compute every indicator for every area, save them.

    Writes ``indicators.parquet``/``.csv``, ``municipality_sector_counts.csv``,
    ``quarantine.csv`` and ``run.json`` (source, row counts, synthetic flag,
    reference folder, population year) to ``processed_dir``.
    """
    processed_dir = Path(processed_dir)
    res = read_register(register_path, ref)
    source = res.source
    if res.synthetic:
        source = f"{SYNTHETIC_NOTE} ({res.source})"
    ind = compute_indicators(res.register, ref, source)
    paths = save_indicators(ind, processed_dir)
    res.quarantine.to_csv(processed_dir / "quarantine.csv", index=False, lineterminator="\n")
    meta = {
        **res.summary, "source": source, "year": ref.year,
        "reference_dir": str(Path(ref.folder).resolve()),
        "population_year": ref.population_year, "reference_notes": ref.notes, "outputs": paths,
    }
    (processed_dir / RUN_META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    return res, ind
