"""The KRB registration as Dagster assets: one asset per table of schema ``krb`` (group ``krb``)."""

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.krb.references import references_from_connection
from idgb_pipeline.krb.registration import krb_files, load_registration
from idgb_pipeline.krb.tables import KRB_TABLES, SCHEMA, registration_rows
from idgb_pipeline.krb.writer import write_registration
from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource

GROUP = "krb"

# The registration is checked against these, so they must be built first.
REFERENCE_ASSETS = [
    dg.AssetKey(["marts", "dim_indicator"]),
    dg.AssetKey(["marts", "dim_region"]),
    dg.AssetKey(["staging", "stg_cbs__iv3_taakvelden"]),
]

KRB_SPECS = [
    dg.AssetSpec(
        key=dg.AssetKey([SCHEMA, table.name]),
        group_name=GROUP,
        deps=REFERENCE_ASSETS,
        kinds={"duckdb", "python"},
        description=(
            f"{table.description} Uit de KRB-bestanden in seeds/krb/ (Kernregistratie Beleid), "
            "gecontroleerd tegen marts.dim_indicator, marts.dim_region en de Iv3-taakvelden. "
            "Een ongeldige registratie laat de vorige geldige staan."
        ),
    )
    for table in KRB_TABLES
]


def _failure_message(violations, folder) -> str:
    lines = [
        f"De KRB-registratie in {folder} is ongeldig ({len(violations)} fouten). "
        "De vorige geldige registratie blijft staan. Controleer de bestanden met "
        "'idgb krb check' en los deze fouten op:",
        *(f"  - {violation.format()}" for violation in violations),
    ]
    return "\n".join(lines)


@dg.multi_asset(specs=KRB_SPECS, name="krb_registratie", can_subset=False, pool=DUCKDB_WRITER_POOL)
def krb_registration(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Validate the KRB files and replace all ``krb`` tables in one transaction."""
    folder = settings.krb_dir()
    # A missing folder is a configuration error; writing empty tables would wipe the
    # registration. An existing, empty folder is an empty registration.
    if not folder.is_dir():
        raise dg.Failure(
            description=(
                f"De KRB-map {folder} bestaat niet. De vorige geldige registratie blijft staan. "
                f"Maak de map aan of zet {settings.KRB_DIR_ENV} op de juiste map."
            )
        )
    files = krb_files(folder)
    if not files:
        context.log.warning("No KRB files in %s; writing empty KRB tables", folder)

    with warehouse.connect() as connection:
        references = references_from_connection(connection)
        result = load_registration(files, references)
        if not result.is_valid:
            # dg.Failure carries the Dutch report to the run output and the Dagster UI.
            raise dg.Failure(
                description=_failure_message(result.violations, folder),
                metadata={"aantal_fouten": len(result.violations)},
            )

        counts = write_registration(connection, registration_rows(result.registration))

    context.log.info("KRB written from %d files: %s", len(files), counts)
    for table in KRB_TABLES:
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey([SCHEMA, table.name]),
            metadata={
                "dagster/row_count": counts[table.name],
                "bestanden": dg.MetadataValue.json(sorted(path.name for path in files)),
            },
        )
