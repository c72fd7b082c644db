"""The KRB in the materialised warehouse: tables, star schema, norm attainment, and safe reloads."""

from __future__ import annotations

import os
import shutil
import subprocess

import dagster as dg
import duckdb
import pytest

from idgb_pipeline import settings
from idgb_pipeline.krb.assets import krb_registration
from idgb_pipeline.krb.attainment import attainment_status, path_value
from idgb_pipeline.krb.tables import KRB_TABLES
from idgb_pipeline.krb.writer import write_registration
from idgb_pipeline.resources import WarehouseResource
from idgb_pipeline.warehouse.dbt_assets import build_dbt_assets, dbt_resource
from idgb_pipeline.warehouse.executable import dbt_executable

KRB_MODELS = sorted(path.stem for path in (settings.DBT_PROJECT_DIR / "models" / "krb").glob("*.sql"))


@pytest.fixture(scope="module")
def warehouse(full_run):
    assert full_run["success"], "\n".join(full_run["progress"])
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        yield connection


def column(connection, sql, parameters=None) -> list:
    return [row[0] for row in connection.execute(sql, parameters or []).fetchall()]


def test_krb_assets_materialised(full_run):
    materialised = set(full_run["report"].materialised)

    assert {f"krb/{table.name}" for table in KRB_TABLES} <= materialised
    assert {f"marts/{model}" for model in KRB_MODELS} <= materialised


def test_krb_tables_hold_example(warehouse):
    counts = {
        table.name: warehouse.execute(f"select count(*) from {table.qualified_name}").fetchone()[0]
        for table in KRB_TABLES
    }

    assert counts["theme"] == 3
    assert counts["policy_document"] == 6
    assert counts["norm"] == 3
    assert counts["measure"] == 3
    assert counts["intended_effect"] == 9
    assert counts["registration_file"] == 3


def test_shared_indicators_are_dwarsverbanden(warehouse):
    shared = column(
        warehouse,
        "select distinct indicator_code from marts.bridge_indicator_theme "
        "where is_dwarsverband order by 1",
    )

    assert shared == [
        "inwoners",
        "leeftijd_65_plus_pct",
        "misdrijven_geweld_per_1000",
        "misdrijven_woninginbraak_per_1000",
        "omgevingsadressendichtheid",
    ]


def test_themes_sharing_an_indicator(warehouse):
    pairs = warehouse.execute(
        "select theme_id_a, theme_id_b from marts.rpt_shared_indicators "
        "where indicator_code = 'leeftijd_65_plus_pct'"
    ).fetchall()

    assert pairs == [("wonen", "zorg-en-welzijn")]


def test_measures_aiming_at_violence(warehouse):
    measures = warehouse.execute(
        "select measure_id, measure_theme_id from marts.rpt_measures_per_indicator "
        "where indicator_code = 'misdrijven_geweld_per_1000' order by 1"
    ).fetchall()

    assert measures == [
        ("zwolle-aanpak-huiselijk-geweld", "zorg-en-welzijn"),
        ("zwolle-cameratoezicht-binnenstad", "veiligheid"),
    ]


def test_gemeente_plan_traces_to_rijk(warehouse):
    ancestors = warehouse.execute(
        "select ancestor_document_id, ancestor_bestuurslaag, link_depth "
        "from marts.bridge_document_implements "
        "where document_id = 'zwolle-uitvoeringsprogramma-veiligheid-2025' order by link_depth, 1"
    ).fetchall()

    assert ancestors == [
        ("zwolle-ivp-2024-2027", "gemeente", 1),
        ("ijsselland-veiligheidsstrategie-voorbeeld", "regio", 2),
        ("rijk-veiligheidsagenda-voorbeeld", "Rijk", 2),
    ]


def test_violence_norm_computed_by_hand(warehouse):
    # Norm zwolle-geweld-2026: <= 4.0 in 2026, basis 4.569 in 2022 (registered).
    # Path: 4.569 + (4.0 - 4.569) * (year - 2022) / 4, so 4.569, 4.42675, 4.2845, 4.14225, 4.0.
    # Actual values of misdrijven_geweld_per_1000 for GM0193 in the fact table:
    # 2022 4.5690, 2023 4.3231, 2024 4.3678 (provisional), 2025 4.5736 (provisional), 2026 none.
    rows = warehouse.execute(
        "select period_year, path_value, actual_value, attainment_status "
        "from marts.fct_norm_attainment where norm_id = 'zwolle-geweld-2026' "
        "and region_code = 'GM0193' order by period_year"
    ).fetchall()
    facts = dict(
        warehouse.execute(
            "select period_year, value from marts.fct_indicator_value "
            "where indicator_code = 'misdrijven_geweld_per_1000' and region_code = 'GM0193' "
            "and period_year between 2022 and 2026"
        ).fetchall()
    )

    assert [row[0] for row in rows] == [2022, 2023, 2024, 2025, 2026]
    assert [row[1] for row in rows] == pytest.approx([4.569, 4.42675, 4.2845, 4.14225, 4.0])
    assert facts[2023] == pytest.approx(4.3231, abs=1e-4)
    assert facts[2024] == pytest.approx(4.3678, abs=1e-4)
    assert [row[2] for row in rows[:4]] == [facts[2022], facts[2023], facts[2024], facts[2025]]
    assert rows[4][2] is None
    # 2022: 4.5690 <= path 4.569; 2023: 4.3231 <= 4.42675; 2024: 4.3678 > 4.2845;
    # 2025: 4.5736 > 4.14225; no target met in any year.
    assert [row[3] for row in rows] == ["op koers", "op koers", "niet op koers", "niet op koers", "geen data"]


def test_base_value_from_fact_table(warehouse):
    base_value, source = warehouse.execute(
        "select distinct base_value, base_value_source from marts.fct_norm_attainment "
        "where norm_id = 'zwolle-vernieling-2027'"
    ).fetchone()
    fact_2023 = warehouse.execute(
        "select value from marts.fct_indicator_value where indicator_code = "
        "'misdrijven_vernieling_per_1000' and region_code = 'GM0193' and period_year = 2023"
    ).fetchone()[0]

    assert source == "feitentabel"
    assert base_value == fact_2023


def test_sql_status_matches_python_rule(warehouse):
    rows = warehouse.execute(
        "select norm_id, period_year, base_value, base_year, target_value, target_year, "
        "comparator, margin, actual_value, path_value, attainment_status "
        "from marts.fct_norm_attainment"
    ).fetchall()

    assert len(rows) == 16
    for (norm_id, year, base, base_year, target, target_year, comparator, margin, actual,
         sql_path, sql_status) in rows:
        python_path = path_value(base, base_year, target, target_year, year)
        assert sql_path == python_path, (norm_id, year)
        assert sql_status == attainment_status(actual, comparator, target, python_path, margin), (
            norm_id,
            year,
        )


def test_norms_not_on_course(warehouse):
    rows = warehouse.execute(
        "select norm_id, latest_year from marts.rpt_norms_not_on_course order by 1"
    ).fetchall()

    assert rows == [
        ("zwolle-geweld-2026", 2025),
        ("zwolle-vernieling-2027", 2025),
        ("zwolle-woninginbraak-2027", 2025),
    ]


def test_descriptions_are_dutch(warehouse):
    comment = warehouse.execute(
        "select comment from duckdb_tables() where schema_name = 'marts' "
        "and table_name = 'fct_norm_attainment'"
    ).fetchone()[0]

    assert comment.startswith("Normrealisatie: één rij per beleidsnorm × regio × jaar")
    assert "'op koers'" in comment


def test_dbt_unit_tests_pass(full_run, tmp_path):
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(full_run["warehouse"], copy)

    result = subprocess.run(
        [dbt_executable(), "test", "--select",
         "path:models/krb,test_type:unit", "--profiles-dir", ".",
         "--target-path", str(tmp_path / "target")],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, settings.WAREHOUSE_ENV: str(copy), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
    )

    assert result.returncode == 0, result.stdout
    assert "PASS=2 " in result.stdout


# ----------------------------------------------------------- failed loads keep the KRB


def snapshot(warehouse_file) -> dict[str, list]:
    """Every row of every KRB table and KRB mart, sorted."""
    relations = [table.qualified_name for table in KRB_TABLES] + [f"marts.{model}" for model in KRB_MODELS]
    with duckdb.connect(str(warehouse_file), read_only=True) as connection:
        return {
            relation: connection.execute(f"select * from {relation} order by all").fetchall()
            for relation in relations
        }


def materialise_krb(warehouse_file) -> dg.ExecuteInProcessResult:
    dbt_krb = next(assets for assets in build_dbt_assets() if assets.op.name == "dbt_krb")
    with dg.instance_for_test() as instance:
        return dg.materialize(
            [krb_registration, dbt_krb],
            resources={"warehouse": WarehouseResource(path=str(warehouse_file)), "dbt": dbt_resource()},
            instance=instance,
            raise_on_error=False,
        )


def failure_messages(result: dg.ExecuteInProcessResult) -> str:
    """The descriptions of the ``dg.Failure`` raised by failed steps."""
    return "\n".join(
        event.step_failure_data.user_failure_data.description
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_FAILURE
        and event.step_failure_data.user_failure_data is not None
    )


def test_invalid_registration_keeps_previous(full_run, tmp_path, monkeypatch):
    warehouse_file = tmp_path / "warehouse.duckdb"
    shutil.copyfile(full_run["warehouse"], warehouse_file)
    # _build in dbt_assets sets this variable for the dbt process; monkeypatch restores it.
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(warehouse_file))
    registry = tmp_path / "krb"
    registry.mkdir()
    monkeypatch.setenv(settings.KRB_DIR_ENV, str(registry))

    # A smaller valid registration replaces the example: only the theme Wonen.
    wonen = (settings.SEEDS_DIR / "krb" / "wonen.yaml").read_text(encoding="utf-8")
    (registry / "wonen.yaml").write_text(wonen, encoding="utf-8")
    valid = materialise_krb(warehouse_file)
    after_valid = snapshot(warehouse_file)

    (registry / "wonen.yaml").write_text(wonen.replace("type: visie", "type: droom"), encoding="utf-8")
    (registry / "sport.yaml").write_text("thema: {id: sport, naam: Sport, taakvelden: [5.9]}\n")
    invalid = materialise_krb(warehouse_file)
    after_invalid = snapshot(warehouse_file)

    assert valid.success, failure_messages(valid)
    assert after_valid["krb.theme"][0][0] == "wonen"
    assert len(after_valid["krb.theme"]) == 1
    assert after_valid["marts.fct_norm_attainment"] == []
    assert not invalid.success
    assert "ongeldig (2 fouten). De vorige geldige registratie blijft staan" in failure_messages(invalid)
    assert "waarde 'droom'" in failure_messages(invalid)
    assert "waarde '5.9'" in failure_messages(invalid)
    assert after_invalid == after_valid


def test_failed_write_rolls_back(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    theme_row = ("wonen", "Wonen", None, None, "wonen.yaml", 1)
    with duckdb.connect(str(database)) as connection:
        write_registration(connection, {"theme": [theme_row]})
        # The last table gets text in an integer column, after all other tables were replaced.
        broken = {"theme": [], "intended_effect": [("m", "i", "geen jaar", "daling", 1.0, "procent", None, "f", 1)]}
        with pytest.raises(duckdb.Error):
            write_registration(connection, broken)

        themes = connection.execute("select * from krb.theme").fetchall()
        effects = connection.execute("select count(*) from krb.intended_effect").fetchone()[0]

    assert themes == [theme_row]
    assert effects == 0


def test_missing_registry_folder_keeps_previous(full_run, tmp_path, monkeypatch):
    warehouse_file = tmp_path / "warehouse.duckdb"
    shutil.copyfile(full_run["warehouse"], warehouse_file)
    monkeypatch.setenv(settings.WAREHOUSE_ENV, str(warehouse_file))
    monkeypatch.setenv(settings.KRB_DIR_ENV, str(tmp_path / "bestaat_niet"))
    before = snapshot(warehouse_file)

    result = materialise_krb(warehouse_file)

    assert not result.success
    assert "bestaat niet" in failure_messages(result)
    assert snapshot(warehouse_file) == before
