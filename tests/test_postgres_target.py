"""The PostgreSQL target: mirror, dbt build there, exact facts, rollback, and dbt compile per target.

Tests that need PostgreSQL read the IDGB_PG_* settings and skip when the server cannot be
reached, unless IDGB_REQUIRE_POSTGRES=1 (set by .ci/run), which turns the skip into a failure.
Each test session works in its own new database, so a developer's BI database is never touched.
"""

import json
import os
import socket
import subprocess
import time
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import psycopg2
import pytest
from psycopg2 import sql

from idgb_pipeline import settings
from idgb_pipeline.resources import WarehouseResource
from idgb_pipeline.serving.postgres import PostgresPublicationError, connect_postgres, mirror_sources, postgres_type
from idgb_pipeline.serving.postgres_asset import ASSET_KEY, build_postgres_assets, build_postgres_publication_asset
from idgb_pipeline.serving.postgres_dbt import dbt_postgres_command, summarise_run_results

DATABASE_ENV = settings.POSTGRES_SETTINGS["dbname"][0]
PORT_ENV = settings.POSTGRES_SETTINGS["port"][0]
PUBLISHED_SCHEMAS = ("marts", "analysis")


def _unreachable(reason: str):
    message = f"PostgreSQL niet bereikbaar ({reason}); start er een met .ci/start-postgres."
    if settings.require_postgres():
        pytest.fail(f"IDGB_REQUIRE_POSTGRES=1, maar {message}")
    pytest.skip(message)


def _drop_database(admin, name: str) -> None:
    """Drop the test database, also while a session of another role is still ending.

    WITH (FORCE) may end only sessions of roles we are a member of. The read-only role's
    backend can outlive its closed connection for a moment, and an autovacuum worker may run
    after the bulk loads, so a refused forced drop is retried as a plain drop for a few seconds.
    """
    with admin.cursor() as cursor:
        try:
            cursor.execute(sql.SQL("drop database {} with (force)").format(sql.Identifier(name)))
            return
        except psycopg2.errors.InsufficientPrivilege:
            pass
        for _ in range(10):
            try:
                cursor.execute(sql.SQL("drop database {}").format(sql.Identifier(name)))
                return
            except psycopg2.errors.ObjectInUse:
                time.sleep(1)
        cursor.execute(sql.SQL("drop database {}").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def postgres_database():
    """Create a fresh database on the configured server, point IDGB_PG_DATABASE at it, and drop it afterwards."""
    try:
        admin = connect_postgres(timeout_seconds=5)
    except PostgresPublicationError as error:
        _unreachable(str(error))
    admin.autocommit = True
    name = f"idgb_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    except psycopg2.Error as error:
        admin.close()
        _unreachable(f"de gebruiker mag geen testdatabase aanmaken: {error}".strip())

    previous = os.environ.get(DATABASE_ENV)
    os.environ[DATABASE_ENV] = name
    yield name

    if previous is None:
        os.environ.pop(DATABASE_ENV, None)
    else:
        os.environ[DATABASE_ENV] = previous
    _drop_database(admin, name)
    admin.close()


@pytest.fixture(scope="module")
def published(full_run, postgres_database):
    """Materialise serving/postgres on the warehouse of the full run and return the materialisation metadata."""
    assert full_run["success"], full_run["report"]
    asset = build_postgres_publication_asset([])
    result = dg.materialize(
        [asset],
        resources={"warehouse": WarehouseResource(path=str(full_run["warehouse"]))},
    )
    assert result.success
    [materialization] = result.asset_materializations_for_node(asset.op.name)
    return {key: value.value for key, value in materialization.metadata.items()}


def _duckdb_counts(warehouse: Path, schemas) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        relations = connection.execute(
            """
            select schema_name, table_name from duckdb_tables() where list_contains(?, schema_name)
            union all
            select schema_name, view_name from duckdb_views() where list_contains(?, schema_name)
            """,
            [list(schemas), list(schemas)],
        ).fetchall()
        return {
            f"{schema}.{name}": connection.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            for schema, name in relations
        }


def _postgres_counts(schemas) -> dict[str, int]:
    with connect_postgres() as connection, connection.cursor() as cursor:
        cursor.execute(
            "select table_schema, table_name from information_schema.tables where table_schema = any(%s)",
            (list(schemas),),
        )
        counts = {}
        for schema, name in cursor.fetchall():
            cursor.execute(sql.SQL("select count(*) from {}").format(sql.Identifier(schema, name)))
            counts[f"{schema}.{name}"] = cursor.fetchone()[0]
    connection.close()
    return counts


def _postgres_value(query: str, parameters=()):
    connection = connect_postgres()
    try:
        with connection.cursor() as cursor:
            cursor.execute(query, parameters)
            return cursor.fetchone()[0]
    finally:
        connection.close()


def test_asset_absent_without_postgres_target(monkeypatch):
    monkeypatch.delenv(settings.TARGET_ENV, raising=False)
    assert build_postgres_assets([]) == ()
    monkeypatch.setenv(settings.TARGET_ENV, "postgres")
    [asset] = build_postgres_assets([])
    assert asset.key == ASSET_KEY


def test_invalid_target_names_the_choices(monkeypatch):
    monkeypatch.setenv(settings.TARGET_ENV, "mysql")
    with pytest.raises(settings.TargetSettingError, match="IDGB_TARGET='mysql' is ongeldig. Kies duckdb of postgres"):
        settings.target()


def test_type_mapping_rejects_nested_types():
    assert postgres_type("DOUBLE") == "double precision"
    assert postgres_type("TIMESTAMP_NS") == "timestamp"
    assert postgres_type("DECIMAL(18,3)") == "numeric(18,3)"
    assert postgres_type("INTEGER[]") is None
    assert postgres_type("STRUCT(a INTEGER)") is None


def test_connection_error_is_dutch(monkeypatch):
    # A port on 127.0.0.1 that was free a moment ago, so nothing listens there.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    monkeypatch.setenv(PORT_ENV, str(free_port))
    monkeypatch.setenv(settings.POSTGRES_SETTINGS["host"][0], "127.0.0.1")
    with pytest.raises(PostgresPublicationError, match=f"Kan geen verbinding maken met PostgreSQL op 127.0.0.1:{free_port}"):
        connect_postgres(timeout_seconds=2)


def test_run_results_summary_lists_failures():
    outcome = summarise_run_results(
        {
            "elapsed_time": 3.5,
            "results": [
                {"unique_id": "model.idgb.dim_region", "status": "success", "message": "SELECT 18100"},
                {"unique_id": "test.idgb.unique_dim_region_region_code.1", "status": "pass"},
                {"unique_id": "test.idgb.not_null_x.2", "status": "fail", "message": "Got 3 results, configured to fail if != 0"},
            ],
        }
    )
    assert outcome.counts == {"model success": 1, "test fail": 1, "test pass": 1}
    assert outcome.failures == ("test.idgb.not_null_x.2: Got 3 results, configured to fail if != 0",)
    assert not outcome.succeeded
    assert outcome.seconds == 3.5


def test_every_model_published(published, full_run):
    manifest = json.loads((settings.DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    models = {
        f"{node['schema']}.{node['name']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] in PUBLISHED_SCHEMAS
    }
    postgres_counts = _postgres_counts(PUBLISHED_SCHEMAS)
    duckdb_counts = _duckdb_counts(full_run["warehouse"], PUBLISHED_SCHEMAS)

    assert models - set(postgres_counts) == set()
    assert set(duckdb_counts) - set(postgres_counts) == set()
    for relation, count in duckdb_counts.items():
        assert postgres_counts[relation] == count, relation


def test_dbt_tests_pass_in_postgres(published):
    counts = published["dbt"]
    assert counts.get("test pass", 0) > 100
    assert counts.get("unit_test pass", 0) >= 1
    assert not any(status.endswith(("error", "fail")) for status in counts), counts


def test_exact_facts_in_postgres(published):
    assert _postgres_value("select count(*) from marts.dim_region") == 18_100
    assert _postgres_value("select count(*) from marts.fct_indicator_value") == 137_498
    assert (
        _postgres_value(
            "select value from marts.fct_indicator_value "
            "where region_code = 'GM1680' and indicator_code = 'misdrijven_woninginbraak' and period_year = 2012"
        )
        == 108
    )
    assert _postgres_value("select region_name from marts.dim_region where region_code = 'GM0363'") == "Amsterdam"


def test_rates_match_duckdb(published, full_run):
    query = "select sum(value) from marts.fct_indicator_value where indicator_code like '%%_per_1000'"
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        expected = connection.execute(query.replace("%%", "%")).fetchone()[0]
    # PostgreSQL divides numeric exactly where DuckDB divides doubles, so the last bits may differ.
    assert _postgres_value(query) == pytest.approx(expected, rel=1e-12)


def test_model_tables_published(published, full_run):
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        expected = connection.execute("select count(*) from analysis.model_forecast").fetchone()[0]
    assert expected > 0
    assert _postgres_value("select count(*) from analysis.model_forecast") == expected


def test_failed_mirror_keeps_previous_tables(postgres_database, tmp_path):
    schemas = ("h3_mirror_test",)
    first = tmp_path / "first.duckdb"
    with duckdb.connect(str(first)) as connection:
        connection.execute(f"create schema {schemas[0]}")
        connection.execute(f"create table {schemas[0]}.kept as select * from range(2) as numbers (n)")
    connection = connect_postgres()
    assert mirror_sources(first, connection, schemas) == {f"{schemas[0]}.kept": 2}

    # A NUL character is valid in DuckDB text and rejected by PostgreSQL, so the COPY of the
    # second table fails after the first table was already loaded in the same transaction.
    second = tmp_path / "second.duckdb"
    with duckdb.connect(str(second)) as duck:
        duck.execute(f"create schema {schemas[0]}")
        duck.execute(f"create table {schemas[0]}.kept as select * from range(5) as numbers (n)")
        duck.execute(f"create table {schemas[0]}.rejected as select 'a' || chr(0) || 'b' as text_value")
    with pytest.raises(PostgresPublicationError, match="De tabellen daar zijn niet gewijzigd"):
        mirror_sources(second, connection, schemas)
    connection.close()

    assert _postgres_value(f"select count(*) from {schemas[0]}.kept") == 2
    assert (
        _postgres_value(
            "select count(*) from information_schema.tables where table_schema = %s and table_name <> 'kept'",
            (schemas[0],),
        )
        == 0
    )


def _dbt_compile(target: str, tmp_path: Path, extra_env: dict[str, str]) -> subprocess.CompletedProcess:
    command = dbt_postgres_command("compile", tmp_path / "target", tmp_path / "logs")
    command[command.index("--target") + 1] = target
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", **extra_env},
        check=False,
    )


def test_dbt_compiles_for_duckdb(tmp_path):
    # An empty warehouse file suffices: compiling only looks relations up.
    result = _dbt_compile("duckdb", tmp_path, {settings.WAREHOUSE_ENV: str(tmp_path / "compile.duckdb")})
    assert result.returncode == 0, result.stdout[-3000:]


def test_dbt_compiles_for_postgres(postgres_database, tmp_path):
    # dbt-postgres opens a connection while compiling, so this test follows the same skip rule.
    result = _dbt_compile("postgres", tmp_path, {})
    assert result.returncode == 0, result.stdout[-3000:]


def test_read_only_role_from_docs(published):
    role = f"bi_lezer_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    owner = connect_postgres()
    owner.autocommit = True
    try:
        with owner.cursor() as cursor:
            cursor.execute(sql.SQL("create role {} login password %s").format(sql.Identifier(role)), (password,))
    except psycopg2.errors.InsufficientPrivilege:
        owner.close()
        pytest.skip("de gebruiker IDGB_PG_USER mag geen rollen aanmaken (CREATEROLE ontbreekt)")

    # The grants of docs/bi-koppelen.md, then a table created later, as the next publication does.
    grants = [
        "grant usage on schema marts, analysis to {role}",
        "grant select on all tables in schema marts, analysis to {role}",
        "alter default privileges in schema marts, analysis grant select on tables to {role}",
        "create table marts.later_published as select 1 as n",
    ]
    reader = None
    try:
        with owner.cursor() as cursor:
            for statement in grants:
                cursor.execute(sql.SQL(statement).format(role=sql.Identifier(role)))
        parameters = {**settings.postgres_connection(), "user": role, "password": password}
        reader = psycopg2.connect(connect_timeout=5, **parameters)
        with reader.cursor() as cursor:
            cursor.execute("select count(*) from marts.dim_region")
            assert cursor.fetchone()[0] == 18_100
            cursor.execute("select count(*) from marts.later_published")
            assert cursor.fetchone()[0] == 1
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute("delete from marts.dim_region")
    finally:
        if reader is not None:
            reader.close()
        # "drop owned by" needs membership of the role, so the grants are revoked one by one.
        revokes = [
            "alter default privileges in schema marts, analysis revoke select on tables from {role}",
            "revoke all on all tables in schema marts, analysis from {role}",
            "revoke usage on schema marts, analysis from {role}",
            "drop role {role}",
        ]
        with owner.cursor() as cursor:
            cursor.execute("drop table if exists marts.later_published")
            for statement in revokes:
                cursor.execute(sql.SQL(statement).format(role=sql.Identifier(role)))
        owner.close()
