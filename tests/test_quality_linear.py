"""`IngestResult.quality()` in linear time gives what the old quadratic-ish version gave.

The old code (kept here only as a reference) ran four regular-expression substitutions per
reason, twice (the summary and the examples each categorised every quarantined row), and looked
for the examples of each reason category by scanning every quarantined row again.
"""

from __future__ import annotations

import random
import re
import string
import time
from pathlib import Path

import pytest

from sote_analytics.read.ingest import ingest
from sote_analytics.read.register import reason_category

DATA = Path(__file__).parent / "data" / "ingest"


def old_reason_category(reason: str) -> str:
    text = re.sub(r"\s*\(.*\)\s*$", "", reason)
    text = re.sub(r"'[^']*'|\"[^\"]*\"|\d[\d.\-:]*", "…", text)
    text = re.sub(r":\s*…$", " …", text)
    return re.sub(r"\s+", " ", text).strip()


def old_quality(res) -> dict:
    """The old report: the new one with the reasons and examples recomputed the old way."""
    q = res.quarantine
    lists = res.result.reasons or [[str(r)] for r in q.get("reason", [])]
    categories = [{old_reason_category(r) for r in rs} for rs in lists]
    reasons: dict[str, int] = {}
    for cats in categories:
        for key in sorted(cats):
            reasons[key] = reasons.get(key, 0) + 1
    examples = {}
    for reason in reasons:
        hit = [i for i, cats in enumerate(categories) if reason in cats][:3]
        examples[reason] = [{"source_row": int(q["source_row"].iloc[i]), "reason": str(q["reason"].iloc[i])}
                            for i in hit]
    return {"quarantine_reasons": reasons, "quarantine_examples": examples}


def write_bad(path: Path, n: int, seed: int = 30) -> None:
    rng = random.Random(seed)
    letters = string.ascii_letters + "äöÄÖ '\"()0123456789:.-\t"
    good = ["Helsinki", "Oulu", "Vasa stad", "Jyväskylän mlk", "091", "Helsinki", "Oulu"]
    junk = ["-3", "1e9", "?", "ei tiedossa", "=1+1", "kymmenen", "", "12 (noin)"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("nimi;kotipaikka;jäsenet;rekisterinumero;rekisteröintipäivä\n")
        for i in range(n):
            mun = rng.choice(good) if i % 3 else "".join(rng.choice(letters) for _ in range(rng.randint(2, 14)))
            name = f"Yhdistys {i % 700} ry" if i % 11 else rng.choice(junk)
            number = f"{100 + i % 900}.{i % 37:03d}"
            fh.write(f"{name};\"{mun.replace(chr(34), '')}\";{rng.choice(junk)};{number};"
                     f"{rng.choice(['31.12.2099', '1.1.1990', 'eilen', ''])}\n")


def test_reason_category_matches_the_old_one():
    samples = ["name missing", "duplicate register number 146.677 (first at row 3)",
               "unknown municipality 'atlantis' (did you mean: Kitee (260))", "exact duplicate of row 12",
               "a\u00a0b\t c  ", "value: 'x'", "value:  \"y\"", "x (a) y", "12:30-1.2 (", "…", " \u2003lead",
               "no location: unknown municipality 'o''k' (x)\n"]
    rng = random.Random(1)
    alphabet = "ab '\"():.-…0123456789\t\u00a0\u2003\n"
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20))) for _ in range(3000)]
    for s in samples:
        assert reason_category(s) == old_reason_category(s), repr(s)


@pytest.mark.parametrize("name", ["11_duplicates.csv", "12_unknown_municipality.csv", "14_misspelt_municipality.csv",
                                  "09_bad_dates.csv", "18_wide_row.csv", "33_nfc_nfd_duplicates.csv"])
def test_quality_equals_the_old_on_test_files(name, ref):
    res = ingest(DATA / name, ref)
    new = res.quality()
    old = old_quality(res)
    assert new["quarantine_reasons"] == old["quarantine_reasons"] == res.result.summary["quarantine_reasons"]
    assert new["quarantine_examples"] == old["quarantine_examples"]


def test_quality_equals_the_old_on_thousands_of_bad_rows_and_is_linear(tmp_path, ref):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    write_bad(small, 3000)
    write_bad(large, 30000, seed=31)
    res = ingest(small, ref)
    assert len(res.quarantine) > 500
    new, old = res.quality(), old_quality(res)
    assert new["quarantine_reasons"] == old["quarantine_reasons"]
    assert new["quarantine_examples"] == old["quarantine_examples"]
    assert new == {**new, **res.quality()}  # deterministic

    # Linear: ten times the rows cost well under a hundred times the time (generous: a shared machine).
    res_large = ingest(large, ref)
    t0 = time.perf_counter()
    res.quality()
    t_small = time.perf_counter() - t0
    t0 = time.perf_counter()
    res_large.quality()
    t_large = time.perf_counter() - t0
    assert t_large < max(40 * t_small, 1.0), (t_small, t_large)
