"""Everything the orchestration adds to the code location, in one call."""

from collections.abc import Sequence

import dagster as dg

from idgb_pipeline.orchestration.freshness import build_freshness_checks
from idgb_pipeline.orchestration.jobs import build_jobs, build_schedules
from idgb_pipeline.orchestration.landing_sensor import landing_sensor
from idgb_pipeline.serving.assets import build_serving_asset


def build_orchestration(assets: Sequence[dg.AssetsDefinition | dg.AssetSpec]) -> dict:
    """Return the jobs, schedules, sensors, asset checks and assets to add to ``Definitions``.

    Call it inside ``@dg.definitions``, because it reads the cron variables and the catalogue.

    Args:
        assets (Sequence[dg.AssetsDefinition | dg.AssetSpec]): The other assets of the code location. The
            publication ``serving/publicatie`` runs after each of them in schema marts or analysis.
    """
    return {
        "jobs": build_jobs(),
        "schedules": build_schedules(),
        "sensors": [landing_sensor],
        "asset_checks": build_freshness_checks(),
        "assets": [build_serving_asset(assets)],
    }
