"""Year partitions for the extract assets of sources that have one file per year.

A source is year-split when it has more than one file and every file has a ``period``.
All year-split sources share one ``StaticPartitionsDefinition``, because Dagster 1.13
rejects an asset job whose assets have different partitions definitions. Its keys are the
union of the periods of those sources, so a source can lack a file for a partition year.
"""

from collections.abc import Iterable, Sequence

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from idgb_pipeline import settings
from idgb_pipeline.extract.catalogue import Source, SourceFile, load_catalogue


def is_year_split(source: Source) -> bool:
    """Return whether ``source`` has more than one file and a period on each of them."""
    return len(source.files) > 1 and all(source_file.period is not None for source_file in source.files)


def year_partitions(sources: Iterable[Source]) -> dg.StaticPartitionsDefinition | None:
    """Build the partitions of the years of all year-split ``sources``, or None when there are none."""
    years = {source_file.period for source in sources if is_year_split(source) for source_file in source.files}
    if not years:
        return None
    return dg.StaticPartitionsDefinition([str(year) for year in sorted(years)])


def catalogue_year_split_sources() -> list[Source]:
    """Return the year-split sources of the catalogue that ``IDGB_CATALOGUE`` points at."""
    catalogue = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)
    return [source for source in catalogue.values() if is_year_split(source)]


def files_of_years(files: Iterable[SourceFile], years: Sequence[str]) -> tuple[SourceFile, ...]:
    """Return the ``files`` whose period is one of ``years`` (partition keys)."""
    return tuple(source_file for source_file in files if str(source_file.period) in years)


def requested_years(context: dg.AssetExecutionContext) -> list[str] | None:
    """Return the partition keys of the run, or None for a run that carries no partition key.

    Dagster raises on ``context.partition_keys`` in a run without a partition key or range,
    so that case is tested first. ``dg.materialize`` without ``partition_key`` starts such a run.
    """
    if not (context.has_partition_key or context.has_partition_key_range):
        return None
    return list(context.partition_keys)


def range_tags(first: str, last: str) -> dict[str, str]:
    """Return the run tags that make one run cover the partitions ``first`` to ``last``.

    Dagster's single-run backfills use these tags. The partitioned assets of the run then see
    the whole range in ``context.partition_keys`` and record one materialisation per partition.
    """
    return {ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}


def full_range_tags(partitions: dg.PartitionsDefinition | None) -> dict[str, str]:
    """Return the run tags that cover every partition, or no tags when ``partitions`` is None."""
    if partitions is None:
        return {}
    keys = partitions.get_partition_keys()
    return range_tags(keys[0], keys[-1])


def years_of_file_names(sources: Iterable[Source], file_names: Iterable[str]) -> list[str]:
    """Return the sorted partition keys of the year-split files among ``file_names``."""
    names = set(file_names)
    return sorted(
        {
            str(source_file.period)
            for source in sources
            if is_year_split(source)
            for source_file in source.files
            if source_file.path.name in names
        }
    )
