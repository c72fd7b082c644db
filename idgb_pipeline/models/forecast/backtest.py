"""Rolling-origin backtest, accuracy per group × method, and method choice.

For each origin year the methods are fitted on all years up to and including the
origin (an expanding window) and forecast the next ``max_horizon`` years that have an
actual value. Errors are scaled per series by the in-sample mean absolute first
difference (the one-step naive MAE of the training window), which gives MASE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from idgb_pipeline.models.forecast import intervals
from idgb_pipeline.models.forecast.methods import METHODS, forecast


def rolling_origin_errors(
    values: np.ndarray,
    years: np.ndarray,
    groups: np.ndarray,
    origins: list[int],
    max_horizon: int,
    non_negative: np.ndarray | bool = True,
    methods: tuple[str, ...] = METHODS,
) -> pd.DataFrame:
    """Return one row per series × origin × horizon × method with actual, point, sigma, scale.

    ``values`` has shape ``(n_series, n_years)`` for the ``years`` given, without
    missing values. ``groups`` labels each series (the indicator). Points of a
    non-negative series are clipped at 0 before the errors are taken.
    """
    years = np.asarray(years)
    non_negative = np.broadcast_to(np.asarray(non_negative, dtype=bool), (values.shape[0],))
    frames = []
    for origin in origins:
        train = values[:, years <= origin]
        future = years[(years > origin) & (years <= origin + max_horizon)]
        if future.size == 0 or train.shape[1] < 4:
            continue
        actual = values[:, np.isin(years, future)]
        scale = np.mean(np.abs(np.diff(train, axis=1)), axis=1)
        for method in methods:
            result = forecast(method, train, future.size)
            point = np.where(non_negative[:, None], np.maximum(result.point, 0), result.point)
            n_series, n_steps = point.shape
            frames.append(
                pd.DataFrame(
                    {
                        "series": np.repeat(np.arange(n_series), n_steps),
                        "group": np.repeat(groups, n_steps),
                        "method": method,
                        "origin": origin,
                        "horizon": np.tile(np.arange(1, n_steps + 1), n_series),
                        "actual": actual.ravel(),
                        "point": point.ravel(),
                        "sigma": result.sigma.ravel(),
                        "scale": np.repeat(scale, n_steps),
                    }
                )
            )
    if not frames:
        raise ValueError(f"No backtest origin in {origins} leaves 4 training years and a later actual value.")
    return add_error_columns(pd.concat(frames, ignore_index=True))


def add_error_columns(errors: pd.DataFrame) -> pd.DataFrame:
    """Add the error, sMAPE, scaled and standardised error from ``actual``, ``point``, ``scale`` and ``sigma``."""
    errors["error"] = errors["actual"] - errors["point"]
    total = errors["actual"].abs() + errors["point"].abs()
    errors["smape"] = np.where(total > 0, 200 * errors["error"].abs() / total.where(total > 0, 1), 0.0)
    errors["scaled_error"] = np.where(errors["scale"] > 0, errors["error"].abs() / errors["scale"].where(errors["scale"] > 0, 1), np.nan)
    errors["standardised_error"] = np.where(errors["sigma"] > 0, errors["error"] / errors["sigma"].where(errors["sigma"] > 0, 1), np.nan)
    return errors


def _coverage(frame: pd.DataFrame, multipliers: dict[int, float]) -> dict[int, float]:
    covered = {}
    for level, multiplier in multipliers.items():
        low = np.maximum(frame["point"] - multiplier * frame["sigma"], 0)
        high = frame["point"] + multiplier * frame["sigma"]
        covered[level] = float(((frame["actual"] >= low) & (frame["actual"] <= high)).mean()) if len(frame) else np.nan
    return covered


def accuracy(errors: pd.DataFrame, calibration_last_origin: int) -> pd.DataFrame:
    """Return MASE, sMAPE, interval coverage and counts per group × method.

    Coverage is measured only on origins after ``calibration_last_origin``. The
    calibrated multipliers of ``coverage80``/``coverage95`` come from the earlier origins,
    so each covered point is held out from its own calibration. ``coverage80_normal``
    and ``coverage95_normal`` use the uncalibrated normal multipliers on the same
    points. Relative MASE divides by the MASE of naive and drift of the same group.
    ``mase_calibration_origins`` and ``mase_holdout_origins`` split MASE at the same
    origin, so a method chosen on the first can be judged on the second.
    """
    rows = []
    for (group, method), frame in errors.groupby(["group", "method"], sort=True):
        early = frame[frame["origin"] <= calibration_last_origin]
        late = frame[frame["origin"] > calibration_last_origin]
        calibrated = _coverage(late, intervals.calibrated_multipliers(early["standardised_error"].to_numpy()))
        normal = _coverage(late, intervals.normal_multipliers())
        scaled = frame["scaled_error"].dropna()
        rows.append(
            {
                "indicator_code": group,
                "method": method,
                "mase": float(scaled.mean()),
                "mase_calibration_origins": float(early["scaled_error"].mean()),
                "mase_holdout_origins": float(late["scaled_error"].mean()),
                "smape": float(frame["smape"].mean()),
                "coverage80": calibrated[80],
                "coverage95": calibrated[95],
                "coverage80_normal": normal[80],
                "coverage95_normal": normal[95],
                "n_series": int(frame["series"].nunique()),
                "n_points": int(len(frame)),
                "n_points_mase": int(len(scaled)),
                "n_points_coverage": int(len(late)),
            }
        )
    table = pd.DataFrame(rows)
    for baseline in ("naive", "drift"):
        reference = table[table["method"] == baseline].set_index("indicator_code")["mase"]
        table[f"relative_mase_{baseline}"] = table["mase"] / table["indicator_code"].map(reference)
    table["is_selected"] = table["mase"] == table.groupby("indicator_code")["mase"].transform("min")
    # On an exact tie keep only the first method in METHODS order.
    order = table["method"].map({method: rank for rank, method in enumerate(METHODS)})
    first = table[table["is_selected"]].assign(order=order).sort_values("order").drop_duplicates("indicator_code")
    table["is_selected"] = table.index.isin(first.index)
    return table


def final_multipliers(errors: pd.DataFrame) -> dict[tuple[str, str], dict[int, float]]:
    """Return calibrated interval multipliers per (group, method) from all backtest origins."""
    return {
        key: intervals.calibrated_multipliers(frame["standardised_error"].to_numpy())
        for key, frame in errors.groupby(["group", "method"], sort=True)
    }
