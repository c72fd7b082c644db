"""Dagster asset ``analysis/uitschieters`` (group ``modellen``) for outliers in the crime figures.

Like the forecast, the outlier model reads a panel of series rather than one row per
gemeente, so it has its own asset. It keeps the model contract (run columns,
``analysis.model_metrics``, input record, one transaction) and the same two checks.
``build_outlier_assets()`` returns the asset for the definitions.
"""

# No ``from __future__ import annotations`` here: Dagster reads the ``OutlierConfig``
# annotation of the asset function as a class, not a string.
from functools import cache

import dagster as dg
import duckdb

from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import SCHEMA, ModelRun, start_run, write_results
from idgb_pipeline.models.model_asset import model_asset, write_model_run
from idgb_pipeline.models.outliers.inputs import load_inputs
from idgb_pipeline.models.outliers.model import MODEL, QUESTION_ID, TABLES, answer_outliers, input_record, parameters
from idgb_pipeline.models.outliers.settings import OutlierSettings
from idgb_pipeline.resources import WarehouseResource

ASSET_KEY = dg.AssetKey([SCHEMA, "uitschieters"])
UPSTREAM = [
    dg.AssetKey([SCHEMA, "prognose"]),
    dg.AssetKey([SCHEMA, "regioclusters"]),
    dg.AssetKey(["marts", "fct_indicator_value"]),
    dg.AssetKey(["marts", "dim_region"]),
    dg.AssetKey(["marts", "dim_indicator"]),
]

DESCRIPTION = (
    "Uitschieters in de misdrijfcijfers van gemeenten (indeling 2024), op drie manieren. In de tijd: een jaar "
    "dat breekt met de eigen reeks, gemeten als de fout van de één-jaar-vooruitprognose (de gekozen methode van "
    "analysis/prognose) gedeeld door de gebruikelijke fout van die reeks. Tegenover vergelijkbare gemeenten: het "
    "cijfer per 1.000 inwoners tegenover de mediaan van de andere gemeenten in hetzelfde cluster van "
    "analysis/regioclusters, als robuuste z-score. Als profiel: een isolation forest op alle cijfers per 1.000 "
    "inwoners van een gemeente in een jaar. Drempels: het 99e percentiel van de scores in de definitieve jaren, "
    "minstens 3,5; de isolation forest markeert 1% van de gemeente-jaren. Elke rij in analysis.model_outlier "
    "heeft een Nederlandse uitleg en zegt of het jaar voorlopig is. Prognosereeksen met een uitschieter in de "
    "trainingsjaren zijn gemarkeerd en krijgen een robuuste prognose (analysis.model_forecast_robust), die in een "
    "backtest met de gewone prognose is vergeleken (analysis.model_forecast_robust_accuracy). Een uitschieter is "
    "een signaal om na te gaan, geen oordeel."
)


class OutlierConfig(dg.Config):
    """Run configuration of the outlier asset."""

    threshold_quantile: float = OutlierSettings.threshold_quantile
    contamination: float = OutlierSettings.contamination


def write_outliers(connection: duckdb.DuckDBPyConnection, settings: OutlierSettings) -> tuple[ModelRun, ModelAnswer]:
    """Score the outliers from the warehouse and append them under one run id."""
    inputs = load_inputs(connection)
    answer = answer_outliers(inputs, settings)
    record = input_record(inputs)
    run = start_run(MODEL, QUESTION_ID, parameters(settings, inputs), record)
    write_results(connection, run, answer.tables, answer.metrics, record)
    return run, answer


@cache
def build_outlier_assets() -> tuple[dg.AssetsDefinition, ...]:
    """Build the outlier asset with its adequacy and completeness checks."""

    @model_asset(
        ASSET_KEY,
        UPSTREAM,
        DESCRIPTION,
        adequacy="Weigert de analyse als er geen prognoserun of clusterindeling is om tegen te meten.",
        completeness="De run heeft uitschieters, robuuste prognoses, hun vergelijking, kwaliteitsmaten en invoer in schema analysis.",
    )
    def uitschieters(context: dg.AssetExecutionContext, config: OutlierConfig, warehouse: WarehouseResource):
        settings = OutlierSettings(threshold_quantile=config.threshold_quantile, contamination=config.contamination)
        return write_model_run(
            context,
            warehouse,
            lambda connection: write_outliers(connection, settings),
            label="Outlier analysis",
            tables=TABLES,
            sufficient="Er waren een prognoserun en een clusterindeling.",
            nothing_written="Niets geschreven: de analyse is geweigerd.",
        )

    return (uitschieters,)
