"""Classify associations into sote sectors and organisation types from names and purposes.

The knowledge is data, in the manner of UK-CAT: ``data/classification_rules.csv``
(code, sector, subsector, include regex, exclude regex, priority) and
``data/org_type_rules.csv``. A rule fires when its include pattern matches the
normalised text (name, plus purpose where given) and its exclude pattern does
not. Every fired rule gives a sector (multi-label); the primary sector is the
one of the fired rule with the lowest priority number (file order breaks
ties), so exclusions and priorities settle collisions: sport rules (priority
10) beat the pensioners' rule, the rheumatism rule (30) beats the child and
family rule (60). Nothing fired: ``unclassified``.

Matching is vectorised with Arrow's RE2 engine over the distinct texts, so
100,000 names take seconds; every result names the rule that fired.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from .taxonomy import UNCLASSIFIED

ORG_TYPES = ("local", "district", "national", "foundation")
WORD_BOUNDARY = r"(?:^|$|[^a-z0-9åäöéèüõšžæøçñ_])"
HEADQUARTERS = ("district", "national")


def _read_csv(name: str) -> pd.DataFrame:
    text = resources.files("sote_analytics").joinpath(f"data/{name}").read_text("utf-8")
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


@cache
def sector_rules() -> pd.DataFrame:
    """The sector rules, in file order, with integer priorities."""
    df = _read_csv("classification_rules.csv")
    df["priority"] = df["priority"].astype(int)
    return df


@cache
def org_type_rules() -> pd.DataFrame:
    """The organisation-type rules."""
    df = _read_csv("org_type_rules.csv")
    df["priority"] = df["priority"].astype(int)
    return df


def normalize_text(value: object) -> str:
    """Lower-case, NFC, invisible characters removed, white space collapsed.

    Examples
    --------
    >>> normalize_text("  MLL:n  Keuruun\\u200b paikallisyhdistys RY ")
    'mll:n keuruun paikallisyhdistys ry'
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    s = unicodedata.normalize("NFC", str(value)).casefold()
    s = re.sub("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\u00ad]", "", s)
    return re.sub(r"\s+", " ", s).strip()


def _fire(texts, rules: pd.DataFrame) -> np.ndarray:
    """Boolean matrix texts x rules: include matches and exclude does not (RE2 via Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(texts, type=pa.string())
    # RE2's \b is ASCII-only ("ik" would end at "ä" in "ikäihmiset"). A \pL class would be
    # right but makes RE2 ~500x slower, so the boundary is "not a letter of the (case-folded)
    # Finnish/Swedish alphabet".
    def re2(pattern: str) -> str:
        return pattern.replace(r"\b", WORD_BOUNDARY)

    out = np.zeros((len(texts), len(rules)), dtype=bool)
    for j, rule in enumerate(rules.itertuples(index=False)):
        # texts are case-folded already and the patterns are lower case
        hit = pc.match_substring_regex(arr, re2(rule.include)).to_numpy(zero_copy_only=False)
        if rule.exclude:
            hit &= ~pc.match_substring_regex(arr, re2(rule.exclude)).to_numpy(zero_copy_only=False)
        out[:, j] = hit
    return out


def classify(names: pd.Series, purposes: pd.Series | None = None) -> pd.DataFrame:
    """Classify associations by name (and purpose text where given).

    Parameters
    ----------
    names : Series of str
    purposes : Series of str, optional
        Aligned with ``names``; empty values are ignored.

    Returns
    -------
    DataFrame
        ``sector`` (primary), ``subsector``, ``sectors`` (all fired, ``;``-separated),
        ``rule`` (code of the rule that gave the primary sector), ``rules`` (all fired),
        ``org_type`` (local, district, national, foundation), ``is_headquarters``.

    Examples
    --------
    >>> classify(pd.Series(["Eläkeläisten Golfkerho ry", "Reumaattisten lasten vanhemmat ry",
    ...                     "Keuruun Eläkkeensaajat ry", "Suomen Punainen Risti", "Kuokkalan Pursiseura"]))[
    ...     ["sector", "rule", "org_type"]].values.tolist()
    [['not_sote', 'NS01', 'local'], ['patient_health', 'PH04', 'local'], ['elderly', 'EL01', 'local'], \
['general_health', 'GH01', 'national'], ['unclassified', '', 'local']]
    """
    text = names.map(normalize_text)
    if purposes is not None:
        p = purposes.reindex(names.index).map(normalize_text)
        text = text.where(p == "", text + " || " + p)
    uniques, inverse = np.unique(text.to_numpy(dtype=object).astype(str), return_inverse=True)
    rules = sector_rules()
    fired = _fire(uniques, rules)
    prio = np.where(fired, rules["priority"].to_numpy()[None, :], np.iinfo(np.int32).max)
    best = prio.argmin(axis=1)  # first minimum = file order on ties
    any_fired = fired.any(axis=1)
    sector = np.where(any_fired, rules["sector"].to_numpy()[best], UNCLASSIFIED)
    subsector = np.where(any_fired, rules["subsector"].to_numpy()[best], "")
    code = np.where(any_fired, rules["code"].to_numpy()[best], "")
    codes = rules["code"].to_numpy()
    secs = rules["sector"].to_numpy()
    all_rules = np.array([";".join(codes[row]) for row in fired], dtype=object)
    all_secs = np.array([";".join(dict.fromkeys(secs[row])) for row in fired], dtype=object)

    orules = org_type_rules()
    ofired = _fire(uniques, orules)
    oprio = np.where(ofired, orules["priority"].to_numpy()[None, :], np.iinfo(np.int32).max)
    obest = oprio.argmin(axis=1)
    org = np.where(ofired.any(axis=1), orules["org_type"].to_numpy()[obest], "local")

    out = pd.DataFrame({
        "sector": sector[inverse], "subsector": subsector[inverse], "sectors": all_secs[inverse],
        "rule": code[inverse], "rules": all_rules[inverse], "org_type": org[inverse],
    }, index=names.index)
    out["is_headquarters"] = out["org_type"].isin(HEADQUARTERS)
    return out


# ---------------------------------------------------------------------------- evaluation
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
    result = {
        "n": len(sample),
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
                 f"unclassified={ev['unclassified_share']:.1%}")
    if "org_type_accuracy" in ev:
        lines.append(f"organisation type accuracy={ev['org_type_accuracy']:.3f}")
    lines.append("\nconfusion (rows: label, columns: predicted)\n" + ev["confusion"].to_string())
    return "\n".join(lines)


def default_sample_path() -> Path:
    """The hand-labelled evaluation sample of the project checkout."""
    return Path("tests") / "data" / "classification_sample.csv"
