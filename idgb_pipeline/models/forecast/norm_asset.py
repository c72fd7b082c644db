"""Dagster asset ``analysis/norm_prognose`` (group ``modellen``): the forecast of each KRB norm.

It runs after ``analysis/prognose`` and the KRB registration, keeps the model contract
and has the same two checks. ``build_norm_prognosis_assets()`` returns the asset.
"""

# No ``from __future__ import annotations`` here: Dagster reads the ``NormPrognosisConfig``
# annotation of the asset function as a class, not a string.
from functools import cache

import dagster as dg
import duckdb

from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.check_results import ADEQUACY_CHECK, completeness_result, missing_tables, run_metadata
from idgb_pipeline.models.contract import SCHEMA, ModelRun, start_run, write_results
from idgb_pipeline.models.forecast.asset import ASSET_KEY as FORECAST_ASSET_KEY
from idgb_pipeline.models.forecast.norm_model import (
    MODEL,
    QUESTION_ID,
    SUMMARY_TABLE,
    TABLES,
    answer_norm_prognosis,
    input_record,
    load_indicator_panels,
    load_norms,
)
from idgb_pipeline.models.forecast.panel import ForecastSettings, validate_settings
from idgb_pipeline.models.model_asset import model_asset
from idgb_pipeline.resources import WarehouseResource

ASSET_KEY = dg.AssetKey([SCHEMA, "norm_prognose"])
UPSTREAM = [
    FORECAST_ASSET_KEY,
    dg.AssetKey(["krb", "norm"]),
    dg.AssetKey(["krb", "norm_region"]),
    dg.AssetKey(["marts", "fct_indicator_value"]),
    dg.AssetKey(["marts", "dim_region"]),
]

DESCRIPTION = (
    "Normprognose: per KRB-norm en regio de voorspelde waarde in het streefjaar, de kans dat de norm "
    "dan gehaald wordt en het eerste jaar waarin die kans minstens 50% is (of 'niet voor' het laatste "
    "voorspelde jaar). De indicator van de norm wordt voorspeld op alle regio's van hetzelfde niveau, "
    "ook als het een cijfer per 1.000 inwoners is, met de methode en de intervalkalibratie uit de "
    "backtest zoals bij analysis/prognose. De kans komt uit een normale verdeling rond de prognose met "
    "dezelfde breedte als het gekalibreerde 80%-interval, afgekapt op 0. Een norm zonder voorspelbare "
    "reeks krijgt een rij met de reden. De kans gaat uit van een doorgetrokken trend, niet van het "
    "effect van nieuw beleid."
)


class NormPrognosisConfig(dg.Config):
    """Run configuration of the norm prognosis asset."""

    horizon_year: int = ForecastSettings.horizon_year
    exclude_provisional: bool = ForecastSettings.exclude_provisional


def write_norm_prognosis(connection: duckdb.DuckDBPyConnection, settings: ForecastSettings) -> tuple[ModelRun, ModelAnswer]:
    """Score every KRB norm × region from the warehouse and append the result under one run id."""
    norms = load_norms(connection)
    panels = load_indicator_panels(connection, norms)
    answer = answer_norm_prognosis(norms, panels, settings)
    record = input_record(panels)
    run = start_run(MODEL, QUESTION_ID, {**settings.__dict__, "include_rates": True}, record)
    write_results(connection, run, answer.tables, answer.metrics, record)
    return run, answer


@cache
def build_norm_prognosis_assets() -> tuple[dg.AssetsDefinition, ...]:
    """Build the norm prognosis asset with its adequacy and completeness checks."""

    @model_asset(
        ASSET_KEY,
        UPSTREAM,
        DESCRIPTION,
        adequacy="Waarschuwt als een norm × regio geen prognose heeft, met de reden per norm.",
        completeness="De run heeft per norm × regio een rij, en kwaliteitsmaten en invoer in schema analysis.",
    )
    def norm_prognose(context: dg.AssetExecutionContext, config: NormPrognosisConfig, warehouse: WarehouseResource):
        settings = ForecastSettings(horizon_year=config.horizon_year, exclude_provisional=config.exclude_provisional, include_rates=True)
        # Each norm forecasts to max(target year, horizon year), so a horizon before the last
        # training year is allowed. Passing horizon_year - 1 leaves only the upper bound and
        # the backtest design to check.
        validate_settings(settings, settings.horizon_year - 1)
        with warehouse.connect() as connection:
            run, answer = write_norm_prognosis(connection, settings)
            missing = []
            if answer.summary["normen_x_regio"]:
                expected = TABLES if answer.summary["met_prognose"] else (SUMMARY_TABLE,)
                missing = missing_tables(connection, expected, run.model_run_id)
        without = answer.summary["zonder_prognose"]
        if without:
            context.log.warning("%d norm × region rows have no forecast: %s", len(without), without)
        context.log.info("Norm prognosis written in run %s: %s", run.model_run_id, answer.summary["kans_gehaald"])
        return dg.MaterializeResult(
            metadata=run_metadata(run, answer),
            check_results=[
                dg.AssetCheckResult(
                    check_name=ADEQUACY_CHECK,
                    passed=not without,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=(
                        "Elke norm × regio heeft een prognose." if not without
                        else " ".join(f"{row['norm_id']} ({row['region_code']}): {row['reason']}" for row in without)
                    ),
                ),
                completeness_result(missing),
            ],
        )

    return (norm_prognose,)
