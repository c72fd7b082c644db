"""Tests for loading sources into ``raw`` in a DuckDB file under ``tmp_path``.

The tests load the real ``bevolking_gemeente`` seed (5210 rows). A changed or
broken version is a copy of that seed under ``tmp_path`` with the same file
name, because the loader tracks versions per source and file name.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from idgb_pipeline.errors import ExtractError, LoadError
from idgb_pipeline.extract.catalogue import Source, SourceFile, load_catalogue
from idgb_pipeline.extract.extraction import extract_source, read_typed_file
from idgb_pipeline.extract.loader import FileBatch, load_source

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
BEVOLKING_FILE = SEEDS / "cbs/waarden/bevolking_gemeente_2012_2025_long.csv"
BEVOLKING_ROWS = 5210

# One line of the seed, and the same line with a changed or an invalid value.
SEED_LINE = "GM0014,2012,194272\n"
CHANGED_LINE = "GM0014,2012,194273\n"
INVALID_LINE = "GM0014,2012,veel\n"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Source]:
    return load_catalogue(SEEDS / "catalogue.yaml")


@pytest.fixture
def bevolking(catalogue) -> Source:
    return catalogue["bevolking_gemeente"]


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return tmp_path / "warehouse.duckdb"


def fetch(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse)) as connection:
        return connection.execute(sql).fetchall()


def snapshot(warehouse: Path) -> dict[str, tuple]:
    """Return row counts and a checksum over every column of the raw table and the load log."""
    return {
        "bevolking": fetch(warehouse, "select count(*), sum(hash(t)) from raw.bevolking_gemeente t")[0],
        "load_log": fetch(warehouse, "select count(*), sum(hash(t)) from raw._load_log t")[0],
    }


def seed_copy(tmp_path: Path, old_line: str, new_line: str) -> Path:
    """Copy the bevolking seed into its own folder, with one line replaced."""
    text = BEVOLKING_FILE.read_text(encoding="utf-8")
    assert text.count(old_line) == 1

    folder = tmp_path / "download"
    folder.mkdir(exist_ok=True)
    path = folder / BEVOLKING_FILE.name
    path.write_text(text.replace(old_line, new_line), encoding="utf-8")
    return path


def with_file(source: Source, path: Path) -> Source:
    return replace(source, files=(SourceFile(path),))


# First load


def test_load_row_count(bevolking, warehouse):
    result = extract_source(bevolking, warehouse)

    assert result.row_count == BEVOLKING_ROWS
    assert result.new_versions == 1
    assert fetch(warehouse, "select count(*) from raw.bevolking_gemeente") == [(BEVOLKING_ROWS,)]


def test_load_lineage_columns_filled(bevolking, warehouse):
    extract_source(bevolking, warehouse)

    lineage = fetch(
        warehouse,
        "select distinct _source_id, _file_name, _loaded_at is not null from raw.bevolking_gemeente",
    )

    assert lineage == [("bevolking_gemeente", BEVOLKING_FILE.name, True)]


def test_load_sha256_matches_file(bevolking, warehouse):
    extract_source(bevolking, warehouse)
    expected = hashlib.sha256(BEVOLKING_FILE.read_bytes()).hexdigest()

    stored = fetch(warehouse, "select distinct _file_sha256 from raw.bevolking_gemeente")

    assert stored == [(expected,)]


def test_load_log_records_file(bevolking, warehouse):
    extract_source(bevolking, warehouse)
    expected_sha256 = hashlib.sha256(BEVOLKING_FILE.read_bytes()).hexdigest()

    log = fetch(warehouse, "select source_id, file_name, file_sha256, row_count from raw._load_log")

    assert log == [("bevolking_gemeente", BEVOLKING_FILE.name, expected_sha256, BEVOLKING_ROWS)]


def test_load_values_typed(bevolking, warehouse):
    extract_source(bevolking, warehouse)

    row = fetch(
        warehouse,
        "select inwoners from raw.bevolking_gemeente where gemeente_code = 'GM0014' and jaar = 2012",
    )

    assert row == [(194272,)]


def test_load_period_column_from_catalogue(catalogue, warehouse):
    extract_source(catalogue["gemeenten_per_jaar"], warehouse)

    counts = fetch(warehouse, "select peiljaar, count(*) from raw.gemeenten_per_jaar group by 1 order by 1")
    name_1900 = fetch(
        warehouse,
        "select Gemeentenaam from raw.gemeenten_per_jaar where peiljaar = 2017 and Gemeentecode = '1900'",
    )

    assert counts == [(2016, 390), (2017, 388), (2018, 380), (2019, 355), (2020, 355), (2021, 352)]
    assert name_1900 == [("Súdwest-Fryslân",)]


# Versions


def test_reload_same_file_adds_nothing(bevolking, warehouse):
    extract_source(bevolking, warehouse)
    before = snapshot(warehouse)

    result = extract_source(bevolking, warehouse)

    assert result.new_versions == 0
    assert snapshot(warehouse) == before


def test_changed_file_adds_version(bevolking, warehouse, tmp_path):
    extract_source(bevolking, warehouse)
    changed = seed_copy(tmp_path, SEED_LINE, CHANGED_LINE)

    result = extract_source(with_file(bevolking, changed), warehouse)
    versions = fetch(
        warehouse,
        "select _file_sha256, count(*) from raw.bevolking_gemeente group by 1 order by 1",
    )

    assert result.new_versions == 1
    assert sorted(versions) == sorted(
        [
            (hashlib.sha256(BEVOLKING_FILE.read_bytes()).hexdigest(), BEVOLKING_ROWS),
            (hashlib.sha256(changed.read_bytes()).hexdigest(), BEVOLKING_ROWS),
        ]
    )
    assert fetch(warehouse, "select count(*) from raw._load_log") == [(2,)]


def test_changed_file_keeps_old_value(bevolking, warehouse, tmp_path):
    extract_source(bevolking, warehouse)
    changed = seed_copy(tmp_path, SEED_LINE, CHANGED_LINE)

    extract_source(with_file(bevolking, changed), warehouse)
    values = fetch(
        warehouse,
        "select inwoners from raw.bevolking_gemeente "
        "where gemeente_code = 'GM0014' and jaar = 2012 order by _loaded_at",
    )

    assert values == [(194272,), (194273,)]


def test_reverted_file_adds_version(bevolking, warehouse, tmp_path):
    changed = seed_copy(tmp_path, SEED_LINE, CHANGED_LINE)
    extract_source(bevolking, warehouse)
    extract_source(with_file(bevolking, changed), warehouse)

    result = extract_source(bevolking, warehouse)

    assert result.new_versions == 1
    assert fetch(warehouse, "select count(*) from raw._load_log") == [(3,)]


def test_new_catalogue_column_widens_table(bevolking, warehouse):
    narrow = replace(bevolking, columns={"gemeente_code": "varchar", "jaar": "integer"})
    extract_source(narrow, warehouse)

    extract_source(bevolking, warehouse)
    columns = fetch(
        warehouse,
        "select column_name from information_schema.columns "
        "where table_schema = 'raw' and table_name = 'bevolking_gemeente' and column_name = 'inwoners'",
    )

    assert columns == [("inwoners",)]


# Failures leave the warehouse unchanged


def test_bad_value_leaves_warehouse_unchanged(bevolking, warehouse, tmp_path):
    extract_source(bevolking, warehouse)
    before = snapshot(warehouse)
    broken = seed_copy(tmp_path, SEED_LINE, INVALID_LINE)

    with pytest.raises(ExtractError) as caught:
        extract_source(with_file(bevolking, broken), warehouse)

    assert "rij 40, kolom 'inwoners': waarde 'veel'" in str(caught.value)
    assert snapshot(warehouse) == before


def test_insert_error_rolls_back(bevolking, warehouse, tmp_path):
    extract_source(bevolking, warehouse)
    before = snapshot(warehouse)
    changed = seed_copy(tmp_path, SEED_LINE, CHANGED_LINE)
    good_frame, _ = read_typed_file(bevolking, changed)
    # A text column cannot be inserted into the integer column 'jaar', so the insert
    # of the second file fails after the first file was already written.
    bad_frame = pd.DataFrame({"gemeente_code": ["GM0014"], "jaar": ["tweeduizend"], "inwoners": [1]})
    bad_path = tmp_path / "tweede_bestand.csv"
    bad_path.write_text("gemeente_code,jaar,inwoners\nGM0014,tweeduizend,1\n", encoding="utf-8")

    with duckdb.connect(str(warehouse)) as connection:
        with pytest.raises(LoadError) as caught:
            load_source(connection, bevolking, [FileBatch(changed, None, good_frame), FileBatch(bad_path, None, bad_frame)])

    assert "De vorige inhoud is bewaard" in str(caught.value)
    assert snapshot(warehouse) == before


def test_failed_first_load_creates_nothing(bevolking, warehouse, tmp_path):
    bad_frame = pd.DataFrame({"gemeente_code": ["GM0014"], "jaar": ["tweeduizend"], "inwoners": [1]})
    bad_path = tmp_path / "eerste_bestand.csv"
    bad_path.write_text("gemeente_code,jaar,inwoners\nGM0014,tweeduizend,1\n", encoding="utf-8")

    with duckdb.connect(str(warehouse)) as connection:
        with pytest.raises(LoadError):
            load_source(connection, bevolking, [FileBatch(bad_path, None, bad_frame)])

    tables = fetch(warehouse, "select table_name from information_schema.tables where table_schema = 'raw'")
    assert tables == []


def test_connection_usable_after_rollback(bevolking, warehouse, tmp_path):
    bad_frame = pd.DataFrame({"gemeente_code": ["GM0014"], "jaar": ["tweeduizend"], "inwoners": [1]})
    bad_path = tmp_path / "eerste_bestand.csv"
    bad_path.write_text("gemeente_code,jaar,inwoners\nGM0014,tweeduizend,1\n", encoding="utf-8")
    good_frame, _ = read_typed_file(bevolking, BEVOLKING_FILE)

    with duckdb.connect(str(warehouse)) as connection:
        with pytest.raises(LoadError):
            load_source(connection, bevolking, [FileBatch(bad_path, None, bad_frame)])
        loads = load_source(connection, bevolking, [FileBatch(BEVOLKING_FILE, None, good_frame)])

    assert loads[0].is_new_version
    assert fetch(warehouse, "select count(*) from raw.bevolking_gemeente") == [(BEVOLKING_ROWS,)]
