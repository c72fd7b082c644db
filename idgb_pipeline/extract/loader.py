"""Write a typed source frame into ``raw`` with lineage, keeping every accepted file version.

The raw schema is append-only per file version: a new version of a file adds rows
under its own sha256, and a version equal to the latest one adds nothing. Staging
models read the latest version per file (see the ``latest_version`` dbt macro), so
older versions stay available for audits and a failed load changes nothing.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from idgb_pipeline.errors import LoadError
from idgb_pipeline.extract.catalogue import Source

logger = logging.getLogger("idgb_pipeline.extract.loader")

LOAD_LOG_TABLE = "raw._load_log"

SQL_TYPES = {
    "varchar": "varchar",
    "integer": "integer",
    "bigint": "bigint",
    "double": "double",
    "boolean": "boolean",
    "date": "date",
}

LINEAGE_COLUMNS = {
    "_source_id": "varchar",
    "_file_name": "varchar",
    "_file_sha256": "varchar",
    "_loaded_at": "timestamp with time zone",
}


@dataclass(frozen=True)
class FileLoad:
    """What happened to one file: loaded as a new version, or unchanged since the last load."""

    file_name: str
    sha256: str
    row_count: int
    is_new_version: bool


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file's bytes as stored (compressed files are not unpacked)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ensure_tables(connection: duckdb.DuckDBPyConnection, source: Source) -> None:
    connection.execute("create schema if not exists raw")
    connection.execute(
        f"""
        create table if not exists {LOAD_LOG_TABLE} (
            source_id varchar not null,
            file_name varchar not null,
            file_sha256 varchar not null,
            loaded_at timestamp with time zone not null,
            row_count bigint not null
        )
        """
    )

    wanted = {**{name: SQL_TYPES[kind] for name, kind in source.columns.items()}}
    if source.period_column:
        wanted[source.period_column] = "integer"
    wanted.update(LINEAGE_COLUMNS)

    # Identifiers were validated by the catalogue loader, so quoting them is enough here.
    column_sql = ", ".join(f'"{name}" {sql_type}' for name, sql_type in wanted.items())
    connection.execute(f"create table if not exists {source.table_name} ({column_sql})")

    # A catalogue that gains a column widens the table; old versions get NULL there.
    existing = {
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?",
            [source.id],
        ).fetchall()
    }
    for name, sql_type in wanted.items():
        if name not in existing:
            logger.info("Adding column %s to %s", name, source.table_name)
            connection.execute(f'alter table {source.table_name} add column "{name}" {sql_type}')


def _latest_sha256(connection: duckdb.DuckDBPyConnection, source_id: str, file_name: str):
    # fetchall() drains the result: DuckDB 2.0.1 rejects register() on a connection
    # whose last result still has unfetched rows, and fetchone() leaves it open.
    rows = connection.execute(
        f"""
        select file_sha256 from {LOAD_LOG_TABLE}
        where source_id = ? and file_name = ?
        order by loaded_at desc
        limit 1
        """,
        [source_id, file_name],
    ).fetchall()
    return rows[0][0] if rows else None


def load_source(
    connection: duckdb.DuckDBPyConnection,
    source: Source,
    frames: list[tuple[Path, int | None, pd.DataFrame]],
) -> list[FileLoad]:
    """Load the typed frames of all files of a source in one transaction.

    Args:
        connection (duckdb.DuckDBPyConnection): An open connection to the warehouse.
        source (Source): The catalogue entry.
        frames (list): ``(path, period, typed frame)`` per file.

    Returns:
        list[FileLoad]: One entry per file, saying whether it was a new version.
    """
    loaded_at = datetime.now(timezone.utc)
    results = []

    connection.execute("begin transaction")
    try:
        _ensure_tables(connection, source)

        for path, period, frame in frames:
            sha256 = file_sha256(path)
            if _latest_sha256(connection, source.id, path.name) == sha256:
                results.append(FileLoad(path.name, sha256, len(frame), is_new_version=False))
                continue

            batch = frame.copy()
            if source.period_column:
                batch[source.period_column] = period
            batch["_source_id"] = source.id
            batch["_file_name"] = path.name
            batch["_file_sha256"] = sha256
            batch["_loaded_at"] = loaded_at

            connection.register("incoming_batch", batch)
            connection.execute(
                f"insert into {source.table_name} by name select * from incoming_batch"
            )
            connection.unregister("incoming_batch")
            connection.execute(
                f"insert into {LOAD_LOG_TABLE} values (?, ?, ?, ?, ?)",
                [source.id, path.name, sha256, loaded_at, len(batch)],
            )
            results.append(FileLoad(path.name, sha256, len(frame), is_new_version=True))

        connection.execute("commit")
    except Exception as error:
        # Any failure, not only a DuckDB one, must leave the previous version in place.
        connection.execute("rollback")
        if not isinstance(error, duckdb.Error):
            raise
        raise LoadError(
            f"Laden van bron '{source.id}' in {source.table_name} is mislukt ({error}). "
            "De vorige inhoud is bewaard; los de oorzaak op en start de run opnieuw."
        ) from error

    return results
