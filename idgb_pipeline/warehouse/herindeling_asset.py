"""The herindeling table: every year's gemeente codes carried onto the 2024 layout."""

import dagster as dg

from idgb_pipeline.regions.herindeling import build_gemeente_mapping
from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource

TARGET_LAYOUT_YEAR = 2024

HERINDELING_TABLE = "prep.gemeente_herindeling"


@dg.asset(
    key=dg.AssetKey(["prep", "gemeente_herindeling"]),
    group_name="warehouse",
    deps=[
        dg.AssetKey(["staging", "stg_cbs__bevolking"]),
        dg.AssetKey(["staging", "stg_vng__omzetmatrices"]),
        dg.AssetKey(["staging", "stg_idgb__herindelingen_2013_2016"]),
    ],
    kinds={"duckdb", "python"},
    pool=DUCKDB_WRITER_POOL,
    description=(
        "Herindelingstabel: per jaar en gemeentecode het aandeel dat naar elke gemeente van "
        "de indeling 2024 gaat. Voor 2016–2022 uit de VNG-omzetmatrices (aandeel naar aantal "
        "adressen); voor 2012–2015 uit de vastgelegde herindelingen 2013–2016, elk gecontroleerd "
        "tegen de bevolkingsgroei van 70072ned (tolerantie 3%), met de splitsingen van "
        "Boarnsterhim en Maasdonk geschat naar de extra groei van de ontvangende gemeenten. "
        "Eén rij per jaar × oude code × nieuwe code."
    ),
)
def gemeente_herindeling(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as connection:
        population = connection.execute(
            "select gemeente_code, period_year as jaar, inhabitants_count as inwoners "
            "from staging.stg_cbs__bevolking"
        ).df()
        matrices = connection.execute(
            "select layout_year_from as jaar_van, layout_year_to as jaar_naar, "
            "substr(gemeente_code_from, 3) as code_van, substr(gemeente_code_to, 3) as code_naar, "
            "address_count as aantal_adressen from staging.stg_vng__omzetmatrices"
        ).df()

        # The model takes the last year of the old code, one before the 1 January change.
        known_changes = connection.execute(
            "select effective_year - 1 as jaar, gemeente_code_from as code_van, "
            "gemeente_code_to as code_naar from staging.stg_idgb__herindelingen_2013_2016"
        ).df()

        mapping = build_gemeente_mapping(
            population, matrices, target_year=TARGET_LAYOUT_YEAR, known_changes=known_changes
        )
        table = mapping.rename(
            columns={
                "jaar": "period_year",
                "code_van": "gemeente_code_from",
                "code_naar": "gemeente_code_to",
                "aandeel": "share",
                "methode": "method",
            }
        )

        connection.execute("begin transaction")
        connection.execute("create schema if not exists prep")
        connection.register("mapping_frame", table)
        connection.execute(f"create or replace table {HERINDELING_TABLE} as select * from mapping_frame")
        connection.unregister("mapping_frame")
        connection.execute("commit")

    method_counts = table.groupby("method").size().to_dict()
    context.log.info("Herindeling rows by method: %s", method_counts)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(table),
            "rijen_per_methode": dg.MetadataValue.json({k: int(v) for k, v in method_counts.items()}),
            "doelindeling": TARGET_LAYOUT_YEAR,
        }
    )
