"""Tests for skipping files that are unchanged since their validated load.

Each test copies a warehouse that contains the real region sources and the
``bevolking_gemeente`` seed, then extracts again with real GX validation.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from idgb_pipeline import settings
from idgb_pipeline.errors import ExtractError
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.extract.extraction import extract_source
from idgb_pipeline.validate.checks import check_result
from idgb_pipeline.validate.suites import load_suite

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"
LOADED_SOURCES = ("kwb2022_regios", "gemeenten_per_jaar", "gemeentegrenzen", "bevolking_gemeente")
YEAR_FILES = [f"gemeenten_{year}.csv" for year in range(2016, 2022)]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(settings.CATALOGUE_PATH)


@pytest.fixture(scope="module")
def loaded_warehouse(tmp_path_factory, catalogue) -> Path:
    folder = tmp_path_factory.mktemp("loaded")
    warehouse = folder / "warehouse.duckdb"
    for source_id in LOADED_SOURCES:
        extract_source(catalogue[source_id], warehouse, gx_root=folder)
    return warehouse


@pytest.fixture
def warehouse(tmp_path, loaded_warehouse) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(loaded_warehouse, copy)
    return copy


@pytest.fixture
def yearly(catalogue):
    return catalogue["gemeenten_per_jaar"]


def table_state(warehouse: Path, table: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(f"select count(*), sum(hash(t)) from {table} as t").fetchone()


def with_file_copy(source, name: str, folder: Path, edit=None, period=None):
    """Return the source with one file replaced by a copy, optionally edited or with another period."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for source_file in source.files:
        if source_file.path.name == name:
            copy = folder / name
            shutil.copyfile(source_file.path, copy)
            if edit is not None:
                copy.write_bytes(edit(copy.read_bytes()))
            source_file = dataclasses.replace(
                source_file, path=copy, period=source_file.period if period is None else period
            )
        files.append(source_file)
    return dataclasses.replace(source, files=tuple(files))


def test_rerun_skips_every_file(warehouse, yearly, tmp_path):
    before = table_state(warehouse, "raw.gemeenten_per_jaar")

    result = extract_source(yearly, warehouse, gx_root=tmp_path)

    assert sorted(result.unchanged_files) == YEAR_FILES
    assert result.findings == []
    assert table_state(warehouse, "raw.gemeenten_per_jaar") == before


def test_skipped_file_keeps_row_count(warehouse, yearly, tmp_path):
    logged = dict(
        duckdb.connect(str(warehouse), read_only=True)
        .execute("select file_name, row_count from raw._load_log where source_id = 'gemeenten_per_jaar'")
        .fetchall()
    )

    result = extract_source(yearly, warehouse, gx_root=tmp_path)

    assert {load.file_name: load.row_count for load in result.files} == logged
    assert result.read_details["gemeenten_2016.csv"] == {"overgeslagen": "ongewijzigd sinds de vorige validatie"}


def test_changed_file_is_read_alone(warehouse, yearly, tmp_path):
    changed = with_file_copy(
        yearly, "gemeenten_2021.csv", tmp_path / "landing", edit=lambda content: content.replace(b"Zwolle", b"Zwol")
    )

    result = extract_source(changed, warehouse, gx_root=tmp_path)

    assert sorted(result.unchanged_files) == YEAR_FILES[:-1]
    assert result.new_versions == 1
    assert [findings.file_name for findings in result.findings] == ["gemeenten_2021.csv"]


def test_changed_suite_reads_again(warehouse, yearly, tmp_path):
    suite = load_suite(yearly.id)
    edited = dataclasses.replace(
        suite, document={**suite.document, "meta": {**suite.document.get("meta", {}), "herzien": "2026-12-05"}}
    )

    again = extract_source(yearly, warehouse, suite=edited, gx_root=tmp_path)
    third = extract_source(yearly, warehouse, suite=edited, gx_root=tmp_path)

    assert again.unchanged_files == []
    assert again.new_versions == 0
    assert sorted(third.unchanged_files) == YEAR_FILES


def test_described_fields_do_not_read_again(warehouse, yearly, tmp_path):
    relabelled = dataclasses.replace(yearly, periods="2016-2022", title="Gemeenten per jaar", licence="CC0")

    result = extract_source(relabelled, warehouse, gx_root=tmp_path)

    assert sorted(result.unchanged_files) == YEAR_FILES


def test_changed_columns_read_again(warehouse, yearly, tmp_path):
    narrower = dataclasses.replace(yearly, columns=dict(list(yearly.columns.items())[:-1]))

    result = extract_source(narrower, warehouse, gx_root=tmp_path)

    assert result.unchanged_files == []


def test_changed_period_reads_again(warehouse, yearly, tmp_path):
    moved = with_file_copy(yearly, "gemeenten_2016.csv", tmp_path / "landing", period=2015)

    result = extract_source(moved, warehouse, gx_root=tmp_path)

    assert "gemeenten_2016.csv" not in result.unchanged_files
    assert len(result.unchanged_files) == 5


def test_revalidate_setting_reads_again(warehouse, yearly, tmp_path, monkeypatch):
    monkeypatch.setenv("IDGB_REVALIDATE", "1")

    result = extract_source(yearly, warehouse, gx_root=tmp_path)

    assert result.unchanged_files == []
    assert len(result.findings) == 6


def test_changed_reference_reads_again(warehouse, catalogue, tmp_path):
    # bevolking_gemeente checks codes against the region sources, so a new
    # version of one of them changes how its file validates.
    regions = with_file_copy(
        catalogue["gemeenten_per_jaar"],
        "gemeenten_2021.csv",
        tmp_path / "landing",
        edit=lambda content: content.replace(b"Zwolle", b"Zwol"),
    )
    extract_source(regions, warehouse, gx_root=tmp_path)

    result = extract_source(catalogue["bevolking_gemeente"], warehouse, gx_root=tmp_path)

    assert result.unchanged_files == []


def test_unchanged_quarantine_keeps_warning(warehouse, catalogue, tmp_path):
    bevolking = catalogue["bevolking_gemeente"]
    name = bevolking.files[0].path.name
    (tmp_path / "landing").mkdir()
    shutil.copyfile(BAD / "bevolking_onbekende_code.csv", tmp_path / "landing" / name)
    bad = dataclasses.replace(
        bevolking, files=(dataclasses.replace(bevolking.files[0], path=tmp_path / "landing" / name),)
    )
    first = extract_source(bad, warehouse, gx_root=tmp_path)

    again = extract_source(bad, warehouse, gx_root=tmp_path)
    check = check_result(bad.id, again)

    assert first.quarantined_count == 1
    assert again.unchanged_files == [name]
    assert again.quarantined_count == 1
    assert check.passed is False
    assert check.severity == dg.AssetCheckSeverity.WARN
    assert "1 rijen staan in quarantaine" in check.description


def test_unreadable_file_rolls_back_others(warehouse, yearly, tmp_path):
    landing = tmp_path / "landing"
    changed = with_file_copy(
        yearly, "gemeenten_2016.csv", landing, edit=lambda content: content.replace(b"Zwolle", b"Zwol")
    )
    broken = with_file_copy(changed, "gemeenten_2021.csv", landing, edit=lambda content: b"")
    before = table_state(warehouse, "raw.gemeenten_per_jaar")

    with pytest.raises(ExtractError, match="gemeenten_2021.csv is leeg"):
        extract_source(broken, warehouse, gx_root=tmp_path)

    assert table_state(warehouse, "raw.gemeenten_per_jaar") == before
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rejected = connection.execute("select file_name from quarantine._rejected_files").fetchall()
    assert rejected == [("gemeenten_2021.csv",)]


def test_data_docs_page_per_file(yearly, tmp_path):
    result = extract_source(yearly, tmp_path / "warehouse.duckdb", gx_root=tmp_path)

    pages = list((result.data_docs.parent / "validations").rglob("*.html"))

    assert result.data_docs.is_file()
    assert len(pages) == 6
