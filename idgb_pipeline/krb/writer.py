"""Write all KRB tables in one DuckDB transaction, so a failure keeps the previous set."""

import logging

import duckdb

from idgb_pipeline.krb.tables import KRB_TABLES, SCHEMA

logger = logging.getLogger("idgb_pipeline.krb.writer")


def write_registration(
    connection: duckdb.DuckDBPyConnection, rows_by_table: dict[str, list[tuple]]
) -> dict[str, int]:
    """Replace every table of schema ``krb`` and return the row count per table.

    Either all tables are replaced or, when any statement fails, none: the transaction
    is rolled back and the error re-raised. Table and column names come from
    ``KRB_TABLES``; values are bound as parameters.
    """
    connection.execute("begin transaction")
    try:
        connection.execute(f"create schema if not exists {SCHEMA}")
        for table in KRB_TABLES:
            column_list = ", ".join(f"{name} {column_type}" for name, column_type in table.columns)
            connection.execute(f"create or replace table {table.qualified_name} ({column_list})")
            # COMMENT ON takes no parameters; the description is a constant of KRB_TABLES.
            description = table.description.replace("'", "''")
            connection.execute(f"comment on table {table.qualified_name} is '{description}'")

            rows = rows_by_table.get(table.name, [])
            if rows:
                placeholders = ", ".join("?" for _ in table.columns)
                connection.executemany(
                    f"insert into {table.qualified_name} values ({placeholders})", rows
                )
        connection.execute("commit")
    except duckdb.Error:
        connection.execute("rollback")
        logger.exception("Writing the KRB tables failed; the previous tables were kept")
        raise

    return {table.name: len(rows_by_table.get(table.name, [])) for table in KRB_TABLES}
