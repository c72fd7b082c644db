"""Publish the marts and analysis tables to ``data/serving/`` without ever exposing a partial copy.

Layout of the serving folder::

    serving/warehouse.duckdb              read-only copy, replaced atomically
    serving/parquet/<schema>/<table>.parquet
    serving/manifest.json                 tables, row counts, data versions, peildatum
    serving/snapshots/<peildatum>/        frozen copies made by ``idgb snapshot``

Every file is written under a temporary name in the same folder, flushed with fsync and
moved into place with ``os.replace``, which is atomic on one file system. A reader that
opened the old DuckDB file keeps reading the old version until it reconnects.
"""

import datetime as dt
import json
import logging
import os
import re
import shutil
import uuid
from pathlib import Path

import duckdb

from idgb_pipeline import settings
from idgb_pipeline.errors import IdgbError
from idgb_pipeline.extract.loader import LOAD_LOG_TABLE, STATUS_LOADED
from idgb_pipeline.resources import limit_memory

logger = logging.getLogger("idgb_pipeline.serving.publish")

SERVING_SCHEMAS = ("marts", "analysis")
SERVING_DB = "warehouse.duckdb"
MANIFEST = "manifest.json"
PARQUET_DIR = "parquet"
SNAPSHOTS_DIR = "snapshots"
PEILDATUM = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ServingError(IdgbError):
    """Publishing or freezing the serving copy failed, and the previous copy is unchanged."""


def serving_dir() -> Path:
    """Return the serving folder ``$IDGB_DATA_DIR/serving``."""
    return settings.data_dir() / "serving"


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _replace_atomically(temporary: Path, target: Path) -> None:
    """Flush ``temporary`` to disk and move it over ``target`` in one step."""
    # NOTE: on Windows os.replace raises PermissionError while a reader has the target open.
    _fsync_file(temporary)
    os.replace(temporary, target)
    _fsync_dir(target.parent)


def _serving_tables(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = connection.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where table_catalog = 'bron' and table_schema in (?, ?)
        order by table_schema, table_name
        """,
        list(SERVING_SCHEMAS),
    ).fetchall()
    return [(schema, table) for schema, table in rows]


def _data_versions(connection: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Return source id -> file name -> sha256 of the file version loaded last."""
    exists = connection.execute(
        "select count(*) from information_schema.tables "
        "where table_catalog = 'bron' and table_schema = 'raw' and table_name = '_load_log'"
    ).fetchone()[0]
    if not exists:
        return {}
    rows = connection.execute(
        f"""
        select source_id, file_name, arg_max(file_sha256, loaded_at)
        from bron.{LOAD_LOG_TABLE}
        where coalesce(status, ?) = ?
        group by source_id, file_name
        order by source_id, file_name
        """,
        [STATUS_LOADED, STATUS_LOADED],
    ).fetchall()
    versions: dict[str, dict[str, str]] = {}
    for source_id, file_name, sha256 in rows:
        versions.setdefault(source_id, {})[file_name] = sha256
    return versions


def _build_serving_db(warehouse: Path, temporary_db: Path) -> tuple[list[tuple[str, str, int]], dict]:
    """Copy the serving tables into a new DuckDB file and return (schema, table, rows) and data versions."""
    tables = []
    with duckdb.connect(str(temporary_db)) as connection:
        limit_memory(connection)
        # The warehouse is attached read-only, so a publish never takes its write lock.
        connection.execute("attach ? as bron (read_only)", [str(warehouse)])
        for schema in SERVING_SCHEMAS:
            connection.execute(f"create schema if not exists {schema}")
        # Schema and table names come from the catalog of the warehouse, quoted as identifiers.
        for schema, table in _serving_tables(connection):
            connection.execute(f'create table {schema}."{table}" as select * from bron.{schema}."{table}"')
            count = connection.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
            tables.append((schema, table, count))
        versions = _data_versions(connection)
        connection.execute("detach bron")
        connection.execute("checkpoint")
    return tables, versions


def _write_parquet(serving_db: Path, tables: list[tuple[str, str, int]], parquet_dir: Path) -> dict[str, str]:
    """Export every table to ``parquet/<schema>/<table>.parquet`` and return table -> relative path."""
    paths = {}
    with duckdb.connect(str(serving_db), read_only=True) as connection:
        # The export runs in the run process, which DuckDB would otherwise fill up to 80% of RAM.
        limit_memory(connection)
        for schema, table, _ in tables:
            folder = parquet_dir / schema
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{table}.parquet"
            temporary = folder / f".{table}.{uuid.uuid4().hex}.parquet"
            quoted_path = str(temporary).replace("'", "''")
            connection.execute(
                f"copy (select * from {schema}.\"{table}\") to '{quoted_path}' (format parquet, compression zstd)"
            )
            _replace_atomically(temporary, target)
            paths[f"{schema}.{table}"] = str(target.relative_to(parquet_dir.parent))
    return paths


def _remove_stale_parquet(parquet_dir: Path, current: set[str]) -> None:
    """Delete Parquet files of tables that no longer exist in the warehouse."""
    for path in parquet_dir.glob("*/*.parquet"):
        if f"{path.parent.name}.{path.stem}" not in current:
            path.unlink()


def publish_serving(warehouse: Path, serving_dir: Path, peildatum: dt.date | None = None) -> dict:
    """Publish marts and analysis tables from ``warehouse`` to ``serving_dir`` and return the manifest.

    The warehouse is only read. The serving DuckDB file is built under a new name and then
    replaces ``serving/warehouse.duckdb`` atomically, so readers see the old or the new copy,
    never a mix. The Parquet files are replaced one by one, each atomically.

    Args:
        warehouse (Path): The DuckDB warehouse file to publish.
        serving_dir (Path): Folder for the serving copy, created when missing.
        peildatum (dt.date | None): Reference date written to the manifest.
            Default: today.
    """
    if not warehouse.is_file():
        raise ServingError(f"Warehouse niet gevonden op {warehouse}. Draai eerst 'idgb run'.")
    serving_dir.mkdir(parents=True, exist_ok=True)
    peildatum = peildatum or dt.date.today()
    temporary_db = serving_dir / f".{SERVING_DB}.{uuid.uuid4().hex}.tmp"

    try:
        tables, versions = _build_serving_db(warehouse, temporary_db)
        if not tables:
            raise ServingError(
                f"Het warehouse {warehouse} heeft geen tabellen in de schema's {', '.join(SERVING_SCHEMAS)}. "
                "Materialiseer eerst de marts en de modellen."
            )
        parquet_paths = _write_parquet(temporary_db, tables, serving_dir / PARQUET_DIR)
        _replace_atomically(temporary_db, serving_dir / SERVING_DB)
    finally:
        temporary_db.unlink(missing_ok=True)
        Path(f"{temporary_db}.wal").unlink(missing_ok=True)
    _remove_stale_parquet(serving_dir / PARQUET_DIR, {f"{schema}.{table}" for schema, table, _ in tables})

    manifest = {
        "peildatum": peildatum.isoformat(),
        "gepubliceerd_op": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "warehouse": SERVING_DB,
        "tabellen": {
            f"{schema}.{table}": {"rijen": count, "parquet": parquet_paths[f"{schema}.{table}"]}
            for schema, table, count in tables
        },
        "dataversies": versions,
    }
    temporary_manifest = serving_dir / f".{MANIFEST}.{uuid.uuid4().hex}.tmp"
    temporary_manifest.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _replace_atomically(temporary_manifest, serving_dir / MANIFEST)
    logger.info("Published %d tables to %s", len(tables), serving_dir)
    return manifest


def parse_peildatum(text: str) -> dt.date:
    """Parse a peildatum written as JJJJ-MM-DD, raising ServingError in Dutch otherwise."""
    try:
        if not PEILDATUM.match(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise ServingError(
            f"Peildatum '{text}' is ongeldig. Schrijf de datum als JJJJ-MM-DD, bijvoorbeeld 2026-01-31."
        ) from error


def snapshot_serving(serving_dir: Path, peildatum: dt.date) -> Path:
    """Copy the current serving set into ``snapshots/<peildatum>/`` and return that folder.

    The copy is made in a temporary folder and renamed at the end, so a snapshot folder
    is either complete or absent. An existing snapshot is never overwritten.
    """
    target = serving_dir / SNAPSHOTS_DIR / peildatum.isoformat()
    if target.exists():
        raise ServingError(
            f"Er bestaat al een momentopname voor peildatum {peildatum.isoformat()} in {target}. "
            "Kies een andere peildatum of verwijder de bestaande map eerst."
        )
    source_db = serving_dir / SERVING_DB
    if not source_db.is_file() or not (serving_dir / MANIFEST).is_file():
        raise ServingError(
            f"Geen publicatie gevonden in {serving_dir}. Materialiseer eerst de asset serving/publicatie "
            "(bijvoorbeeld met de job volledige_refresh)."
        )

    temporary = serving_dir / SNAPSHOTS_DIR / f".{peildatum.isoformat()}.{uuid.uuid4().hex}.tmp"
    temporary.mkdir(parents=True)
    try:
        # Read the manifest first: a publish that runs meanwhile replaces files, never edits them.
        manifest = json.loads((serving_dir / MANIFEST).read_text(encoding="utf-8"))
        manifest["momentopname_peildatum"] = peildatum.isoformat()
        shutil.copy2(source_db, temporary / SERVING_DB)
        if (serving_dir / PARQUET_DIR).is_dir():
            shutil.copytree(serving_dir / PARQUET_DIR, temporary / PARQUET_DIR)
        (temporary / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.rename(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    _fsync_dir(target.parent)
    return target
