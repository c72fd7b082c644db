"""The three outlier kinds as rows of ``analysis.model_outlier``, one function per kind."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from idgb_pipeline.models.forecast.panel import ForecastSettings, Panel, build_panel, is_rate
from idgb_pipeline.models.outliers import explain, over_time
from idgb_pipeline.models.outliers.inputs import OutlierInputs
from idgb_pipeline.models.outliers.multivariate import profile_scores, top_contributions
from idgb_pipeline.models.outliers.peers import peer_scores
from idgb_pipeline.models.outliers.robust import pooled_threshold
from idgb_pipeline.models.outliers.settings import KIND_MULTIVARIATE, KIND_OVER_TIME, KIND_PEER, OutlierSettings

COLUMNS = [
    "region_code", "region_name", "period_year", "indicator_code", "kind", "value", "expected_value",
    "score", "threshold", "is_outlier", "is_provisional", "reference", "explanation",
]


@dataclass
class OverTimeResult:
    """Over-time rows plus the per-indicator scores that the robust forecasts reuse."""

    rows: pd.DataFrame
    panel: Panel
    scores: dict[str, over_time.OverTimeScores]
    threshold: float


def _provisional_years(long: pd.DataFrame) -> set[int]:
    return {int(year) for year in long.loc[long["is_provisional"].fillna(False).astype(bool), "period_year"].unique()}


def score_over_time(inputs: OutlierInputs, settings: OutlierSettings) -> OverTimeResult:
    """Score every count series of the forecast with its indicator's selected method.

    All years, provisional ones included, are scored. The threshold and each series'
    scale come from the final years only.
    """
    panel = build_panel(inputs.long, ForecastSettings(exclude_provisional=False, include_rates=False))
    final = ~np.isin(panel.years, panel.provisional_years)
    indicators = panel.keys["indicator_code"].to_numpy()
    methods = {code: method for code, method in inputs.selected_methods.items() if not is_rate(code) and code in set(indicators)}

    pooled = []
    for indicator, method in methods.items():
        raw, _, _ = over_time.raw_scores(panel.values[indicators == indicator], method, final, is_count=True)
        pooled.append(raw[:, final].ravel())
    threshold = pooled_threshold(np.concatenate(pooled), settings.threshold_quantile, settings.threshold_floor)

    scores, frames = {}, []
    for indicator, method in methods.items():
        rows = indicators == indicator
        result = over_time.detect(panel.values[rows], method, threshold, final, is_count=True)
        scores[indicator] = result
        frames.append(_over_time_frame(panel, rows, result, indicator, method, threshold, inputs.labels))
    return OverTimeResult(rows=pd.concat(frames, ignore_index=True), panel=panel, scores=scores, threshold=threshold)


def _over_time_frame(
    panel: Panel, rows: np.ndarray, result: over_time.OverTimeScores, indicator: str, method: str, threshold: float, labels: dict[str, str],
) -> pd.DataFrame:
    keys = panel.keys[rows].reset_index(drop=True)
    scored = slice(over_time.MIN_TRAINING_YEARS, None)
    years = panel.years[scored]
    n_years = len(years)
    frame = pd.DataFrame(
        {
            "region_code": np.repeat(keys["region_code"].to_numpy(), n_years),
            "region_name": np.repeat(keys["region_name"].to_numpy(), n_years),
            "period_year": np.tile(years, len(keys)),
            "indicator_code": indicator,
            "kind": KIND_OVER_TIME,
            "value": panel.values[rows][:, scored].ravel(),
            "expected_value": result.expected[:, scored].ravel(),
            "score": result.score[:, scored].ravel(),
            "threshold": threshold,
            "is_outlier": result.is_outlier[:, scored].ravel(),
            "is_level_shift": result.is_level_shift[:, scored].ravel(),
            "reference": method,
        }
    )
    frame["is_provisional"] = frame["period_year"].isin(panel.provisional_years)
    label = explain.short_label(labels.get(indicator, indicator))
    frame["explanation"] = [
        explain.explain_over_time(
            label=label, year=int(row.period_year), value=row.value, expected=row.expected_value, score=row.score,
            threshold=threshold, method=method, is_outlier=bool(row.is_outlier), is_provisional=bool(row.is_provisional),
            is_level_shift=bool(row.is_level_shift),
        )
        for row in frame.itertuples()
    ]
    return frame[COLUMNS]


def _rates(long: pd.DataFrame) -> pd.DataFrame:
    return long[long["indicator_code"].map(is_rate)]


def score_peers(inputs: OutlierInputs, settings: OutlierSettings) -> tuple[pd.DataFrame, float]:
    """Score every gemeente × rate × year against the other members of its cluster."""
    provisional = _provisional_years(inputs.long)
    frame = peer_scores(_rates(inputs.long), inputs.clusters)
    final = ~frame["period_year"].isin(provisional)
    threshold = pooled_threshold(frame.loc[final, "score"].to_numpy(), settings.threshold_quantile, settings.threshold_floor)
    descriptions = inputs.clusters.set_index("cluster")["cluster_description"].to_dict()
    frame = frame.assign(
        kind=KIND_PEER, threshold=threshold, expected_value=frame["peer_median"],
        is_outlier=frame["score"].abs() > threshold, is_provisional=frame["period_year"].isin(provisional),
        reference="cluster " + frame["cluster"].astype(str),
    )
    frame["explanation"] = [
        explain.explain_peer(
            label=explain.short_label(inputs.labels.get(row.indicator_code, row.indicator_code)), year=int(row.period_year),
            value=row.value, peer_median=row.peer_median, peer_count=int(row.peer_count), score=row.score,
            threshold=threshold, cluster=int(row.cluster), cluster_description=descriptions.get(row.cluster, ""),
            is_outlier=bool(row.is_outlier), is_provisional=bool(row.is_provisional),
        )
        for row in frame.itertuples()
    ]
    return frame[COLUMNS], threshold


def score_profiles(inputs: OutlierInputs, settings: OutlierSettings) -> tuple[pd.DataFrame, int]:
    """Score every complete gemeente-year profile of rates with the isolation forest.

    Returns the rows and the number of gemeente-years left out for a missing rate.
    """
    provisional = _provisional_years(inputs.long)
    result = profile_scores(
        _rates(inputs.long), contamination=settings.contamination, n_estimators=settings.n_estimators, random_state=settings.random_state
    )
    names = inputs.long.drop_duplicates("region_code").set_index("region_code")["region_name"]
    frame = result.scores.assign(
        region_name=result.scores["region_code"].map(names), indicator_code=None, kind=KIND_MULTIVARIATE,
        value=np.nan, expected_value=np.nan, threshold=result.threshold,
        is_provisional=result.scores["period_year"].isin(provisional), reference="alle gemeente-jaren",
    )
    labelled = result.deviations.rename(columns=lambda code: explain.short_label(inputs.labels.get(code, code)))
    contributions = top_contributions(labelled, settings.top_contributions)
    frame["explanation"] = [
        explain.explain_profile(
            year=int(row.period_year), score=row.score, threshold=result.threshold, contributions=contributions[i],
            is_outlier=bool(row.is_outlier), is_provisional=bool(row.is_provisional),
        )
        for i, row in enumerate(frame.itertuples())
    ]
    return frame[COLUMNS], result.n_incomplete
