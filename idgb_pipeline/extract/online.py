"""Live CBS downloads for sources that name an OData table (``IDGB_CBS_ONLINE=1``)."""

from pathlib import Path

from idgb_pipeline import settings
from idgb_pipeline.extract.catalogue import Source, SourceFile
from idgb_pipeline.extract.cbs_odata import CbsODataClient


def download_source_files(source: Source, dest_dir: Path) -> tuple[SourceFile, ...]:
    """Download the source's OData endpoint and return it as the file to extract.

    The downloaded CSV has the same layout as the bundled seed, so the regular
    reader and catalogue checks apply to it unchanged.
    """
    client = CbsODataClient(base_url=settings.cbs_odata_url())
    downloaded = client.download_table(source.odata.table_id, dest_dir)
    if source.odata.endpoint == "DataProperties":
        path = downloaded.data_properties_path
    else:
        path = downloaded.typed_dataset_path
    return (SourceFile(path=path),)
