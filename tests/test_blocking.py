"""A critical validation failure stops dbt and everything downstream, and the marts stay as they were."""

import os
import shutil

import dagster as dg
import duckdb
import pytest
import yaml

from idgb_pipeline import settings
from idgb_pipeline.definitions import defs
from idgb_pipeline.runner import run_all
from test_bad_input import BAD

MART_TABLES = ("dim_region", "dim_indicator", "fct_indicator_value")


def mart_states(warehouse) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return {
            table: connection.execute(f"select count(*), sum(hash(t)) from marts.{table} as t").fetchone()
            for table in MART_TABLES
        }


@pytest.fixture
def broken_population_run(full_run, tmp_path, monkeypatch):
    """Rerun the whole graph on a copy of the good warehouse, with a population file missing 2019."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    warehouse = data_dir / "warehouse.duckdb"
    shutil.copyfile(full_run["warehouse"], warehouse)
    before = mart_states(warehouse)

    broken = tmp_path / "bevolking_gemeente_2012_2025_long.csv"
    shutil.copyfile(BAD / "bevolking_jaar_ontbreekt.csv", broken)
    catalogue = yaml.safe_load(settings.CATALOGUE_PATH.read_text(encoding="utf-8"))
    for entry in catalogue["sources"]:
        if entry["id"] == "bevolking_gemeente":
            entry["files"] = [str(broken)]
    catalogue_path = tmp_path / "catalogue.yaml"
    catalogue_path.write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")

    monkeypatch.setenv(settings.CATALOGUE_ENV, str(catalogue_path))
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(data_dir))
    monkeypatch.delenv(settings.WAREHOUSE_ENV, raising=False)
    progress: list[str] = []
    with dg.instance_for_test() as instance:
        success, report, _ = run_all(defs(), echo=progress.append, instance=instance)
    yield {"success": success, "report": report, "before": before, "warehouse": warehouse,
           "progress": progress}
    os.environ.pop(settings.WAREHOUSE_ENV, None)


def test_run_fails_on_blocking_check(broken_population_run):
    report = broken_population_run["report"]

    assert not broken_population_run["success"]
    assert "raw/bevolking_gemeente:gx_validatie" in report.checks_failed


def test_downstream_assets_do_not_run(broken_population_run):
    materialised = set(broken_population_run["report"].materialised)

    assert "prep/gemeente_herindeling" not in materialised
    assert "staging/stg_cbs__bevolking" not in materialised
    assert "marts/fct_indicator_value" not in materialised
    assert "raw/misdrijven_gemeente" in materialised


def test_marts_keep_previous_contents(broken_population_run):
    assert mart_states(broken_population_run["warehouse"]) == broken_population_run["before"]
