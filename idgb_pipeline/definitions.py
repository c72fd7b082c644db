"""The one Dagster entry point: every asset, check and resource of IDGB pipeline."""

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.extract.assets import build_extract_assets
from idgb_pipeline.krb.assets import krb_registration
from idgb_pipeline.models.assets import build_model_assets
from idgb_pipeline.models.forecast.asset import build_forecast_assets
from idgb_pipeline.models.forecast.norm_asset import build_norm_prognosis_assets
from idgb_pipeline.models.outliers.asset import build_outlier_assets
from idgb_pipeline.orchestration.build import build_orchestration
from idgb_pipeline.orchestration.executor import build_executor
from idgb_pipeline.resources import WarehouseResource
from idgb_pipeline.serving.postgres_asset import build_postgres_assets
from idgb_pipeline.validate.krb_checks import build_krb_checks
from idgb_pipeline.warehouse.dbt_assets import build_dbt_assets, dbt_resource
from idgb_pipeline.warehouse.herindeling_asset import gemeente_herindeling


@dg.definitions
def defs() -> dg.Definitions:
    """Build the definitions when Dagster loads the code location."""
    assets = [
        *build_extract_assets(),
        gemeente_herindeling,
        *build_dbt_assets(),
        krb_registration,
        *build_model_assets(),
        *build_forecast_assets(),
        *build_norm_prognosis_assets(),
        *build_outlier_assets(),
    ]
    # The publication asset waits for every asset above, so it is built from this list.
    orchestration = build_orchestration(assets)
    return dg.Definitions(
        assets=[*assets, *orchestration["assets"], *build_postgres_assets(assets)],
        asset_checks=[*build_krb_checks(), *orchestration["asset_checks"]],
        jobs=orchestration["jobs"],
        schedules=orchestration["schedules"],
        sensors=orchestration["sensors"],
        resources={
            "warehouse": WarehouseResource(path=str(settings.warehouse_path())),
            "dbt": dbt_resource(),
        },
        # In-process by default; IDGB_EXECUTOR picks multiprocess, k8s or celery. Every step
        # that opens the DuckDB file is in one pool with limit 1, so writers never overlap.
        executor=build_executor(),
    )
