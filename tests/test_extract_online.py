"""Extract assets in online mode: downloaded through the CBS client from a local recording."""

import dataclasses

import dagster as dg
import duckdb
import pytest
from test_cbs_odata import (  # noqa: F401  (pytest fixtures are used by name)
    RecordedCbsServer,
    cbs_server,
    download_server,
    only_loopback_lookups,
)

from idgb_pipeline import settings
from idgb_pipeline.extract.assets import build_extract_asset
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.resources import WarehouseResource
from idgb_pipeline.validate.suites import load_suite

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def online_environment(monkeypatch, tmp_path, download_server: RecordedCbsServer):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(settings.CBS_ONLINE_ENV, "1")
    monkeypatch.setenv(settings.CBS_ODATA_URL_ENV, download_server.base_url)
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    return tmp_path


def recording_suite():
    """The real 85067NED suite without its row count, which 25 recorded rows cannot meet."""
    suite = load_suite("gebieden_in_nederland_2022")
    expectations = [
        expectation
        for expectation in suite.expectations
        if expectation["type"] != "expect_table_row_count_to_be_between"
    ]
    return dataclasses.replace(suite, document={**suite.document, "expectations": expectations})


def materialize_source(source_id: str, warehouse, suite=None, **options) -> dg.ExecuteInProcessResult:
    source = load_catalogue(settings.CATALOGUE_PATH)[source_id]
    return dg.materialize(
        [build_extract_asset(source, suite=suite)],
        resources={"warehouse": WarehouseResource(path=str(warehouse))},
        **options,
    )


def test_online_loads_downloaded_table(online_environment, download_server):
    warehouse = online_environment / "warehouse.duckdb"

    result = materialize_source("gebieden_in_nederland_2022", warehouse, suite=recording_suite())

    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows, file_name = connection.execute(
            "select count(*), min(_file_name) from raw.gebieden_in_nederland_2022"
        ).fetchone()
    assert rows == 25
    assert file_name == "cbs_85067NED_TypedDataSet.csv"
    assert (online_environment / "landing" / "gebieden_in_nederland_2022" / file_name).is_file()
    assert "85067NED/TypedDataSet?$skip=0" in download_server.received_keys()


def test_online_strips_cbs_padding(online_environment):
    warehouse = online_environment / "warehouse.duckdb"

    materialize_source("gebieden_in_nederland_2022", warehouse, suite=recording_suite())

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        code = connection.execute(
            'select "Code_1" from raw.gebieden_in_nederland_2022 order by "ID" limit 1'
        ).fetchone()[0]
    assert code == "GM1680"


def test_offline_makes_no_request(monkeypatch, tmp_path, cbs_server):
    monkeypatch.delenv(settings.CBS_ONLINE_ENV, raising=False)
    monkeypatch.setenv(settings.CBS_ODATA_URL_ENV, cbs_server.base_url)

    result = materialize_source("gebieden_in_nederland_2022", tmp_path / "warehouse.duckdb")

    assert result.success
    assert cbs_server.received_keys() == []


def test_partial_download_is_rejected(online_environment):
    # The recording has 25 of the 345 gemeenten: the real suite's row count rejects it.
    warehouse = online_environment / "warehouse.duckdb"

    result = materialize_source("gebieden_in_nederland_2022", warehouse, raise_on_error=False)

    assert not result.success
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute("select count(*) from raw.gebieden_in_nederland_2022").fetchone()[0]
        reason = connection.execute("select reason from quarantine._rejected_files").fetchone()[0]
    assert rows == 0
    assert "het aantal regels moet tussen 300 en 400 liggen" in reason
    assert "Gevonden: 25" in reason


def test_online_failure_keeps_previous_load(online_environment, download_server):
    warehouse = online_environment / "warehouse.duckdb"
    materialize_source("gebieden_in_nederland_2022", warehouse, suite=recording_suite())
    download_server.aliases["85067NED/TypedDataSet"] = "00000XXX/TypedDataSet"

    result = materialize_source(
        "gebieden_in_nederland_2022", warehouse, suite=recording_suite(), raise_on_error=False
    )

    assert not result.success
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute("select count(*) from raw.gebieden_in_nederland_2022").fetchone()[0]
    assert rows == 25
