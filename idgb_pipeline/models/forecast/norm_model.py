"""Norm prognosis model: load the KRB norms and their indicator panels, score every norm × region."""

from __future__ import annotations

import duckdb
import pandas as pd

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models import svg
from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import metric
from idgb_pipeline.models.forecast import report
from idgb_pipeline.models.forecast.norm import IndicatorFit, fit_indicator, norm_forecast
from idgb_pipeline.models.forecast.panel import ForecastSettings

MODEL = "norm_prognose"
QUESTION_ID = "krb_norm_prognose"
SUMMARY_TABLE = "model_norm_prognosis"
YEAR_TABLE = "model_norm_prognosis_year"
TABLES = (SUMMARY_TABLE, YEAR_TABLE)

NORMS_SQL = """
    select
        norm.norm_id, norm_region.region_code, region.region_level, norm.indicator_code,
        norm.comparator, norm.target_value, norm.target_year, coalesce(norm.margin, 0) as margin
    from krb.norm as norm
    inner join krb.norm_region as norm_region
        on norm_region.norm_id = norm.norm_id
    left join marts.dim_region as region
        on region.region_code = norm_region.region_code
    order by norm.norm_id, norm_region.region_code
"""

# Every region at the level of the norm region. Gemeenten are limited to the 2024 layout,
# and GM0000 ("onbekend") is no region of its own.
INDICATOR_PANEL_SQL = """
    select fact.indicator_code, fact.region_code, region.region_name, fact.period_year, fact.value, fact.is_provisional
    from marts.fct_indicator_value as fact
    inner join marts.dim_region as region
        on region.region_code = fact.region_code
    where fact.indicator_code = ? and region.region_level = ?
        and (region.region_level <> 'gemeente' or region.is_current_layout) and region.region_code <> 'GM0000'
"""

# Column types, so that a run without norms still writes typed, empty tables.
SUMMARY_COLUMNS = {
    "norm_id": "string", "region_code": "string", "region_name": "string", "region_level": "string",
    "indicator_code": "string", "comparator": "string", "target_value": "float64", "margin": "float64",
    "target_year": "Int64", "horizon_year": "Int64", "last_training_year": "Int64",
    "forecast_value": "float64", "lo80": "float64", "hi80": "float64", "lo95": "float64", "hi95": "float64",
    "probability_met": "float64", "first_year_met": "Int64", "expected_first_year_met": "string",
    "method": "string", "distribution": "string",
    "mase": "float64", "relative_mase_naive": "float64", "relative_mase_drift": "float64",
    "coverage80": "float64", "coverage95": "float64", "n_series": "Int64", "n_points_coverage": "Int64",
    "reason": "string",
}
YEAR_COLUMNS = {
    "norm_id": "string", "region_code": "string", "indicator_code": "string", "year": "Int64", "horizon": "Int64",
    "point": "float64", "lo80": "float64", "hi80": "float64", "lo95": "float64", "hi95": "float64",
    "scale": "float64", "probability_met": "float64", "method": "string",
}


def load_norms(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return one row per KRB norm × region, with the level of the region."""
    return connection.execute(NORMS_SQL).df()


def load_indicator_panels(connection: duckdb.DuckDBPyConnection, norms: pd.DataFrame) -> dict[tuple[str, str], pd.DataFrame]:
    """Return the long panel per (indicator, region level) that the norms need."""
    pairs = norms.dropna(subset=["region_level"])[["indicator_code", "region_level"]].drop_duplicates()
    return {
        (indicator, level): connection.execute(INDICATOR_PANEL_SQL, [indicator, level]).df()
        for indicator, level in pairs.itertuples(index=False)
    }


def _fit_all(panels: dict[tuple[str, str], pd.DataFrame], settings: ForecastSettings) -> dict[tuple[str, str], IndicatorFit | str]:
    """Fit each panel, or keep the Dutch reason why it cannot be forecast."""
    fits: dict[tuple[str, str], IndicatorFit | str] = {}
    for (indicator, level), long in panels.items():
        if long.empty:
            fits[(indicator, level)] = f"Geen prognose: {indicator} heeft geen cijfers voor regio's op niveau {level}."
            continue
        try:
            fits[(indicator, level)] = fit_indicator(long, settings)
        except InsufficientDataError as refusal:
            fits[(indicator, level)] = f"{indicator} op niveau {level}: {refusal}"
    return fits


def _typed(rows: list[dict] | pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows).reindex(columns=list(columns))
    return frame.astype(columns)


def answer_norm_prognosis(norms: pd.DataFrame, panels: dict[tuple[str, str], pd.DataFrame], settings: ForecastSettings) -> ModelAnswer:
    """Score every norm × region: forecast value, P(met) in the target year and first year met.

    Every norm × region gets a summary row. One that cannot be forecast has a Dutch
    ``reason`` and no numbers.
    """
    settings = ForecastSettings(**{**settings.__dict__, "include_rates": True})
    fits = _fit_all(panels, settings)
    summaries, yearly, plots = [], [], {}
    for norm in norms.to_dict("records"):
        fit = fits.get((norm["indicator_code"], norm["region_level"]))
        if fit is None:
            summaries.append({**norm, "reason": f"Geen prognose: de regio {norm['region_code']} staat niet in marts.dim_region."})
            continue
        if isinstance(fit, str):
            summaries.append({**norm, "reason": fit})
            continue
        summary, years = norm_forecast(norm, fit, settings.horizon_year)
        summaries.append(summary)
        if years.empty:
            continue
        yearly.append(years)
        chart = report.series_fan_chart(
            fit.panel, years, norm["indicator_code"], norm["region_code"],
            f"{norm['norm_id']}: {norm['indicator_code']}, {summary['region_name']}",
            target=(int(norm["target_year"]), float(norm["target_value"])),
        )
        plots[f"waaiergrafiek_{norm['norm_id']}_{norm['region_code']}"] = svg.as_markdown_image(chart, norm["norm_id"])

    summary_frame = _typed(summaries, SUMMARY_COLUMNS)
    year_frame = _typed(pd.concat(yearly, ignore_index=True) if yearly else [], YEAR_COLUMNS)
    answered = summary_frame[summary_frame["reason"].isna()]
    return ModelAnswer(
        tables={SUMMARY_TABLE: summary_frame, YEAR_TABLE: year_frame},
        metrics=_metrics(answered, len(summary_frame)),
        plots=plots,
        summary={
            "normen_x_regio": int(len(summary_frame)),
            "met_prognose": int(len(answered)),
            "zonder_prognose": summary_frame.loc[summary_frame["reason"].notna(), ["norm_id", "region_code", "reason"]].to_dict("records"),
            "kans_gehaald": dict(zip(answered["norm_id"] + "/" + answered["region_code"], answered["probability_met"].round(3).astype(float))),
            "horizonjaar": settings.horizon_year,
        },
    )


def _metrics(answered: pd.DataFrame, total: int) -> pd.DataFrame:
    descriptions = {
        "mase": "MASE van de gekozen methode in de backtest op alle reeksen van de indicator",
        "relative_mase_naive": "MASE gedeeld door die van de naïeve methode (onder 1 is beter)",
        "coverage80": "aandeel achtergehouden waarden binnen het gekalibreerde 80%-interval",
        "coverage95": "aandeel achtergehouden waarden binnen het gekalibreerde 95%-interval",
    }
    rows = []
    for record in answered.to_dict("records"):
        subject = f"{record['norm_id']}/{record['region_code']}/{record['indicator_code']}/{record['method']}"
        for name, description in descriptions.items():
            n = record["n_points_coverage"] if name.startswith("coverage") else record["n_series"]
            rows.append(metric(MODEL, QUESTION_ID, subject, name, record[name], n, description))
    rows.append(metric(MODEL, QUESTION_ID, "normen", "zonder_prognose", total - len(answered), total, "normen × regio zonder prognose, met reden in model_norm_prognosis"))
    return pd.DataFrame(rows)


def input_record(panels: dict[tuple[str, str], pd.DataFrame]) -> pd.DataFrame:
    """Return the input values of all norm indicators in the shape of ``analysis.model_input_values``."""
    columns = ["region_code", "indicator_code", "period_year", "value", "is_provisional"]
    frames = [long[columns] for long in panels.values() if not long.empty]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype=dtype) for column, dtype in zip(columns, ["string", "string", "Int64", "float64", "boolean"])})
    return pd.concat(frames, ignore_index=True)
