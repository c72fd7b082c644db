"""Robust location, scale and z-scores, and the detection threshold shared by the detectors."""

from __future__ import annotations

import numpy as np

# 1.4826 × MAD estimates the standard deviation of normal data, and so does 1.2533 ×
# the mean absolute deviation. The second is the fallback for when over half the
# values are equal, so that the MAD is 0.
MAD_TO_SD = 1.4826
MEAN_ABSOLUTE_DEVIATION_TO_SD = 1.2533

# Iglewicz and Hoaglin's cut-off for the modified z-score: |z| > 3.5 marks an outlier.
CONVENTIONAL_THRESHOLD = 3.5


def robust_scale(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Return the MAD-based standard deviation along ``axis``, ignoring NaN.

    Where the MAD is 0 the scaled mean absolute deviation from the median is used, and
    where that is 0 as well (a constant row) the result is NaN, because nothing can be
    judged against a spread of 0.
    """
    values = np.asarray(values, dtype=float)
    median = np.nanmedian(values, axis=axis, keepdims=True)
    deviation = np.abs(values - median)
    scale = MAD_TO_SD * np.nanmedian(deviation, axis=axis)
    fallback = MEAN_ABSOLUTE_DEVIATION_TO_SD * np.nanmean(deviation, axis=axis)
    scale = np.where(scale > 0, scale, fallback)
    return np.where(scale > 0, scale, np.nan)


def robust_z(values: np.ndarray, center: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Return ``(values - center) / scale``, NaN where the scale is missing or 0."""
    scale = np.asarray(scale, dtype=float)
    safe = np.where(np.isfinite(scale) & (scale > 0), scale, np.nan)
    return (np.asarray(values, dtype=float) - center) / safe


def pooled_threshold(scores: np.ndarray, quantile: float, floor: float = CONVENTIONAL_THRESHOLD) -> float:
    """Return the ``quantile`` of the pooled absolute scores, but at least ``floor``.

    The quantile bounds the share of flagged points in the data the threshold is set
    on at ``1 - quantile``. The floor keeps clean data from having that share flagged
    anyway: a point must also pass the conventional cut-off.
    """
    pooled = np.abs(np.asarray(scores, dtype=float))
    pooled = pooled[np.isfinite(pooled)]
    if pooled.size == 0:
        return floor
    return max(floor, float(np.quantile(pooled, quantile)))
