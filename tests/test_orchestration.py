"""Jobs, schedules, the landing sensor, the landing-file rule and the freshness checks."""

import csv
import datetime as dt
import json
import shutil
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pytest

from idgb_pipeline import settings
from idgb_pipeline.extract.assets import build_extract_asset
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.extract.landing import files_with_landing_copies, source_for_file_name
from idgb_pipeline.extract.loader import file_sha256
from idgb_pipeline.orchestration.freshness import (
    CYCLES,
    Cycle,
    evaluate_freshness,
    latest_version_loaded_at,
)
from idgb_pipeline.orchestration.jobs import (
    CRON_MODELS_ENV,
    CRON_MONITORING_ENV,
    RETRY_POLICY,
    ScheduleConfigError,
    build_schedules,
    report_failure,
)
from idgb_pipeline.orchestration.landing_sensor import landing_sensor
from idgb_pipeline.resources import WarehouseResource

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CRIME_FILE = "misdrijven_gemeente_2012_2025_long.csv.gz"
POPULATION_FILE = "bevolking_gemeente_2012_2025_long.csv"


@pytest.fixture(scope="module")
def wired_definitions() -> dg.Definitions:
    """The code location as Dagster loads it, with jobs, schedules, sensors and checks."""
    from idgb_pipeline.definitions import defs

    return defs()


def _job_keys(definitions: dg.Definitions, name: str) -> set[str]:
    job = definitions.resolve_job_def(name)
    return {key.to_user_string() for key in job.asset_layer.executable_asset_keys}


def test_wired_definitions_load(wired_definitions):
    dg.Definitions.validate_loadable(wired_definitions)


def test_monitoring_job_selection(wired_definitions):
    keys = _job_keys(wired_definitions, "monitoring_refresh")

    assert "raw/misdrijven_gemeente" in keys
    assert "prep/gemeente_herindeling" in keys
    assert "marts/fct_indicator_value" in keys
    assert "marts/fct_norm_attainment" in keys
    assert "analysis/factorinvloed" not in keys
    # A scheduled refresh must reach the BI copy, not only the warehouse.
    assert "serving/publicatie" in keys


def test_model_job_selection(wired_definitions):
    keys = _job_keys(wired_definitions, "model_refresh")

    assert "analysis/factorinvloed" in keys
    assert "marts/peer_gemeenten" in keys
    assert "analysis/uitschieters" in keys
    assert "marts/fct_norm_prognosis" in keys
    assert "serving/publicatie" in keys
    assert "raw/misdrijven_gemeente" not in keys


def test_publication_follows_marts_and_analysis(wired_definitions):
    graph = wired_definitions.resolve_asset_graph()
    parents = {key.to_user_string() for key in graph.get(dg.AssetKey(["serving", "publicatie"])).parent_keys}

    assert "marts/fct_indicator_value" in parents
    assert "marts/fct_norm_attainment" in parents
    assert "analysis/factorinvloed" in parents
    assert "raw/misdrijven_gemeente" not in parents


def test_full_job_selection(wired_definitions):
    keys = _job_keys(wired_definitions, "volledige_refresh")

    assert "raw/misdrijven_gemeente" in keys
    assert "analysis/regioclusters" in keys
    assert "serving/publicatie" in keys


def test_jobs_run_in_process_with_retries(wired_definitions):
    for name in ("monitoring_refresh", "model_refresh", "volledige_refresh"):
        job = wired_definitions.resolve_job_def(name)

        assert job.executor_def is dg.in_process_executor
        assert job.op_retry_policy == RETRY_POLICY
        assert report_failure in job.hook_defs
    assert RETRY_POLICY.max_retries == 3
    assert RETRY_POLICY.backoff == dg.Backoff.EXPONENTIAL


def test_failure_hook_logs_dutch_message():
    @dg.asset(name="kapot")
    def broken_asset():
        raise dg.Failure(description="bestand onleesbaar", allow_retries=False)

    job = dg.define_asset_job("proef", selection=[broken_asset], hooks={report_failure}, executor_def=dg.in_process_executor)
    definitions = dg.Definitions(assets=[broken_asset], jobs=[job])
    with dg.instance_for_test() as instance:
        result = definitions.resolve_job_def("proef").execute_in_process(instance=instance, raise_on_error=False)
        messages = [entry.user_message for entry in instance.all_logs(result.run_id)]

    assert not result.success
    assert any("Stap 'kapot' is mislukt in job 'proef': bestand onleesbaar" in message for message in messages)


def test_schedules_default_cron(monkeypatch):
    monkeypatch.delenv(CRON_MONITORING_ENV, raising=False)
    monkeypatch.delenv(CRON_MODELS_ENV, raising=False)
    schedules = {schedule.name: schedule for schedule in build_schedules()}

    assert schedules["monitoring_dagelijks"].cron_schedule == "0 6 * * *"
    assert schedules["monitoring_dagelijks"].job_name == "monitoring_refresh"
    assert schedules["modellen_maandelijks"].cron_schedule == "0 7 1 * *"
    assert schedules["modellen_maandelijks"].job_name == "model_refresh"
    assert {schedule.execution_timezone for schedule in schedules.values()} == {"Europe/Amsterdam"}


def test_schedules_read_env_when_built(monkeypatch):
    monkeypatch.setenv(CRON_MONITORING_ENV, "30 5 * * 1-5")
    schedules = {schedule.name: schedule for schedule in build_schedules()}

    assert schedules["monitoring_dagelijks"].cron_schedule == "30 5 * * 1-5"


def test_schedule_rejects_invalid_cron(monkeypatch):
    monkeypatch.setenv(CRON_MODELS_ENV, "elke maand")

    with pytest.raises(ScheduleConfigError, match="IDGB_CRON_MODELS='elke maand' is geen geldige cron-expressie"):
        build_schedules()


def test_schedule_tick_requests_run(monkeypatch):
    monkeypatch.delenv(CRON_MONITORING_ENV, raising=False)
    schedule = {schedule.name: schedule for schedule in build_schedules()}["monitoring_dagelijks"]
    scheduled = dt.datetime(2026, 12, 7, 6, 0, tzinfo=AMSTERDAM)

    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=scheduled)
        data = schedule.evaluate_tick(context)

    assert len(data.run_requests) == 1
    assert context.scheduled_execution_time == scheduled


def test_landing_rule_replaces_same_named_file(tmp_path):
    catalogue = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)
    (tmp_path / CRIME_FILE).write_bytes(b"x")
    (tmp_path / "onbekend.csv").write_text("a\n1\n")

    crime = files_with_landing_copies(catalogue["misdrijven_gemeente"], tmp_path)

    assert [file.path for file in crime] == [(tmp_path / CRIME_FILE).resolve()]
    assert files_with_landing_copies(catalogue["bevolking_gemeente"], tmp_path) is None
    assert source_for_file_name(CRIME_FILE, catalogue).id == "misdrijven_gemeente"
    assert source_for_file_name("onbekend.csv", catalogue) is None


def test_landing_rule_keeps_period(tmp_path):
    catalogue = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)
    (tmp_path / "gemeenten_2018.csv").write_text("x")

    files = files_with_landing_copies(catalogue["gemeenten_per_jaar"], tmp_path)

    assert [file.period for file in files] == [2016, 2017, 2018, 2019, 2020, 2021]
    assert files[2].path == (tmp_path / "gemeenten_2018.csv").resolve()
    assert files[1].path.parent == settings.SEEDS_DIR / "cbs" / "regio"


def test_extract_reads_landing_copy(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    catalogue = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)
    source = catalogue["kwb2022_onderwerpen"]
    with source.files[0].path.open(encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    landing = settings.landing_dir()
    landing.mkdir(parents=True)
    landing_copy = landing / source.files[0].path.name
    with landing_copy.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(records[:-5])
    warehouse = tmp_path / "warehouse.duckdb"

    result = dg.materialize(
        [build_extract_asset(source)], resources={"warehouse": WarehouseResource(path=str(warehouse))}
    )
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows, shas = connection.execute(
            "select count(*), list(distinct _file_sha256) from raw.kwb2022_onderwerpen"
        ).fetchone()

    assert result.success
    assert rows == len(records) - 1 - 5
    assert shas == [file_sha256(landing_copy)]


def _tick(definitions, cursor):
    context = dg.build_sensor_context(cursor=cursor, definitions=definitions)
    return landing_sensor.evaluate_tick(context)


def test_sensor_selects_changed_source(tmp_path, monkeypatch, wired_definitions):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    landing = settings.landing_dir()
    landing.mkdir()
    shutil.copyfile(settings.SEEDS_DIR / "cbs" / "waarden" / POPULATION_FILE, landing / POPULATION_FILE)

    data = _tick(wired_definitions, None)
    keys = {key.to_user_string() for key in data.run_requests[0].asset_selection}

    assert len(data.run_requests) == 1
    assert "raw/bevolking_gemeente" in keys
    assert "marts/fct_indicator_value" in keys
    assert "serving/publicatie" in keys
    assert "raw/misdrijven_gemeente" not in keys
    assert "raw/kwb2022_onderwerpen" not in keys
    assert json.loads(data.cursor) == {POPULATION_FILE: file_sha256(landing / POPULATION_FILE)}


def test_sensor_ignores_unchanged_file(tmp_path, monkeypatch, wired_definitions):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    landing = settings.landing_dir()
    landing.mkdir()
    shutil.copyfile(settings.SEEDS_DIR / "cbs" / "waarden" / POPULATION_FILE, landing / POPULATION_FILE)
    cursor = _tick(wired_definitions, None).cursor

    unchanged = _tick(wired_definitions, cursor)
    with (landing / POPULATION_FILE).open("a", encoding="utf-8") as handle:
        handle.write("GM0363,2026,940000\n")
    changed = _tick(wired_definitions, cursor)

    assert unchanged.run_requests == []
    assert unchanged.skip_message.startswith("Geen nieuwe of gewijzigde bestanden")
    assert len(changed.run_requests) == 1
    assert json.loads(changed.cursor)[POPULATION_FILE] == file_sha256(landing / POPULATION_FILE)


def test_sensor_skips_unknown_file(tmp_path, monkeypatch, wired_definitions):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    landing = settings.landing_dir()
    landing.mkdir()
    (landing / "notities.txt").write_text("geen bron")

    data = _tick(wired_definitions, None)

    assert data.run_requests == []
    assert "notities.txt" in json.loads(data.cursor)


def test_every_source_has_a_cycle():
    catalogue = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)

    assert set(catalogue) == set(CYCLES)


def test_freshness_warns_when_too_old():
    now = dt.datetime(2026, 12, 4, tzinfo=dt.timezone.utc)
    cycle = CYCLES["misdrijven_gemeente"]

    old = evaluate_freshness("misdrijven_gemeente", cycle, now - dt.timedelta(days=500), now)
    recent = evaluate_freshness("misdrijven_gemeente", cycle, now - dt.timedelta(days=10), now)
    never = evaluate_freshness("misdrijven_gemeente", cycle, None, now)
    fixed = evaluate_freshness("kwb2019_leeftijd", Cycle(None, "vast"), now - dt.timedelta(days=5000), now)

    assert not old.passed
    assert old.severity == dg.AssetCheckSeverity.WARN
    assert "500 dagen oud" in old.description
    assert recent.passed
    assert not never.passed
    assert fixed.passed


def test_freshness_reads_load_log(full_run):
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        loaded_at = latest_version_loaded_at(connection, "misdrijven_gemeente")
        missing = latest_version_loaded_at(connection, "bestaat_niet")

    assert dt.datetime.now(dt.timezone.utc) - loaded_at < dt.timedelta(days=1)
    assert missing is None


def test_freshness_checks_in_ui(wired_definitions):
    graph = wired_definitions.resolve_asset_graph()
    check_key = dg.AssetCheckKey(dg.AssetKey(["raw", "misdrijven_gemeente"]), "actualiteit")

    assert check_key in graph.asset_check_keys
    assert "400 dagen" in graph.get_check_spec(check_key).description
