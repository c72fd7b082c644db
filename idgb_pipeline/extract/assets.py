"""One Dagster asset per catalogue source, loading it into ``raw.<id>``."""

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.extract.catalogue import Source, load_catalogue
from idgb_pipeline.extract.extraction import ExtractionResult, extract_source
from idgb_pipeline.extract.online import download_source_files
from idgb_pipeline.resources import WarehouseResource

GROUP = "extract"


def _description(source: Source) -> str:
    """Build the Dutch asset description shown in the Dagster UI."""
    return (
        f"{source.title}.\n\n{source.description}\n\n"
        f"Licentie: {source.licence}. {source.attribution}."
    )


def _materialize_result(result: ExtractionResult, source: Source) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": result.row_count,
            "nieuwe_bestandsversies": result.new_versions,
            "bestanden": dg.MetadataValue.json(
                {
                    load.file_name: {
                        "sha256": load.sha256,
                        "rijen": load.row_count,
                        "nieuwe_versie": load.is_new_version,
                        **result.read_details.get(load.file_name, {}),
                    }
                    for load in result.files
                }
            ),
            "tabel": source.table_name,
        }
    )


def build_extract_asset(source: Source) -> dg.AssetsDefinition:
    """Build the asset that reads, checks and loads one source."""

    @dg.asset(
        key=dg.AssetKey(["raw", source.id]),
        group_name=GROUP,
        description=_description(source),
        kinds={"duckdb", source.format},
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

        result = extract_source(source, warehouse.file, files=files)
        context.log.info(
            "%s: %d rows in %d file(s), %d new version(s)",
            source.table_name,
            result.row_count,
            len(result.files),
            result.new_versions,
        )
        return _materialize_result(result, source)

    return extract_asset


def build_extract_assets() -> list[dg.AssetsDefinition]:
    """Build one extract asset per source in the bundled catalogue."""
    catalogue = load_catalogue(settings.CATALOGUE_PATH)
    return [build_extract_asset(source) for source in catalogue.values()]
