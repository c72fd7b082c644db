"""Outliers over time: a year that breaks from the region's own history.

Each year from the fifth on is forecast one step ahead with the indicator's selected
forecast method, fitted on the years before it. The error is divided by the usual
size of those one-step errors (the residuals the backtest judges the method on),
estimated over all series of the indicator at the series' own level. A year counts
as an outlier when it breaks both from the raw history and from the cleaned history,
in which earlier outlier years are replaced by their one-step forecast. The cleaned history keeps the year after a one-off spike from
being flagged as well (its forecast ignores the spike). The raw history keeps a
lasting level shift from being flagged in every later year, because only its first
year breaks from both. Once the next year confirms the new level, that first year is
put back into the cleaned history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from idgb_pipeline.models.forecast.methods import forecast
from idgb_pipeline.models.outliers.robust import robust_scale

# Holt's damped trend needs four years to fit, so the first four years are not scored.
MIN_TRAINING_YEARS = 4


@dataclass
class OverTimeScores:
    """Scores of one indicator's series, all of shape ``(n_series, n_years)`` unless noted.

    ``score`` is the standardised one-step error (NaN in the unscored first years),
    ``expected`` the one-step forecast it was judged against, ``scale`` the robust
    scale per series (shape ``(n_series,)``) and ``is_outlier`` the flags.
    ``replacement`` is the value an outlier year takes in the history of the robust
    forecast: the expected value plus the error capped at ``threshold × scale`` (NaN
    in other years). ``is_level_shift`` marks outlier years whose next year stayed at the
    new level (it fits the raw history and is no outlier), so they are put back in the
    cleaned history once that next year is known.
    """

    score: np.ndarray
    expected: np.ndarray
    scale: np.ndarray
    is_outlier: np.ndarray
    replacement: np.ndarray
    is_level_shift: np.ndarray


def one_step_forecast(history: np.ndarray, method: str, is_count: bool) -> np.ndarray:
    """Return the forecast of the year after ``history``, clipped at 0 for counts."""
    point = forecast(method, history, 1).point[:, 0]
    return np.maximum(point, 0) if is_count else point


def one_step_forecasts(values: np.ndarray, method: str, is_count: bool) -> np.ndarray:
    """Return the one-step forecast of every year from the years before it (NaN before year 5)."""
    expected = np.full(values.shape, np.nan)
    for t in range(MIN_TRAINING_YEARS, values.shape[1]):
        expected[:, t] = one_step_forecast(values[:, :t], method, is_count)
    return expected


def series_scale(values: np.ndarray, errors: np.ndarray, scale_columns: np.ndarray, is_count: bool) -> np.ndarray:
    """Return the expected size of a one-step error for each series of one indicator.

    A series has only eight to ten one-step errors, so its own robust scale is rough,
    and a single outlier can double it. The scale is therefore taken from all series
    of the indicator together: ``log(own scale)`` is regressed on ``log(mean level)``
    (least squares over the series), and each series gets the fitted value at its own
    level. For counts the scale is at least the standard deviation of the difference
    of two Poisson years, ``sqrt(2 × mean)`` with the mean at least 1, because a change
    of a few cases in a rare offence is chance, not a break.
    """
    own = robust_scale(errors[:, scale_columns], axis=1)
    level = np.abs(values[:, scale_columns]).mean(axis=1)
    level = np.maximum(level, 1.0) if is_count else np.maximum(level, np.finfo(float).tiny)
    usable = np.isfinite(own) & (own > 0)
    if usable.sum() >= 2 and np.ptp(np.log(level[usable])) > 0:
        slope, intercept = np.polyfit(np.log(level[usable]), np.log(own[usable]), 1)
        scale = np.exp(intercept + slope * np.log(level))
    elif usable.any():
        # Without a spread of levels there is no slope to fit: all series share the median.
        scale = np.full(len(own), np.median(own[usable]))
    else:
        scale = np.full(len(own), np.nan)
    return np.fmax(scale, np.sqrt(2 * level)) if is_count else scale


def raw_scores(values: np.ndarray, method: str, scale_columns: np.ndarray, is_count: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the standardised one-step errors on the raw history, the forecasts and the scale."""
    expected = one_step_forecasts(values, method, is_count)
    errors = values - expected
    scale = series_scale(values, errors, scale_columns, is_count)
    return errors / scale[:, None], expected, scale


def detect(values: np.ndarray, method: str, threshold: float, scale_columns: np.ndarray, is_count: bool = True) -> OverTimeScores:
    """Score every year of every series and flag the years beyond ``threshold``.

    ``scale_columns`` marks the years whose errors set the scale, so that provisional
    years are scored without shaping the yardstick. The years are walked in order,
    because each forecast uses the cleaned history as it was known in the year before.
    """
    raw, raw_expected, scale = raw_scores(values, method, scale_columns, is_count)
    shape = values.shape
    cleaned = values.astype(float).copy()
    score, expected, replacement = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    is_outlier, is_level_shift = np.zeros(shape, dtype=bool), np.zeros(shape, dtype=bool)
    for t in range(MIN_TRAINING_YEARS, shape[1]):
        cleaned_expected = one_step_forecast(cleaned[:, :t], method, is_count)
        cleaned_score = (values[:, t] - cleaned_expected) / scale
        use_raw = np.abs(raw[:, t]) < np.abs(cleaned_score)
        score[:, t] = np.where(use_raw, raw[:, t], cleaned_score)
        expected[:, t] = np.where(use_raw, raw_expected[:, t], cleaned_expected)
        is_outlier[:, t] = np.abs(np.nan_to_num(score[:, t])) > threshold

        # A flagged year followed by a year that fits the raw history began a lasting shift.
        shifted = is_outlier[:, t - 1] & use_raw & ~is_outlier[:, t]
        is_level_shift[:, t - 1] = shifted
        cleaned[shifted, t - 1] = values[shifted, t - 1]

        # Detection leaves an outlier year out entirely. The robust forecast keeps it capped at
        # the threshold (a Huber-type weight), because real breaks often last in part.
        limit = threshold * scale
        capped = cleaned_expected + np.clip(values[:, t] - cleaned_expected, -limit, limit)
        replacement[is_outlier[:, t], t] = capped[is_outlier[:, t]]
        cleaned[is_outlier[:, t], t] = cleaned_expected[is_outlier[:, t]]
    return OverTimeScores(
        score=score, expected=expected, scale=scale, is_outlier=is_outlier, replacement=replacement, is_level_shift=is_level_shift
    )


def select_series(scores: OverTimeScores, rows: np.ndarray) -> OverTimeScores:
    """Return the scores of the series selected by the boolean or index array ``rows``."""
    return OverTimeScores(**{name: getattr(scores, name)[rows] for name in scores.__dataclass_fields__})


def cleaned_as_of(values: np.ndarray, scores: OverTimeScores, last: int) -> np.ndarray:
    """Return the robust forecast's history of positions ``0 … last`` as it was known at ``last``.

    Outlier years take their ``replacement`` value, except earlier years that
    the following year showed to be the start of a level shift. An outlier at ``last``
    itself stays replaced, because the next year is not known yet.
    """
    replaced = scores.is_outlier[:, : last + 1].copy()
    replaced[:, :last] &= ~scores.is_level_shift[:, :last]
    return np.where(replaced, scores.replacement[:, : last + 1], values[:, : last + 1])
