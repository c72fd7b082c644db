"""Outlier model: the three kinds, the flag on forecasts and the robust forecast variant."""

from __future__ import annotations

import numpy as np
import pandas as pd

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import metric
from idgb_pipeline.models.forecast import backtest
from idgb_pipeline.models.forecast.panel import ForecastSettings
from idgb_pipeline.models.outliers import robust_forecast
from idgb_pipeline.models.outliers.inputs import OutlierInputs
from idgb_pipeline.models.outliers.over_time import cleaned_as_of, select_series
from idgb_pipeline.models.outliers.kinds import OverTimeResult, score_over_time, score_peers, score_profiles
from idgb_pipeline.models.outliers.plots import series_plots
from idgb_pipeline.models.outliers.settings import KIND_MULTIVARIATE, KIND_OVER_TIME, KIND_PEER, KINDS, OutlierSettings

MODEL = "uitschieters"
QUESTION_ID = "misdrijven_uitschieters"
OUTLIER_TABLE = "model_outlier"
ROBUST_TABLE = "model_forecast_robust"
ROBUST_ACCURACY_TABLE = "model_forecast_robust_accuracy"
TABLES = (OUTLIER_TABLE, ROBUST_TABLE, ROBUST_ACCURACY_TABLE)


def parameters(settings: OutlierSettings, inputs: OutlierInputs) -> dict:
    """Return the run parameters, including the forecast and cluster runs the model builds on."""
    return {**settings.__dict__, "forecast_model_run_id": inputs.forecast_run_id, "cluster_model_run_id": inputs.cluster_run_id}


def input_record(inputs: OutlierInputs) -> pd.DataFrame:
    """Return the crime panel in the shape of ``analysis.model_input_values``."""
    return inputs.long[["region_code", "indicator_code", "period_year", "value", "is_provisional"]].reset_index(drop=True)


def _design(inputs: OutlierInputs) -> robust_forecast.BacktestDesign:
    defaults = ForecastSettings().__dict__
    used = {name: inputs.forecast_parameters.get(name, default) for name, default in defaults.items()}
    last_training_year = int(inputs.forecasts["last_training_year"].max())
    return robust_forecast.BacktestDesign(
        origins=[year for year in range(used["first_origin"], used["last_origin"] + 1) if year < last_training_year],
        max_horizon=used["backtest_horizon"],
        calibration_last_origin=used["calibration_last_origin"],
        last_training_year=last_training_year,
        horizon_year=used["horizon_year"],
    )


def _outlier_years(years: np.ndarray, flags: np.ndarray) -> list[str]:
    return [",".join(str(year) for year in years[row]) for row in flags]


def forecast_variants(over_time: OverTimeResult, inputs: OutlierInputs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Flag each forecast series with an outlier in its training years and add the robust variant.

    Returns the robust table (one row per series × forecast year, robust columns empty
    for unflagged series) and the backtest comparison per indicator and pooled.
    """
    design = _design(inputs)
    panel = over_time.panel
    training = panel.years <= design.last_training_year
    years = panel.years[training]
    indicators = panel.keys["indicator_code"].to_numpy()
    robust_frames, errors_by_variant = [], {variant: [] for variant in robust_forecast.VARIANTS}
    flags = []
    series_offset = 0
    for indicator, scores in over_time.scores.items():
        method = inputs.selected_methods[indicator]
        keys = panel.keys[indicators == indicator].reset_index(drop=True)
        flagged = scores.is_outlier[:, training]
        has_outlier = flagged.any(axis=1)
        flags.append(keys[["region_code", "indicator_code"]].assign(history_has_outlier=has_outlier, outlier_years=_outlier_years(years, flagged)))
        if not has_outlier.any():
            continue
        raw = panel.values[indicators == indicator][has_outlier][:, training]
        series_scores = select_series(scores, has_outlier)

        def cleaned_at(position: int, raw=raw, series_scores=series_scores) -> np.ndarray:
            return cleaned_as_of(raw, series_scores, position)

        errors = robust_forecast.compare_variants(raw, cleaned_at, years, indicator, method, design)
        cleaned = cleaned_at(len(years) - 1)
        # Series numbers restart per indicator, so shift them to count series once when pooled.
        for variant, frame in errors.items():
            errors_by_variant[variant].append(frame.assign(series=frame["series"] + series_offset))
        series_offset += int(has_outlier.sum())
        multipliers = backtest.final_multipliers(errors["robuust"])[(indicator, method)]
        robust_frames.append(robust_forecast.robust_rows(cleaned, keys[has_outlier], indicator, method, multipliers, design))

    flag_frame = pd.concat(flags, ignore_index=True)
    standard = inputs.forecasts[["region_code", "region_name", "indicator_code", "year", "method", "point", "last_training_year"]]
    table = standard.merge(flag_frame, on=["region_code", "indicator_code"], how="inner")
    if robust_frames:
        table = table.merge(pd.concat(robust_frames, ignore_index=True), on=["region_code", "indicator_code", "year"], how="left")
    table = table.rename(columns={"point": "standard_point"}).assign(forecast_model_run_id=inputs.forecast_run_id)
    return table, _comparison(errors_by_variant, design)


def _comparison(errors_by_variant: dict[str, list[pd.DataFrame]], design: robust_forecast.BacktestDesign) -> pd.DataFrame:
    if not errors_by_variant["standaard"]:
        return pd.DataFrame(columns=["indicator_code", "method", *robust_forecast.ACCURACY_COLUMNS, "variant"])
    per_indicator = {variant: pd.concat(frames, ignore_index=True) for variant, frames in errors_by_variant.items()}
    # Pooled over indicators, each point keeps its own indicator's method.
    pooled = {variant: frame.assign(group="alle", method="gekozen methode") for variant, frame in per_indicator.items()}
    return pd.concat(
        [
            robust_forecast.accuracy_table(per_indicator, design.calibration_last_origin),
            robust_forecast.accuracy_table(pooled, design.calibration_last_origin),
        ],
        ignore_index=True,
    )


def _metrics(outliers: pd.DataFrame, thresholds: dict[str, float], comparison: pd.DataFrame, robust: pd.DataFrame, n_incomplete: int) -> pd.DataFrame:
    rows = []
    for kind in KINDS:
        frame = outliers[outliers["kind"] == kind]
        scored = frame["score"].notna()
        rows += [
            metric(MODEL, QUESTION_ID, kind, "threshold", thresholds[kind], int(scored.sum()), "drempel op de score; boven de drempel is een punt een uitschieter"),
            metric(MODEL, QUESTION_ID, kind, "n_outliers", int(frame["is_outlier"].sum()), int(scored.sum()), "aantal uitschieters (n is het aantal beoordeelde punten)"),
            metric(MODEL, QUESTION_ID, kind, "share_outliers_final_years", frame.loc[scored & ~frame["is_provisional"], "is_outlier"].mean(), int((scored & ~frame["is_provisional"]).sum()), "aandeel uitschieters in de definitieve jaren"),
        ]
        if kind != KIND_MULTIVARIATE:
            n_series = frame[["region_code", "indicator_code"]].drop_duplicates()
            rows.append(metric(MODEL, QUESTION_ID, kind, "n_series", len(n_series), len(n_series), "aantal beoordeelde reeksen (gemeente × indicator)"))
    rows.append(metric(MODEL, QUESTION_ID, KIND_MULTIVARIATE, "n_incomplete_profiles", n_incomplete, n_incomplete + int((outliers["kind"] == KIND_MULTIVARIATE).sum()), "gemeente-jaren zonder volledig profiel, niet beoordeeld"))
    series = robust[["region_code", "indicator_code", "history_has_outlier"]].drop_duplicates()
    rows.append(metric(MODEL, QUESTION_ID, "prognose", "n_series_flagged", int(series["history_has_outlier"].sum()), len(series), "prognosereeksen met een uitschieter in de trainingsjaren"))
    for record in comparison.to_dict("records"):
        subject = f"{record['indicator_code']}/{record['variant']}"
        rows += [
            metric(MODEL, QUESTION_ID, subject, "mase", record["mase"], record["n_points_mase"], "MASE in de backtest van de gemarkeerde reeksen, gemeten tegen de geregistreerde waarden"),
            metric(MODEL, QUESTION_ID, subject, "coverage80", record["coverage80"], record["n_points_coverage"], "aandeel achtergehouden waarden binnen het gekalibreerde 80%-interval"),
            metric(MODEL, QUESTION_ID, subject, "coverage95", record["coverage95"], record["n_points_coverage"], "aandeel achtergehouden waarden binnen het gekalibreerde 95%-interval"),
        ]
    return pd.DataFrame(rows)


def answer_outliers(inputs: OutlierInputs, settings: OutlierSettings) -> ModelAnswer:
    """Score the three kinds, flag the forecasts and compare the robust variant.

    Raises InsufficientDataError when the forecast run has no selected methods or the
    cluster run has no assignment.
    """
    if not inputs.selected_methods or inputs.forecasts.empty:
        raise InsufficientDataError("Geen uitschieteranalyse: de laatste prognoserun heeft geen gekozen methoden of prognoses.")
    if inputs.clusters.empty:
        raise InsufficientDataError("Geen uitschieteranalyse: de laatste run van regioclusters heeft geen clusterindeling.")

    over_time = score_over_time(inputs, settings)
    peer_rows, peer_threshold = score_peers(inputs, settings)
    profile_rows, n_incomplete = score_profiles(inputs, settings)
    outliers = pd.concat([over_time.rows, peer_rows, profile_rows], ignore_index=True)
    thresholds = {
        KIND_OVER_TIME: over_time.threshold,
        KIND_PEER: peer_threshold,
        KIND_MULTIVARIATE: float(profile_rows["threshold"].iloc[0]),
    }

    robust, comparison = forecast_variants(over_time, inputs)
    pooled = comparison[comparison["indicator_code"] == "alle"].set_index("variant")
    summary = {
        "drempels": {kind: round(value, 3) for kind, value in thresholds.items()},
        "uitschieters": outliers.groupby("kind")["is_outlier"].sum().astype(int).to_dict(),
        "beoordeelde_punten": outliers.groupby("kind")["score"].count().astype(int).to_dict(),
        "prognosereeksen_gemarkeerd": int(robust.drop_duplicates(["region_code", "indicator_code"])["history_has_outlier"].sum()),
        "backtest_gemarkeerde_reeksen": {
            variant: {"mase": round(float(row["mase"]), 3), "coverage80": round(float(row["coverage80"]), 3), "n_points": int(row["n_points"])}
            for variant, row in pooled.iterrows()
        },
        "prognoserun": inputs.forecast_run_id,
        "clusterrun": inputs.cluster_run_id,
    }
    return ModelAnswer(
        tables={OUTLIER_TABLE: outliers, ROBUST_TABLE: robust, ROBUST_ACCURACY_TABLE: comparison},
        metrics=_metrics(outliers, thresholds, comparison, robust, n_incomplete),
        plots=series_plots(outliers, inputs),
        summary=summary,
    )
