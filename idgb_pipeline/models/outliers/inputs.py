"""Inputs of the outlier model: the crime panel and the latest forecast and cluster runs."""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import pandas as pd

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models.contract import SCHEMA
from idgb_pipeline.models.forecast.model import ACCURACY_TABLE, FORECAST_TABLE
from idgb_pipeline.models.forecast.model import MODEL as FORECAST_MODEL
from idgb_pipeline.models.forecast.panel import load_long

CLUSTER_MODEL = "regioclusters"

LATEST_RUN_SQL = f"""
    select model_run_id, parameters_json
    from {SCHEMA}.model_runs
    where model = ?
    order by run_at desc, model_run_id
    limit 1
"""
SELECTED_METHODS_SQL = f"select indicator_code, method from {SCHEMA}.{ACCURACY_TABLE} where model_run_id = ? and is_selected"
# A forecast run with several region levels and a reconciled variant selects a method
# per level and variant. The outlier model scores gemeente series with the method
# fitted to them before reconciliation, and the forecast model writes these column
# values. Older runs lack the columns and select one method per indicator.
GEMEENTE_BASE_SELECTION = {"region_level": "gemeente", "reconciliation": "geen"}
FORECASTS_SQL = f"select * from {SCHEMA}.{FORECAST_TABLE} where model_run_id = ?"
CLUSTERS_SQL = f"""
    select region_code, cluster, cluster_description, question_id, period_year
    from {SCHEMA}.model_cluster_assignment
    where model_run_id = ?
"""
LABELS_SQL = "select indicator_code, indicator_name from marts.dim_indicator where indicator_code like 'misdrijven\\_%' escape '\\'"


@dataclass
class OutlierInputs:
    """Everything the outlier model reads, loaded before any fitting."""

    long: pd.DataFrame
    forecast_run_id: str
    forecast_parameters: dict
    selected_methods: dict[str, str]
    forecasts: pd.DataFrame
    cluster_run_id: str
    clusters: pd.DataFrame
    labels: dict[str, str]


def _latest_run(connection: duckdb.DuckDBPyConnection, model: str, asset: str) -> tuple[str, dict]:
    exists = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = 'model_runs'", [SCHEMA]
    ).fetchone()[0]
    row = connection.execute(LATEST_RUN_SQL, [model]).fetchone() if exists else None
    if row is None:
        raise InsufficientDataError(
            f"Geen uitschieteranalyse: er is nog geen run van het model {model} in schema {SCHEMA}. "
            f"Materialiseer eerst {asset}."
        )
    return row[0], json.loads(row[1])


def _selected_methods(connection: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, str]:
    columns = {
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [SCHEMA, ACCURACY_TABLE]
        ).fetchall()
    }
    filters = {column: value for column, value in GEMEENTE_BASE_SELECTION.items() if column in columns}
    # The column names come from the constant above, never from a file.
    condition = "".join(f" and {column} = ?" for column in filters)
    return dict(connection.execute(SELECTED_METHODS_SQL + condition, [run_id, *filters.values()]).fetchall())


def load_inputs(connection: duckdb.DuckDBPyConnection) -> OutlierInputs:
    """Read the crime panel, the latest forecast run and the latest cluster run.

    Raises InsufficientDataError with a Dutch message when either model has not run.
    """
    forecast_run_id, forecast_parameters = _latest_run(connection, FORECAST_MODEL, "analysis/prognose")
    cluster_run_id, _ = _latest_run(connection, CLUSTER_MODEL, "analysis/regioclusters")
    selected = _selected_methods(connection, forecast_run_id)
    return OutlierInputs(
        long=load_long(connection),
        forecast_run_id=forecast_run_id,
        forecast_parameters=forecast_parameters,
        selected_methods=selected,
        forecasts=connection.execute(FORECASTS_SQL, [forecast_run_id]).df(),
        cluster_run_id=cluster_run_id,
        clusters=connection.execute(CLUSTERS_SQL, [cluster_run_id]).df(),
        labels=dict(connection.execute(LABELS_SQL).fetchall()),
    )
