"""The Dagster asset ``serving/publicatie`` (group ``serving``)."""

from collections.abc import Iterable

import dagster as dg

from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource
from idgb_pipeline.serving.publish import SERVING_SCHEMAS, publish_serving, serving_dir

GROUP = "serving"
ASSET_KEY = dg.AssetKey(["serving", "publicatie"])


def serving_upstream_keys(assets: Iterable[dg.AssetsDefinition | dg.AssetSpec]) -> list[dg.AssetKey]:
    """Return the keys among ``assets`` in schema marts or analysis, the tables the publication copies."""
    keys = set()
    for definition in assets:
        definition_keys = definition.keys if isinstance(definition, dg.AssetsDefinition) else {definition.key}
        keys.update(key for key in definition_keys if key.path[0] in SERVING_SCHEMAS)
    return sorted(keys, key=lambda key: key.to_user_string())


def build_serving_asset(assets: Iterable[dg.AssetsDefinition | dg.AssetSpec]) -> dg.AssetsDefinition:
    """Build the asset that publishes marts and analysis for BI tools, after every such asset in ``assets``."""

    @dg.asset(
        key=ASSET_KEY,
        group_name=GROUP,
        deps=serving_upstream_keys(assets),
        kinds={"duckdb", "parquet"},
        pool=DUCKDB_WRITER_POOL,
        description=(
            "Alleen-lezen publicatie voor BI-tools (Power BI, Metabase): elke tabel uit de schema's "
            "marts en analysis als Parquet-bestand, een serving-DuckDB-bestand dat in één keer wordt "
            "vervangen, en manifest.json met rijen, bronversies (sha256) en peildatum. "
            "Staat in data/serving/."
        ),
    )
    def publicatie(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        target = serving_dir()
        manifest = publish_serving(warehouse.file, target)
        context.log.info(f"{len(manifest['tabellen'])} tabellen gepubliceerd naar {target}")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": sum(table["rijen"] for table in manifest["tabellen"].values()),
                "tabellen": len(manifest["tabellen"]),
                "peildatum": manifest["peildatum"],
                "map": dg.MetadataValue.path(str(target)),
                "dataversies": dg.MetadataValue.json(manifest["dataversies"]),
            }
        )

    return publicatie
