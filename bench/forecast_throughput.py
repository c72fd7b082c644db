"""Compare the vectorised Holt damped-trend backtest with a per-series statsmodels loop.

Both fit ETS with additive damped trend on the same real crime series (counts of the
2024-layout gemeenten, provisional years left out) at every backtest origin, forecast
1–3 years ahead and are scored by MASE on the same points. The vectorised path runs on
all series. The statsmodels loop runs on a random sample of series, and its time for
all series is extrapolated from the time per fit.

Usage::

    .venv/bin/python bench/forecast_throughput.py [--warehouse PATH] [--sample 100]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import duckdb
import numpy as np

from idgb_pipeline.models.forecast.methods import holt_damped
from idgb_pipeline.models.forecast.panel import ForecastSettings, build_panel, load_long

ORIGINS = tuple(range(2016, 2023))
HORIZON = 3


def _default_warehouse() -> Path:
    return Path(os.environ.get("IDGB_DATA_DIR", "data")) / "warehouse.duckdb"


def _windows(years: np.ndarray):
    for origin in ORIGINS:
        future = years[(years > origin) & (years <= origin + HORIZON)]
        yield origin, years <= origin, np.isin(years, future), future.size


def _scaled_errors(train: np.ndarray, actual: np.ndarray, point: np.ndarray) -> np.ndarray:
    scale = np.mean(np.abs(np.diff(train, axis=1)), axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(scale > 0, np.abs(actual - np.maximum(point, 0)) / scale, np.nan)


def run_vectorised(values: np.ndarray, years: np.ndarray) -> tuple[float, np.ndarray]:
    """Return the seconds for the whole backtest and the scaled errors per series × point."""
    errors = []
    start = time.perf_counter()
    for _, train_mask, future_mask, steps in _windows(years):
        train = values[:, train_mask]
        result = holt_damped(train, steps)
        errors.append(_scaled_errors(train, values[:, future_mask], result.point))
    return time.perf_counter() - start, np.concatenate(errors, axis=1)


def run_statsmodels(values: np.ndarray, years: np.ndarray) -> tuple[float, np.ndarray]:
    """Fit ``ExponentialSmoothing(trend="add", damped_trend=True)`` per series and origin."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    errors = []
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _, train_mask, future_mask, steps in _windows(years):
            train = values[:, train_mask]
            points = np.empty((len(values), steps))
            for row in range(len(values)):
                fitted = ExponentialSmoothing(train[row], trend="add", damped_trend=True).fit()
                points[row] = fitted.forecast(steps)
            errors.append(_scaled_errors(train, values[:, future_mask], points))
    return time.perf_counter() - start, np.concatenate(errors, axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=_default_warehouse(), help="DuckDB warehouse file of a full run")
    parser.add_argument("--sample", type=int, default=100, help="number of series in the statsmodels loop (0 = all)")
    parser.add_argument("--seed", type=int, default=20240101, help="seed of the series sample")
    arguments = parser.parse_args()

    with duckdb.connect(str(arguments.warehouse), read_only=True) as connection:
        panel = build_panel(load_long(connection), ForecastSettings())
    values, years = panel.values, panel.years
    n_series = len(values)
    fits_per_series = sum(1 for _ in _windows(years))

    vector_seconds, vector_errors = run_vectorised(values, years)

    rng = np.random.default_rng(arguments.seed)
    size = n_series if arguments.sample <= 0 else min(arguments.sample, n_series)
    sample = np.sort(rng.choice(n_series, size=size, replace=False))
    loop_seconds, loop_errors = run_statsmodels(values[sample], years)

    vector_per_fit = vector_seconds / (n_series * fits_per_series)
    loop_per_fit = loop_seconds / (size * fits_per_series)
    print(f"series: {n_series} ({years[0]}–{years[-1]}), origins {ORIGINS[0]}–{ORIGINS[-1]}, horizons 1–{HORIZON}")
    print(f"vectorised grid fit, all {n_series} series: {vector_seconds:.3f} s ({n_series * fits_per_series} fits, {vector_per_fit * 1e6:.1f} µs per fit)")
    print(f"statsmodels loop, {size} sampled series: {loop_seconds:.1f} s ({size * fits_per_series} fits, {loop_per_fit * 1e3:.2f} ms per fit)")
    if size < n_series:
        print(f"statsmodels loop, all {n_series} series (extrapolated from the sample): {loop_per_fit * n_series * fits_per_series:.0f} s")
    print(f"throughput ratio (statsmodels time per fit / vectorised time per fit): {loop_per_fit / vector_per_fit:.0f}x")
    print(f"MASE on the {size} sampled series: vectorised {np.nanmean(vector_errors[sample]):.3f}, statsmodels {np.nanmean(loop_errors):.3f}")
    print(f"MASE of the vectorised fit on all {n_series} series: {np.nanmean(vector_errors):.3f}")


if __name__ == "__main__":
    main()
