"""Shared fixtures: one full materialisation of the asset graph per test session."""

import os
import subprocess
from pathlib import Path

import dagster as dg
import pytest

from idgb_pipeline import settings
from idgb_pipeline.warehouse.executable import dbt_executable

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def forget_closed_instance_state():
    """Clear Dagster's current definitions-state storage after each test.

    Dagster 1.13 keeps it in a context variable that holds a weak reference to the
    instance that set it. After a test closes that instance, the next Definitions
    load outside an instance fails with "Attempted to resolve undefined DagsterInstance
    weakref", so a test would pass or fail depending on the tests before it.
    """
    yield
    from dagster._core.storage.defs_state.base import _current_storage

    _current_storage.set(None)


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    """Build the dbt manifest once, as `make` does, so definitions can load."""
    result = subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--profiles-dir", "."],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
    )
    if result.returncode != 0:
        pytest.fail(f"dbt parse failed:\n{result.stdout}\n{result.stderr}")
    return settings.DBT_PROJECT_DIR / "target" / "manifest.json"


@pytest.fixture(scope="session")
def full_run(tmp_path_factory, dbt_manifest):
    """Materialise the whole graph into a temporary data folder and return its outcome."""
    from idgb_pipeline.definitions import defs
    from idgb_pipeline.runner import run_all

    data_dir = tmp_path_factory.mktemp("idgb_data")
    previous = {key: os.environ.get(key) for key in (settings.DATA_DIR_ENV, settings.WAREHOUSE_ENV)}
    os.environ[settings.DATA_DIR_ENV] = str(data_dir)
    os.environ.pop(settings.WAREHOUSE_ENV, None)

    lines: list[str] = []
    with dg.instance_for_test() as instance:
        success, report, seconds = run_all(defs(), echo=lines.append, instance=instance)

    yield {
        "success": success,
        "report": report,
        "seconds": seconds,
        "progress": lines,
        "warehouse": data_dir / "warehouse.duckdb",
    }

    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory, monkeypatch):
    """Keep generated files (GX Data Docs, landing) out of the repository's data folder."""
    if settings.DATA_DIR_ENV not in os.environ:
        monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path_factory.getbasetemp() / "data"))
