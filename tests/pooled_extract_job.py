"""Run three extract steps with the multiprocess executor on the instance in ``$DAGSTER_HOME``.

tests/test_pools.py starts this file as its own process, the way ``dagster job execute``
would: each step process rebuilds the job from this module, so it imports only the
extract assets. The run id is printed on the last line of standard output.
"""

import sys

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.extract.assets import build_extract_assets
from idgb_pipeline.resources import WarehouseResource

JOB_NAME = "extract_deelverzameling"

# Three small sources without region checks, so none of them waits for another.
POOLED_SOURCES = ("kwb2022_onderwerpen", "iv3_taakvelden", "gemeente_herindelingen_2013_2016")

RUN_CONFIG = {"execution": {"config": {"max_concurrent": len(POOLED_SOURCES), "start_method": {"spawn": {}}}}}


def extract_subset_job() -> dg.JobDefinition:
    """Build the job of the three extract assets, with one process per step."""
    assets = [asset for asset in build_extract_assets() if asset.key.path[1] in POOLED_SOURCES]
    definitions = dg.Definitions(
        assets=assets,
        jobs=[dg.define_asset_job(JOB_NAME, selection=dg.AssetSelection.all())],
        resources={"warehouse": WarehouseResource(path=str(settings.warehouse_path()))},
        executor=dg.multiprocess_executor,
    )
    return definitions.resolve_job_def(JOB_NAME)


def main() -> int:
    with dg.DagsterInstance.get() as instance:
        with dg.execute_job(dg.reconstructable(extract_subset_job), instance=instance, run_config=RUN_CONFIG) as result:
            print(result.run_id)
            return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main())
