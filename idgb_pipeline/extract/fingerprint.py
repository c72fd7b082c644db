"""Fingerprint of everything that decides how a file validates, apart from its bytes.

A file whose sha256 and fingerprint match its last loaded version gives the same
typed rows, quarantine and check outcome again, so extraction skips reading it.
That keeps a refresh that adds one yearly file from re-reading all earlier years.
"""

import hashlib
import json
from dataclasses import asdict, replace
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


def source_fingerprint(connection: duckdb.DuckDBPyConnection, source: Source, suite: Suite) -> str:
    """Return the hex sha256 of the catalogue entry (without its file list), suite and reference."""
    document = {
        "package": _package_version(),
        "source": asdict(replace(source, files=(), title="", description="")),
        "suite": suite.document,
        "reference": _reference_versions(connection) if suite.region_check else [],
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()


def file_fingerprint(source_fingerprint_hex: str, source_file: SourceFile) -> str:
    """Return the fingerprint of one file: its source's fingerprint and its catalogue period."""
    return hashlib.sha256(f"{source_fingerprint_hex}:{source_file.period}".encode()).hexdigest()
