"""Norm prognosis: per KRB norm × region the forecast in the target year and P(norm met).

The norm's indicator is forecast on its full panel: every region at the level of the
norm region (gemeenten in the 2024 layout), rates included. The rolling-origin backtest
of that panel chooses the method by MASE and calibrates the interval, exactly as for
``analysis/prognose``. These forecasts are not reconciled, because rates do not add up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models.forecast import backtest, intervals, norm_probability
from idgb_pipeline.models.forecast.methods import forecast
from idgb_pipeline.models.forecast.model import backtest_origins
from idgb_pipeline.models.forecast.panel import MAX_HORIZON_YEAR, ForecastSettings, Panel, build_panel

DISTRIBUTION = "normaal, schaal uit het gekalibreerde 80%-interval, afgekapt op 0 bij niet-negatieve reeksen"
ACCURACY_COLUMNS = ("mase", "relative_mase_naive", "relative_mase_drift", "coverage80", "coverage95", "n_series", "n_points_coverage")


@dataclass
class IndicatorFit:
    """Backtest outcome of one indicator panel: chosen method, its accuracy and multipliers."""

    panel: Panel
    method: str
    accuracy: dict
    multipliers: dict[int, float]
    non_negative: np.ndarray


def fit_indicator(long: pd.DataFrame, settings: ForecastSettings) -> IndicatorFit:
    """Backtest one indicator's panel and choose the method with the lowest MASE.

    Raises InsufficientDataError when the panel is too short for the backtest.
    """
    panel = build_panel(long, settings)
    origins = backtest_origins(settings, int(panel.years[-1]))
    if not origins:
        raise InsufficientDataError(f"Geen prognose: geen backtestjaar vóór het laatste jaar {int(panel.years[-1])}.")
    non_negative = (panel.values >= 0).all(axis=1)
    groups = panel.keys["indicator_code"].to_numpy()
    errors = backtest.rolling_origin_errors(panel.values, panel.years, groups, origins, settings.backtest_horizon, non_negative=non_negative)
    accuracy = backtest.accuracy(errors, settings.calibration_last_origin)
    chosen = accuracy[accuracy["is_selected"]].iloc[0]
    multipliers = backtest.final_multipliers(errors)[(chosen["indicator_code"], chosen["method"])]
    return IndicatorFit(panel, str(chosen["method"]), chosen[list(ACCURACY_COLUMNS)].to_dict(), multipliers, non_negative)


def _without_forecast(norm: dict, reason: str) -> dict:
    return {**norm, "reason": reason}


def norm_forecast(norm: dict, fit: IndicatorFit, horizon_year: int) -> tuple[dict, pd.DataFrame]:
    """Forecast one norm region to ``max(target year, horizon year)`` and score the norm.

    Returns the summary row and the rows per forecast year. A norm that cannot be
    scored gets a summary row with a Dutch ``reason`` and no yearly rows.
    """
    last_year = int(fit.panel.years[-1])
    target_year = int(norm["target_year"])
    end_year = max(target_year, horizon_year)
    rows = np.flatnonzero(fit.panel.keys["region_code"].to_numpy() == norm["region_code"])
    if rows.size == 0:
        return _without_forecast(norm, f"Geen prognose: {norm['region_code']} heeft geen volledige reeks van {norm['indicator_code']} in de jaren {fit.panel.years[0]}–{last_year}."), pd.DataFrame()
    if target_year <= last_year:
        return _without_forecast(norm, f"Geen prognose: het streefjaar {target_year} ligt niet na het laatste gebruikte jaar {last_year}. Zie fct_norm_attainment voor de gemeten waarde."), pd.DataFrame()
    if end_year > MAX_HORIZON_YEAR:
        return _without_forecast(norm, f"Geen prognose: het streefjaar {target_year} ligt na {MAX_HORIZON_YEAR}, verder dan een trend uit deze reeks te verantwoorden is."), pd.DataFrame()

    row = rows[0]
    non_negative = bool(fit.non_negative[row])
    result = forecast(fit.method, fit.panel.values[row : row + 1], end_year - last_year)
    band = intervals.bounds(result.point, result.sigma, fit.multipliers, non_negative=non_negative)
    scale = norm_probability.predictive_scale(result.sigma[0], fit.multipliers[80])
    probability = norm_probability.probability_met(
        result.point[0], scale, norm["comparator"], norm["target_value"], norm["margin"], non_negative=non_negative
    )
    years = np.arange(last_year + 1, end_year + 1)
    yearly = pd.DataFrame(
        {
            "norm_id": norm["norm_id"],
            "region_code": norm["region_code"],
            "indicator_code": norm["indicator_code"],
            "year": years,
            "horizon": years - last_year,
            **{name: values[0] for name, values in band.items()},
            "scale": scale,
            "probability_met": probability,
            "method": fit.method,
        }
    )
    first = norm_probability.first_year_met(years, probability)
    at_target = yearly[yearly["year"] == target_year].iloc[0]
    summary = {
        **norm,
        "region_name": fit.panel.keys["region_name"].iloc[row],
        "horizon_year": end_year,
        "last_training_year": last_year,
        "forecast_value": at_target["point"],
        **{name: at_target[name] for name in ("lo80", "hi80", "lo95", "hi95", "probability_met")},
        "first_year_met": first,
        "expected_first_year_met": str(first) if first is not None else f"niet voor {end_year}",
        "method": fit.method,
        "distribution": DISTRIBUTION,
        **fit.accuracy,
        "reason": None,
    }
    return summary, yearly
