"""The statistics the indicators share: Wilson intervals for shares, and ratios that are NaN, never infinite."""

from __future__ import annotations

import numpy as np


def wilson_interval(k, n, z: float = 1.959964) -> tuple[np.ndarray, np.ndarray]:
    """95% Wilson score interval for ``k`` successes of ``n`` (NaN where n = 0).

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([2]), np.array([10]))
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (0.057, 0.51)
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo, hi = centre - half, centre + half
    return np.where(n > 0, np.clip(lo, 0, 1), np.nan), np.where(n > 0, np.clip(hi, 0, 1), np.nan)


def ratio(a, b) -> np.ndarray:
    """``a / b`` where ``b > 0``, else NaN.

    Examples
    --------
    >>> ratio([1, 1], [2, 0]).tolist()
    [0.5, nan]
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / b, np.nan)
