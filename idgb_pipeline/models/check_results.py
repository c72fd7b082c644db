"""Check results and metadata shared by the model assets that write one run per materialisation.

The forecast, norm prognosis and outlier assets each write one model run and report the
same two checks as the per-question model assets: ``voldoende_gegevens`` (adequacy) and
``resultaat_volledig`` (completeness). This module builds those results once.
"""

import dagster as dg
import duckdb

from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import INPUT_TABLE, METRICS_TABLE, SCHEMA, ModelRun

ADEQUACY_CHECK = "voldoende_gegevens"
COMPLETENESS_CHECK = "resultaat_volledig"


def model_check_specs(key: dg.AssetKey, adequacy: str, completeness: str) -> list[dg.AssetCheckSpec]:
    """Return the adequacy and completeness check specs of a model asset, with their Dutch descriptions."""
    return [
        dg.AssetCheckSpec(ADEQUACY_CHECK, asset=key, description=adequacy),
        dg.AssetCheckSpec(COMPLETENESS_CHECK, asset=key, description=completeness),
    ]


def missing_tables(connection: duckdb.DuckDBPyConnection, tables, run_id: str) -> list[str]:
    """Return the result tables, metrics and input table that have no row of the run."""
    missing = []
    for table in (*tables, METRICS_TABLE, INPUT_TABLE):
        count = connection.execute(f"select count(*) from {SCHEMA}.{table} where model_run_id = ?", [run_id]).fetchone()[0]
        if count == 0:
            missing.append(table)
    return missing


def run_metadata(run: ModelRun, answer: ModelAnswer) -> dict:
    """Return the asset metadata of a written run: run id, summary and the Markdown plots."""
    return {
        "model_run_id": run.model_run_id,
        "samenvatting": dg.MetadataValue.json(answer.summary),
        **{name: dg.MetadataValue.md(text) for name, text in answer.plots.items()},
    }


def completeness_result(missing: list[str]) -> dg.AssetCheckResult:
    """Return the completeness check of a written run."""
    return dg.AssetCheckResult(
        check_name=COMPLETENESS_CHECK,
        passed=not missing,
        description="Alle tabellen hebben rijen." if not missing else f"Tabellen zonder rijen: {missing}",
    )


def adequacy_passed(description: str) -> dg.AssetCheckResult:
    """Return the passed adequacy check, with the Dutch reason why the data sufficed."""
    return dg.AssetCheckResult(check_name=ADEQUACY_CHECK, passed=True, severity=dg.AssetCheckSeverity.ERROR, description=description)


def rejected_result(rejection: Exception, nothing_written: str) -> dg.MaterializeResult:
    """Return the result of a run that was refused for too little data: nothing was written."""
    return dg.MaterializeResult(
        metadata={"geweigerd": str(rejection)},
        check_results=[
            dg.AssetCheckResult(check_name=ADEQUACY_CHECK, passed=False, severity=dg.AssetCheckSeverity.ERROR, description=str(rejection)),
            dg.AssetCheckResult(check_name=COMPLETENESS_CHECK, passed=False, description=nothing_written),
        ],
    )
