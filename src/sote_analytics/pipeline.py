"""The steps of the main job, each callable from notebooks, the CLI and tests.

sources -> :func:`read_register` (read and clean, then classify) ->
:func:`build_indicators` (indicators, written to the processed folder through
:class:`.store.Store`) -> reports (:mod:`.report`, which reads the store).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import config
from .demo import SYNTHETIC_NOTE, write_demo
from .indicators import IndicatorSet, compute_indicators
from .ingest import IngestResult, ingest
from .reference import ReferenceData
from .register import RegisterResult
from .store import Store


def build_demo(ref: ReferenceData, demo_dir: Path, seed: int = config.DEFAULT_SEED):
    """Write the synthetic demo register and survey to ``demo_dir``."""
    return write_demo(ref, demo_dir, seed)


def apply_classification(register: pd.DataFrame, sector_given: bool) -> pd.DataFrame:
    """Classify every accepted row; where the source gave no sector, use the classifier's.

    Adds ``sector_classified``, ``subsector``, ``classification_rule``, ``org_type``,
    ``is_headquarters``, ``confidence`` (high/medium/low) and ``sector_source``: ``given`` when the
    file's sector code was kept, else the signal that decided (:data:`.classify.SECTOR_SOURCES`:
    known organisation, the source's category, purpose, name rule, condition lexicon, medical word shape),
    ``none`` when nothing did.
    """
    from .classify import classify
    from .taxonomy import UNCLASSIFIED

    reg = register.copy()
    cls = classify(reg["name"], reg["purpose"], reg.get("source_category"))
    reg["sector_classified"] = cls["sector"].astype("string")
    reg["subsector"] = cls["subsector"].astype("string")
    reg["classification_rule"] = cls["rule"].astype("string")
    reg["org_type"] = cls["org_type"].astype("string")
    # the level of the area of operation says national or district, whatever the name says
    if "operating_area_level" in reg:
        from .operating_area import LEVEL_ORG_TYPE

        implied = reg["operating_area_level"].map(LEVEL_ORG_TYPE).astype("string")
        reg["org_type"] = implied.fillna(reg["org_type"])
        reg["is_headquarters"] = reg["org_type"].isin(["national", "district"])
    else:
        reg["is_headquarters"] = cls["is_headquarters"].astype(bool)
    given = reg["sector"].ne(UNCLASSIFIED) if sector_given else pd.Series(False, index=reg.index)
    signal = cls["sector_source"].astype("string").replace("", "none")
    reg["sector_source"] = signal.where(~given, "given")
    reg["confidence"] = cls["confidence"].astype("string").replace("", "low").where(~given, "high")
    reg["sector"] = reg["sector"].where(given, reg["sector_classified"])
    return reg


def read_register(path: Path | str, ref: ReferenceData, **kwargs) -> IngestResult:
    """Read any register file (:func:`.ingest.ingest`) and classify its accepted rows.

    Keyword arguments go to :func:`.ingest.ingest` (``sheet``, ``mapping``, ``today``).

    Examples
    --------
    >>> res = read_register("tests/data/ingest/prh_cp1252_semicolon.csv", ref)  # doctest: +SKIP
    >>> res.register[["name", "sector", "sector_source"]]  # doctest: +SKIP
    """
    res = ingest(path, ref, **kwargs)
    res.result.register = apply_classification(res.register, res.sector_given)
    return res


def build_indicators(
    register_path: Path, ref: ReferenceData, processed_dir: Path, survey_path: Path | None = None,
    activity_path: Path | None = None, previous_path: Path | None = None,
) -> tuple[RegisterResult, IndicatorSet]:
    """Read a register, compute every indicator for every area, save them.

    Writes the indicators, the quarantine, the directory, the survey, the
    precomputed boundaries and ``run.json`` (source, row counts, synthetic flag,
    reference folder, population year) through :class:`.store.Store`.
    """
    store = Store(processed_dir)
    store.path.mkdir(parents=True, exist_ok=True)
    ing = read_register(register_path, ref)
    res = ing.result
    source = f"{SYNTHETIC_NOTE} ({res.source})" if res.synthetic else res.source
    activity = pd.read_csv(activity_path, dtype={"association_id": str}) if activity_path else None
    ind = compute_indicators(res.register, ref, source, activity=activity)
    if previous_path:  # net change between two register snapshots
        from .indicators import snapshot_change

        old = ingest(previous_path, ref).register
        change = snapshot_change(old, res.register, ref, source=f"{Path(previous_path).name} -> {source}")
        ind.table = pd.concat([ind.table, change], ignore_index=True)
    paths = store.save_indicators(ind)
    store.write_quarantine(res.quarantine)
    store.write_directory(res.register)
    store.write_survey(survey_path)
    paths["geometries"] = [str(p) for p in store.write_geometries(ref)]
    quality = ing.quality()
    store.write_meta({
        **res.summary, "source": source, "year": ref.year,
        "reference_dir": str(Path(ref.folder).resolve()),
        "population_year": ref.population_year, "reference_notes": ref.notes, "outputs": paths,
        "quality": {k: quality[k] for k in ("rows_in", "accepted", "quarantined", "completeness",
                                             "resolution_methods", "likely_duplicates", "classification")},
    })
    return res, ind
