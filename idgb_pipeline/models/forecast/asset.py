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

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.assets import ADEQUACY_CHECK, COMPLETENESS_CHECK, GROUP
from idgb_pipeline.models.contract import SCHEMA, ModelRun, start_run, write_results
from idgb_pipeline.models.forecast.model import MODEL, QUESTION_ID, TABLES, answer_forecast, input_record, parameters
from idgb_pipeline.models.forecast.panel import ForecastSettings, load_long
from idgb_pipeline.resources import WarehouseResource

ASSET_KEY = dg.AssetKey([SCHEMA, "prognose"])
UPSTREAM = [dg.AssetKey(["marts", "fct_indicator_value"]), dg.AssetKey(["marts", "dim_region"])]

DESCRIPTION = (
    "Prognose: per misdrijfsoort en gemeente (indeling 2024) een voorspelling tot het horizonjaar "
    "(standaard 2030, hoogstens 2040) met 80%- en 95%-voorspellingsinterval. Per indicator is gekozen "
    "tussen de naïeve methode, de driftmethode en exponentiële afvlakking met gedempte trend (Holt), op "
    "de laagste MASE in een backtest met startjaren 2016–2022 en horizon 1–3 jaar. De intervallen zijn "
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
    answer = answer_forecast(long, settings)
    record = input_record(long)
    run = start_run(MODEL, QUESTION_ID, parameters(settings), record)
    write_results(connection, run, answer.tables, answer.metrics, record)
    return run, answer


def _missing_tables(connection: duckdb.DuckDBPyConnection, run_id: str) -> list[str]:
    missing = []
    for table in (*TABLES, "model_metrics", "model_input_values"):
        count = connection.execute(f"select count(*) from {SCHEMA}.{table} where model_run_id = ?", [run_id]).fetchone()[0]
        if count == 0:
            missing.append(table)
    return missing


@cache
def build_forecast_assets() -> tuple[dg.AssetsDefinition, ...]:
    """Build the forecast asset with its adequacy and completeness checks."""

    @dg.asset(
        key=ASSET_KEY,
        group_name=GROUP,
        deps=UPSTREAM,
        kinds={"duckdb", "python"},
        description=DESCRIPTION,
        check_specs=[
            dg.AssetCheckSpec(ADEQUACY_CHECK, asset=ASSET_KEY, description="Weigert de prognose als er te weinig jaren of volledige reeksen zijn."),
            dg.AssetCheckSpec(COMPLETENESS_CHECK, asset=ASSET_KEY, description="De run heeft prognoses, nauwkeurigheid, kwaliteitsmaten en invoer in schema analysis."),
        ],
    )
    def prognose(context: dg.AssetExecutionContext, config: ForecastConfig, warehouse: WarehouseResource):
        settings = ForecastSettings(
            horizon_year=config.horizon_year, exclude_provisional=config.exclude_provisional, include_rates=config.include_rates
        )
        with warehouse.connect() as connection:
            try:
                run, answer = write_forecast(connection, settings)
            except InsufficientDataError as refusal:
                context.log.warning("Forecast rejected for insufficient data: %s", refusal)
                return dg.MaterializeResult(
                    metadata={"geweigerd": str(refusal)},
                    check_results=[
                        dg.AssetCheckResult(check_name=ADEQUACY_CHECK, passed=False, severity=dg.AssetCheckSeverity.ERROR, description=str(refusal)),
                        dg.AssetCheckResult(check_name=COMPLETENESS_CHECK, passed=False, description="Niets geschreven: de prognose is geweigerd."),
                    ],
                )
            missing = _missing_tables(connection, run.model_run_id)
        context.log.info("Forecast written in run %s: %s", run.model_run_id, answer.summary)
        return dg.MaterializeResult(
            metadata={
                "model_run_id": run.model_run_id,
                "samenvatting": dg.MetadataValue.json(answer.summary),
            },
            check_results=[
                dg.AssetCheckResult(check_name=ADEQUACY_CHECK, passed=True, severity=dg.AssetCheckSeverity.ERROR, description="Er waren voldoende jaren en reeksen."),
                dg.AssetCheckResult(
                    check_name=COMPLETENESS_CHECK,
                    passed=not missing,
                    description="Alle tabellen hebben rijen." if not missing else f"Tabellen zonder rijen: {missing}",
                ),
            ],
        )

    return (prognose,)
