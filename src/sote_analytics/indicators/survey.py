"""Survey statistics with small-cell suppression: response rates, cross-tabulations,
single- and multiple-choice and Likert summaries with 95% intervals.

Surveys of associations are small (the Pohjois-Savo one had 101 responses), so
any cell with fewer than ``k`` respondents (default 5) is suppressed, and
secondary suppression makes sure no suppressed cell can be recovered by
subtracting the visible cells from a row or column total.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .stats import wilson_interval

DEFAULT_K = 5
# Student's t 97.5 % quantiles for 1..30 degrees of freedom (beyond: normal 1.96 is within 2 %).
_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
         2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
         2.052, 2.048, 2.045, 2.042]


def t_quantile_975(df: int) -> float:
    """97.5 % quantile of Student's t (for 95 % intervals of a mean).

    Examples
    --------
    >>> t_quantile_975(10), t_quantile_975(200)
    (2.228, 1.96)
    """
    return _T975[df - 1] if 1 <= df <= 30 else 1.96


def suppress(counts: pd.DataFrame, k: int = DEFAULT_K) -> pd.DataFrame:
    """Suppress cells with 1..k-1 respondents, plus complementary cells.

    Every row and column that has a suppressed cell gets at least two, so the
    true totals never reveal a suppressed value by subtraction. Suppressed
    cells are NaN.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [10, 2], "b": [7, 9], "c": [8, 12]}, index=["x", "y"])
    >>> int(suppress(t).isna().sum().sum())  # y/a is small: a second cell in its row and in its column go
    4
    """
    values = counts.to_numpy(dtype=float)
    hidden = (values > 0) & (values < k)
    changed = True
    while changed:
        changed = False
        for axis in (1, 0):
            lines = hidden if axis == 1 else hidden.T
            vals = values if axis == 1 else values.T
            for i in range(lines.shape[0]):
                if lines[i].sum() == 1 and lines.shape[1] > 1:
                    candidates = np.where(~lines[i])[0]
                    j = candidates[np.argmin(vals[i, candidates])]
                    lines[i, j] = True
                    changed = True
            hidden = lines if axis == 1 else lines.T
    return counts.astype(float).mask(hidden)


def crosstab(survey: pd.DataFrame, row: str, col: str, k: int = DEFAULT_K) -> pd.DataFrame:
    """Respondents by two variables with suppression; true totals in ``Yhteensä``."""
    t = pd.crosstab(survey[row], survey[col], margins=True, margins_name="Yhteensä")
    # margins are suppressed like any cell, so that no line of the table (cells and its
    # total) ever has exactly one hidden value
    return suppress(t, k)


def _share_rows(counts: pd.Series, n: int, k: int) -> pd.DataFrame:
    lo, hi = wilson_interval(counts.to_numpy(), np.full(len(counts), n))
    df = pd.DataFrame({"option": counts.index, "n": counts.to_numpy(), "respondents": n,
                       "share": counts.to_numpy() / n if n else np.nan, "lower": lo, "upper": hi})
    small = (df["n"] > 0) & (df["n"] < k)
    if n < k:
        small[:] = True
    df.loc[small, ["n", "share", "lower", "upper"]] = np.nan
    df["suppressed"] = small
    return df


def single_choice(survey: pd.DataFrame, column: str, k: int = DEFAULT_K) -> pd.DataFrame:
    """Counts and shares (Wilson 95%) of each answer; small cells suppressed."""
    answered = survey[column].dropna()
    counts = answered.value_counts().sort_index()
    out = _share_rows(counts, len(answered), k)
    if out["suppressed"].sum() == 1 and len(out) > 1:  # one hidden cell = total minus the rest
        j = out.loc[~out["suppressed"], "n"].idxmin()
        out.loc[j, ["n", "share", "lower", "upper"]] = np.nan
        out.loc[j, "suppressed"] = True
    return out


def multiple_choice(survey: pd.DataFrame, column: str, sep: str = ";", k: int = DEFAULT_K) -> pd.DataFrame:
    """Share of respondents choosing each option (options do not add up to 100 %)."""
    answered = survey[column].dropna()
    chosen = answered.str.split(sep).explode().str.strip()
    chosen = chosen[chosen != ""]
    counts = chosen.value_counts().sort_index()
    return _share_rows(counts, len(answered), k)


def likert(survey: pd.DataFrame, column: str, scale: tuple[int, ...] = (1, 2, 3, 4, 5),
           k: int = DEFAULT_K) -> dict:
    """Distribution, mean with a 95% t interval, and share agreeing (top two) with Wilson."""
    v = pd.to_numeric(survey[column], errors="coerce").dropna()
    v = v[v.isin(scale)]
    n = len(v)
    dist = single_choice(pd.DataFrame({column: v.astype(int)}), column, k)
    if n < k:
        return {"n": n, "suppressed": True, "distribution": dist}
    mean = float(v.mean())
    half = float(t_quantile_975(n - 1) * v.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    agree = int(v.isin(scale[-2:]).sum())
    lo, hi = wilson_interval(np.array([agree]), np.array([n]))
    return {"n": n, "suppressed": False, "mean": mean, "mean_lower": mean - half, "mean_upper": mean + half,
            "agree_share": agree / n, "agree_lower": float(lo[0]), "agree_upper": float(hi[0]),
            "distribution": dist}


def response_rates(survey: pd.DataFrame, register: pd.DataFrame, ref, level: str = "seutukunta",
                   area_column: str = "seutukunta_code", k: int = DEFAULT_K) -> pd.DataFrame:
    """Respondents against the register's associations by area x sector.

    ``register`` is canonical (``municipality_code``, ``sector``); only the
    areas that appear in the survey are shown. Respondent counts below ``k``
    are suppressed (and so are their rates).
    """
    code_of = ref.area_of(level)
    reg = register.assign(area=register["municipality_code"].astype(str).map(code_of))
    areas = sorted(survey[area_column].astype(str).unique())
    reg = reg[reg["area"].isin(areas)]
    population = reg.groupby(["area", "sector"]).size().rename("associations")
    resp = survey.assign(area=survey[area_column].astype(str)).groupby(["area", "sector"]).size() \
        .rename("respondents")
    t = pd.concat([population, resp], axis=1).fillna(0).astype(int)
    names = ref.areas(level).set_index("code")["name_fi"]
    t = t.reset_index()
    t.insert(1, "area_name", t["area"].map(names))
    wide = t.pivot_table(index="area", columns="sector", values="respondents", aggfunc="sum", fill_value=0)
    hidden = suppress(wide, k).isna()
    t["suppressed"] = [bool(hidden.at[a, s]) if a in hidden.index and s in hidden.columns else False
                       for a, s in zip(t["area"], t["sector"], strict=True)]
    t["response_rate"] = np.where(t["associations"] > 0, t["respondents"] / t["associations"].clip(lower=1),
                                  np.nan)
    t.loc[t["suppressed"], ["respondents", "response_rate"]] = np.nan
    return t
