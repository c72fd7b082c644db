"""One Dagster asset per catalogue source, loading it into ``raw.<id>``, with its GX check."""

import warnings

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.errors import IdgbError
from idgb_pipeline.extract.catalogue import Source, SourceFile, load_catalogue
from idgb_pipeline.extract.extraction import ExtractionResult, extract_source
from idgb_pipeline.extract.landing import files_with_landing_copies
from idgb_pipeline.extract.online import download_source_files
from idgb_pipeline.extract.partitions import files_of_years, is_year_split, requested_years, year_partitions
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


def _year_metadata(source: Source, years: list[str] | None) -> dict:
    """Describe in Dutch which partition years the run loaded, and which of them have no file."""
    if years is None:
        return {}
    periods = {str(source_file.period) for source_file in source.files}
    return {
        "jaren": dg.MetadataValue.json(years),
        "jaren_zonder_bestand": dg.MetadataValue.json([year for year in years if year not in periods]),
    }


def _materialize_result(
    result: ExtractionResult, source: Source, years: list[str] | None = None
) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            **_year_metadata(source, years),
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


def _files_to_extract(
    context: dg.AssetExecutionContext, source: Source, years: list[str] | None
) -> tuple[SourceFile, ...] | None:
    """Return the files to extract, or None for all catalogue files.

    With ``years`` (partition keys) only the files of those years remain, which is an
    empty tuple when the source has no file for any of them.
    """
    if source.odata and settings.cbs_online():
        context.log.info("IDGB_CBS_ONLINE=1: downloading %s from CBS", source.odata.table_id)
        # NOTE: the download is the whole CBS table without periods, so a year partition
        # does not narrow it and every year loads.
        return download_source_files(source, settings.landing_dir() / source.id)

    # A file in data/landing/ named like a catalogue file replaces it (see extract/landing.py).
    files = files_with_landing_copies(source, settings.landing_dir())
    if files:
        context.log.info("%s: bestand(en) uit de landingsmap gebruikt", source.id)

    if years is None:
        return files
    return files_of_years(files or source.files, years)


def build_extract_asset(
    source: Source,
    suite: Suite | None = None,
    partitions: dg.StaticPartitionsDefinition | None = None,
) -> dg.AssetsDefinition:
    """Build the asset that reads, validates and loads one source.

    A year-split source (see ``extract/partitions.py``) gets ``partitions``, or the
    partitions of its own years when that is None. Other sources stay unpartitioned.
    """
    suite = suite or load_suite(source.id)
    if is_year_split(source):
        partitions = partitions or year_partitions([source])
    else:
        partitions = None

    with warnings.catch_warnings():
        # Dagster 1.13 marks backfill_policy as beta and warns at each call, which idgb run would print.
        warnings.simplefilter("ignore", dg.BetaWarning)
        decorator = dg.asset(
            key=dg.AssetKey(["raw", source.id]),
            group_name=GROUP,
            description=_description(source),
            kinds={"duckdb", source.format},
            pool=DUCKDB_WRITER_POOL,
            deps=_upstream_references(source, suite),
            check_specs=[_check_spec(source, suite)],
            partitions_def=partitions,
            # A run over a range of years loads all their files in one step and one transaction.
            backfill_policy=dg.BackfillPolicy.single_run() if partitions else None,
            metadata={
                "bron_id": source.id,
                "cbs_tabel": source.cbs_table_id or "",
                "licentie": source.licence,
                "bronvermelding": source.attribution,
                "regioniveau": ", ".join(source.region_level),
                "perioden": source.periods,
            },
        )

    @decorator
    def extract_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        years = requested_years(context) if partitions else None
        if partitions and years is None:
            context.log.info("%s: the run has no partition key, so the files of every year load", source.id)
        files = _files_to_extract(context, source, years)

        # extract_source reads an empty tuple as "all catalogue files", so it is not called.
        if files == ():
            context.log.info("%s: no file for year(s) %s, nothing loaded", source.id, ", ".join(years))
            empty = ExtractionResult(source_id=source.id, files=[], read_details={})
            return _materialize_result(empty, source, years)

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
        return _materialize_result(result, source, years)

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
    # One partitions definition for every year-split source, because a job takes only one.
    partitions = year_partitions(catalogue.values())
    missing = [
        dg.AssetSpec(key=dg.AssetKey(["raw", source_id]), group_name=GROUP, description=description)
        for source_id, description in OPTIONAL_SOURCES.items()
        if source_id not in catalogue
    ]
    return [*(build_extract_asset(source, partitions=partitions) for source in catalogue.values()), *missing]
