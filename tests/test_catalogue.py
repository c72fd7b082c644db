"""Tests for the source catalogue: the bundled ``seeds/catalogue.yaml`` and malformed copies.

Malformed catalogues are written to ``tmp_path``. Each one starts from a valid
entry and breaks one field, so every test names the single problem it checks.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import duckdb
import pytest
import yaml

from idgb_pipeline.errors import CatalogueError
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.extract.extraction import extract_source
from idgb_pipeline.validate.suites import load_suite

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

EXPECTED_SOURCE_IDS = {
    "kwb2022_regios",
    "gemeenten_per_jaar",
    "gebieden_in_nederland_2022",
    "gemeentegrenzen",
    "misdrijven_gemeente",
    "bevolking_gemeente",
    "kwb2019_leeftijd",
    "kwb2022_onderwerpen",
    "burgerpeiling_indicatoren",
    "iv3_taakvelden",
    "gemeente_omzetmatrices",
    "gemeente_herindelingen_2013_2016",
}

VALID_ENTRY = {
    "id": "woningvoorraad_gemeente",
    "title": "Woningvoorraad per gemeente",
    "description": "Aantal woningen per gemeente per jaar.",
    "licence": "CC-BY 4.0",
    "attribution": "Bron: test",
    "region_level": ["gemeente"],
    "periods": "2023-2024",
    "format": "csv",
    "files": ["woningen.csv"],
    "columns": {"gemeente_code": "varchar", "jaar": "integer", "woningen": "integer"},
}

REQUIRED_FIELDS = ["id", "title", "description", "format", "files", "licence", "attribution", "periods"]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(SEEDS / "catalogue.yaml")


def write_catalogue(tmp_path: Path, *entries: dict) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"sources": list(entries)}, allow_unicode=True), encoding="utf-8")
    return path


def entry_with(**changes) -> dict:
    entry = copy.deepcopy(VALID_ENTRY)
    entry.update(changes)
    return entry


def catalogue_error(path: Path) -> str:
    """Return the message of the CatalogueError that loading ``path`` raises."""
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path)
    return str(caught.value)


# The bundled catalogue


def test_real_catalogue_source_ids(catalogue):
    assert set(catalogue) == EXPECTED_SOURCE_IDS


def test_real_catalogue_files_exist(catalogue):
    missing = [
        str(source_file.path)
        for source in catalogue.values()
        for source_file in source.files
        if not source_file.path.is_file()
    ]

    assert missing == []


def test_real_catalogue_table_name(catalogue):
    assert catalogue["bevolking_gemeente"].table_name == "raw.bevolking_gemeente"


def test_real_catalogue_file_periods(catalogue):
    source = catalogue["gemeenten_per_jaar"]

    assert [source_file.period for source_file in source.files] == [2016, 2017, 2018, 2019, 2020, 2021]
    assert source.period_column == "peiljaar"


def test_real_catalogue_options_kept(catalogue):
    options = catalogue["iv3_taakvelden"].options

    assert options == {"tree_path": "codelijsten.taakveld.codelijst", "children_key": "subcodes"}


def test_valid_entry_loads(tmp_path):
    sources = load_catalogue(write_catalogue(tmp_path, VALID_ENTRY))

    assert list(sources) == ["woningvoorraad_gemeente"]
    assert sources["woningvoorraad_gemeente"].files[0].path == (tmp_path / "woningen.csv").resolve()


# Malformed catalogues


def test_unknown_format_raises(tmp_path):
    message = catalogue_error(write_catalogue(tmp_path, entry_with(format="parquet")))

    assert "formaat 'parquet' is onbekend" in message


def test_unknown_column_type_raises(tmp_path):
    path = write_catalogue(tmp_path, entry_with(columns={"gemeente_code": "text"}))

    message = catalogue_error(path)

    assert "kolom 'gemeente_code' heeft onbekend type 'text'" in message


@pytest.mark.parametrize(
    "source_id",
    ["Bevolking", "bevolking gemeente", "x; drop table", "bevolking-gemeente", "1bron", "a" * 64],
)
def test_invalid_id_raises(tmp_path, source_id):
    message = catalogue_error(write_catalogue(tmp_path, entry_with(id=source_id)))

    assert f"bron '{source_id}': id is ongeldig" in message


@pytest.mark.parametrize("column_name", ['naam"; drop table raw.x; --', "_intern", ""])
def test_invalid_column_name_raises(tmp_path, column_name):
    path = write_catalogue(tmp_path, entry_with(columns={column_name: "varchar"}))

    message = catalogue_error(path)

    assert f"kolomnaam '{column_name}' is ongeldig" in message


def test_empty_columns_raises(tmp_path):
    message = catalogue_error(write_catalogue(tmp_path, entry_with(columns={})))

    assert "'columns' moet een lijst" in message


def test_duplicate_id_raises(tmp_path):
    message = catalogue_error(write_catalogue(tmp_path, VALID_ENTRY, VALID_ENTRY))

    assert "id 'woningvoorraad_gemeente' komt twee keer voor" in message


@pytest.mark.parametrize("field_name", REQUIRED_FIELDS)
def test_missing_required_field_raises(tmp_path, field_name):
    entry = entry_with()
    del entry[field_name]

    message = catalogue_error(write_catalogue(tmp_path, entry))

    assert f"verplicht veld '{field_name}' ontbreekt" in message


def test_files_as_string_raises(tmp_path):
    message = catalogue_error(write_catalogue(tmp_path, entry_with(files="woningen.csv")))

    assert "'files' moet een lijst zijn" in message


def test_file_without_path_raises(tmp_path):
    message = catalogue_error(write_catalogue(tmp_path, entry_with(files=[{"period": 2024}])))

    assert "verplicht veld 'path' ontbreekt" in message


def test_numeric_file_path_raises(tmp_path):
    message = catalogue_error(write_catalogue(tmp_path, entry_with(files=[2024])))

    assert "bestand '2024' is ongeldig" in message


def test_numeric_id_raises(tmp_path):
    message = catalogue_error(write_catalogue(tmp_path, entry_with(id=2024)))

    assert "bron '2024': id is ongeldig" in message


def test_format_list_raises(tmp_path):
    message = catalogue_error(write_catalogue(tmp_path, entry_with(format=["csv"])))

    assert "formaat '['csv']' is onbekend" in message


def test_source_without_fields_raises(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("sources:\n  - bevolking_gemeente\n", encoding="utf-8")

    message = catalogue_error(path)

    assert "Bron 'bevolking_gemeente' is ongeldig" in message


def test_invalid_yaml_raises(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("sources:\n  - id: bron\n    columns: {jaar: integer\n", encoding="utf-8")

    message = catalogue_error(path)

    assert "is geen geldige YAML" in message


def test_missing_sources_list_raises(tmp_path):
    path = tmp_path / "catalogue.yaml"
    path.write_text("bronnen: []\n", encoding="utf-8")

    message = catalogue_error(path)

    assert "moet een lijst 'sources:' bevatten" in message


def test_missing_catalogue_file_raises(tmp_path):
    message = catalogue_error(tmp_path / "bestaat_niet.yaml")

    assert "Bronnencatalogus niet gevonden" in message


def test_invalid_period_column_raises(tmp_path):
    path = write_catalogue(tmp_path, entry_with(period_column="Peil Jaar"))

    message = catalogue_error(path)

    assert "period_column 'Peil Jaar' is geen geldige kolomnaam" in message


def test_unknown_odata_endpoint_raises(tmp_path):
    path = write_catalogue(tmp_path, entry_with(odata={"table_id": "85318NED", "endpoint": "UntypedDataSet"}))

    message = catalogue_error(path)

    assert "OData-endpoint 'UntypedDataSet' wordt niet ondersteund" in message


# A new source needs only a catalogue entry and an expectation suite, no code


NEW_SOURCE_SUITE = {
    "name": "idgb.woningvoorraad_gemeente",
    "meta": {"bron": "woningvoorraad_gemeente"},
    "expectations": [
        {
            "type": "expect_column_values_to_match_regex",
            "kwargs": {"column": "gemeente_code", "regex": "^GM\\d{4}$"},
            "severity": "critical",
            "meta": {"reden": "Gemeentecodes hebben de vorm GMxxxx.", "herstel": "Gebruik GMxxxx."},
        }
    ],
}


def test_new_csv_source_loads_without_code(tmp_path):
    (tmp_path / "woningen.csv").write_text(
        "gemeente_code;jaar;woningen\nGM0014;2023;118000\nGM0014;2024;.\nGM0034;2024;95000\n",
        encoding="utf-8",
    )
    (tmp_path / "woningvoorraad_gemeente.json").write_text(json.dumps(NEW_SOURCE_SUITE), encoding="utf-8")
    source = load_catalogue(write_catalogue(tmp_path, VALID_ENTRY))["woningvoorraad_gemeente"]
    suite = load_suite("woningvoorraad_gemeente", folder=tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"

    result = extract_source(source, warehouse, suite=suite, gx_root=tmp_path)
    with duckdb.connect(str(warehouse)) as connection:
        rows = connection.execute(
            "select gemeente_code, jaar, woningen, _source_id from raw.woningvoorraad_gemeente "
            "order by gemeente_code, jaar"
        ).fetchall()

    assert result.row_count == 3
    assert rows == [
        ("GM0014", 2023, 118000, "woningvoorraad_gemeente"),
        ("GM0014", 2024, None, "woningvoorraad_gemeente"),
        ("GM0034", 2024, 95000, "woningvoorraad_gemeente"),
    ]
