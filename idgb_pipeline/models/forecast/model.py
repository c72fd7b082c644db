"""Forecast model: backtest, method choice per indicator and forecasts to the horizon year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import metric
from idgb_pipeline.models.forecast import backtest, intervals
from idgb_pipeline.models.forecast.methods import ALPHA_GRID, BETA_GRID, PHI_GRID, forecast
from idgb_pipeline.models.forecast.panel import ForecastSettings, Panel, build_panel, validate_settings

MODEL = "prognose"
QUESTION_ID = "misdrijven_prognose"
FORECAST_TABLE = "model_forecast"
ACCURACY_TABLE = "model_forecast_accuracy"
TABLES = (FORECAST_TABLE, ACCURACY_TABLE)


def parameters(settings: ForecastSettings) -> dict:
    """Return the run parameters written to ``parameters_json``."""
    return {**settings.__dict__, "alpha_grid": ALPHA_GRID, "beta_grid": BETA_GRID, "phi_grid": PHI_GRID}


def input_record(long: pd.DataFrame) -> pd.DataFrame:
    """Return the input values in the shape of ``analysis.model_input_values``."""
    return long[["region_code", "indicator_code", "period_year", "value", "is_provisional"]].reset_index(drop=True)


def _forecast_rows(panel: Panel, selected: dict[str, str], multipliers: dict, horizon_year: int) -> pd.DataFrame:
    last_year = int(panel.years[-1])
    steps = horizon_year - last_year
    frames = []
    indicators = panel.keys["indicator_code"].to_numpy()
    for indicator, method in selected.items():
        rows = indicators == indicator
        result = forecast(method, panel.values[rows], steps)
        band = intervals.bounds(result.point, result.sigma, multipliers[(indicator, method)], non_negative=True)
        keys = panel.keys[rows].reset_index(drop=True)
        frame = pd.DataFrame(
            {
                "region_code": np.repeat(keys["region_code"].to_numpy(), steps),
                "region_name": np.repeat(keys["region_name"].to_numpy(), steps),
                "indicator_code": indicator,
                "year": np.tile(np.arange(last_year + 1, horizon_year + 1), len(keys)),
                "horizon": np.tile(np.arange(1, steps + 1), len(keys)),
                **{name: values.ravel() for name, values in band.items()},
                "sigma": result.sigma.ravel(),
                "method": method,
                "last_training_year": last_year,
            }
        )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def answer_forecast(long: pd.DataFrame, settings: ForecastSettings) -> ModelAnswer:
    """Backtest every method, choose one per indicator by MASE and forecast to the horizon.

    Raises ModelConfigError for an invalid horizon and InsufficientDataError when the
    panel is too short.
    """
    panel = build_panel(long, settings)
    last_year = int(panel.years[-1])
    validate_settings(settings, last_year)
    origins = [year for year in range(settings.first_origin, settings.last_origin + 1) if year < last_year]
    groups = panel.keys["indicator_code"].to_numpy()
    errors = backtest.rolling_origin_errors(panel.values, panel.years, groups, origins, settings.backtest_horizon)
    accuracy = backtest.accuracy(errors, settings.calibration_last_origin)
    selected = dict(accuracy.loc[accuracy["is_selected"], ["indicator_code", "method"]].itertuples(index=False))
    forecasts = _forecast_rows(panel, selected, backtest.final_multipliers(errors), settings.horizon_year)
    forecasts["is_rate"] = forecasts["indicator_code"].str.endswith("_per_1000")
    accuracy.insert(2, "origins", f"{origins[0]}-{origins[-1]}")
    accuracy.insert(3, "max_horizon", settings.backtest_horizon)

    metrics = _metrics(accuracy, panel)
    summary = {
        "laatste_trainingsjaar": last_year,
        "voorlopige_jaren": list(panel.provisional_years),
        "voorlopige_jaren_uitgesloten": settings.exclude_provisional,
        "horizonjaar": settings.horizon_year,
        "reeksen": int(len(panel.keys)),
        "reeksen_uitgesloten": int(len(panel.excluded)),
        "gekozen_methode": selected,
    }
    return ModelAnswer(tables={FORECAST_TABLE: forecasts, ACCURACY_TABLE: accuracy}, metrics=metrics, summary=summary)


def _metrics(accuracy: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    descriptions = {
        "mase": "MASE in de backtest: gemiddelde absolute fout gedeeld door de gemiddelde jaarlijkse verandering in de trainingsjaren",
        "smape": "sMAPE in de backtest (procent, 0–200)",
        "coverage80": "aandeel achtergehouden waarden binnen het gekalibreerde 80%-interval",
        "coverage95": "aandeel achtergehouden waarden binnen het gekalibreerde 95%-interval",
        "relative_mase_naive": "MASE gedeeld door die van de naïeve methode (onder 1 is beter)",
        "relative_mase_drift": "MASE gedeeld door die van de driftmethode (onder 1 is beter)",
    }
    counts = {"mase": "n_points_mase", "coverage80": "n_points_coverage", "coverage95": "n_points_coverage"}
    rows = []
    for record in accuracy.to_dict("records"):
        subject = f"{record['indicator_code']}/{record['method']}"
        for name, description in descriptions.items():
            rows.append(metric(MODEL, QUESTION_ID, subject, name, record[name], record[counts.get(name, "n_points")], description))
    rows.append(metric(MODEL, QUESTION_ID, "invoer", "reeksen_uitgesloten", len(panel.excluded), len(panel.keys) + len(panel.excluded), "reeksen met een ontbrekend trainingsjaar, niet voorspeld"))
    return pd.DataFrame(rows)
