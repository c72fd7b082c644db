"""The dbt CLI resource runs dbt from the dbt environment without a dbt-core adapter."""

from pathlib import Path

from dagster_dbt import DbtProject

from idgb_pipeline import settings
from idgb_pipeline.warehouse.dbt_assets import dbt_resource
from idgb_pipeline.warehouse.dbt_cli import prepare_manifest


def test_prepare_manifest_writes_manifest(tmp_path):
    project = DbtProject(
        project_dir=settings.DBT_PROJECT_DIR,
        profiles_dir=settings.DBT_PROJECT_DIR,
        target_path=tmp_path / "target",
    )

    prepare_manifest(project)

    assert (tmp_path / "target" / "manifest.json").is_file()


def test_resource_uses_dbt_environment():
    resource = dbt_resource()

    assert Path(resource.dbt_executable).is_file()
    assert resource._initialize_dbt_core_adapter(["build"]) is None
