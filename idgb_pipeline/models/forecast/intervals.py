"""Prediction intervals from the analytic forecast standard deviation, with calibration.

The bound at level ``p`` is ``point ± k_p × sigma_h``. Without calibration ``k_p`` is the
normal quantile (1.2816 for 80%, 1.9600 for 95%). With calibration ``k_p`` is the ``p``
quantile of the absolute standardised backtest errors ``|actual - point| / sigma_h``,
pooled over series, origins and horizons of one indicator and method. That widens the
analytic intervals by the factor that the held-out errors ask for, and keeps their
growth over the horizon.
"""

from __future__ import annotations

import numpy as np

LEVELS = (80, 95)


def normal_multipliers() -> dict[int, float]:
    """Return the two-sided normal quantile for each interval level."""
    # scipy.stats is slow to import, so it is imported when a forecast runs rather than when
    # Dagster loads the code location.
    from scipy.stats import norm

    return {level: float(norm.ppf(0.5 + level / 200)) for level in LEVELS}


def calibrated_multipliers(standardised_errors: np.ndarray) -> dict[int, float]:
    """Return the empirical ``level`` quantile of the absolute standardised errors.

    Falls back to the normal quantile when fewer than 20 finite errors are given.
    """
    errors = np.abs(np.asarray(standardised_errors, dtype=float))
    errors = errors[np.isfinite(errors)]
    if errors.size < 20:
        return normal_multipliers()
    return {level: float(np.quantile(errors, level / 100)) for level in LEVELS}


def bounds(
    point: np.ndarray, sigma: np.ndarray, multipliers: dict[int, float], non_negative: np.ndarray | bool = False
) -> dict[str, np.ndarray]:
    """Return the point and the ``lo80, hi80, lo95, hi95`` bounds, clipped at 0 where asked.

    ``non_negative`` is a flag or a per-series boolean array, because counts and rates
    cannot fall below zero.
    """
    flags = np.asarray(non_negative, dtype=bool)
    if flags.ndim:
        flags = flags.reshape(-1, 1)
    clip = np.broadcast_to(flags, point.shape)
    result = {"point": np.where(clip, np.maximum(point, 0), point)}
    for level, multiplier in multipliers.items():
        low = point - multiplier * sigma
        high = point + multiplier * sigma
        result[f"lo{level}"] = np.where(clip, np.maximum(low, 0), low)
        result[f"hi{level}"] = np.where(clip, np.maximum(high, 0), high)
    return result
