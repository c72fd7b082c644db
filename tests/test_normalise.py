"""Tests for the extract readers and the casting to catalogue types.

Each test writes its own small file under ``tmp_path``. The bundled seeds are
only read, where they are the case under test: the Windows-1252
``gemeenten_2017.csv``, the space-padded codes of CBS table 85067NED, the
xlsx and GeoJSON sources and the Iv3 taakvelden tree.
"""

from __future__ import annotations

import datetime
import gzip
import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from idgb_pipeline.errors import ExtractError
from idgb_pipeline.extract.catalogue import Source, load_catalogue
from idgb_pipeline.extract.extraction import read_typed_file

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Source]:
    return load_catalogue(SEEDS / "catalogue.yaml")


def make_source(columns: dict[str, str], **changes) -> Source:
    """Build a catalogue entry for a file written by the test itself."""
    source = Source(
        id="testbron",
        title="Testbron",
        description="Bron die alleen in tests bestaat.",
        format="csv",
        files=(),
        columns=columns,
        licence="CC-BY 4.0",
        attribution="Bron: test",
        region_level=("gemeente",),
        periods="2024",
    )
    return replace(source, **changes)


def write_file(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def read_typed(path: Path, columns: dict[str, str], **changes) -> pd.DataFrame:
    frame, _ = read_typed_file(make_source(columns, **changes), path)
    return frame


def read_error(path: Path, columns: dict[str, str], **changes) -> str:
    """Return the message of the ExtractError that reading ``path`` raises."""
    with pytest.raises(ExtractError) as caught:
        read_typed_file(make_source(columns, **changes), path)
    return str(caught.value)


# Encoding, separator and padding


def test_csv_bom_removed_from_header(tmp_path):
    path = write_file(tmp_path, "bom.csv", b"\xef\xbb\xbfgemeente_code,jaar\nGM0014,2024\n")

    frame, details = read_typed_file(make_source({"gemeente_code": "varchar", "jaar": "integer"}), path)

    assert list(frame.columns) == ["gemeente_code", "jaar"]
    assert details["encoding"] == "utf-8-sig"


def test_csv_cp1252_decoded(tmp_path):
    content = "Gemeentecode,Gemeentenaam\n1900,Súdwest-Fryslân\n".encode("cp1252")
    path = write_file(tmp_path, "gemeenten.csv", content)

    frame, details = read_typed_file(
        make_source({"Gemeentecode": "varchar", "Gemeentenaam": "varchar"}), path
    )

    assert details["encoding"] == "cp1252"
    assert frame.loc[0, "Gemeentenaam"] == "Súdwest-Fryslân"


def test_seed_gemeenten_2017_is_cp1252(catalogue):
    source = catalogue["gemeenten_per_jaar"]
    path = SEEDS / "cbs/regio/gemeenten_2017.csv"

    frame, details = read_typed_file(source, path)
    names = frame.set_index("Gemeentecode")["Gemeentenaam"]

    assert details["encoding"] == "cp1252"
    assert names["1900"] == "Súdwest-Fryslân"


def test_csv_semicolon_decimal_comma(tmp_path):
    path = write_file(tmp_path, "aandeel.csv", "gemeente_code;aandeel\nGM0014;12,5\nGM0034;0,25\n")

    frame, details = read_typed_file(
        make_source({"gemeente_code": "varchar", "aandeel": "double"}), path
    )

    assert details["delimiter"] == ";"
    assert frame["aandeel"].tolist() == [12.5, 0.25]


def test_csv_padded_codes_stripped(tmp_path):
    path = write_file(
        tmp_path, "regio.csv", 'RegioS,Naam\n"GM0014    ","Groningen                "\n'
    )

    frame = read_typed(path, {"RegioS": "varchar", "Naam": "varchar"})

    assert frame.loc[0, "RegioS"] == "GM0014"
    assert frame.loc[0, "Naam"] == "Groningen"


def test_seed_85067ned_codes_stripped(catalogue):
    source = catalogue["gebieden_in_nederland_2022"]

    frame, _ = read_typed_file(source, source.files[0].path)

    assert frame.loc[0, "RegioS"] == "GM1680"
    assert frame.loc[0, "Naam_2"] == "Aa en Hunze"


def test_csv_single_column_needs_delimiter(tmp_path):
    path = write_file(tmp_path, "codes.csv", "gemeente_code\nGM0014\n")

    message = read_error(path, {"gemeente_code": "varchar"})

    assert "geen scheidingsteken" in message


def test_csv_delimiter_option_used(tmp_path):
    path = write_file(tmp_path, "codes.csv", "gemeente_code\nGM0014\n")

    frame = read_typed(path, {"gemeente_code": "varchar"}, options={"delimiter": ","})

    assert frame["gemeente_code"].tolist() == ["GM0014"]


# Missing markers and types


@pytest.mark.parametrize("column_type", ["integer", "double"])
@pytest.mark.parametrize("marker", [".", "", "x", "X", "-", "?", "NA", "n.v.t."])
def test_numeric_missing_marker_null(tmp_path, marker, column_type):
    path = write_file(tmp_path, "waarden.csv", f"gemeente_code,waarde\nGM0014,{marker}\n")

    frame = read_typed(path, {"gemeente_code": "varchar", "waarde": column_type})

    assert pd.isna(frame.loc[0, "waarde"])


def test_varchar_empty_becomes_null(tmp_path):
    path = write_file(tmp_path, "namen.csv", "gemeente_code,naam\nGM0014,\nGM0034,.\n")

    frame = read_typed(path, {"gemeente_code": "varchar", "naam": "varchar"})

    assert pd.isna(frame.loc[0, "naam"])
    assert frame.loc[1, "naam"] == "."


def test_integer_values_typed(tmp_path):
    path = write_file(tmp_path, "inwoners.csv", "gemeente_code,inwoners\nGM0014,234649\nGM0034,+7\n")

    frame = read_typed(path, {"gemeente_code": "varchar", "inwoners": "integer"})

    assert str(frame["inwoners"].dtype) == "Int64"
    assert frame["inwoners"].tolist() == [234649, 7]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("True", True), ("False", False), ("ja", True), ("nee", False), ("JA", True), ("1", True), ("0", False)],
)
def test_boolean_values_cast(tmp_path, text, expected):
    path = write_file(tmp_path, "vlag.csv", f"gemeente_code,voorlopig\nGM0014,{text}\n")

    frame = read_typed(path, {"gemeente_code": "varchar", "voorlopig": "boolean"})

    assert frame.loc[0, "voorlopig"] == expected


def test_date_value_cast(tmp_path):
    path = write_file(tmp_path, "datum.csv", "gemeente_code,peildatum\nGM0014,2024-01-31\n")

    frame = read_typed(path, {"gemeente_code": "varchar", "peildatum": "date"})

    assert frame.loc[0, "peildatum"] == datetime.date(2024, 1, 31)


def test_impossible_date_raises(tmp_path):
    path = write_file(tmp_path, "datum.csv", "gemeente_code,peildatum\nGM0014,2024-02-30\n")

    message = read_error(path, {"gemeente_code": "varchar", "peildatum": "date"})

    assert "'2024-02-30' is geen datum" in message


def test_thousands_separator_raises(tmp_path):
    path = write_file(tmp_path, "bedrag.csv", 'gemeente_code,bedrag\nGM0014,"1,234.5"\n')

    message = read_error(path, {"gemeente_code": "varchar", "bedrag": "double"})

    assert "'1,234.5' is geen getal" in message


# Error reports


def test_integer_text_raises_with_location(tmp_path):
    path = write_file(
        tmp_path, "bevolking.csv", "gemeente_code,jaar,inwoners\nGM0014,2024,234649\nGM0034,2024,veel\n"
    )

    message = read_error(path, {"gemeente_code": "varchar", "jaar": "integer", "inwoners": "integer"})

    assert "bevolking.csv" in message
    assert "rij 3" in message
    assert "kolom 'inwoners'" in message
    assert "waarde 'veel'" in message
    assert "Herstel" in message


def test_all_bad_cells_in_one_error(tmp_path):
    path = write_file(
        tmp_path,
        "bevolking.csv",
        "gemeente_code,jaar,inwoners\nGM0014,twintig,234649\nGM0034,2024,veel\nGM0037,2024,1.000\n",
    )

    message = read_error(path, {"gemeente_code": "varchar", "jaar": "integer", "inwoners": "integer"})

    assert "bevat 3 waarde(n)" in message
    assert message.count("  - rij ") == 3
    assert "rij 2, kolom 'jaar'" in message
    assert "rij 4, kolom 'inwoners': waarde '1.000'" in message


def test_error_report_capped_at_twenty(tmp_path):
    rows = "".join(f"GM{number:04d},fout\n" for number in range(25))
    path = write_file(tmp_path, "veel_fouten.csv", "gemeente_code,inwoners\n" + rows)

    message = read_error(path, {"gemeente_code": "varchar", "inwoners": "integer"})

    assert "bevat 25 waarde(n)" in message
    assert message.count("  - rij ") == 20
    assert "… en nog 5 andere." in message


def test_integer_out_of_range_raises(tmp_path):
    path = write_file(tmp_path, "groot.csv", "gemeente_code,inwoners\nGM0014,3000000000\n")

    message = read_error(path, {"gemeente_code": "varchar", "inwoners": "integer"})

    assert "rij 2, kolom 'inwoners': waarde '3000000000'" in message


def test_bigint_accepts_beyond_int32(tmp_path):
    path = write_file(tmp_path, "groot.csv", "gemeente_code,inwoners\nGM0014,3000000000\n")

    frame = read_typed(path, {"gemeente_code": "varchar", "inwoners": "bigint"})

    assert frame.loc[0, "inwoners"] == 3_000_000_000


def test_bigint_overflow_raises(tmp_path):
    path = write_file(tmp_path, "groot.csv", "gemeente_code,inwoners\nGM0014,99999999999999999999\n")

    message = read_error(path, {"gemeente_code": "varchar", "inwoners": "bigint"})

    assert "waarde '99999999999999999999'" in message


def test_missing_column_raises(tmp_path):
    path = write_file(tmp_path, "bevolking.csv", "gemeente_code,jaar\nGM0014,2024\n")

    message = read_error(path, {"gemeente_code": "varchar", "jaar": "integer", "inwoners": "integer"})

    assert "mist kolom(men) inwoners" in message
    assert "bevolking.csv" in message


def test_empty_file_raises(tmp_path):
    path = write_file(tmp_path, "leeg.csv", b"")

    message = read_error(path, {"gemeente_code": "varchar"})

    assert "leeg.csv is leeg" in message


def test_truncated_file_raises(tmp_path):
    path = write_file(tmp_path, "afgebroken.csv", 'gemeente_code,naam\nGM0014,"Groningen\n')

    message = read_error(path, {"gemeente_code": "varchar", "naam": "varchar"})

    assert "kan niet als CSV gelezen worden" in message
    assert "aanhalingstekens gesloten" in message


def test_missing_file_raises(tmp_path):
    message = read_error(tmp_path / "bestaat_niet.csv", {"gemeente_code": "varchar"})

    assert "niet gevonden" in message


# Other formats


def test_gzip_csv_decompressed(tmp_path):
    content = gzip.compress("gemeente_code,inwoners\nGM0014,234649\n".encode("utf-8"))
    path = write_file(tmp_path, "bevolking.csv.gz", content)

    frame = read_typed(path, {"gemeente_code": "varchar", "inwoners": "integer"})

    assert frame.loc[0, "inwoners"] == 234649


def test_corrupt_gzip_raises(tmp_path):
    path = write_file(tmp_path, "kapot.csv.gz", b"gemeente_code,inwoners\n")

    message = read_error(path, {"gemeente_code": "varchar"})

    assert "geen leesbaar gzip-bestand" in message


def test_json_tree_flattens_nested_codes(tmp_path):
    tree = {
        "lijst": {
            "codes": [
                {
                    "code": "A",
                    "omschrijving": "Alfa",
                    "kinderen": [
                        {
                            "code": "A1",
                            "omschrijving": "Alfa een",
                            "kinderen": [{"code": "A1a", "omschrijving": "Alfa een a"}],
                        }
                    ],
                },
                {"code": "B", "omschrijving": "Bravo", "kinderen": []},
            ]
        }
    }
    path = write_file(tmp_path, "boom.json", json.dumps(tree))
    columns = {"code": "varchar", "omschrijving": "varchar", "parent_code": "varchar", "depth": "integer"}

    frame = read_typed(
        path, columns, format="json_tree", options={"tree_path": "lijst.codes", "children_key": "kinderen"}
    )

    assert frame["code"].tolist() == ["A", "A1", "A1a", "B"]
    assert frame["parent_code"].tolist() == [pd.NA, "A", "A1", pd.NA]
    assert frame["depth"].tolist() == [0, 1, 2, 0]


def test_json_tree_bad_path_raises(tmp_path):
    path = write_file(tmp_path, "boom.json", json.dumps({"lijst": {"codes": []}}))

    message = read_error(
        path, {"code": "varchar"}, format="json_tree", options={"tree_path": "lijst.taakvelden"}
    )

    assert "onderdeel 'taakvelden' ontbreekt" in message


def test_seed_iv3_taakveld_1_2(catalogue):
    source = catalogue["iv3_taakvelden"]

    frame, _ = read_typed_file(source, source.files[0].path)
    taakveld = frame.set_index("code").loc["1.2"]

    assert taakveld["omschrijving"] == "Openbare orde en veiligheid"
    assert taakveld["parent_code"] == "1."
    assert taakveld["depth"] == 2


def test_seed_iv3_root_has_no_parent(catalogue):
    source = catalogue["iv3_taakvelden"]

    frame, _ = read_typed_file(source, source.files[0].path)
    root = frame.set_index("code").loc["Tot_TV"]

    assert pd.isna(root["parent_code"])
    assert root["depth"] == 0


def test_seed_xlsx_sheet_read(catalogue):
    source = catalogue["burgerpeiling_indicatoren"]

    frame, details = read_typed_file(source, source.files[0].path)

    assert details["sheet"] == "Indicators"
    assert len(frame) == 523


def test_xlsx_unknown_sheet_raises(catalogue):
    source = replace(catalogue["burgerpeiling_indicatoren"], options={"sheet": "Bestaat niet"})

    with pytest.raises(ExtractError) as caught:
        read_typed_file(source, source.files[0].path)

    assert "werkblad 'Bestaat niet'" in str(caught.value)


def test_seed_geojson_features_read(catalogue):
    source = catalogue["gemeentegrenzen"]

    frame, _ = read_typed_file(source, source.files[0].path)

    assert len(frame) == 342
    assert json.loads(frame.loc[0, "geometry"])["type"] in {"Polygon", "MultiPolygon"}


def test_geojson_without_collection_raises(tmp_path):
    path = write_file(tmp_path, "grens.geojson", json.dumps({"type": "Feature", "properties": {}}))

    message = read_error(path, {"statcode": "varchar"}, format="geojson")

    assert "geen GeoJSON FeatureCollection" in message
