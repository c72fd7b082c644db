"""The bad-input corpus: each broken variant of a real file is reported in Dutch and loses nothing.

Every case loads a broken file as a new version of the real file (same file name)
into a copy of a warehouse that already contains the good data, through the real
Dagster extract asset and its Great Expectations check.
"""

import dataclasses
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from idgb_pipeline import settings
from idgb_pipeline.extract.assets import build_extract_asset
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.extract.extraction import extract_source
from idgb_pipeline.resources import WarehouseResource

BAD = Path(__file__).resolve().parent / "fixtures" / "bad"

GOOD_SOURCES = (
    "kwb2022_regios",
    "gemeenten_per_jaar",
    "gemeentegrenzen",
    "gebieden_in_nederland_2022",
    "bevolking_gemeente",
    "misdrijven_gemeente",
    "kwb2019_leeftijd",
)

# How a broken file must end: read with a note ("geladen"), its failing rows held back
# ("quarantaine"), its version rejected by a critical expectation ("afgewezen"), or not
# readable at all ("onleesbaar").
CASES = [
    ("gemeenten_2018_latin1.csv", "gemeenten_per_jaar", "gemeenten_2018.csv", "geladen", 0,
     ["is geen UTF-8", "gelezen als cp1252", "Herstel: sla het bestand op als UTF-8", "rij "]),
    ("bevolking_puntkomma.csv", "bevolking_gemeente", None, "geladen", 0,
     ["scheidingsteken ';'", "rij 1"]),
    ("gebieden_decimale_komma.csv", "gebieden_in_nederland_2022", None, "geladen", 0,
     ["rij 2, kolom 'Omgevingsadressendichtheid_55': waarde '283,5' met decimale komma"]),
    ("misdrijven_punt_ontbreekt.csv.gz", "misdrijven_gemeente", None, "quarantaine", 3,
     ["waarde '.' gelezen als ontbrekend", "kolom 'geregistreerde_misdrijven'", "moet ingevuld zijn", "Herstel:"]),
    ("misdrijven_streepje_ontbreekt.csv.gz", "misdrijven_gemeente", None, "quarantaine", 1,
     ["waarde '-' gelezen als ontbrekend", "moet ingevuld zijn"]),
    ("bevolking_dubbele_rijen.csv", "bevolking_gemeente", None, "quarantaine", 6,
     ["rij 102: exacte kopie van rij 96", "Herstel: verwijder de dubbele regel"]),
    ("bevolking_tegenstrijdig.csv", "bevolking_gemeente", None, "afgewezen", 2,
     ["rij 12, kolom 'gemeente_code+jaar'", "de combinatie gemeente_code, jaar moet uniek zijn",
      "Herstel: Verwijder de tegenstrijdige regel."]),
    ("bevolking_onbekende_code.csv", "bevolking_gemeente", None, "quarantaine", 1,
     ["rij 8, kolom 'gemeente_code': waarde 'GM9999'", "bekende regiocode voor dat jaar",
      "Herstel: Gebruik de gemeentecode die op 1 januari van dat jaar gold."]),
    ("misdrijven_oude_code.csv.gz", "misdrijven_gemeente", None, "quarantaine", 1,
     ["kolom 'gemeente_code': waarde 'GM0003'", "bekende regiocode voor dat jaar"]),
    ("bevolking_afgekapt.csv", "bevolking_gemeente", None, "afgewezen", 1,
     ["het aantal regels moet tussen 5000 en 5500 liggen", "Gevonden: 2771", "kolom 'gemeente_code': waarde 'GM'"]),
    ("kwb2019_kop_hernoemd.csv", "kwb2019_leeftijd", "kwb2019_gemeente_leeftijd.csv", "onleesbaar", 0,
     ["de kopregel (rij 1) mist kolom(men) population", "Herstel"]),
    ("misdrijven_negatief.csv.gz", "misdrijven_gemeente", None, "quarantaine", 1,
     ["kolom 'geregistreerde_misdrijven': waarde '-", "moet minstens 0 zijn", "Herstel: Controleer het teken"]),
    ("bevolking_tekst_in_getal.csv", "bevolking_gemeente", None, "onleesbaar", 0,
     ["rij 20, kolom 'inwoners': waarde 'onbekend' is geen geheel getal", "Herstel"]),
    ("bevolking_leeg.csv", "bevolking_gemeente", None, "onleesbaar", 0,
     ["is leeg", "Lever het volledige bestand aan"]),
    ("bevolking_jaar_ontbreekt.csv", "bevolking_gemeente", None, "afgewezen", 0,
     ["kolom 'jaar' moet alle waarden", "Ontbrekend: 2019", "Herstel: Lever alle jaren 2012–2025 aan."]),
    ("misdrijven_per_1000.csv.gz", "misdrijven_gemeente", None, "afgewezen", 0,
     ["de mediaan van 'geregistreerde_misdrijven' moet tussen 10 en 100 liggen", "Gevonden: 1",
      "Herstel: Lever absolute aantallen"]),
    ("misdrijven_voorlopig_fout.csv.gz", "misdrijven_gemeente", None, "afgewezen", 4116,
     ["kolom 'jaar+voorlopig': waarde '2025 / False'", "Herstel: Zet voorlopig op True"]),
    ("kwb2019_som_klopt_niet.csv", "kwb2019_leeftijd", "kwb2019_gemeente_leeftijd.csv", "quarantaine", 1,
     ["rij 3, kolom 'men + women - population': waarde 'verschil 1000'", "Herstel: Controleer de aantallen mannen"]),
    ("bevolking_duizendtallen.csv", "bevolking_gemeente", None, "onleesbaar", 0,
     ["rij 2, kolom 'inwoners': waarde '12.053' is geen geheel getal", "zonder punten"]),
]


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(settings.CATALOGUE_PATH)


@pytest.fixture(scope="session")
def good_warehouse(tmp_path_factory, catalogue) -> Path:
    """A warehouse holding the real region and value sources, loaded once."""
    folder = tmp_path_factory.mktemp("good")
    warehouse = folder / "warehouse.duckdb"
    for source_id in GOOD_SOURCES:
        extract_source(catalogue[source_id], warehouse, gx_root=folder)
    return warehouse


def table_state(warehouse: Path, table: str) -> tuple:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(f"select count(*), sum(hash(t)) from {table} as t").fetchone()


def scalar(warehouse: Path, sql: str, parameters=None):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchone()[0]


def with_bad_file(source, bad_name: str, target_name: str | None, folder: Path):
    """Return the source with one file replaced by the bad file under the real file name."""
    originals = {source_file.path.name: source_file for source_file in source.files}
    target_name = target_name or next(iter(originals))
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(BAD / bad_name, folder / target_name)
    files = tuple(
        dataclasses.replace(source_file, path=folder / target_name) if name == target_name else source_file
        for name, source_file in originals.items()
    )
    return dataclasses.replace(source, files=files), target_name


def reported_text(result: dg.ExecuteInProcessResult) -> str:
    """Collect what the pipeline reported: step failures and check metadata."""
    parts = [
        event.step_failure_data.error.message
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data.error
    ]
    for evaluation in result.get_asset_check_evaluations():
        parts.extend(str(value.value) for value in evaluation.metadata.values())
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("bad_name", "source_id", "target_name", "outcome", "quarantined", "fragments"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_bad_file_is_reported_and_nothing_lost(
    tmp_path, good_warehouse, catalogue, bad_name, source_id, target_name, outcome, quarantined, fragments
):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good_warehouse, warehouse)
    before = table_state(warehouse, f"raw.{source_id}")
    source, file_name = with_bad_file(catalogue[source_id], bad_name, target_name, tmp_path / "files")

    result = dg.materialize(
        [build_extract_asset(source)],
        resources={"warehouse": WarehouseResource(path=str(warehouse))},
        raise_on_error=False,
    )
    text = reported_text(result)

    for fragment in fragments:
        assert fragment in text
    if outcome != "onleesbaar":
        assert file_name in text

    old_rows_kept = scalar(
        warehouse,
        f"select count(*) from raw.{source_id} where _file_sha256 in "
        f"(select file_sha256 from raw._load_log where source_id = ? and status = 'geladen' "
        f"order by loaded_at limit {len(source.files)})",
        [source_id],
    )
    assert old_rows_kept == before[0]

    if outcome in {"onleesbaar", "afgewezen"}:
        assert not result.success
        assert table_state(warehouse, f"raw.{source_id}") == before
        rejected = scalar(
            warehouse,
            "select count(*) from quarantine._rejected_files where source_id = ? and file_name = ?",
            [source_id, file_name],
        )
        assert rejected == 1
    else:
        assert result.success

    if outcome in {"quarantaine", "afgewezen"} and quarantined:
        held_back = scalar(
            warehouse,
            f"select count(*) from quarantine.{source_id} where _file_name = ? and _reason is not null",
            [file_name],
        )
        assert held_back == quarantined

    if outcome in {"geladen", "quarantaine"}:
        new_rows = scalar(
            warehouse,
            f"select count(*) from raw.{source_id} where _file_name = ? and _loaded_at = "
            f"(select max(_loaded_at) from raw.{source_id} where _file_name = ?)",
            [file_name, file_name],
        )
        file_rows = new_rows + quarantined
        read_rows = result.asset_materializations_for_node(f"raw__{source_id}")[0].metadata[
            "bestanden"
        ].value[file_name]["gelezen_rijen"]
        assert file_rows == read_rows


def test_latin1_names_are_decoded(tmp_path, good_warehouse, catalogue):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good_warehouse, warehouse)
    source, _ = with_bad_file(
        catalogue["gemeenten_per_jaar"], "gemeenten_2018_latin1.csv", "gemeenten_2018.csv", tmp_path / "files"
    )

    extract_source(source, warehouse, gx_root=tmp_path)

    name = scalar(
        warehouse,
        "select \"Gemeentenaam\" from raw.gemeenten_per_jaar where \"Gemeentecode\" = '1900' "
        "and peiljaar = 2018 order by _loaded_at desc limit 1",
    )
    assert name == "Súdwest-Fryslân"


def test_decimal_comma_value(tmp_path, good_warehouse, catalogue):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good_warehouse, warehouse)
    source, _ = with_bad_file(
        catalogue["gebieden_in_nederland_2022"], "gebieden_decimale_komma.csv", None, tmp_path / "files"
    )

    extract_source(source, warehouse, gx_root=tmp_path)

    density = scalar(
        warehouse,
        "select \"Omgevingsadressendichtheid_55\" from raw.gebieden_in_nederland_2022 "
        "where \"Code_1\" = 'GM1680' order by _loaded_at desc limit 1",
    )
    assert density == 283.5


def test_rejected_rerun_adds_nothing(tmp_path, good_warehouse, catalogue):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good_warehouse, warehouse)
    source, _ = with_bad_file(
        catalogue["bevolking_gemeente"], "bevolking_tegenstrijdig.csv", None, tmp_path / "files"
    )

    extract_source(source, warehouse, gx_root=tmp_path)
    first = table_state(warehouse, "quarantine.bevolking_gemeente")
    extract_source(source, warehouse, gx_root=tmp_path)

    assert table_state(warehouse, "quarantine.bevolking_gemeente") == first
