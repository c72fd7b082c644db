"""Fingerprint of everything that decides how a file validates, apart from its bytes.

A file whose sha256 and fingerprint match its last loaded version gives the same
typed rows, quarantine and check outcome again, so extraction skips reading it.
That keeps a refresh that adds one yearly file from re-reading all earlier years.
"""

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version

import duckdb

from idgb_pipeline.extract.catalogue import Source, SourceFile
from idgb_pipeline.validate.reference import REFERENCE_SOURCES
from idgb_pipeline.validate.suites import Suite


def _package_version() -> str:
    # NOTE: a code change without a version bump does not change the fingerprint. After
    # changing validation code in a checkout, run once with IDGB_REVALIDATE=1.
    try:
        return version("idgb-pipeline")
    except PackageNotFoundError:
        return "onbekend"


def _reference_versions(connection: duckdb.DuckDBPyConnection) -> list[list[str]]:
    """Return every loaded version of the region sources, which region-code checks depend on."""
    rows = connection.execute(
        "select source_id, file_name, file_sha256 from raw._load_log "
        "where status = 'geladen' and source_id in (select unnest(?)) order by all",
        [list(REFERENCE_SOURCES)],
    ).fetchall()
    return [list(row) for row in rows]


# The catalogue fields that change how a file is read and typed. Titles, licences and the
# period label only describe the source, so editing them does not force a re-read.
READING_FIELDS = ("id", "format", "columns", "period_column", "options")


def source_fingerprint(connection: duckdb.DuckDBPyConnection, source: Source, suite: Suite) -> str:
    """Return the hex sha256 of the reading fields of a catalogue entry, its suite and the reference."""
    document = {
        "package": _package_version(),
        "source": {name: getattr(source, name) for name in READING_FIELDS},
        "suite": suite.document,
        "reference": _reference_versions(connection) if suite.region_check else [],
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def file_fingerprint(source_fingerprint_hex: str, source_file: SourceFile) -> str:
    """Return the fingerprint of one file: its source's fingerprint and its catalogue period."""
    return hashlib.sha256(f"{source_fingerprint_hex}:{source_file.period}".encode()).hexdigest()
