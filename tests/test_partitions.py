"""Year partitions of sources with one file per year, through real Dagster runs on DuckDB files."""

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from idgb_pipeline import settings
from idgb_pipeline.extract.assets import build_extract_asset
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.extract.partitions import full_range_tags, is_year_split, range_tags, year_partitions
from idgb_pipeline.orchestration.jobs import FULL_JOB, YEAR_JOB
from idgb_pipeline.resources import WarehouseResource
from idgb_pipeline.runner import UnknownYearError, run_all

SOURCE_ID = "gemeenten_per_jaar"
ASSET_KEY = dg.AssetKey(["raw", SOURCE_ID])
YEARS = ["2016", "2017", "2018", "2019", "2020", "2021"]
REFRESHED_YEAR = "2018"


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    from idgb_pipeline.definitions import defs

    return defs()


def materialize_source(catalogue, warehouse: Path, partitions=None, **run_arguments) -> dg.ExecuteInProcessResult:
    """Materialise the extract asset of gemeenten_per_jaar alone on ``warehouse``."""
    asset = build_extract_asset(catalogue[SOURCE_ID], partitions=partitions)
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [asset],
            instance=instance,
            resources={"warehouse": WarehouseResource(path=str(warehouse))},
            raise_on_error=False,
            **run_arguments,
        )


def loaded_file_names(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select file_name from raw._load_log where source_id = ? order by file_name", [SOURCE_ID]
        ).fetchall()
    return [row[0] for row in rows]


def test_partition_keys_are_years(catalogue, definitions):
    year_split = sorted(source.id for source in catalogue.values() if is_year_split(source))
    asset_partitions = definitions.resolve_asset_graph().get(ASSET_KEY).partitions_def

    assert year_split == [SOURCE_ID]
    assert year_partitions(catalogue.values()).get_partition_keys() == YEARS
    assert asset_partitions.get_partition_keys() == YEARS


def test_other_sources_stay_unpartitioned(definitions):
    graph = definitions.resolve_asset_graph()

    assert graph.get(dg.AssetKey(["raw", "misdrijven_gemeente"])).partitions_def is None
    assert graph.get(dg.AssetKey(["marts", "fct_indicator_value"])).partitions_def is None


def test_one_partition_loads_its_file(catalogue, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"

    result = materialize_source(catalogue, warehouse, partition_key=REFRESHED_YEAR)
    materialization = result.asset_materializations_for_node(f"raw__{SOURCE_ID}")[0]

    assert result.success
    assert loaded_file_names(warehouse) == ["gemeenten_2018.csv"]
    assert materialization.partition == REFRESHED_YEAR
    assert materialization.metadata["jaren"].value == [REFRESHED_YEAR]
    assert list(materialization.metadata["bestanden"].value) == ["gemeenten_2018.csv"]


def test_range_run_loads_every_year(catalogue, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    source = catalogue[SOURCE_ID]

    result = materialize_source(catalogue, warehouse, tags=full_range_tags(year_partitions([source])))
    partitions = sorted(event.partition for event in result.get_asset_materialization_events())
    checks = result.get_asset_check_evaluations()

    assert result.success
    assert loaded_file_names(warehouse) == [f"gemeenten_{year}.csv" for year in YEARS]
    assert partitions == YEARS
    assert len(checks) == 1
    assert checks[0].passed


def test_year_without_file_loads_nothing(catalogue, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    # The shared partitions of all year-split sources can contain a year that this source lacks.
    partitions = dg.StaticPartitionsDefinition([*YEARS, "2022"])

    result = materialize_source(catalogue, warehouse, partitions=partitions, partition_key="2022")
    metadata = result.asset_materializations_for_node(f"raw__{SOURCE_ID}")[0].metadata
    checks = result.get_asset_check_evaluations()

    assert result.success
    assert not warehouse.exists() or loaded_file_names(warehouse) == []
    assert metadata["jaren_zonder_bestand"].value == ["2022"]
    assert metadata["dagster/row_count"].value == 0
    assert [check.passed for check in checks] == [True]


def test_range_over_missing_year_loads_the_rest(catalogue, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    partitions = dg.StaticPartitionsDefinition([*YEARS, "2022"])

    result = materialize_source(catalogue, warehouse, partitions=partitions, tags=range_tags("2021", "2022"))
    metadata = result.asset_materializations_for_node(f"raw__{SOURCE_ID}")[0].metadata

    assert result.success
    assert loaded_file_names(warehouse) == ["gemeenten_2021.csv"]
    assert metadata["jaren_zonder_bestand"].value == ["2022"]


def test_run_without_partition_loads_every_year(catalogue, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"

    result = materialize_source(catalogue, warehouse)
    materialization = result.asset_materializations_for_node(f"raw__{SOURCE_ID}")[0]

    assert result.success
    assert loaded_file_names(warehouse) == [f"gemeenten_{year}.csv" for year in YEARS]
    # Dagster records such a run as an unpartitioned materialisation.
    assert materialization.partition is None


def test_jobs_share_the_year_partitions(definitions):
    dg.Definitions.validate_loadable(definitions)
    global_job = definitions.resolve_implicit_global_asset_job_def()
    full_job = definitions.resolve_job_def(FULL_JOB)
    year_job = definitions.resolve_job_def(YEAR_JOB)

    assert global_job.partitions_def.get_partition_keys() == YEARS
    assert full_job.partitions_def.get_partition_keys() == YEARS
    assert year_job.partitions_def.get_partition_keys() == YEARS


def test_year_job_selection(definitions):
    job = definitions.resolve_job_def(YEAR_JOB)
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}

    assert "raw/gemeenten_per_jaar" in keys
    assert "staging/stg_cbs__gemeenten_per_jaar" in keys
    assert "marts/fct_indicator_value" in keys
    assert "analysis/factorinvloed" in keys
    assert "serving/publicatie" in keys
    # Sources that are neither year-split nor checked against a year-split source stay out.
    assert "raw/iv3_taakvelden" not in keys
    assert "raw/kwb2022_regios" not in keys


def test_monitoring_schedule_covers_every_year():
    from idgb_pipeline.orchestration.jobs import build_schedules

    schedule = {schedule.name: schedule for schedule in build_schedules()}["monitoring_dagelijks"]
    with dg.instance_for_test() as instance:
        data = schedule.evaluate_tick(dg.build_schedule_context(instance=instance))

    assert data.run_requests[0].partition_key_range == dg.PartitionKeyRange(YEARS[0], YEARS[-1])


def sensor_request(definitions, *file_paths: Path) -> dg.RunRequest:
    """Copy ``file_paths`` into the landing folder and return the sensor's run request."""
    from idgb_pipeline.orchestration.landing_sensor import landing_sensor

    landing = settings.landing_dir()
    landing.mkdir(parents=True)
    for path in file_paths:
        shutil.copyfile(path, landing / path.name)
    data = landing_sensor.evaluate_tick(dg.build_sensor_context(definitions=definitions))
    assert len(data.run_requests) == 1
    return data.run_requests[0]


def test_sensor_loads_year_of_changed_file(tmp_path, monkeypatch, catalogue, definitions):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    paths = {source_file.period: source_file.path for source_file in catalogue[SOURCE_ID].files}

    request = sensor_request(definitions, paths[2018], paths[2020])

    assert request.partition_key_range == dg.PartitionKeyRange("2018", "2020")


def test_sensor_without_yearly_file_has_no_range(tmp_path, monkeypatch, catalogue, definitions):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))

    request = sensor_request(definitions, catalogue["bevolking_gemeente"].files[0].path)

    assert request.partition_key_range is None


@pytest.fixture
def two_year_split_definitions(tmp_path, monkeypatch) -> dg.Definitions:
    """The definitions of the bundled catalogue plus a KWB source with files for 2021 and 2022."""
    from idgb_pipeline.definitions import defs

    document = yaml.safe_load(settings.CATALOGUE_PATH.read_text(encoding="utf-8"))
    document["sources"].append(
        {
            "id": "kwb_kerncijfers",
            "title": "Kerncijfers wijken en buurten (test)",
            "description": "Twee jaren, alleen om de definities te bouwen.",
            "licence": "CC-BY 4.0",
            "attribution": "Bron: CBS",
            "region_level": ["gemeente", "wijk", "buurt"],
            "periods": "2021-2022",
            "format": "csv",
            "period_column": "jaar",
            "columns": {"WijkenEnBuurten": "varchar", "AantalInwoners_5": "bigint"},
            "files": [
                {"path": str(tmp_path / "kwb_2021.csv"), "period": 2021},
                {"path": str(tmp_path / "kwb_2022.csv"), "period": 2022},
            ],
        }
    )
    catalogue_path = tmp_path / "catalogue.yaml"
    catalogue_path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(settings.CATALOGUE_ENV, str(catalogue_path))
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    return defs()


def test_year_split_sources_share_partitions(two_year_split_definitions):
    graph = two_year_split_definitions.resolve_asset_graph()
    kwb = graph.get(dg.AssetKey(["raw", "kwb_kerncijfers"])).partitions_def
    year_job = two_year_split_definitions.resolve_job_def(YEAR_JOB)

    assert kwb.get_partition_keys() == [*YEARS, "2022"]
    assert graph.get(ASSET_KEY).partitions_def == kwb
    assert year_job.partitions_def == kwb
    assert dg.AssetKey(["raw", "kwb_kerncijfers"]) in year_job.asset_layer.executable_asset_keys


def test_sensor_loads_every_year_downstream(two_year_split_definitions):
    # kwb_kerncijfers checks its codes against the KWB 2022 regions, so it is downstream of them.
    regions = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)["kwb2022_regios"].files[0].path

    request = sensor_request(two_year_split_definitions, regions)
    keys = {key.to_user_string() for key in request.asset_selection}

    assert "raw/kwb_kerncijfers" in keys
    assert request.partition_key_range == dg.PartitionKeyRange(YEARS[0], "2022")


def test_unknown_year_is_rejected(definitions):
    with pytest.raises(UnknownYearError, match="Jaar 2026 is onbekend.*2016, 2017, 2018, 2019, 2020, 2021"):
        run_all(definitions, echo=lambda line: None, year="2026")


def test_full_run_lists_partitioned_asset_once(full_run):
    materialised = full_run["report"].materialised

    assert full_run["success"], "\n".join(full_run["progress"])
    assert materialised.count("raw/gemeenten_per_jaar") == 1
    assert len(materialised) == len(set(materialised))


@pytest.fixture(scope="module")
def year_run(tmp_path_factory, full_run):
    """Run ``jaar_refresh`` for one year on a copy of the fully built warehouse."""
    from idgb_pipeline.definitions import defs

    assert full_run["success"], "\n".join(full_run["progress"])
    folder = tmp_path_factory.mktemp("jaar_refresh")
    shutil.copyfile(full_run["warehouse"], folder / "warehouse.duckdb")
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as connection:
        rows_before = connection.execute(f"select count(*) from raw.{SOURCE_ID}").fetchone()[0]

    # The dbt steps of the full run leave IDGB_WAREHOUSE set to its warehouse, which would win
    # over the data folder, so it is removed until the run ends.
    names = (settings.DATA_DIR_ENV, settings.WAREHOUSE_ENV)
    previous = {name: os.environ.get(name) for name in names}
    os.environ[settings.DATA_DIR_ENV] = str(folder)
    os.environ.pop(settings.WAREHOUSE_ENV, None)
    try:
        lines: list[str] = []
        with dg.instance_for_test() as instance:
            # The warehouse resource takes its path from the environment when defs() runs.
            success, report, _ = run_all(defs(), echo=lines.append, instance=instance, year=REFRESHED_YEAR)
            event = instance.get_latest_materialization_event(ASSET_KEY)
            run = instance.get_run_by_id(event.run_id)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    return {
        "success": success,
        "report": report,
        "progress": lines,
        "event": event,
        "run": run,
        "warehouse": folder / "warehouse.duckdb",
        "rows_before": rows_before,
    }


def test_year_refresh_succeeds(year_run):
    report = year_run["report"]

    assert year_run["success"], "\n".join(year_run["progress"])
    assert report.failed_steps == []
    assert report.checks_failed == []


def test_year_refresh_rebuilds_downstream(year_run):
    materialised = set(year_run["report"].materialised)

    assert "staging/stg_cbs__gemeenten_per_jaar" in materialised
    assert "marts/dim_region" in materialised
    assert "serving/publicatie" in materialised
    assert "raw/iv3_taakvelden" not in materialised


def test_year_refresh_loads_one_year(year_run):
    event = year_run["event"]
    metadata = event.asset_materialization.metadata

    assert year_run["run"].job_name == YEAR_JOB
    assert event.dagster_event.partition == REFRESHED_YEAR
    assert list(metadata["bestanden"].value) == ["gemeenten_2018.csv"]


def test_year_refresh_writes_the_copy(year_run, full_run):
    with duckdb.connect(str(year_run["warehouse"]), read_only=True) as connection:
        copy_runs = connection.execute("select count(distinct model_run_id) from analysis.model_outlier").fetchone()[0]
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        shared_runs = connection.execute("select count(distinct model_run_id) from analysis.model_outlier").fetchone()[0]

    assert copy_runs == shared_runs + 1


def test_year_refresh_keeps_other_years(year_run):
    with duckdb.connect(str(year_run["warehouse"]), read_only=True) as connection:
        years = connection.execute(
            "select distinct layout_year from staging.stg_cbs__gemeenten_per_jaar order by 1"
        ).fetchall()
        rows_after = connection.execute(f"select count(*) from raw.{SOURCE_ID}").fetchone()[0]

    assert [year for (year,) in years] == [int(year) for year in YEARS]
    assert rows_after == year_run["rows_before"]
