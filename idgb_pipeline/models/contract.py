"""The contract every model asset keeps: run metadata, result tables and shared metrics.

Every result table in schema ``analysis`` carries the run columns (``model_run_id``,
``question_id``, ``run_at``, ``code_version``, ``parameters_json``, ``input_hash``), and
every quality number goes to ``analysis.model_metrics`` with the ``n`` it rests on.
Tables are appended per run, so earlier results stay available. Readers pick a run
through ``analysis.model_runs``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata

import duckdb
import pandas as pd

from idgb_pipeline import settings

SCHEMA = "analysis"
RUNS_TABLE = "model_runs"
METRICS_TABLE = "model_metrics"
INPUT_TABLE = "model_input_values"
RUN_COLUMNS = ("model_run_id", "question_id", "run_at", "code_version", "parameters_json", "input_hash")
METRIC_COLUMNS = ("model", "question_id", "subject", "metric", "value", "n", "description")


@dataclass(frozen=True)
class ModelRun:
    """Identity of one model answer to one research question."""

    model_run_id: str
    model: str
    question_id: str
    run_at: datetime
    code_version: str
    parameters_json: str
    input_hash: str


def code_version() -> str:
    """Return the package version plus the git commit when the tree is a git checkout."""
    version = metadata.version("idgb-pipeline")
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=settings.PROJECT_ROOT, capture_output=True, text=True, timeout=5, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+g{commit}" if commit else version


def hash_frame(frame: pd.DataFrame) -> str:
    """Return a SHA-256 of a frame's values, independent of row order."""
    ordered = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return hashlib.sha256(ordered.to_csv(index=False).encode("utf-8")).hexdigest()


def start_run(model: str, question_id: str, parameters: dict, input_record: pd.DataFrame) -> ModelRun:
    """Create the run identity for one question before fitting."""
    return ModelRun(
        model_run_id=str(uuid.uuid4()),
        model=model,
        question_id=question_id,
        run_at=datetime.now(UTC).replace(tzinfo=None),
        code_version=code_version(),
        parameters_json=json.dumps(parameters, sort_keys=True, default=str),
        input_hash=hash_frame(input_record),
    )


def _with_run_columns(frame: pd.DataFrame, run: ModelRun) -> pd.DataFrame:
    values = asdict(run)
    prefix = pd.DataFrame({column: [values[column]] * len(frame) for column in RUN_COLUMNS}, index=frame.index)
    return pd.concat([prefix, frame], axis=1)


def _append(connection: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    # ``table`` and the column names come from the model code, never from a file.
    connection.register("model_frame", frame)
    connection.execute(f"create table if not exists {SCHEMA}.{table} as select * from model_frame limit 0")
    _add_new_columns(connection, table)
    connection.execute(f"insert into {SCHEMA}.{table} by name select * from model_frame")
    connection.unregister("model_frame")


def _add_new_columns(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    """Add columns that a newer model version writes, so older runs stay in the table.

    Rows of older runs get NULL in the new columns. A column that a newer version no
    longer writes stays and is NULL for the new rows.
    """
    existing = {
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [SCHEMA, table],
        ).fetchall()
    }
    for name, column_type, *_ in connection.execute("describe model_frame").fetchall():
        if name not in existing:
            connection.execute(f'alter table {SCHEMA}.{table} add column "{name}" {column_type}')


def write_results(
    connection: duckdb.DuckDBPyConnection,
    run: ModelRun,
    tables: dict[str, pd.DataFrame],
    metrics: pd.DataFrame,
    input_record: pd.DataFrame,
) -> None:
    """Append the result tables, metrics, input record and run row in one transaction."""
    missing = set(METRIC_COLUMNS) - set(metrics.columns)
    if missing:
        raise ValueError(f"Metrics frame lacks columns {sorted(missing)}.")
    connection.execute("begin transaction")
    try:
        connection.execute(f"create schema if not exists {SCHEMA}")
        for table, frame in tables.items():
            _append(connection, table, _with_run_columns(frame.reset_index(drop=True), run))
        _append(connection, METRICS_TABLE, _with_run_columns(metrics[list(METRIC_COLUMNS)].reset_index(drop=True), run))
        _append(connection, INPUT_TABLE, _with_run_columns(input_record.reset_index(drop=True), run))
        run_row = pd.DataFrame([{"model": run.model, "tables": ",".join(sorted(tables))}])
        _append(connection, RUNS_TABLE, _with_run_columns(run_row, run))
        connection.execute("commit")
    except Exception:
        connection.execute("rollback")
        raise


def metric(model: str, question_id: str, subject: str, name: str, value: float, n: int, description: str) -> dict:
    """Return one metrics row; ``subject`` is the target, k or table the number belongs to."""
    return {
        "model": model, "question_id": question_id, "subject": subject, "metric": name,
        "value": float(value), "n": int(n), "description": description,
    }
