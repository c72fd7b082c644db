"""Series plots with outliers highlighted, for the strongest over-time outliers and Zwolle."""

from __future__ import annotations

import pandas as pd

from idgb_pipeline.models import svg
from idgb_pipeline.models.outliers.explain import format_number, short_label
from idgb_pipeline.models.outliers.inputs import OutlierInputs
from idgb_pipeline.models.outliers.settings import KIND_OVER_TIME

# Zwolle is always plotted, so every run has a familiar series to compare.
FIXED_REGION = "GM0193"
N_STRONGEST = 3


def _chosen_series(over_time: pd.DataFrame) -> list[tuple[str, str]]:
    """Return the series of the strongest outliers, then Zwolle's strongest-scoring series."""
    ranked = over_time.assign(strength=over_time["score"].abs()).sort_values("strength", ascending=False)
    strongest = ranked[ranked["is_outlier"]].drop_duplicates(["region_code", "indicator_code"]).head(N_STRONGEST)
    chosen = list(strongest[["region_code", "indicator_code"]].itertuples(index=False, name=None))
    fixed = ranked[ranked["region_code"] == FIXED_REGION].head(1)
    chosen += [pair for pair in fixed[["region_code", "indicator_code"]].itertuples(index=False, name=None) if pair not in chosen]
    return chosen


def series_plots(outliers: pd.DataFrame, inputs: OutlierInputs) -> dict[str, str]:
    """Return Markdown images keyed ``reeks_<region>_<indicator>`` with the whole recorded series."""
    over_time = outliers[outliers["kind"] == KIND_OVER_TIME]
    plots = {}
    for region_code, indicator_code in _chosen_series(over_time):
        series = inputs.long[(inputs.long["region_code"] == region_code) & (inputs.long["indicator_code"] == indicator_code)]
        scored = over_time[(over_time["region_code"] == region_code) & (over_time["indicator_code"] == indicator_code)]
        series = series.merge(scored[["period_year", "expected_value", "is_outlier", "score"]], on="period_year", how="left").sort_values("period_year")
        name = series["region_name"].iloc[0]
        label = short_label(inputs.labels.get(indicator_code, indicator_code))
        strongest = scored["score"].abs().max()
        title = f"{name}: {label} (sterkste afwijking {format_number(strongest, 1)}, drempel {format_number(scored['threshold'].iloc[0], 1)})"
        image = svg.outlier_series_plot(
            series["period_year"].to_numpy(), series["value"].to_numpy(dtype=float), series["expected_value"].to_numpy(dtype=float),
            series["is_outlier"].astype("boolean").fillna(False).to_numpy(dtype=bool), series["is_provisional"].astype("boolean").fillna(False).to_numpy(dtype=bool), title,
        )
        plots[f"reeks_{region_code}_{indicator_code}"] = svg.as_markdown_image(image, f"{name}: {label}")
    return plots
