"""Probability that a KRB norm is met, from a normal predictive distribution.

The predictive distribution of a forecast year is normal with mean the unclipped point
forecast and a scale chosen so that its central 80% interval equals the calibrated 80%
interval: ``scale = k80 × sigma_h / z80``, with ``k80`` the calibrated multiplier and
``z80 = 1.2816``. For a series that cannot be negative (counts, rates) the distribution
is censored at 0: the mass below 0 sits at 0. That changes a probability only for a
target at or below 0.

A norm with comparator ``=`` counts as met within ``margin`` of the target, as in
``fct_norm_attainment``. With margin 0 that probability is 0 under a continuous
distribution, unless the target is 0 and the series is censored there.
"""

from __future__ import annotations

import numpy as np

from idgb_pipeline.models.forecast.intervals import normal_multipliers

MET_THRESHOLD = 0.5
COMPARATORS = ("<=", ">=", "=")


def predictive_scale(sigma: np.ndarray, multiplier80: float) -> np.ndarray:
    """Return the normal scale whose central 80% interval is ``± multiplier80 × sigma``."""
    return np.asarray(sigma, dtype=float) * multiplier80 / normal_multipliers()[80]


def _cdf(value: float, mean: np.ndarray, scale: np.ndarray, non_negative: bool, inclusive: bool) -> np.ndarray:
    """Return P(Y <= value) (``inclusive``) or P(Y < value) under the censored normal."""
    # scipy.stats is slow to import, so it is imported when the norm prognosis runs rather
    # than when Dagster loads the code location.
    from scipy.stats import norm

    if non_negative and (value < 0 or (value == 0 and not inclusive)):
        return np.zeros(np.shape(mean))
    return norm.cdf((value - np.asarray(mean, dtype=float)) / np.asarray(scale, dtype=float))


def probability_met(
    mean: np.ndarray, scale: np.ndarray, comparator: str, target: float, margin: float = 0.0, non_negative: bool = False
) -> np.ndarray:
    """Return the probability per forecast year that the value meets ``comparator target``."""
    if comparator == "<=":
        return _cdf(target, mean, scale, non_negative, inclusive=True)
    if comparator == ">=":
        return 1.0 - _cdf(target, mean, scale, non_negative, inclusive=False)
    if comparator == "=":
        upper = _cdf(target + margin, mean, scale, non_negative, inclusive=True)
        return upper - _cdf(target - margin, mean, scale, non_negative, inclusive=False)
    raise ValueError(f"Unknown comparator {comparator!r}; expected one of {COMPARATORS}.")


def first_year_met(years: np.ndarray, probabilities: np.ndarray, threshold: float = MET_THRESHOLD) -> int | None:
    """Return the first forecast year whose probability of meeting the norm is at least ``threshold``.

    The year is the first in which meeting the norm is at least as likely as not. Later
    years may fall below the threshold again, for example when the interval widens
    around a point close to the target. Returns None when no forecast year qualifies.
    """
    reached = np.flatnonzero(np.asarray(probabilities) >= threshold)
    return int(np.asarray(years)[reached[0]]) if reached.size else None
