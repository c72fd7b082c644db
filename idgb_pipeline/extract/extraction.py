"""Read every file of a source, check it against the catalogue, then load it into ``raw``.

All files are read and typed before the warehouse is opened, so a broken file
stops the extraction without touching what was loaded before.
"""

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from idgb_pipeline.extract.catalogue import Source, SourceFile
from idgb_pipeline.extract.loader import FileLoad, load_source
from idgb_pipeline.extract.normalise import cast_to_catalogue
from idgb_pipeline.extract.readers import READERS

logger = logging.getLogger("idgb_pipeline.extract.extraction")


@dataclass(frozen=True)
class ExtractionResult:
    """The outcome of extracting one source."""

    source_id: str
    files: list[FileLoad]
    read_details: dict[str, dict]

    @property
    def row_count(self) -> int:
        """Rows in the current version of the source, over all its files."""
        return sum(file.row_count for file in self.files)

    @property
    def new_versions(self) -> int:
        """Files that changed since the previous load."""
        return sum(file.is_new_version for file in self.files)


def read_typed_file(source: Source, path: Path) -> tuple[pd.DataFrame, dict]:
    """Read one file of ``source`` and return its typed frame and reader details."""
    frame, details = READERS[source.format](path, source.options)
    return cast_to_catalogue(frame, source, path), details


def extract_source(
    source: Source,
    warehouse: Path,
    files: tuple[SourceFile, ...] | None = None,
) -> ExtractionResult:
    """Read, type and load a source; ``files`` overrides the catalogue files (downloads)."""
    typed_frames = []
    read_details = {}
    for source_file in files or source.files:
        frame, details = read_typed_file(source, source_file.path)
        typed_frames.append((source_file.path, source_file.period, frame))
        read_details[source_file.path.name] = {**details, "rows": len(frame)}
        logger.info("Read %s: %d rows (%s)", source_file.path.name, len(frame), details)

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as connection:
        loads = load_source(connection, source, typed_frames)

    return ExtractionResult(source_id=source.id, files=loads, read_details=read_details)
