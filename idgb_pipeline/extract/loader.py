"""Write a typed source frame into ``raw`` with lineage, keeping every accepted file version.

The raw schema is append-only per file version: a new version of a file adds rows
under its own sha256, and a version equal to the latest one adds nothing. Staging
models read the latest version per file (see the ``latest_version`` dbt macro), so
older versions stay available for audits and a failed load changes nothing.

Rows that fail validation go to ``quarantine.<id>`` in the same transaction, with
their reason; a rejected version adds nothing to ``raw``.
"""

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from idgb_pipeline.errors import LoadError
from idgb_pipeline.extract.catalogue import Source

logger = logging.getLogger("idgb_pipeline.extract.loader")

LOAD_LOG_TABLE = "raw._load_log"
REJECTED_FILES_TABLE = "quarantine._rejected_files"

STATUS_LOADED = "geladen"
STATUS_REJECTED = "afgewezen"

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

QUARANTINE_COLUMNS = {
    "_row_number": "integer",
    "_reason": "varchar",
    "_severity": "varchar",
    "_version_rejected": "boolean",
}


@dataclass(frozen=True)
class FileBatch:
    """One file ready to load: accepted rows (None if the version is rejected) and quarantined rows.

    ``quarantined`` has the source columns plus ``_row_number``, ``_reason`` and
    ``_severity``.
    """

    path: Path
    period: int | None
    accepted: pd.DataFrame | None
    quarantined: pd.DataFrame | None = None
    rejection_reason: str = ""
    sha256: str | None = None


@dataclass(frozen=True)
class FileLoad:
    """Outcome for one file: loaded as a new version, unchanged, or rejected."""

    file_name: str
    sha256: str
    row_count: int
    is_new_version: bool
    quarantined_count: int = 0
    is_rejected: bool = False


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file's bytes as stored (compressed files are not unpacked)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_log_tables(connection: duckdb.DuckDBPyConnection) -> None:
    """Create the load log and the rejected-files table if they are missing."""
    connection.execute("create schema if not exists raw")
    connection.execute("create schema if not exists quarantine")
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
    # Warehouses created before rejected versions were logged lack this column.
    connection.execute(
        f"alter table {LOAD_LOG_TABLE} add column if not exists status varchar default '{STATUS_LOADED}'"
    )
    # The suite, catalogue entry and region reference a version was validated with
    # (see ``extract/fingerprint.py``); NULL means "validate again".
    connection.execute(f"alter table {LOAD_LOG_TABLE} add column if not exists validation_fingerprint varchar")
    connection.execute(
        f"""
        create table if not exists {REJECTED_FILES_TABLE} (
            source_id varchar not null,
            file_name varchar not null,
            file_sha256 varchar,
            rejected_at timestamp with time zone not null,
            reason varchar not null
        )
        """
    )


def _ensure_table(
    connection: duckdb.DuckDBPyConnection, source: Source, schema: str, extra: dict[str, str]
) -> str:
    """Create or widen ``<schema>.<source id>`` and return its name."""
    table = f"{schema}.{source.id}"
    columns = {name: SQL_TYPES[kind] for name, kind in source.columns.items()}
    if source.period_column:
        columns[source.period_column] = "integer"
    columns.update(extra)
    columns.update(LINEAGE_COLUMNS)

    # Identifiers were validated by the catalogue loader, so quoting them is enough here.
    column_sql = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
    connection.execute(f"create table if not exists {table} ({column_sql})")

    # A catalogue that gains a column widens the table, and old versions get NULL there.
    existing = {
        row[0]
        for row in connection.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, source.id],
        ).fetchall()
    }
    for name, sql_type in columns.items():
        if name not in existing:
            logger.info("Adding column %s to %s", name, table)
            connection.execute(f'alter table {table} add column "{name}" {sql_type}')
    return table


def _insert(connection: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    connection.register("incoming_batch", frame)
    connection.execute(f"insert into {table} by name select * from incoming_batch")
    connection.unregister("incoming_batch")


def _with_lineage(frame, source: Source, period, path: Path, sha256: str, loaded_at) -> pd.DataFrame:
    batch = frame.copy()
    if source.period_column:
        batch[source.period_column] = period
    batch["_source_id"] = source.id
    batch["_file_name"] = path.name
    batch["_file_sha256"] = sha256
    batch["_loaded_at"] = loaded_at
    return batch


@dataclass(frozen=True)
class LogEntry:
    """The newest load-log row of one file."""

    sha256: str
    status: str
    row_count: int
    loaded_at: datetime
    validation_fingerprint: str | None


def _latest_log_entry(connection: duckdb.DuckDBPyConnection, source_id: str, file_name: str) -> LogEntry | None:
    # fetchall() drains the result: DuckDB 2.0.1 rejects register() on a connection
    # whose last result still has unfetched rows, and fetchone() leaves it open.
    rows = connection.execute(
        f"""
        select file_sha256, status, row_count, loaded_at, validation_fingerprint
        from {LOAD_LOG_TABLE}
        where source_id = ? and file_name = ?
        order by loaded_at desc
        limit 1
        """,
        [source_id, file_name],
    ).fetchall()
    return LogEntry(*rows[0]) if rows else None


def _quarantined_count(connection, source: Source, entry: LogEntry, file_name: str) -> int:
    """Count the quarantined rows that were written with one logged version."""
    exists = connection.execute(
        "select count(*) from information_schema.tables where table_schema = 'quarantine' and table_name = ?",
        [source.id],
    ).fetchall()[0][0]
    if not exists:
        return 0
    return connection.execute(
        f"select count(*) from quarantine.{source.id} "
        "where _file_name = ? and _file_sha256 = ? and _loaded_at = ?",
        [file_name, entry.sha256, entry.loaded_at],
    ).fetchall()[0][0]


class SourceLoad:
    """The files of one source being loaded in one open transaction."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, source: Source, loaded_at: datetime):
        self.connection = connection
        self.source = source
        self.loaded_at = loaded_at

    def unchanged_file(self, path: Path, sha256: str, fingerprint: str) -> FileLoad | None:
        """Return the outcome of the logged version when it has these bytes and was loaded
        after validation with this fingerprint, else None (the file must be read)."""
        entry = _latest_log_entry(self.connection, self.source.id, path.name)
        if entry is None or (entry.sha256, entry.status, entry.validation_fingerprint) != (
            sha256,
            STATUS_LOADED,
            fingerprint,
        ):
            return None
        quarantined = _quarantined_count(self.connection, self.source, entry, path.name)
        return FileLoad(path.name, sha256, entry.row_count, False, quarantined, False)

    def add_file(self, batch: FileBatch, fingerprint: str | None = None) -> FileLoad:
        """Add one validated file as a new version, unless the same version is logged already."""
        connection, source, loaded_at = self.connection, self.source, self.loaded_at
        sha256 = batch.sha256 or file_sha256(batch.path)
        is_rejected = batch.accepted is None
        status = STATUS_REJECTED if is_rejected else STATUS_LOADED
        quarantined = batch.quarantined if batch.quarantined is not None else pd.DataFrame()
        row_count = len(quarantined) if is_rejected else len(batch.accepted)

        # The same file in the same state as last time adds nothing, so reruns are idempotent.
        entry = _latest_log_entry(connection, source.id, batch.path.name)
        if entry is not None and (entry.sha256, entry.status) == (sha256, status):
            if fingerprint is not None and entry.validation_fingerprint != fingerprint:
                connection.execute(
                    f"update {LOAD_LOG_TABLE} set validation_fingerprint = ? "
                    "where source_id = ? and file_name = ? and loaded_at = ?",
                    [fingerprint, source.id, batch.path.name, entry.loaded_at],
                )
            return FileLoad(batch.path.name, sha256, row_count, False, len(quarantined), is_rejected)

        if not is_rejected:
            table = _ensure_table(connection, source, "raw", {})
            _insert(connection, table, _with_lineage(batch.accepted, source, batch.period, batch.path, sha256, loaded_at))
        if len(quarantined):
            table = _ensure_table(connection, source, "quarantine", QUARANTINE_COLUMNS)
            rows = quarantined.assign(_version_rejected=is_rejected)
            _insert(connection, table, _with_lineage(rows, source, batch.period, batch.path, sha256, loaded_at))

        if is_rejected:
            connection.execute(
                f"insert into {REJECTED_FILES_TABLE} values (?, ?, ?, ?, ?)",
                [source.id, batch.path.name, sha256, loaded_at, batch.rejection_reason],
            )
        connection.execute(
            f"insert into {LOAD_LOG_TABLE} "
            "(source_id, file_name, file_sha256, loaded_at, row_count, status, validation_fingerprint) "
            "values (?, ?, ?, ?, ?, ?, ?)",
            [source.id, batch.path.name, sha256, loaded_at, row_count, status, fingerprint],
        )
        return FileLoad(batch.path.name, sha256, row_count, not is_rejected, len(quarantined), is_rejected)


@contextmanager
def source_load(connection: duckdb.DuckDBPyConnection, source: Source) -> Iterator[SourceLoad]:
    """Open one transaction for the files of a source and commit it when the block ends.

    Any exception in the block rolls back every file of the source, so ``raw`` and
    ``quarantine`` keep the previous versions. A DuckDB error becomes a Dutch ``LoadError``.
    """
    connection.execute("begin transaction")
    try:
        ensure_log_tables(connection)
        # The raw table exists even when every version so far was rejected, so that
        # dbt sources and the region reference can rely on it.
        _ensure_table(connection, source, "raw", {})
        yield SourceLoad(connection, source, datetime.now(timezone.utc))
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


def load_source(
    connection: duckdb.DuckDBPyConnection,
    source: Source,
    batches: list[FileBatch],
) -> list[FileLoad]:
    """Load all files of a source, and their quarantined rows, in one transaction.

    Args:
        connection (duckdb.DuckDBPyConnection): An open connection to the warehouse.
        source (Source): The catalogue entry.
        batches (list[FileBatch]): One batch per file.

    Returns:
        list[FileLoad]: One entry per file, saying whether it was a new version.
    """
    with source_load(connection, source) as load:
        return [load.add_file(batch) for batch in batches]


def record_rejected_file(
    connection: duckdb.DuckDBPyConnection, source: Source, path: Path, reason: str
) -> None:
    """Log a file that could not be read at all, so that its rejection is on record."""
    sha256 = file_sha256(path) if path.is_file() else None
    connection.execute("begin transaction")
    try:
        ensure_log_tables(connection)
        connection.execute(
            f"insert into {REJECTED_FILES_TABLE} values (?, ?, ?, ?, ?)",
            [source.id, path.name, sha256, datetime.now(timezone.utc), reason],
        )
        connection.execute("commit")
    except duckdb.Error:
        connection.execute("rollback")
        raise
