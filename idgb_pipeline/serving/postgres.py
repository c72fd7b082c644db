"""Copy the tables that the dbt models read from the DuckDB warehouse into PostgreSQL.

DuckDB stays the working warehouse. For shared BI, the schemas raw, prep, krb and analysis
are mirrored into PostgreSQL, where ``dbt build --target postgres`` then builds the same
models. The mirror is replaced in one transaction. Every table is first loaded under a
temporary name, and only then are the old tables dropped and the new ones renamed. A reader
therefore sees the complete old mirror or the complete new one, never a half-loaded table.

Rows travel as CSV through ``COPY ... FROM STDIN`` (psycopg2), because DuckDB's postgres
extension is not bundled with the duckdb wheel and would be downloaded at run time.
"""

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg2
from psycopg2 import sql

from idgb_pipeline import settings
from idgb_pipeline.errors import IdgbError
from idgb_pipeline.resources import limit_memory

logger = logging.getLogger("idgb_pipeline.serving.postgres")

# The schemas the dbt sources live in (models/**/_*sources.yml). The model tables in
# analysis are also what BI users read next to the marts.
SOURCE_SCHEMAS = ("raw", "prep", "krb", "analysis")
LOADING_SUFFIX = "__idgb_laden"
# PostgreSQL truncates identifiers to 63 bytes, so a longer temporary name would collide.
MAX_IDENTIFIER_BYTES = 63
# How long the swap waits for a BI query that still locks an old table before it fails.
LOCK_TIMEOUT = "60s"

# DuckDB type -> PostgreSQL type, for the types the warehouse uses. Nanosecond and other
# timestamp precisions become microsecond timestamps, PostgreSQL's finest.
SCALAR_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "UTINYINT": "smallint",
    "INTEGER": "integer",
    "USMALLINT": "integer",
    "BIGINT": "bigint",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20, 0)",
    "HUGEINT": "numeric(39, 0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "JSON": "jsonb",
}


class PostgresPublicationError(IdgbError):
    """Publishing to PostgreSQL failed, and the tables there kept their previous contents."""


@dataclass(frozen=True)
class SourceTable:
    """A DuckDB table to mirror: schema, name and its (column, DuckDB type) pairs in order."""

    schema: str
    name: str
    columns: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        """The name as ``schema.table``, for messages."""
        return f"{self.schema}.{self.name}"


def postgres_type(duckdb_type: str) -> str | None:
    """Return the PostgreSQL type for a DuckDB column type, or None when there is no faithful one."""
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    return SCALAR_TYPES.get(duckdb_type)


def connect_postgres(timeout_seconds: int = 10):
    """Open a psycopg2 connection with the ``IDGB_PG_*`` settings, raising a Dutch error when that fails."""
    parameters = settings.postgres_connection()
    try:
        return psycopg2.connect(connect_timeout=timeout_seconds, client_encoding="UTF8", **parameters)
    except psycopg2.OperationalError as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PostgresPublicationError(
            f"Kan geen verbinding maken met PostgreSQL op {parameters['host']}:{parameters['port']}, "
            f"database '{parameters['dbname']}', gebruiker '{parameters['user']}': {reason}. "
            "Controleer IDGB_PG_HOST, IDGB_PG_PORT, IDGB_PG_DATABASE, IDGB_PG_USER en IDGB_PG_PASSWORD, "
            "of start een lokale server met .ci/start-postgres."
        ) from error


def read_source_tables(connection: duckdb.DuckDBPyConnection, schemas=SOURCE_SCHEMAS) -> list[SourceTable]:
    """Return the tables of ``schemas`` in the DuckDB warehouse with their columns."""
    rows = connection.execute(
        """
        select tables.schema_name, tables.table_name, columns.column_name, columns.data_type
        from duckdb_tables() as tables
        inner join duckdb_columns() as columns
            on columns.table_oid = tables.table_oid
        where tables.database_name = current_database()
            and list_contains(?, tables.schema_name)
        order by tables.schema_name, tables.table_name, columns.column_index
        """,
        [list(schemas)],
    ).fetchall()
    columns: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, data_type in rows:
        columns.setdefault((schema, table), []).append((column, data_type))
    return [SourceTable(schema, table, tuple(pairs)) for (schema, table), pairs in columns.items()]


def _check_mirrorable(tables: list[SourceTable]) -> None:
    """Raise for every column without a PostgreSQL type and every name too long to load under a temporary name."""
    problems = []
    for table in tables:
        if len((table.name + LOADING_SUFFIX).encode()) > MAX_IDENTIFIER_BYTES:
            problems.append(
                f"tabel {table.label}: de naam is te lang voor PostgreSQL "
                f"(maximaal {MAX_IDENTIFIER_BYTES - len(LOADING_SUFFIX)} tekens); kort de tabelnaam in."
            )
        for column, data_type in table.columns:
            if postgres_type(data_type) is None:
                problems.append(
                    f"tabel {table.label}, kolom '{column}': type {data_type} heeft geen PostgreSQL-tegenhanger; "
                    "zet de kolom om naar tekst of een getal voordat hij in dit schema komt."
                )
    if problems:
        raise PostgresPublicationError(
            "Het warehouse kan niet naar PostgreSQL worden gekopieerd:\n- " + "\n- ".join(problems)
        )


def _export_csv(connection: duckdb.DuckDBPyConnection, table: SourceTable, target: Path) -> int:
    """Write ``table`` as CSV without header to ``target`` and return its row count.

    DuckDB writes NULL as an empty field and an empty string as ``""``, which is how
    PostgreSQL's CSV format tells them apart.
    """
    expressions = []
    for column, data_type in table.columns:
        quoted = '"' + column.replace('"', '""') + '"'
        target_type = postgres_type(data_type)
        # Text of nanosecond timestamps has nine decimals; cast to microseconds first.
        expressions.append(f"cast({quoted} as timestamp)" if target_type == "timestamp" else quoted)
    quoted_path = str(target).replace("'", "''")
    # Schema, table and column names come from DuckDB's own catalog and are quoted.
    connection.execute(
        f'copy (select {", ".join(expressions)} from "{table.schema}"."{table.name}") '
        f"to '{quoted_path}' (format csv, header false)"
    )
    return connection.execute(f'select count(*) from "{table.schema}"."{table.name}"').fetchone()[0]


def _load_table(cursor, table: SourceTable, csv_path: Path) -> None:
    """Create ``<table>__idgb_laden`` in PostgreSQL and fill it from ``csv_path``."""
    loading = sql.Identifier(table.schema, table.name + LOADING_SUFFIX)
    column_definitions = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(postgres_type(data_type)))
        for column, data_type in table.columns
    )
    cursor.execute(sql.SQL("drop table if exists {}").format(loading))
    cursor.execute(sql.SQL("create table {} ({})").format(loading, column_definitions))
    with csv_path.open(encoding="utf-8") as handle:
        cursor.copy_expert(
            sql.SQL("copy {} from stdin with (format csv, header false)").format(loading).as_string(cursor),
            handle,
        )


def _swap_in(cursor, tables: list[SourceTable], schemas) -> list[str]:
    """Replace the mirror tables by the loaded ones and drop mirror tables DuckDB no longer has.

    Returns the dropped ``schema.table`` names. Views on the old tables (the dbt staging
    views) go with them, because the dbt build right after recreates them.
    """
    cursor.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_schema = any(%s) and table_type = 'BASE TABLE'
        """,
        (list(schemas),),
    )
    wanted = {(table.schema, table.name) for table in tables}
    obsolete = sorted(
        (schema, name)
        for schema, name in cursor.fetchall()
        if (schema, name) not in wanted and not name.endswith(LOADING_SUFFIX)
    )
    for schema, name in obsolete:
        cursor.execute(sql.SQL("drop table {} cascade").format(sql.Identifier(schema, name)))

    for table in tables:
        cursor.execute(sql.SQL("drop table if exists {} cascade").format(sql.Identifier(table.schema, table.name)))
        cursor.execute(
            sql.SQL("alter table {} rename to {}").format(
                sql.Identifier(table.schema, table.name + LOADING_SUFFIX), sql.Identifier(table.name)
            )
        )
        # Fresh tables have no planner statistics until autovacuum gets to them. Without
        # them, PostgreSQL chose nested loops that made the peer_gemeenten build take minutes.
        cursor.execute(sql.SQL("analyze {}").format(sql.Identifier(table.schema, table.name)))
    return [f"{schema}.{name}" for schema, name in obsolete]


def mirror_sources(warehouse: Path, postgres_connection, schemas=SOURCE_SCHEMAS) -> dict[str, int]:
    """Copy every table of ``schemas`` from the DuckDB ``warehouse`` into PostgreSQL in one transaction.

    The warehouse is opened read-only. On any error the transaction rolls back, so the
    PostgreSQL tables keep their previous contents.

    Args:
        warehouse (Path): The DuckDB warehouse file.
        postgres_connection: An open psycopg2 connection; it is committed or rolled back here.
        schemas (tuple[str, ...]): The schemas to mirror.
            Default: raw, prep, krb and analysis.

    Returns:
        dict[str, int]: Row count per ``schema.table``.
    """
    if not warehouse.is_file():
        raise PostgresPublicationError(f"Warehouse niet gevonden op {warehouse}. Draai eerst 'idgb run'.")

    counts: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as duck, tempfile.TemporaryDirectory() as folder:
        limit_memory(duck)
        duck.execute("set TimeZone = 'UTC'")
        tables = read_source_tables(duck, schemas)
        if not tables:
            raise PostgresPublicationError(
                f"Het warehouse {warehouse} heeft geen tabellen in de schema's {', '.join(schemas)}. "
                "Materialiseer eerst de bronnen, de KRB en de modellen."
            )
        _check_mirrorable(tables)

        try:
            with postgres_connection.cursor() as cursor:
                cursor.execute("set local lock_timeout = %s", (LOCK_TIMEOUT,))
                cursor.execute("set local timezone = 'UTC'")
                for schema in schemas:
                    cursor.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
                for table in tables:
                    csv_path = Path(folder) / f"{table.schema}.{table.name}.csv"
                    counts[table.label] = _export_csv(duck, table, csv_path)
                    _load_table(cursor, table, csv_path)
                    csv_path.unlink()
                dropped = _swap_in(cursor, tables, schemas)
            postgres_connection.commit()
        except psycopg2.errors.LockNotAvailable as error:
            postgres_connection.rollback()
            raise PostgresPublicationError(
                f"Een andere sessie houdt een tabel in PostgreSQL langer dan {LOCK_TIMEOUT} vast "
                f"({str(error).strip().splitlines()[0]}). De tabellen daar zijn niet gewijzigd. "
                "Probeer het opnieuw als lopende BI-query's klaar zijn."
            ) from error
        except psycopg2.Error as error:
            postgres_connection.rollback()
            raise PostgresPublicationError(
                f"Kopiëren naar PostgreSQL is mislukt: {str(error).strip()}. De tabellen daar zijn niet gewijzigd."
            ) from error

    if dropped:
        logger.info("Dropped mirror tables that DuckDB no longer has: %s", ", ".join(dropped))
    logger.info("Mirrored %d tables into PostgreSQL", len(counts))
    return counts
