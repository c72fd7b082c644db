"""One Dagster asset per catalogue source, loading it into ``raw.<id>``, with its GX check."""

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.errors import IdgbError
from idgb_pipeline.extract.catalogue import Source, load_catalogue
from idgb_pipeline.extract.extraction import ExtractionResult, extract_source
from idgb_pipeline.extract.landing import files_with_landing_copies
from idgb_pipeline.extract.online import download_source_files
from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource
from idgb_pipeline.validate.checks import check_name, check_result
from idgb_pipeline.validate.reference import REFERENCE_SOURCES
from idgb_pipeline.validate.suites import Suite, load_suite

GROUP = "extract"


def _description(source: Source) -> str:
    """Build the Dutch asset description shown in the Dagster UI."""
    return (
        f"{source.title}.\n\n{source.description}\n\n"
        f"Licentie: {source.licence}. {source.attribution}."
    )


def _check_spec(source: Source, suite: Suite) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=check_name(source.id),
        asset=dg.AssetKey(["raw", source.id]),
        # Blocking: a critical failure stops dbt and everything downstream of it.
        blocking=True,
        description=(
            f"Great Expectations-suite {suite.path.name} ({len(suite.expectations)} verwachtingen). "
            "Een kritieke fout wijst de bestandsversie af; afgekeurde rijen gaan naar quarantaine."
        ),
    )


def _upstream_references(source: Source, suite: Suite) -> list[dg.AssetKey]:
    """Region sources must load first when a suite checks codes against them."""
    if suite.region_check is None:
        return []
    return [dg.AssetKey(["raw", source_id]) for source_id in REFERENCE_SOURCES if source_id != source.id]


def _materialize_result(result: ExtractionResult, source: Source) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.row_count,
            "nieuwe_bestandsversies": result.new_versions,
            "ongewijzigde_bestanden": len(result.unchanged_files),
            "rijen_in_quarantaine": result.quarantined_count,
            "afgewezen_bestanden": dg.MetadataValue.json(result.rejected_files),
            "bestanden": dg.MetadataValue.json(
                {
                    load.file_name: {
                        "sha256": load.sha256,
                        "rijen": load.row_count,
                        "nieuwe_versie": load.is_new_version,
                        "afgewezen": load.is_rejected,
                        **result.read_details.get(load.file_name, {}),
                    }
                    for load in result.files
                }
            ),
            "tabel": source.table_name,
        },
        check_results=[check_result(source.id, result)],
    )


def build_extract_asset(source: Source, suite: Suite | None = None) -> dg.AssetsDefinition:
    """Build the asset that reads, validates and loads one source."""
    suite = suite or load_suite(source.id)

    @dg.asset(
        key=dg.AssetKey(["raw", source.id]),
        group_name=GROUP,
        description=_description(source),
        kinds={"duckdb", source.format},
        pool=DUCKDB_WRITER_POOL,
        deps=_upstream_references(source, suite),
        check_specs=[_check_spec(source, suite)],
        metadata={
            "bron_id": source.id,
            "cbs_tabel": source.cbs_table_id or "",
            "licentie": source.licence,
            "bronvermelding": source.attribution,
            "regioniveau": ", ".join(source.region_level),
            "perioden": source.periods,
        },
    )
    def extract_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        files = None
        if source.odata and settings.cbs_online():
            context.log.info("IDGB_CBS_ONLINE=1: downloading %s from CBS", source.odata.table_id)
            files = download_source_files(source, settings.landing_dir() / source.id)
        else:
            # A file in data/landing/ named like a catalogue file replaces it (see extract/landing.py).
            files = files_with_landing_copies(source, settings.landing_dir())
            if files:
                context.log.info("%s: bestand(en) uit de landingsmap gebruikt", source.id)

        try:
            result = extract_source(source, warehouse.file, files=files, suite=suite)
        except IdgbError as error:
            # A Failure shows the Dutch message itself in the UI instead of a stack trace.
            raise dg.Failure(
                description=str(error),
                metadata={"bron": source.id, "tabel": source.table_name},
                # An unreadable or invalid file stays invalid, so the job's retry policy skips it.
                allow_retries=False,
            ) from error
        context.log.info(
            "%s: %d rows in %d file(s), %d new version(s), %d unchanged and not re-read, "
            "%d quarantined, %d rejected file(s)",
            source.table_name,
            result.row_count,
            len(result.files),
            result.new_versions,
            len(result.unchanged_files),
            result.quarantined_count,
            len(result.rejected_files),
        )
        for message in result.messages[:20]:
            context.log.warning(message)
        return _materialize_result(result, source)

    return extract_asset


# dbt sources that the bundled catalogue leaves out. Their staging models build empty when
# the raw table is missing, so the graph shows them as source assets until a catalogue has them.
OPTIONAL_SOURCES = {
    "kwb_kerncijfers": (
        "Kerncijfers wijken en buurten (CBS, brede indeling, één bestand per jaar). De meegeleverde "
        "catalogus heeft deze bron niet; voeg haar toe aan de catalogus (IDGB_CATALOGUE) om ze te laden. "
        "Zonder deze bron blijft de staging leeg."
    ),
}


def build_extract_assets() -> list[dg.AssetsDefinition | dg.AssetSpec]:
    """Build one extract asset per source in the catalogue, and a spec per optional source it lacks."""
    catalogue = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)
    missing = [
        dg.AssetSpec(key=dg.AssetKey(["raw", source_id]), group_name=GROUP, description=description)
        for source_id, description in OPTIONAL_SOURCES.items()
        if source_id not in catalogue
    ]
    return [*(build_extract_asset(source) for source in catalogue.values()), *missing]
