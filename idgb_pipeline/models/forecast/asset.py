"""Dagster asset ``analysis/prognose`` (group ``modellen``) for the crime forecasts.

The forecast does not fit the per-question registry of ``models.registry``, because
its input is a panel of time series and not one row per gemeente. It keeps the same
contract (run columns, ``analysis.model_metrics``, input record, one transaction) and
the same two checks. ``build_forecast_assets()`` returns the asset for the definitions.
"""

# No ``from __future__ import annotations`` here: Dagster reads the ``ForecastConfig``
# annotation of the asset function as a class, not a string.
from functools import cache

import dagster as dg
import duckdb

from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import SCHEMA, ModelRun, start_run, write_results
from idgb_pipeline.models.forecast.hierarchy import load_provinces
from idgb_pipeline.models.forecast.model import MODEL, QUESTION_ID, TABLES, answer_forecast, input_record, parameters
from idgb_pipeline.models.forecast.panel import ForecastSettings, load_long
from idgb_pipeline.models.model_asset import model_asset, write_model_run
from idgb_pipeline.resources import WarehouseResource

ASSET_KEY = dg.AssetKey([SCHEMA, "prognose"])
UPSTREAM = [dg.AssetKey(["marts", "fct_indicator_value"]), dg.AssetKey(["marts", "dim_region"])]

DESCRIPTION = (
    "Prognose: per misdrijfsoort en gemeente (indeling 2024), per provincie en voor Nederland (som "
    "van de gemeenten) een voorspelling tot het horizonjaar (standaard 2030, hoogstens 2040) met 80%- en "
    "95%-voorspellingsinterval. Per indicator en niveau is gekozen tussen de naïeve methode, de "
    "driftmethode en exponentiële afvlakking met gedempte trend (Holt), op de laagste MASE in een "
    "backtest met startjaren 2016–2022 en horizon 1–3 jaar. De aantallen zijn daarna verzoend met MinT "
    "(WLS, structurele schaling), zodat de gemeenten optellen tot hun provincie en tot Nederland; het "
    "effect daarvan op de MASE per niveau staat in de metadata. De intervallen zijn "
    "gekalibreerd op de backtestfouten; hun dekking op achtergehouden jaren staat in "
    "analysis.model_forecast_accuracy. Voorlopige jaren (2024, 2025) tellen standaard niet mee. "
    "Aantallen blijven niet-negatief. Een prognose trekt de trend door en zegt niets over het effect "
    "van beleid."
)


class ForecastConfig(dg.Config):
    """Run configuration of the forecast asset."""

    horizon_year: int = ForecastSettings.horizon_year
    exclude_provisional: bool = ForecastSettings.exclude_provisional
    include_rates: bool = ForecastSettings.include_rates


def write_forecast(connection: duckdb.DuckDBPyConnection, settings: ForecastSettings) -> tuple[ModelRun, ModelAnswer]:
    """Compute the forecast from the warehouse and append it under one run id."""
    long = load_long(connection)
    answer = answer_forecast(long, settings, load_provinces(connection))
    record = input_record(long)
    run = start_run(MODEL, QUESTION_ID, parameters(settings), record)
    write_results(connection, run, answer.tables, answer.metrics, record)
    return run, answer


@cache
def build_forecast_assets() -> tuple[dg.AssetsDefinition, ...]:
    """Build the forecast asset with its adequacy and completeness checks."""

    @model_asset(
        ASSET_KEY,
        UPSTREAM,
        DESCRIPTION,
        adequacy="Weigert de prognose als er te weinig jaren of volledige reeksen zijn.",
        completeness="De run heeft prognoses, nauwkeurigheid, kwaliteitsmaten en invoer in schema analysis.",
    )
    def prognose(context: dg.AssetExecutionContext, config: ForecastConfig, warehouse: WarehouseResource):
        settings = ForecastSettings(
            horizon_year=config.horizon_year, exclude_provisional=config.exclude_provisional, include_rates=config.include_rates
        )
        return write_model_run(
            context,
            warehouse,
            lambda connection: write_forecast(connection, settings),
            label="Forecast",
            tables=TABLES,
            sufficient="Er waren voldoende jaren en reeksen.",
            nothing_written="Niets geschreven: de prognose is geweigerd.",
        )

    return (prognose,)
