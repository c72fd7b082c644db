"""The dbt project and its manifest, built lazily so that importing never runs dbt."""

import os
from functools import cache

from dagster_dbt import DbtProject

from idgb_pipeline import settings
from idgb_pipeline.warehouse.dbt_cli import prepare_manifest

# `dagster dev` sets this variable in the processes it starts; dagster-dbt reads it too.
DAGSTER_DEV_ENV = "DAGSTER_IS_DEV_CLI"


@cache
def dbt_project() -> DbtProject:
    """Return the dbt project; under ``dagster dev`` this also prepares the manifest."""
    project = DbtProject(
        project_dir=settings.DBT_PROJECT_DIR,
        profiles_dir=settings.DBT_PROJECT_DIR,
    )
    if os.environ.get(DAGSTER_DEV_ENV):
        prepare_manifest(project)
    return project
