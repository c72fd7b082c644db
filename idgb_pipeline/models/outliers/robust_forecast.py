"""Forecasts of series whose history has an outlier: the flag, a robust variant and their backtest.

The robust variant fits the indicator's selected method on the cleaned history, in
which every over-time outlier year is replaced by its one-step forecast from the
years before it. Both variants are backtested on the flagged series with the same
origins and horizons as the forecast, and both are scored against the recorded
values, so the robust variant gets no credit for values it removed. Both use the
same MASE denominator (the mean absolute yearly change of the recorded training
years), so their MASE can be compared directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from idgb_pipeline.models.forecast import backtest, intervals
from idgb_pipeline.models.forecast.methods import forecast

VARIANTS = ("standaard", "robuust")
ACCURACY_COLUMNS = [
    "mase", "mase_calibration_origins", "mase_holdout_origins", "smape", "coverage80", "coverage95",
    "n_series", "n_points", "n_points_mase", "n_points_coverage",
]


@dataclass(frozen=True)
class BacktestDesign:
    """Origins, horizon and calibration split of the forecast run the robust variant is compared with."""

    origins: list[int]
    max_horizon: int
    calibration_last_origin: int
    last_training_year: int
    horizon_year: int


def _errors(
    history_at: Callable[[int], np.ndarray], recorded: np.ndarray, years: np.ndarray, indicator: str, method: str, design: BacktestDesign,
) -> pd.DataFrame:
    """Backtest the history known at each origin and score against ``recorded`` after it."""
    frames = []
    for origin in design.origins:
        position = int(np.searchsorted(years, origin))
        # Up to the origin the method uses the history, and after it the recorded values.
        values = np.concatenate([history_at(position), recorded[:, position + 1 :]], axis=1)
        groups = np.full(len(values), indicator)
        frames.append(backtest.rolling_origin_errors(values, years, groups, [origin], design.max_horizon, methods=(method,)))
    return pd.concat(frames, ignore_index=True)


def compare_variants(
    raw: np.ndarray, cleaned_at: Callable[[int], np.ndarray], years: np.ndarray, indicator: str, method: str, design: BacktestDesign,
) -> dict[str, pd.DataFrame]:
    """Return the backtest errors of the standard and the robust variant of the given series.

    ``cleaned_at(position)`` returns the cleaned history of the years up to that
    position as it was known then, so the robust variant uses no later year.
    """
    standard = _errors(lambda position: raw[:, : position + 1], raw, years, indicator, method, design)
    robust = _errors(cleaned_at, raw, years, indicator, method, design)
    robust["scale"] = standard["scale"].to_numpy()
    robust["scaled_error"] = np.where(robust["scale"] > 0, robust["error"].abs() / robust["scale"].where(robust["scale"] > 0, 1), np.nan)
    return {"standaard": standard, "robuust": robust}


def accuracy_table(errors: dict[str, pd.DataFrame], calibration_last_origin: int) -> pd.DataFrame:
    """Return MASE, sMAPE, held-out coverage and counts per variant and group."""
    frames = []
    for variant in VARIANTS:
        table = backtest.accuracy(errors[variant], calibration_last_origin)
        frames.append(table[["indicator_code", "method", *ACCURACY_COLUMNS]].assign(variant=variant))
    return pd.concat(frames, ignore_index=True)


def robust_rows(
    cleaned: np.ndarray, keys: pd.DataFrame, indicator: str, method: str, multipliers: dict[int, float], design: BacktestDesign,
) -> pd.DataFrame:
    """Forecast the cleaned training history to the horizon year with calibrated intervals."""
    steps = design.horizon_year - design.last_training_year
    result = forecast(method, cleaned, steps)
    band = intervals.bounds(result.point, result.sigma, multipliers, non_negative=True)
    return pd.DataFrame(
        {
            "region_code": np.repeat(keys["region_code"].to_numpy(), steps),
            "indicator_code": indicator,
            "year": np.tile(np.arange(design.last_training_year + 1, design.horizon_year + 1), len(keys)),
            **{f"robust_{name}": values.ravel() for name, values in band.items()},
        }
    )
