"""The dbt project and its manifest, built lazily so that importing never runs dbt."""

from functools import cache

from dagster_dbt import DbtProject

from idgb_pipeline import settings


@cache
def dbt_project() -> DbtProject:
    """Return the dbt project; under ``dagster dev`` this also prepares the manifest."""
    project = DbtProject(
        project_dir=settings.DBT_PROJECT_DIR,
        profiles_dir=settings.DBT_PROJECT_DIR,
    )
    project.prepare_if_dev()
    return project
