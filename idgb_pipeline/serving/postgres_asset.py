"""The Dagster asset ``serving/postgres`` (group ``serving``): the same marts and model tables in PostgreSQL."""

from collections.abc import Iterable

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource
from idgb_pipeline.serving.assets import GROUP, serving_upstream_keys
from idgb_pipeline.serving.postgres import connect_postgres, mirror_sources
from idgb_pipeline.serving.postgres_dbt import DBT_TARGET, build_postgres_models

ASSET_KEY = dg.AssetKey(["serving", "postgres"])
# Failures listed in the step message; the rest are counted.
MAX_LISTED_FAILURES = 10


def _database_label() -> str:
    """Return ``host:port/database`` of the configured server, never the password."""
    connection = settings.postgres_connection()
    return f"{connection['host']}:{connection['port']}/{connection['dbname']}"


def build_postgres_publication_asset(assets: Iterable[dg.AssetsDefinition | dg.AssetSpec]) -> dg.AssetsDefinition:
    """Build the asset that mirrors the dbt sources into PostgreSQL and builds the dbt models there.

    It runs after every asset in ``assets`` in schema marts or analysis, like the serving copy.
    """

    @dg.asset(
        key=ASSET_KEY,
        group_name=GROUP,
        deps=serving_upstream_keys(assets),
        kinds={"postgres", "dbt"},
        # The step reads the DuckDB file, so it waits for the writers like every other step.
        pool=DUCKDB_WRITER_POOL,
        description=(
            "De marts en de modeltabellen in PostgreSQL, voor gedeelde BI (Power BI, Metabase). "
            "Kopieert de schema's raw, prep, krb en analysis uit het DuckDB-warehouse in één transactie "
            "en bouwt daarna dezelfde dbt-modellen met hun tests in PostgreSQL (dbt build --target postgres). "
            "Alleen in de grafiek met IDGB_TARGET=postgres; verbinding via IDGB_PG_HOST, IDGB_PG_PORT, "
            "IDGB_PG_DATABASE, IDGB_PG_USER en IDGB_PG_PASSWORD."
        ),
    )
    def postgres(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        database = _database_label()
        connection = connect_postgres()
        try:
            counts = mirror_sources(warehouse.file, connection)
        finally:
            connection.close()
        rows = f"{sum(counts.values()):,}".replace(",", ".")
        context.log.info(
            f"{len(counts)} tabellen ({rows} rijen) uit raw, prep, krb en analysis naar PostgreSQL {database} gekopieerd"
        )

        context.log.info(f"dbt build --target {DBT_TARGET} gestart")
        outcome = build_postgres_models()
        context.log.info(f"dbt build --target {DBT_TARGET} klaar in {outcome.seconds:.0f} s: {outcome.counts}")
        if not outcome.succeeded:
            listed = "\n".join(f"- {failure}" for failure in outcome.failures[:MAX_LISTED_FAILURES])
            more = len(outcome.failures) - MAX_LISTED_FAILURES
            raise dg.Failure(
                description=(
                    f"dbt build --target {DBT_TARGET} in PostgreSQL {database} had {len(outcome.failures)} "
                    f"mislukte modellen of tests:\n{listed}" + (f"\n… en nog {more}" if more > 0 else "") + "\n"
                    "Modellen die wel zijn gebouwd, zijn in PostgreSQL vervangen; de mislukte houden hun vorige "
                    "versie. Het DuckDB-warehouse en data/serving/ zijn niet geraakt."
                ),
                metadata={"dbt": dg.MetadataValue.json(outcome.counts)},
                allow_retries=False,
            )

        return dg.MaterializeResult(
            metadata={
                "database": database,
                "brontabellen": len(counts),
                "bronrijen": sum(counts.values()),
                "dbt": dg.MetadataValue.json(outcome.counts),
                "dbt_seconden": round(outcome.seconds, 1),
            }
        )

    return postgres


def build_postgres_assets(assets: Iterable[dg.AssetsDefinition | dg.AssetSpec]) -> tuple[dg.AssetsDefinition, ...]:
    """Return the PostgreSQL publication asset when ``IDGB_TARGET=postgres``, else nothing.

    Without that setting the asset is left out of the graph, so ``make run`` on a machine
    without PostgreSQL materialises exactly what it did before.
    """
    if settings.target() != settings.TARGET_POSTGRES:
        return ()
    return (build_postgres_publication_asset(assets),)
