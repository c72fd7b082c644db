"""Forecast model: backtest, method choice per indicator and level, forecasts to the horizon year and reconciliation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import metric
from idgb_pipeline.models.forecast import backtest, intervals, levels, report
from idgb_pipeline.models.forecast.hierarchy import hierarchical_panel
from idgb_pipeline.models.forecast.methods import ALPHA_GRID, BETA_GRID, PHI_GRID, forecast
from idgb_pipeline.models.forecast.panel import ForecastSettings, Panel, build_panel, is_rate, validate_settings
from idgb_pipeline.models.forecast.reconcile import NO_RECONCILIATION, RECONCILIATION, reconcile

MODEL = "prognose"
QUESTION_ID = "misdrijven_prognose"
FORECAST_TABLE = "model_forecast"
ACCURACY_TABLE = "model_forecast_accuracy"
TABLES = (FORECAST_TABLE, ACCURACY_TABLE)


def parameters(settings: ForecastSettings) -> dict:
    """Return the run parameters written to ``parameters_json``."""
    return {**settings.__dict__, "alpha_grid": ALPHA_GRID, "beta_grid": BETA_GRID, "phi_grid": PHI_GRID, "reconciliation": RECONCILIATION}


def input_record(long: pd.DataFrame) -> pd.DataFrame:
    """Return the input values in the shape of ``analysis.model_input_values``."""
    return long[["region_code", "indicator_code", "period_year", "value", "is_provisional"]].reset_index(drop=True)


def _base_forecasts(panel: Panel, chosen: levels.Selection, steps: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return base point (clipped at 0), sigma and method per row of the stacked panel."""
    point = np.empty((len(panel.keys), steps))
    sigma = np.empty_like(point)
    methods = np.empty(len(panel.keys), dtype=object)
    labels = panel.keys[["indicator_code", "region_level"]]
    for (indicator, level), method in chosen.items():
        rows = ((labels["indicator_code"] == indicator) & (labels["region_level"] == level)).to_numpy()
        result = forecast(method, panel.values[rows], steps)
        point[rows] = np.maximum(result.point, 0)
        sigma[rows] = result.sigma
        methods[rows] = method
    return point, sigma, methods


def _forecast_rows(panel: Panel, hierarchies: dict, chosen: levels.Selection, multipliers: dict, horizon_year: int) -> tuple[pd.DataFrame, int]:
    """Forecast every series, reconcile the count hierarchies and add interval bounds.

    ``multipliers`` maps (reconciliation, level) to the calibrated multipliers per
    (indicator, method). Returns the rows and the number of gemeente values that the
    reconciliation would have made negative.
    """
    last_year = int(panel.years[-1])
    steps = horizon_year - last_year
    base, sigma, methods = _base_forecasts(panel, chosen, steps)
    point = base.copy()
    reconciliation = np.full(len(panel.keys), NO_RECONCILIATION, dtype=object)
    raised = 0
    indicators = panel.keys["indicator_code"].to_numpy()
    for indicator, hierarchy in hierarchies.items():
        rows = indicators == indicator
        point[rows], count = reconcile(base[rows], hierarchy.summing)
        reconciliation[rows] = RECONCILIATION
        raised += count

    bands = {name: np.empty_like(point) for name in ("point", "lo80", "hi80", "lo95", "hi95")}
    groups = pd.DataFrame({"indicator": indicators, "level": panel.keys["region_level"], "method": methods, "reconciliation": reconciliation})
    for (indicator, level, method, kind), frame in groups.groupby(["indicator", "level", "method", "reconciliation"]):
        rows = frame.index.to_numpy()
        band = intervals.bounds(point[rows], sigma[rows], multipliers[(kind, level)][(indicator, method)], non_negative=True)
        for name, values in band.items():
            bands[name][rows] = values

    count = len(panel.keys)
    frame = pd.DataFrame(
        {
            **{column: np.repeat(panel.keys[column].to_numpy(), steps) for column in ("region_code", "region_name", "region_level", "indicator_code")},
            "year": np.tile(np.arange(last_year + 1, horizon_year + 1), count),
            "horizon": np.tile(np.arange(1, steps + 1), count),
            **{name: values.ravel() for name, values in bands.items()},
            "base_point": base.ravel(),
            "sigma": sigma.ravel(),
            "method": np.repeat(methods, steps),
            "reconciliation": np.repeat(reconciliation, steps),
            "last_training_year": last_year,
        }
    )
    return frame, raised


def backtest_origins(settings: ForecastSettings, last_year: int) -> list[int]:
    """Return the backtest origins of the settings that lie before the last training year."""
    return [year for year in range(settings.first_origin, settings.last_origin + 1) if year < last_year]


def answer_forecast(long: pd.DataFrame, settings: ForecastSettings, provinces: pd.DataFrame | None = None) -> ModelAnswer:
    """Backtest every method per level, choose one by MASE, forecast and reconcile the counts.

    ``provinces`` maps gemeente codes to provinces (``hierarchy.load_provinces``).
    Without it the count hierarchies have two levels: gemeente and land. Raises
    ModelConfigError for an invalid horizon and InsufficientDataError when the panel
    is too short.
    """
    panel = build_panel(long, settings)
    last_year = int(panel.years[-1])
    validate_settings(settings, last_year)
    if provinces is None:
        provinces = pd.DataFrame(columns=["region_code", "province_code", "province_name"])
    stacked, hierarchies = hierarchical_panel(panel, provinces)
    origins = backtest_origins(settings, last_year)

    errors = backtest.rolling_origin_errors(stacked.values, stacked.years, stacked.keys["indicator_code"].to_numpy(), origins, settings.backtest_horizon)
    errors["region_level"] = stacked.keys["region_level"].to_numpy()[errors["series"].to_numpy()]
    base_accuracy = levels.accuracy_per_level(errors, settings.calibration_last_origin, NO_RECONCILIATION)
    chosen = levels.selection(base_accuracy)
    coherent_errors = levels.reconciled_errors(errors, stacked.keys, hierarchies, chosen)
    reconciled_accuracy = pd.DataFrame()
    if not coherent_errors.empty:
        reconciled_accuracy = levels.with_base_baselines(
            levels.accuracy_per_level(coherent_errors, settings.calibration_last_origin, RECONCILIATION), base_accuracy
        )
    accuracy = pd.concat([base_accuracy, reconciled_accuracy], ignore_index=True)
    accuracy.insert(4, "origins", f"{origins[0]}-{origins[-1]}")
    accuracy.insert(5, "max_horizon", settings.backtest_horizon)

    multipliers = {}
    for kind, frame in ((NO_RECONCILIATION, errors), (RECONCILIATION, coherent_errors)):
        for level, level_errors in frame.groupby("region_level"):
            multipliers[(kind, level)] = backtest.final_multipliers(level_errors)
    forecasts, raised = _forecast_rows(stacked, hierarchies, chosen, multipliers, settings.horizon_year)
    forecasts["is_rate"] = forecasts["indicator_code"].map(is_rate)

    comparison = levels.level_comparison(accuracy) if hierarchies else pd.DataFrame()
    plots = report.forecast_plots(stacked, forecasts, accuracy, comparison)
    metrics = _metrics(accuracy, comparison, panel, raised)
    summary = {
        "laatste_trainingsjaar": last_year,
        "voorlopige_jaren": list(panel.provisional_years),
        "voorlopige_jaren_uitgesloten": settings.exclude_provisional,
        "horizonjaar": settings.horizon_year,
        "reeksen": int(len(stacked.keys)),
        "reeksen_gemeente": int(len(panel.keys)),
        "reeksen_uitgesloten": int(len(panel.excluded)),
        "gekozen_methode": {f"{indicator}/{level}": method for (indicator, level), method in chosen.items()},
        "verzoening": RECONCILIATION if hierarchies else NO_RECONCILIATION,
        "verzoening_mase_per_niveau": comparison.round(4).to_dict("records"),
        "verzoening_op_nul_gezet": raised,
    }
    tables = {FORECAST_TABLE: forecasts, ACCURACY_TABLE: accuracy}
    return ModelAnswer(tables=tables, metrics=metrics, plots=plots, summary=summary)


def _metrics(accuracy: pd.DataFrame, comparison: pd.DataFrame, panel: Panel, raised: int) -> pd.DataFrame:
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
        subject = f"{record['region_level']}/{record['indicator_code']}/{record['method']}/{record['reconciliation']}"
        for name, description in descriptions.items():
            rows.append(metric(MODEL, QUESTION_ID, subject, name, record[name], record[counts.get(name, "n_points")], description))
    for record in comparison.to_dict("records"):
        subject = f"{record['region_level']}/verzoening"
        rows += [
            metric(MODEL, QUESTION_ID, subject, "mase_basis", record["mase_base"], record["n_points"], "gemiddelde MASE van de gekozen methoden over de indicatoren, zonder verzoening"),
            metric(MODEL, QUESTION_ID, subject, "mase_verzoend", record["mase_reconciled"], record["n_points"], f"gemiddelde MASE na verzoening ({RECONCILIATION})"),
            metric(MODEL, QUESTION_ID, subject, "relatieve_mase_verzoend", record["relative_mase_reconciled"], record["n_points"], "MASE na verzoening gedeeld door die zonder (onder 1: verzoening helpt)"),
        ]
    rows.append(metric(MODEL, QUESTION_ID, "invoer", "reeksen_uitgesloten", len(panel.excluded), len(panel.keys) + len(panel.excluded), "reeksen met een ontbrekend trainingsjaar, niet voorspeld"))
    rows.append(metric(MODEL, QUESTION_ID, "verzoening", "op_nul_gezet", raised, len(panel.keys), "gemeentewaarden die na verzoening negatief waren en op 0 zijn gezet"))
    return pd.DataFrame(rows)
