"""The Dagster code location: groups, descriptions, checks and the CLI summary."""

import re

import dagster as dg
import pytest

from idgb_pipeline.definitions import defs
from idgb_pipeline.runner import RunReport
from idgb_pipeline.summary import format_summary


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    return defs()


@pytest.fixture(scope="module")
def asset_graph(definitions):
    return definitions.resolve_asset_graph()


def test_assets_are_grouped(asset_graph):
    groups = {}
    for key in asset_graph.get_all_asset_keys():
        groups.setdefault(asset_graph.get(key).group_name, set()).add(key.to_user_string())

    assert set(groups) == {"extract", "warehouse", "krb", "modellen", "serving"}
    assert "raw/misdrijven_gemeente" in groups["extract"]
    assert "marts/fct_indicator_value" in groups["warehouse"]
    assert "prep/gemeente_herindeling" in groups["warehouse"]
    assert "krb/norm" in groups["krb"]
    assert "marts/fct_norm_attainment" in groups["krb"]


def test_every_asset_has_description(asset_graph):
    undescribed = [
        key.to_user_string()
        for key in asset_graph.get_all_asset_keys()
        if not (asset_graph.get(key).description or "").strip()
    ]

    assert undescribed == []


def test_descriptions_are_dutch(asset_graph):
    description = asset_graph.get(dg.AssetKey(["marts", "dim_region"])).description

    assert description.startswith("Regiodimensie")


def test_dbt_tests_are_asset_checks(asset_graph):
    check_keys = asset_graph.asset_check_keys
    on_facts = {key.name for key in check_keys if key.asset_key == dg.AssetKey(["marts", "fct_indicator_value"])}

    assert len(check_keys) >= 60
    assert "unique_combination_fct_indicator_value_indicator_code__region_code__period_year" in on_facts


def test_dbt_error_tests_block(definitions):
    # dbt tests with severity error must stop downstream assets, so they are blocking checks.
    dbt_checks = [
        check
        for assets in definitions.assets
        if isinstance(assets, dg.AssetsDefinition)
        and assets.op.name in {"dbt_staging", "dbt_marts", "dbt_krb"}
        for check in assets.check_specs
    ]

    assert len(dbt_checks) >= 60
    assert all(check.blocking for check in dbt_checks)


def test_extract_assets_carry_licence(asset_graph):
    metadata = asset_graph.get(dg.AssetKey(["raw", "misdrijven_gemeente"])).metadata

    assert metadata["licentie"] == "CC-BY 4.0"
    assert metadata["cbs_tabel"] == "47018NED"


def test_summary_lists_marts(full_run, tmp_path):
    text = format_summary(
        full_run["success"], full_run["report"], full_run["seconds"], full_run["warehouse"], tmp_path
    )

    assert "Resultaat:                geslaagd" in text
    assert "fct_indicator_value" in text
    # The padding depends on the longest mart name, so match any run of spaces.
    assert re.search(r"\n  dim_region +18\.100\n", text)
    assert "make ui" in text


def test_progress_lines_name_assets(full_run):
    progress = "\n".join(full_run["progress"])

    assert "✓ raw/misdrijven_gemeente (57.624 rijen)" in progress
    assert "✓ marts/dim_region" in progress


def test_check_only_steps_get_closing_line(full_run):
    started = {
        line.removeprefix("  … stap gestart: ") for line in full_run["progress"] if "stap gestart" in line
    }
    check_only = sorted(step for step in started if step.endswith("_actualiteit"))

    assert check_only, "the run has no freshness check steps to test"
    for step in check_only:
        assert any(line.startswith(f"  ✓ {step}: klaar, 1 controle geslaagd") for line in full_run["progress"]), step


def test_summary_explains_lock_conflict(tmp_path):
    report = RunReport(failed_steps=["marts__dim_region"], lock_conflict=True)

    text = format_summary(False, report, 3.0, tmp_path / "warehouse.duckdb", tmp_path)

    assert "Resultaat:                MISLUKT" in text
    assert "Oorzaak: een ander proces heeft" in text
    assert "Sluit die verbinding" in text


def test_summary_points_at_serving_copy(tmp_path):
    text = format_summary(True, RunReport(), 1.0, tmp_path / "warehouse.duckdb", tmp_path)

    assert "serving/warehouse.duckdb" in text
    assert "Oorzaak" not in text
