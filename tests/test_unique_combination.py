"""The ``unique_combination`` dbt test finds a duplicated key on the real fact table.

On DuckDB the test groups by a hash of the key first. A duplicated row must still fail
the test with exactly one failing key, and the table as built must pass.
"""

import json
import os
import shutil
import subprocess

import duckdb
import pytest

from idgb_pipeline import settings
from idgb_pipeline.warehouse.executable import dbt_executable

SELECT = "fct_indicator_value,test_name:unique_combination"


def run_unique_test(warehouse, target) -> subprocess.CompletedProcess:
    """Run the unique test of the fact table on ``warehouse``."""
    return subprocess.run(
        [dbt_executable(), "test", "--select", SELECT, "--profiles-dir", ".",
         "--target-path", str(target), "--log-path", str(target / "logs")],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, settings.WAREHOUSE_ENV: str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
        timeout=600,
    )


@pytest.fixture
def warehouse_copy(full_run, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(full_run["warehouse"], copy)
    return copy


def test_clean_facts_pass(warehouse_copy, tmp_path):
    result = run_unique_test(warehouse_copy, tmp_path / "target")

    assert result.returncode == 0, result.stdout
    assert "PASS=1 " in result.stdout


def test_duplicated_fact_fails(warehouse_copy, tmp_path):
    with duckdb.connect(str(warehouse_copy)) as connection:
        duplicated = connection.execute(
            "select indicator_code, region_code, period_year from marts.fct_indicator_value "
            "order by all limit 1"
        ).fetchone()
        connection.execute(
            "insert into marts.fct_indicator_value "
            "select * from marts.fct_indicator_value "
            "where indicator_code = ? and region_code = ? and period_year = ?",
            list(duplicated),
        )

    result = run_unique_test(warehouse_copy, tmp_path / "target")

    assert result.returncode == 1, result.stdout
    run_results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))
    assert [test["status"] for test in run_results["results"]] == ["fail"]
    assert [test["failures"] for test in run_results["results"]] == [1]
