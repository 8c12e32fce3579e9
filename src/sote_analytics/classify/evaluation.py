"""How well the classifier does: precision, recall and F1 on labelled names, and the labelled sets.

Two sets live in the project checkout (not in the package): the hand-labelled project sample
(``tests/data/classification_sample.csv``: rules and labels written together, so in-sample) and real
names from public lists with provenance, split into a development half and a held-out half that the
rules are never tuned on (``tests/data/classify_eval/``; see ``docs/classification.md``).
``sote-analytics classify --evaluate`` prints both.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SoteAnalyticsError
from ..taxonomy import NOT_SOTE, UNCLASSIFIED
from .classifier import classify


class SampleError(SoteAnalyticsError, ValueError):
    """A labelled sample that cannot be read or lacks its columns."""


def read_sample(path: Path) -> pd.DataFrame:
    """The labelled sample of ``classify --evaluate``: a CSV with ``name`` and ``primary_sector`` columns.

    Raises
    ------
    SampleError
        When the file is not a readable CSV or lacks a column.
    """
    try:
        df = pd.read_csv(path, dtype=str)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise SampleError(f"--sample {path}: not a readable CSV ({str(exc).splitlines()[0][:160]})") from None
    missing = [c for c in ("name", "primary_sector") if c not in df.columns]
    if missing:
        raise SampleError(f"--sample {path}: no {' or '.join(missing)} column (a labelled sample has name, "
                          "primary_sector and optionally purpose)")
    return df


def evaluate(sample: pd.DataFrame) -> dict:
    """Precision, recall and F1 per sector and overall, and a confusion table.

    ``sample`` has ``name``, ``primary_sector`` and optionally ``org_type``
    (and ``purpose``). Overall figures: macro-F1 over the labelled sectors
    (each sector counts equally) and accuracy (= micro-F1 for one label).
    """
    pred = classify(sample["name"], sample.get("purpose"))
    y, p = sample["primary_sector"].to_numpy(), pred["sector"].to_numpy()
    labels = sorted(set(y))
    per = {}
    for s in labels:
        tp = int(((p == s) & (y == s)).sum())
        fp = int(((p == s) & (y != s)).sum())
        fn = int(((p != s) & (y == s)).sum())
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[s] = {"precision": prec, "recall": rec, "f1": f1, "support": int((y == s).sum())}
    sote_y = y != NOT_SOTE
    sote_p = (p != NOT_SOTE) & (p != UNCLASSIFIED)
    tp = int((sote_y & sote_p).sum())
    result = {
        "n": len(sample),
        "sote_precision": tp / int(sote_p.sum()) if sote_p.any() else 0.0,
        "sote_recall": tp / int(sote_y.sum()) if sote_y.any() else 0.0,
        "sote_confusion": pd.crosstab(pd.Series(np.where(sote_y, "sote", "not sote"), name="label"),
                                      pd.Series(np.where(sote_p, "sote", np.where(p == UNCLASSIFIED, UNCLASSIFIED,
                                                                                  "not sote")), name="predicted")),
        "low_confidence_share": float((pred["confidence"] == "low").mean()) if len(pred) else 0.0,
        "decided_by": pred["sector_source"].replace("", UNCLASSIFIED).value_counts(normalize=True).to_dict(),
        "per_sector": per,
        "macro_f1": float(np.mean([v["f1"] for v in per.values()])),
        "accuracy": float((y == p).mean()),
        "unclassified_share": float((p == UNCLASSIFIED).mean()),
        "confusion": pd.crosstab(pd.Series(y, name="label"), pd.Series(p, name="predicted")),
        "errors": sample.assign(predicted=p, rule=pred["rule"].to_numpy())[y != p],
    }
    if "org_type" in sample:
        result["org_type_accuracy"] = float((sample["org_type"].to_numpy() == pred["org_type"].to_numpy()).mean())
    return result


def format_evaluation(ev: dict) -> str:
    """A plain-text report of :func:`evaluate`."""
    lines = [f"{'sector':20s} {'precision':>9s} {'recall':>7s} {'F1':>6s} {'n':>5s}"]
    for s, v in ev["per_sector"].items():
        lines.append(f"{s:20s} {v['precision']:9.3f} {v['recall']:7.3f} {v['f1']:6.3f} {v['support']:5d}")
    lines.append(f"\nn={ev['n']}  macro-F1={ev['macro_f1']:.3f}  accuracy={ev['accuracy']:.3f}  "
                 f"unclassified={ev['unclassified_share']:.1%}  low confidence={ev['low_confidence_share']:.1%}")
    lines.append(f"sote vs not sote: precision={ev['sote_precision']:.3f}  recall={ev['sote_recall']:.3f}")
    lines.append("decided by: " + ", ".join(f"{k} {v:.1%}" for k, v in ev["decided_by"].items()))
    if "org_type_accuracy" in ev:
        lines.append(f"organisation type accuracy={ev['org_type_accuracy']:.3f}")
    lines.append("\nsote confusion (rows: label, columns: predicted)\n" + ev["sote_confusion"].to_string())
    lines.append("\nconfusion (rows: label, columns: predicted)\n" + ev["confusion"].to_string())
    return "\n".join(lines)


def evaluate_sets(sample: pd.DataFrame, real: pd.DataFrame | None = None) -> str:
    """The report of ``classify --evaluate``: the project sample, then each split of the real-names set."""
    parts = ["== project sample (in-sample: rules and labels written together)", format_evaluation(evaluate(sample))]
    if real is not None:
        for split in ("development", "heldout"):
            part = real[real["split"] == split].reset_index(drop=True)
            parts += [f"\n== real names, {split} half ({len(part)} names from public lists; "
                      "tests/data/classify_eval/README.md)", format_evaluation(evaluate(part))]
    return "\n".join(parts)


def real_names_path() -> Path:
    """The second evaluation set (real names with provenance, development/held-out split)."""
    return Path("tests") / "data" / "classify_eval" / "real_names.csv"


def default_sample_path() -> Path:
    """The hand-labelled evaluation sample of the project checkout."""
    return Path("tests") / "data" / "classification_sample.csv"
