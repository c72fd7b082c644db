"""Plots and tables of the forecast for the Dagster UI: fan charts and backtest accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from idgb_pipeline.models import svg
from idgb_pipeline.models.forecast.hierarchy import GEMEENTE, NATIONAL_CODE
from idgb_pipeline.models.forecast.panel import Panel
from idgb_pipeline.models.forecast.reconcile import NO_RECONCILIATION

ACCURACY_COLUMNS = {
    "indicator_code": "indicator",
    "method": "methode",
    "mase": "MASE",
    "relative_mase_naive": "rel. MASE naïef",
    "relative_mase_drift": "rel. MASE drift",
    "smape": "sMAPE",
    "coverage80": "dekking 80%",
    "coverage95": "dekking 95%",
    "n_series": "n reeksen",
}
LEVEL_COLUMNS = {
    "region_level": "niveau",
    "mase_base": "MASE zonder verzoening",
    "mase_reconciled": "MASE met verzoening",
    "relative_mase_reconciled": "verhouding",
    "n_points": "n backtestpunten",
}


def accuracy_table(accuracy: pd.DataFrame) -> str:
    """Return the Markdown table of the chosen method per indicator at gemeente level, before reconciliation."""
    chosen = accuracy[accuracy["is_selected"] & (accuracy["region_level"] == GEMEENTE) & (accuracy["reconciliation"] == NO_RECONCILIATION)]
    return svg.markdown_table(chosen[list(ACCURACY_COLUMNS)].rename(columns=ACCURACY_COLUMNS))


def level_table(comparison: pd.DataFrame) -> str:
    """Return the Markdown table of MASE per level with and without reconciliation."""
    return svg.markdown_table(comparison[list(LEVEL_COLUMNS)].rename(columns=LEVEL_COLUMNS))


def series_fan_chart(panel: Panel, forecasts: pd.DataFrame, indicator: str, region_code: str, title: str, target=None) -> str | None:
    """Draw the fan chart of one series, or return None when the series is not in the panel."""
    rows = np.flatnonzero((panel.keys["indicator_code"] == indicator).to_numpy() & (panel.keys["region_code"] == region_code).to_numpy())
    future = forecasts[(forecasts["indicator_code"] == indicator) & (forecasts["region_code"] == region_code)].sort_values("year")
    if rows.size == 0 or future.empty:
        return None
    history = pd.DataFrame({"year": panel.years, "value": panel.values[rows[0]]})
    return svg.fan_chart(history, future, title, target)


def forecast_plots(panel: Panel, forecasts: pd.DataFrame, accuracy: pd.DataFrame, comparison: pd.DataFrame) -> dict[str, str]:
    """Return the Markdown metadata of the forecast asset: accuracy tables and national fan charts."""
    plots = {"nauwkeurigheid_backtest": accuracy_table(accuracy)}
    if not comparison.empty:
        plots["verzoening_per_niveau"] = level_table(comparison)
    charts = []
    for indicator in forecasts.loc[forecasts["region_code"] == NATIONAL_CODE, "indicator_code"].unique():
        chart = series_fan_chart(panel, forecasts, indicator, NATIONAL_CODE, f"{indicator}, Nederland (som van de gemeenten)")
        charts.append(f"**{indicator}**\n\n{svg.as_markdown_image(chart, indicator)}")
    if charts:
        plots["waaiergrafiek_nederland"] = "\n\n".join(charts)
    return plots
