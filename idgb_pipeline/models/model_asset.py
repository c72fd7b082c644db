"""The asset decorator and the run result that the model assets share.

Every model asset is in group ``modellen``, writes to the warehouse in the DuckDB writer
pool and reports the adequacy and completeness checks of ``check_results``. The forecast
and outlier assets also share their body: write one run, or report the rejection.
"""

from collections.abc import Callable

import dagster as dg
import duckdb

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.check_results import (
    adequacy_passed,
    completeness_result,
    missing_tables,
    model_check_specs,
    rejected_result,
    run_metadata,
)
from idgb_pipeline.models.contract import ModelRun
from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource

GROUP = "modellen"


def model_asset(
    key: dg.AssetKey, deps: list[dg.AssetKey], description: str, *, adequacy: str, completeness: str
):
    """Return the ``dg.asset`` decorator of a model asset, with the Dutch descriptions of its checks."""
    return dg.asset(
        key=key,
        group_name=GROUP,
        deps=deps,
        kinds={"duckdb", "python"},
        pool=DUCKDB_WRITER_POOL,
        description=description,
        check_specs=model_check_specs(key, adequacy=adequacy, completeness=completeness),
    )


def write_model_run(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    write: Callable[[duckdb.DuckDBPyConnection], tuple[ModelRun, ModelAnswer]],
    *,
    label: str,
    tables: tuple[str, ...],
    sufficient: str,
    nothing_written: str,
) -> dg.MaterializeResult:
    """Write one model run and return its result, or the rejection when the data do not suffice.

    Args:
        write: Fits the model on the warehouse and writes the run in one transaction.
        label (str): Name of the analysis in the log, such as "Forecast".
        tables (tuple[str, ...]): Result tables that must have rows of the run.
        sufficient (str): Dutch description of the passed adequacy check.
        nothing_written (str): Dutch description of the completeness check after a rejection.
    """
    with warehouse.connect() as connection:
        try:
            run, answer = write(connection)
        except InsufficientDataError as rejection:
            context.log.warning("%s rejected for insufficient data: %s", label, rejection)
            return rejected_result(rejection, nothing_written)
        missing = missing_tables(connection, tables, run.model_run_id)

    context.log.info("%s written in run %s: %s", label, run.model_run_id, answer.summary)
    return dg.MaterializeResult(
        metadata=run_metadata(run, answer),
        check_results=[adequacy_passed(sufficient), completeness_result(missing)],
    )
