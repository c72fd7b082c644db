"""A second run on unchanged input leaves every table as the first run left it."""

import shutil

import dagster as dg
import duckdb
import pytest

from idgb_pipeline import settings
from idgb_pipeline.definitions import defs
from idgb_pipeline.runner import run_all

COMPARED_SCHEMAS = ("raw", "quarantine", "prep", "staging", "intermediate", "marts", "krb", "analysis")

# Columns that differ between runs by design, so they are left out of the comparison:
# - model_run_id: every model run gets a new id (uuid), which identifies the run.
# - run_at: the moment the model ran.
# - forecast_model_run_id, outlier_model_run_id, forecast_run_at: the same two facts copied
#   into marts.fct_forecast, which shows the latest model runs.
PER_RUN_COLUMNS = frozenset(
    {"model_run_id", "run_at", "forecast_model_run_id", "outlier_model_run_id", "forecast_run_at"}
)

# parameters_json of a model that reads another model's result names that run (for example
# the outlier model's "forecast_model_run_id"). Those references are compared without the id;
# every other parameter must be equal.
RUN_REFERENCE = """regexp_replace(parameters_json, '"[a-z_]*model_run_id": "[0-9a-f-]+"', '"<run>"', 'g')"""

# Tables that gain rows on every run by design. Each gets its own comparison below.
# - raw._load_log logs every load attempt, also "geen nieuwe bestandsversie".
# - analysis tables with model_run_id keep every model run next to the earlier ones.
LOAD_LOG = ("raw", "_load_log")


def _tables(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in COMPARED_SCHEMAS)
    rows = connection.execute(
        f"select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({placeholders}) order by 1, 2",
        list(COMPARED_SCHEMAS),
    ).fetchall()
    return [(schema, table) for schema, table in rows]


def _columns(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = connection.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [row[0] for row in rows]


def _content_hash(connection, schema: str, table: str, where: str = "", parameters=()) -> tuple[int, int]:
    """Return (row count, sum of row hashes) without the per-run columns: equal for equal multisets of rows."""
    kept = [column for column in _columns(connection, schema, table) if column not in PER_RUN_COLUMNS]
    # Names come from the warehouse catalog, quoted as identifiers.
    selected = ", ".join(RUN_REFERENCE if column == "parameters_json" else f'"{column}"' for column in kept)
    return connection.execute(
        f'select count(*), coalesce(sum(hash(r)), 0) from (select {selected} from {schema}."{table}" {where}) as r',
        list(parameters),
    ).fetchone()


def _run_ids(connection, schema: str, table: str) -> set[str]:
    rows = connection.execute(f'select distinct model_run_id from {schema}."{table}"').fetchall()
    return {row[0] for row in rows}


def warehouse_state(warehouse, earlier_run_ids: dict | None = None) -> dict:
    """Return a content hash per table, and the model run ids per run-appended table.

    For a table with ``model_run_id``, only rows of runs not in ``earlier_run_ids`` count,
    so the state after a second run shows that run's rows alone.
    """
    hashes, run_ids, load_log = {}, {}, None
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for schema, table in _tables(connection):
            name = f"{schema}.{table}"
            if (schema, table) == LOAD_LOG:
                load_log = connection.execute(
                    f"select distinct source_id, file_name, file_sha256, status from {schema}.{table} order by all"
                ).fetchall()
                continue
            if schema == "analysis" and "model_run_id" in _columns(connection, schema, table):
                earlier = sorted((earlier_run_ids or {}).get(name, set()))
                run_ids[name] = _run_ids(connection, schema, table)
                where = f"where model_run_id not in ({', '.join('?' for _ in earlier)})" if earlier else ""
                hashes[name] = _content_hash(connection, schema, table, where, earlier)
            else:
                hashes[name] = _content_hash(connection, schema, table)
    return {"hashes": hashes, "run_ids": run_ids, "load_log": load_log}


@pytest.fixture(scope="module")
def two_runs(full_run, tmp_path_factory):
    """Run the whole graph again on a copy of the first run's warehouse, with the same input."""
    data_dir = tmp_path_factory.mktemp("tweede_run")
    warehouse = data_dir / "warehouse.duckdb"
    shutil.copyfile(full_run["warehouse"], warehouse)
    first = warehouse_state(warehouse)

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv(settings.DATA_DIR_ENV, str(data_dir))
        monkeypatch.delenv(settings.WAREHOUSE_ENV, raising=False)
        with dg.instance_for_test() as instance:
            success, report, _ = run_all(defs(), echo=lambda line: None, instance=instance)

    second = warehouse_state(warehouse, earlier_run_ids=first["run_ids"])
    return {"success": success, "report": report, "first": first, "second": second}


def test_second_run_succeeds(two_runs):
    assert two_runs["success"], two_runs["report"].failed_steps


def test_same_tables_after_second_run(two_runs):
    assert sorted(two_runs["second"]["hashes"]) == sorted(two_runs["first"]["hashes"])


@pytest.mark.parametrize("schema", COMPARED_SCHEMAS)
def test_tables_identical_after_second_run(two_runs, schema):
    first = {name: value for name, value in two_runs["first"]["hashes"].items() if name.startswith(f"{schema}.")}
    second = {name: value for name, value in two_runs["second"]["hashes"].items() if name.startswith(f"{schema}.")}

    changed = sorted(name for name in first if second.get(name) != first[name])
    assert changed == [], {name: (first[name], second.get(name)) for name in changed}


def test_raw_gains_no_rows(two_runs):
    raw_counts = {
        name: (two_runs["first"]["hashes"][name][0], two_runs["second"]["hashes"][name][0])
        for name in two_runs["first"]["hashes"]
        if name.startswith("raw.")
    }

    assert raw_counts
    assert {name: counts for name, counts in raw_counts.items() if counts[0] != counts[1]} == {}


def test_load_log_has_no_new_file_version(two_runs):
    assert two_runs["second"]["load_log"] == two_runs["first"]["load_log"]


def test_models_appended_one_new_run(two_runs):
    first, second = two_runs["first"]["run_ids"], two_runs["second"]["run_ids"]

    assert first
    for name, earlier in first.items():
        added = second[name] - earlier
        # The second run added its own rows under new run ids and kept the earlier ones.
        assert earlier <= second[name], name
        assert len(added) == len(earlier), name
