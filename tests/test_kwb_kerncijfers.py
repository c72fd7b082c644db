"""Kerncijfers wijken en buurten in the wide CBS layout, through extract, GX and dbt.

The files contain three real gemeenten of the KWB 2022 list with all their wijken and
buurten, for two years. They use the layout of 85318NED: one row per region and one
column per topic key, with '.' and 'x' for missing and secret cells.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
import yaml

from idgb_pipeline import settings
from idgb_pipeline.errors import CatalogueError, ExtractError
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.extract.extraction import extract_source
from idgb_pipeline.warehouse.executable import dbt_executable

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
REGIONS_FILE = SEEDS / "cbs" / "regio" / "cbs_85318NED_kwb2022_WijkenEnBuurten_codes.csv"
GEMEENTEN = ("GM1680", "GM0358", "GM0197")
YEARS = (2020, 2021)
UNKNOWN_BUURT = "BU99999999"
TOPIC_COLUMNS = {
    "AantalInwoners_5": "bigint",
    "Mannen_6": "bigint",
    "PercentageBewoond_38": "bigint",
    "GemiddeldeHuishoudensgrootte_32": "double",
}

KWB_ENTRY = {
    "id": "kwb_kerncijfers",
    "title": "Kerncijfers wijken en buurten (test)",
    "description": "Drie gemeenten met hun wijken en buurten, twee jaren.",
    "cbs_table_id": "85318NED",
    "licence": "CC-BY 4.0",
    "attribution": "Bron: CBS (waarden aangepast voor de test)",
    "region_level": ["gemeente", "wijk", "buurt"],
    "periods": "2020-2021",
    "format": "csv",
    "period_column": "jaar",
    "columns": {
        "ID": "integer",
        "WijkenEnBuurten": "varchar",
        "SoortRegio_2": "varchar",
        **TOPIC_COLUMNS,
    },
}


def real_regions() -> pd.DataFrame:
    """Return the KWB 2022 regions of the three test gemeenten, in list order."""
    regions = pd.read_csv(REGIONS_FILE, dtype=str, keep_default_na=False)
    regions["code"] = regions["Key"].str.strip()
    return regions[regions["Municipality"].str.strip().isin(GEMEENTEN)].reset_index(drop=True)


def wide_rows(year: int) -> list[dict]:
    """Build one row per region with values that depend on the row and the year."""
    rows = []
    for index, code in enumerate(real_regions()["code"]):
        level = {"GM": "Gemeente", "WK": "Wijk", "BU": "Buurt"}[code[:2]]
        inhabitants = 1000 + 10 * index + (year - 2020)
        # Every fifth percentage is unknown ('.'), and every seventh of the rest secret ('x').
        occupied = str(90 + index % 10)
        if index % 5 == 0:
            occupied = "."
        elif index % 7 == 0:
            occupied = "x"
        rows.append(
            {
                # CBS right-pads codes with spaces; the reader strips them.
                "ID": str(index),
                "WijkenEnBuurten": f"{code:<10}",
                "SoortRegio_2": level,
                "AantalInwoners_5": str(inhabitants),
                "Mannen_6": str(inhabitants // 2),
                "PercentageBewoond_38": occupied,
                "GemiddeldeHuishoudensgrootte_32": f"{2 + (index % 9) / 10:.1f}".replace(".", ","),
            }
        )
    return rows


def write_wide_file(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False, sep=";")
    return path


def kwb_entry(files: list[tuple[Path, int]]) -> dict:
    entry = copy.deepcopy(KWB_ENTRY)
    entry["files"] = [{"path": str(path), "period": year} for path, year in files]
    return entry


@pytest.fixture(scope="module")
def kwb_files(tmp_path_factory) -> list[tuple[Path, int]]:
    folder = tmp_path_factory.mktemp("kwb")
    files = []
    for year in YEARS:
        rows = wide_rows(year)
        if year == YEARS[-1]:
            rows.append({**rows[-1], "ID": str(len(rows)), "WijkenEnBuurten": UNKNOWN_BUURT})
        files.append((write_wide_file(folder / f"kwb_{year}.csv", rows), year))
    return files


@pytest.fixture(scope="module")
def kwb_run(tmp_path_factory, dbt_manifest, kwb_files):
    """Materialise the whole graph with the bundled catalogue plus the KWB source."""
    from idgb_pipeline.definitions import defs
    from idgb_pipeline.runner import run_all

    folder = tmp_path_factory.mktemp("kwb_run")
    document = yaml.safe_load((SEEDS / "catalogue.yaml").read_text(encoding="utf-8"))
    document["sources"].append(kwb_entry(kwb_files))
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")

    names = (settings.DATA_DIR_ENV, settings.WAREHOUSE_ENV, settings.CATALOGUE_ENV)
    previous = {name: os.environ.get(name) for name in names}
    os.environ[settings.DATA_DIR_ENV] = str(folder / "data")
    os.environ[settings.CATALOGUE_ENV] = str(catalogue)
    os.environ.pop(settings.WAREHOUSE_ENV, None)
    try:
        lines: list[str] = []
        with dg.instance_for_test() as instance:
            success, report, _ = run_all(defs(), echo=lines.append, instance=instance)
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    assert success, "\n".join(lines)
    with duckdb.connect(str(folder / "data" / "warehouse.duckdb"), read_only=True) as connection:
        yield {"connection": connection, "report": report, "warehouse": folder / "data" / "warehouse.duckdb"}


def expected_facts() -> pd.DataFrame:
    """Return the long values the files promise for known regions, missing cells left out."""
    frames = []
    for year in YEARS:
        wide = pd.DataFrame(wide_rows(year))
        wide["WijkenEnBuurten"] = wide["WijkenEnBuurten"].str.strip()
        long = wide.melt(id_vars=["WijkenEnBuurten"], value_vars=list(TOPIC_COLUMNS), var_name="topic_key")
        long = long[~long["value"].isin([".", "x"])]
        long["value"] = long["value"].str.replace(",", ".").astype(float)
        long["period_year"] = year
        frames.append(long)
    return pd.concat(frames, ignore_index=True)


def test_facts_match_wide_files(kwb_run):
    facts = kwb_run["connection"].execute(
        """
        select region_code as "WijkenEnBuurten", period_year, indicator_code, value
        from marts.fct_indicator_value
        where source_id = 'kwb_kerncijfers'
        order by all
        """
    ).df()
    expected = expected_facts()
    expected["indicator_code"] = "kwb2022_" + expected["topic_key"].str.lower()
    expected = expected[["WijkenEnBuurten", "period_year", "indicator_code", "value"]]
    expected = expected.sort_values(list(expected.columns)).reset_index(drop=True)

    assert len(facts) == len(expected)
    pd.testing.assert_frame_equal(facts, expected, check_dtype=False)


def test_missing_markers_become_no_fact(kwb_run):
    regions = real_regions()
    unknown_code = regions.loc[0, "code"]
    secret_code = regions.loc[7, "code"]
    codes = kwb_run["connection"].execute(
        """
        select region_code from marts.fct_indicator_value
        where indicator_code = 'kwb2022_percentagebewoond_38' and region_code in (?, ?)
        """,
        [unknown_code, secret_code],
    ).fetchall()

    assert codes == []


def test_unknown_region_goes_to_quarantine(kwb_run):
    rows = kwb_run["connection"].execute(
        'select "WijkenEnBuurten", jaar, _reason from quarantine.kwb_kerncijfers'
    ).fetchall()
    in_facts = kwb_run["connection"].execute(
        "select count(*) from marts.fct_indicator_value where region_code = ?", [UNKNOWN_BUURT]
    ).fetchone()[0]

    assert [(code, year) for code, year, _ in rows] == [(UNKNOWN_BUURT, 2021)]
    assert "bekende regiocode" in rows[0][2]
    assert in_facts == 0


def test_indicators_with_values_are_flagged(kwb_run):
    flags = dict(
        kwb_run["connection"].execute(
            """
            select indicator_code, has_bundled_values from marts.dim_indicator
            where indicator_code in ('kwb2022_aantalinwoners_5', 'kwb2022_woningvoorraad_34')
            """
        ).fetchall()
    )

    assert flags == {"kwb2022_aantalinwoners_5": True, "kwb2022_woningvoorraad_34": False}


def test_every_region_level_reaches_facts(kwb_run):
    levels = dict(
        kwb_run["connection"].execute(
            """
            select region.region_level, count(distinct fact.region_code)
            from marts.fct_indicator_value as fact
            inner join marts.dim_region as region on region.region_code = fact.region_code
            where fact.source_id = 'kwb_kerncijfers'
            group by 1
            """
        ).fetchall()
    )
    expected = real_regions()["code"].str[:2].value_counts()

    assert levels == {"gemeente": expected["GM"], "wijk": expected["WK"], "buurt": expected["BU"]}


def test_only_the_warning_check_fails(kwb_run):
    # The quarantined row makes the GX check fail with severity WARN; every dbt test passes.
    assert kwb_run["report"].checks_failed == ["raw/kwb_kerncijfers:gx_validatie"]


def test_staging_is_empty_without_source(full_run):
    assert full_run["success"], "\n".join(full_run["progress"])
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        count = connection.execute("select count(*) from staging.stg_cbs__kwb_kerncijfers").fetchone()[0]
        sources = connection.execute(
            "select count(*) from marts.fct_indicator_value where source_id = 'kwb_kerncijfers'"
        ).fetchone()[0]

    assert count == 0
    assert sources == 0


# Bad input, read and loaded without the rest of the graph.


@pytest.fixture
def loaded_warehouse(tmp_path, kwb_files):
    """A warehouse with the first year loaded, and the source pointing at a copy of it."""
    good = write_wide_file(tmp_path / "in" / "kwb_2020.csv", wide_rows(2020))
    source = next(iter(load_catalogue(write_single_entry(tmp_path, [(good, 2020)])).values()))
    warehouse = tmp_path / "warehouse.duckdb"
    extract_source(source, warehouse, gx_root=tmp_path)
    return source, warehouse, good


def write_single_entry(tmp_path: Path, files: list[tuple[Path, int]]) -> Path:
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"sources": [kwb_entry(files)]}, allow_unicode=True), encoding="utf-8")
    return path


def raw_rows(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(
            'select "WijkenEnBuurten", "AantalInwoners_5" from raw.kwb_kerncijfers order by 1'
        ).fetchall()


def test_text_in_numeric_column_is_reported(loaded_warehouse, tmp_path):
    source, warehouse, good = loaded_warehouse
    before = raw_rows(warehouse)
    rows = wide_rows(2020)
    rows[2]["AantalInwoners_5"] = "ongeveer 900"
    write_wide_file(good, rows)

    with pytest.raises(ExtractError) as caught:
        extract_source(source, warehouse, gx_root=tmp_path)
    message = str(caught.value)

    assert "kwb_2020.csv" in message
    assert "rij 4" in message
    assert "kolom 'AantalInwoners_5'" in message
    assert "waarde 'ongeveer 900'" in message
    assert "Herstel:" in message
    assert raw_rows(warehouse) == before


def test_duplicate_region_rejects_version(loaded_warehouse, tmp_path):
    source, warehouse, good = loaded_warehouse
    before = raw_rows(warehouse)
    rows = wide_rows(2020)
    rows.append({**rows[3], "ID": str(len(rows)), "AantalInwoners_5": "5"})
    write_wide_file(good, rows)

    result = extract_source(source, warehouse, gx_root=tmp_path)

    assert result.rejected_files == ["kwb_2020.csv"]
    assert any("WijkenEnBuurten" in message and "Herstel" in message for message in result.messages)
    assert raw_rows(warehouse) == before


# Columns taken from the CBS data dictionary instead of being listed by hand.


def test_columns_from_dictionary(tmp_path):
    entry = kwb_entry([(tmp_path / "kwb_2020.csv", 2020)])
    entry["columns"] = {"ID": "integer", "Mannen_6": "double"}
    entry["columns_from_dictionary"] = "cbs/definities/cbs_85318NED_kwb2022_DataProperties.csv"
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True), encoding="utf-8")

    columns = load_catalogue(path, SEEDS)["kwb_kerncijfers"].columns

    assert len(columns) == 1 + 1 + 117
    assert columns["WijkenEnBuurten"] == "varchar"
    assert columns["AantalInwoners_5"] == "bigint"
    assert columns["GemiddeldeHuishoudensgrootte_32"] == "double"
    assert columns["Gemeentenaam_1"] == "varchar"
    assert columns["Mannen_6"] == "double"


def test_missing_dictionary_is_reported(tmp_path):
    entry = kwb_entry([(tmp_path / "kwb_2020.csv", 2020)])
    entry["columns_from_dictionary"] = "cbs/definities/ontbreekt.csv"
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}, allow_unicode=True), encoding="utf-8")

    with pytest.raises(CatalogueError) as caught:
        load_catalogue(path, SEEDS)

    assert "ontbreekt.csv" in str(caught.value)
    assert "columns_from_dictionary" in str(caught.value)


# The staging model is incremental: a dbt run unpivots only new or changed yearly files.


def build_staging(warehouse: Path, tmp_path: Path, select: str = "stg_cbs__kwb_kerncijfers") -> None:
    """Run `dbt build` of ``select`` alone on ``warehouse``, as the Dagster asset does."""
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--quiet",
            "--select",
            *select.split(),
            "--profiles-dir",
            ".",
            "--target-path",
            str(tmp_path / "dbt_target"),
        ],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "IDGB_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"


def staged_value(warehouse: Path, year: int, region: str, topic: str):
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select value from staging.stg_cbs__kwb_kerncijfers "
            "where period_year = ? and region_code = ? and topic_key = ?",
            [year, region, topic],
        ).fetchall()
    return [row[0] for row in rows]


def build_staging_with_marker(warehouse: Path, tmp_path: Path, gemeente: str) -> None:
    """Build the staging model, then set a marker value that only a new unpivot of kwb_2020.csv overwrites."""
    build_staging(warehouse, tmp_path)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            "update staging.stg_cbs__kwb_kerncijfers set value = -1 "
            "where period_year = 2020 and region_code = ? and topic_key = 'Mannen_6'",
            [gemeente],
        )


def test_staging_unpivots_only_new_files(loaded_warehouse, tmp_path):
    source, warehouse, good = loaded_warehouse
    gemeente = GEMEENTEN[0]
    build_staging_with_marker(warehouse, tmp_path, gemeente)
    added = write_wide_file(good.parent / "kwb_2021.csv", wide_rows(2021))
    both = next(iter(load_catalogue(write_single_entry(tmp_path, [(good, 2020), (added, 2021)])).values()))
    extract_source(both, warehouse, gx_root=tmp_path)

    build_staging(warehouse, tmp_path)

    assert staged_value(warehouse, 2020, gemeente, "Mannen_6") == [-1]
    assert staged_value(warehouse, 2021, gemeente, "AantalInwoners_5") == [1001]


def test_staging_replaces_changed_file(loaded_warehouse, tmp_path):
    source, warehouse, good = loaded_warehouse
    gemeente = GEMEENTEN[0]
    build_staging_with_marker(warehouse, tmp_path, gemeente)
    rows = wide_rows(2020)
    rows[0]["AantalInwoners_5"] = "1234"
    write_wide_file(good, rows)
    extract_source(source, warehouse, gx_root=tmp_path)

    build_staging(warehouse, tmp_path)

    assert staged_value(warehouse, 2020, gemeente, "AantalInwoners_5") == [1234]
    assert staged_value(warehouse, 2020, gemeente, "Mannen_6") == [500]


def test_facts_add_only_new_files(kwb_run, kwb_files, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(kwb_run["warehouse"], warehouse)
    gemeente = GEMEENTEN[0]
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute(
            # A plausible count, so that the unit test on the values still passes.
            "update marts.fct_indicator_value set value = 777 "
            "where indicator_code = 'kwb2022_mannen_6' and region_code = ? and period_year = 2020",
            [gemeente],
        )
        bundled_before = connection.execute(
            "select count(*) from marts.fct_indicator_value where load_unit = 'overige_bronnen'"
        ).fetchone()[0]
    added = write_wide_file(tmp_path / "in" / "kwb_2022.csv", wide_rows(2022))
    files = [*kwb_files, (added, 2022)]
    source = next(iter(load_catalogue(write_single_entry(tmp_path, files)).values()))
    extract_source(source, warehouse, gx_root=tmp_path)

    build_staging(warehouse, tmp_path, "stg_cbs__kwb_kerncijfers fct_indicator_value")

    with duckdb.connect(str(warehouse), read_only=True) as connection:
        marker = connection.execute(
            "select value from marts.fct_indicator_value "
            "where indicator_code = 'kwb2022_mannen_6' and region_code = ? and period_year = 2020",
            [gemeente],
        ).fetchall()
        added_value = connection.execute(
            "select value, load_unit from marts.fct_indicator_value "
            "where indicator_code = 'kwb2022_aantalinwoners_5' and region_code = ? and period_year = 2022",
            [gemeente],
        ).fetchall()
        bundled_after = connection.execute(
            "select count(*) from marts.fct_indicator_value where load_unit = 'overige_bronnen'"
        ).fetchone()[0]
    assert marker == [(777,)]
    assert added_value == [(1002, "kwb_kerncijfers/kwb_2022.csv")]
    assert bundled_after == bundled_before


def test_drifted_fact_table_found(kwb_run, tmp_path):
    from idgb_pipeline.warehouse.project import dbt_project
    from idgb_pipeline.warehouse.schema_drift import drifted_models

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(kwb_run["warehouse"], warehouse)
    fact_key = dg.AssetKey(["marts", "fct_indicator_value"])
    manifest = json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))

    assert drifted_models(manifest, warehouse, {fact_key}) == []
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("alter table marts.fct_indicator_value drop column load_unit")
    assert drifted_models(manifest, warehouse, {fact_key}) == ["marts.fct_indicator_value"]
    assert drifted_models(manifest, warehouse, {dg.AssetKey(["marts", "dim_region"])}) == []
