"""The DuckDB warehouse as a Dagster resource."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from idgb_pipeline import settings

# Concurrency pool of every step that opens the warehouse file, even read-only: DuckDB
# lets no other process open a file while one process writes it. The instance config
# (config/dagster.yaml) limits the pool to one step at a time.
DUCKDB_WRITER_POOL = "duckdb_warehouse"


def limit_memory(connection: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """Apply the configured DuckDB memory limit to a connection and return it.

    The limit is a runtime setting, not a connect option, because DuckDB refuses a second
    connection to an open file with different connect options.
    """
    connection.execute("set memory_limit = ?", [settings.duckdb_memory_limit()])
    return connection


class WarehouseResource(dg.ConfigurableResource):
    """The embedded DuckDB warehouse file.

    DuckDB allows one writing process per file, so every step opens its own short
    connection and closes it before dbt or the next step needs the file.
    """

    path: str

    @property
    def file(self) -> Path:
        """The warehouse file as an absolute path."""
        return Path(self.path).resolve()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Yield a connection that is closed when the block ends."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        connection = limit_memory(duckdb.connect(str(self.file), read_only=read_only))
        try:
            yield connection
        finally:
            connection.close()
