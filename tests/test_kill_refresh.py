"""A refresh killed in the middle leaves the published serving copy and the warehouse usable."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import dagster as dg
import duckdb
import pytest

from idgb_pipeline import settings
from idgb_pipeline.orchestration.stale_slots import release_slots_of_dead_runs
from idgb_pipeline.serving.publish import MANIFEST, SERVING_DB

# Steps after extraction: the kill lands while dbt or a model writes the warehouse.
LATE_STEP_PREFIXES = ("dbt_", "prep__", "krb_", "analysis__")
STARTED_PREFIX = "  … stap gestart: "
WAIT_SECONDS = 240


def _serving_tables(serving_db) -> dict[str, int]:
    with duckdb.connect(str(serving_db), read_only=True) as connection:
        names = connection.execute(
            "select table_schema, table_name from information_schema.tables order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": connection.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
            for schema, table in names
        }


def _wait_for_late_step(process: subprocess.Popen) -> str:
    """Read progress lines until a step after extraction starts, and return that line."""
    deadline = time.monotonic() + WAIT_SECONDS
    for line in process.stdout:
        if line.startswith(STARTED_PREFIX) and line[len(STARTED_PREFIX):].startswith(LATE_STEP_PREFIXES):
            return line.strip()
        if time.monotonic() > deadline:
            break
    raise AssertionError(f"Geen dbt- of modelstap gestart binnen {WAIT_SECONDS} s")


@pytest.fixture(scope="module")
def killed_refresh(full_run, tmp_path_factory):
    """Start `idgb run` on a copy of a published data folder and SIGKILL it in a late step."""
    data_dir = tmp_path_factory.mktemp("afgebroken_run")
    source_dir = full_run["warehouse"].parent
    shutil.copyfile(full_run["warehouse"], data_dir / "warehouse.duckdb")
    shutil.copytree(source_dir / "serving", data_dir / "serving")
    serving = data_dir / "serving"
    before = {
        "tables": _serving_tables(serving / SERVING_DB),
        "manifest": (serving / MANIFEST).read_bytes(),
        "files": sorted(path.name for path in serving.iterdir()),
    }

    environment = {key: value for key, value in os.environ.items() if key not in {"DAGSTER_HOME", settings.WAREHOUSE_ENV}}
    environment[settings.DATA_DIR_ENV] = str(data_dir)
    process = subprocess.Popen(
        [sys.executable, "-m", "idgb_pipeline.cli", "run"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        bufsize=1,
    )
    try:
        late_step = _wait_for_late_step(process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()

    return {"data_dir": data_dir, "before": before, "late_step": late_step, "returncode": process.returncode}


def test_run_was_killed_in_late_step(killed_refresh):
    assert killed_refresh["returncode"] == -signal.SIGKILL
    assert killed_refresh["late_step"].startswith(STARTED_PREFIX.strip())


def test_serving_copy_unchanged(killed_refresh):
    serving = killed_refresh["data_dir"] / "serving"

    assert _serving_tables(serving / SERVING_DB) == killed_refresh["before"]["tables"]
    assert (serving / MANIFEST).read_bytes() == killed_refresh["before"]["manifest"]
    assert json.loads((serving / MANIFEST).read_text(encoding="utf-8"))["tabellen"]


def test_no_temporary_serving_files_left(killed_refresh):
    serving = killed_refresh["data_dir"] / "serving"

    # The kill came before the publication step, so no temporary copy was started.
    assert sorted(path.name for path in serving.iterdir()) == killed_refresh["before"]["files"]
    assert not list(serving.glob(".*.tmp"))


def test_working_warehouse_still_opens(killed_refresh):
    warehouse = killed_refresh["data_dir"] / "warehouse.duckdb"

    # Opening for writing replays the write-ahead log of the killed process.
    with duckdb.connect(str(warehouse)) as connection:
        marts = connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'marts'"
        ).fetchone()[0]
        regions = connection.execute("select count(*) from marts.dim_region").fetchone()[0]

    assert marts > 0
    assert regions > 0


def test_slot_of_killed_run_is_released(killed_refresh):
    home = killed_refresh["data_dir"] / "dagster_home"

    with dg.DagsterInstance.from_config(str(home)) as instance:
        held_before = instance.event_log_storage.get_concurrency_run_ids()
        released = release_slots_of_dead_runs(instance)
        held_after = instance.event_log_storage.get_concurrency_run_ids()
        statuses = {run_id: instance.get_run_by_id(run_id).status for run_id in released}

    assert len(held_before) == 1
    assert released == sorted(held_before)
    assert held_after == set()
    assert set(statuses.values()) == {dg.DagsterRunStatus.FAILURE}
