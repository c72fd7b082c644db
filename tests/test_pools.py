"""Steps that open the DuckDB file never overlap, even with one process per step."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml
from dagster._core.events import DagsterEventType

from idgb_pipeline import settings
from idgb_pipeline.resources import DUCKDB_WRITER_POOL
from pooled_extract_job import POOLED_SOURCES

INSTANCE_CONFIG = settings.PROJECT_ROOT / "config" / "dagster.yaml"
POOLED_JOB_SCRIPT = Path(__file__).with_name("pooled_extract_job.py")

STEP_ENDS = {DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}


def step_intervals(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float]]:
    """Return step key -> (start, end) timestamps read from the run's event log."""
    starts, ends = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type in STEP_ENDS:
            ends[event.step_key] = entry.timestamp
    return {step: (starts[step], ends[step]) for step in starts}


def overlapping_pairs(intervals: dict[str, tuple[float, float]]) -> list[tuple[str, str]]:
    ordered = sorted(intervals.items(), key=lambda item: item[1][0])
    return [
        (first, second)
        for (first, (_, first_end)), (second, (second_start, _)) in zip(ordered, ordered[1:])
        if second_start < first_end
    ]


def test_overlap_detection_on_known_intervals():
    intervals = {"a": (0.0, 2.0), "b": (1.0, 3.0), "c": (3.0, 4.0)}

    assert overlapping_pairs(intervals) == [("a", "b")]


def test_instance_config_limits_writer_pool():
    config = yaml.safe_load(INSTANCE_CONFIG.read_text(encoding="utf-8"))

    assert config["concurrency"]["pools"] == {"granularity": "op", "default_limit": 1}


def test_every_warehouse_step_is_in_writer_pool():
    from idgb_pipeline.definitions import defs

    loaded = defs()
    job = loaded.resolve_implicit_global_asset_job_def()
    pools = {node.name: node.definition.pool for node in job.graph.node_dict.values()}
    checks = {
        check.node_def.name: check.node_def.pool
        for check in loaded.asset_checks or []
        if isinstance(check, dg.AssetChecksDefinition)
    }

    # Every step of the graph opens the warehouse file: extract, dbt, herindeling, KRB, models, serving.
    assert {name for name, pool in pools.items() if pool != DUCKDB_WRITER_POOL} == set()
    assert checks
    assert {name for name, pool in checks.items() if pool != DUCKDB_WRITER_POOL} == set()


@pytest.fixture(scope="module")
def pooled_run(tmp_path_factory):
    """Run three extract steps in their own processes, on an instance with the shipped dagster.yaml."""
    folder = tmp_path_factory.mktemp("pools")
    home = folder / "dagster_home"
    home.mkdir()
    shutil.copyfile(INSTANCE_CONFIG, home / "dagster.yaml")
    warehouse = folder / "warehouse.duckdb"
    environment = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        settings.DATA_DIR_ENV: str(folder),
        settings.WAREHOUSE_ENV: str(warehouse),
    }

    # Its own process, as `dagster job execute` would start it: the step processes of the
    # multiprocess executor rebuild the job from that script.
    completed = subprocess.run(
        [sys.executable, str(POOLED_JOB_SCRIPT)],
        env=environment,
        cwd=POOLED_JOB_SCRIPT.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    run_id = completed.stdout.strip().splitlines()[-1]

    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield {
            "intervals": step_intervals(instance, run_id),
            "pool_limits": instance.event_log_storage.get_pool_limits(),
            "blocked_messages": [
                entry.user_message
                for entry in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)
                if "blocked by limit for pool" in entry.user_message
            ],
            "warehouse": warehouse,
        }


def test_pooled_steps_never_overlap(pooled_run):
    intervals = pooled_run["intervals"]

    assert sorted(intervals) == sorted(f"raw__{source}" for source in POOLED_SOURCES)
    assert overlapping_pairs(intervals) == []


def test_pool_made_steps_wait(pooled_run):
    # With three steps ready at once and a limit of 1, at least two of them had to wait.
    assert len(pooled_run["blocked_messages"]) >= 2
    assert all(DUCKDB_WRITER_POOL in message for message in pooled_run["blocked_messages"])


def test_pool_limit_is_one(pooled_run):
    limits = {pool.name: pool.limit for pool in pooled_run["pool_limits"]}

    assert limits == {DUCKDB_WRITER_POOL: 1}


def test_pooled_steps_loaded_every_source(pooled_run):
    with duckdb.connect(str(pooled_run["warehouse"]), read_only=True) as connection:
        tables = {
            row[0]
            for row in connection.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
        }

    assert set(POOLED_SOURCES) <= tables
