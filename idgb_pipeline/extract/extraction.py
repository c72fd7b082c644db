"""Read every file of a source, validate it with its suite, then load it into ``raw``.

Files are read, validated and added one at a time, so only one file's frames are
in memory, but all files of a source load in one transaction. A file that cannot
be read therefore stops the extraction without touching what was loaded before.
Rows that fail an expectation go to ``quarantine``. A failed critical expectation
rejects the whole file version, so ``raw`` and everything built on it keep the
previous version. A file whose bytes and validation fingerprint match its loaded
version is not read again (see ``extract/fingerprint.py``).
"""

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

from idgb_pipeline import settings
from idgb_pipeline.errors import ExtractError
from idgb_pipeline.extract.catalogue import Source, SourceFile
from idgb_pipeline.extract.fingerprint import file_fingerprint, source_fingerprint
from idgb_pipeline.extract.loader import FileBatch, FileLoad, file_sha256, record_rejected_file, source_load
from idgb_pipeline.extract.normalise import cast_to_catalogue
from idgb_pipeline.extract.readers import READERS
from idgb_pipeline.resources import limit_memory
from idgb_pipeline.validate.gx_runner import build_data_docs, run_suite
from idgb_pipeline.validate.outcome import FileFindings, collect_findings
from idgb_pipeline.validate.prepare import add_validation_columns, split_exact_duplicates
from idgb_pipeline.validate.reference import load_region_reference
from idgb_pipeline.validate.suites import Suite, load_suite

logger = logging.getLogger("idgb_pipeline.extract.extraction")

# The first data row sits on spreadsheet row 2, below the header.
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class ExtractionResult:
    """The outcome of extracting one source."""

    source_id: str
    files: list[FileLoad]
    read_details: dict[str, dict]
    findings: list[FileFindings] = field(default_factory=list)
    data_docs: Path | None = None
    unchanged_files: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        """Rows accepted into ``raw`` from the current files (rejected files count zero)."""
        return sum(file.row_count for file in self.files if not file.is_rejected)

    @property
    def new_versions(self) -> int:
        """Files that were loaded as a new version in this run."""
        return sum(file.is_new_version for file in self.files)

    @property
    def quarantined_count(self) -> int:
        """Rows of the current files that failed validation."""
        return sum(file.quarantined_count for file in self.files)

    @property
    def unchanged_quarantined_count(self) -> int:
        """Quarantined rows of files skipped as unchanged, from their earlier validation."""
        return sum(file.quarantined_count for file in self.files if file.file_name in self.unchanged_files)

    @property
    def rejected_files(self) -> list[str]:
        """Files whose version was rejected by a critical expectation."""
        return [file.file_name for file in self.files if file.is_rejected]

    @property
    def messages(self) -> list[str]:
        """Dutch findings of every file, in file order, after the notes from reading."""
        notes = [note for details in self.read_details.values() for note in details.get("meldingen", [])]
        return notes + [message for findings in self.findings for message in findings.messages]


def read_typed_file(source: Source, path: Path) -> tuple[pd.DataFrame, dict]:
    """Read one file of ``source`` and return its typed frame and reader details."""
    frame, details = READERS[source.format](path, source.options)
    typed, notes = cast_to_catalogue(frame, source, path)
    details["meldingen"] = details.get("meldingen", []) + notes
    return typed, details


def _quarantine_frame(
    frame: pd.DataFrame, reasons: dict, duplicates: pd.Series, severity_of: dict
) -> pd.DataFrame:
    """Build the quarantine rows: failing rows with their reasons, plus exact copies."""
    parts = []
    if reasons:
        failing = frame.loc[list(reasons)].copy()
        failing["_reason"] = ["; ".join(reasons[index]) for index in failing.index]
        failing["_severity"] = [severity_of[index] for index in failing.index]
        parts.append(failing)
    if len(duplicates):
        copies = frame.loc[duplicates.index].copy() if set(duplicates.index) <= set(frame.index) else None
        if copies is not None:
            copies["_reason"] = [
                f"exacte kopie van rij {int(original) + FIRST_DATA_ROW}" for original in duplicates
            ]
            copies["_severity"] = "warning"
            parts.append(copies)
    if not parts:
        return pd.DataFrame()
    quarantined = pd.concat(parts)
    quarantined["_row_number"] = [int(index) + FIRST_DATA_ROW for index in quarantined.index]
    return quarantined


def _validate_file(
    source: Source,
    suite: Suite,
    source_file: SourceFile,
    frame: pd.DataFrame,
    reference: dict,
    gx_root: Path,
    pending_docs: list,
) -> tuple[FileBatch, FileFindings]:
    """Validate one typed file and split it into accepted and quarantined rows."""
    deduplicated, duplicates = split_exact_duplicates(frame)
    prepared = add_validation_columns(
        deduplicated, suite, reference, source.period_column, source_file.period
    )
    name = f"{source.id}__{source_file.path.name.split('.')[0]}"
    results, _ = run_suite(prepared, suite.document, name, gx_root, pending_docs)
    findings = collect_findings(results, prepared, suite, source_file.path.name)

    severity_of = {}
    for result in findings.failed:
        for index in result.unexpected_index:
            if result.is_critical or index not in severity_of:
                severity_of[index] = result.severity
    for index, original in duplicates.items():
        findings.messages.append(
            f"{source_file.path.name} (waarschuwing), rij {int(index) + FIRST_DATA_ROW}: exacte kopie "
            f"van rij {int(original) + FIRST_DATA_ROW}. Herstel: verwijder de dubbele regel; "
            "de pipeline laadt alleen de eerste."
        )

    quarantined = _quarantine_frame(frame, findings.row_reasons, duplicates, severity_of)
    if findings.has_critical_failure:
        batch = FileBatch(
            source_file.path, source_file.period, None, quarantined, "\n".join(findings.messages)
        )
    else:
        accepted = deduplicated.drop(index=list(findings.row_reasons))
        batch = FileBatch(source_file.path, source_file.period, accepted, quarantined)
    return batch, findings


def extract_source(
    source: Source,
    warehouse: Path,
    files: tuple[SourceFile, ...] | None = None,
    suite: Suite | None = None,
    gx_root: Path | None = None,
) -> ExtractionResult:
    """Read, validate and load a source. ``files`` replaces the catalogue files (downloads)."""
    suite = suite or load_suite(source.id)
    gx_root = gx_root or settings.data_dir()
    files = files or source.files
    revalidate = settings.revalidate_all()

    loads, read_details, all_findings, unchanged, pending_docs = [], {}, [], [], []
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as connection:
        limit_memory(connection)
        current = None
        try:
            with source_load(connection, source) as load:
                reference = load_region_reference(connection)
                fingerprint = source_fingerprint(connection, source, suite)

                for source_file in files:
                    current = source_file.path
                    sha256 = file_sha256(source_file.path) if source_file.path.is_file() else None
                    file_print = file_fingerprint(fingerprint, source_file)

                    skipped = None
                    if sha256 is not None and not revalidate:
                        skipped = load.unchanged_file(source_file.path, sha256, file_print)
                    if skipped is not None:
                        logger.info("Skipped %s: unchanged since its validated load", skipped.file_name)
                        loads.append(skipped)
                        unchanged.append(skipped.file_name)
                        read_details[skipped.file_name] = {"overgeslagen": "ongewijzigd sinds de vorige validatie"}
                        continue

                    frame, details = read_typed_file(source, source_file.path)
                    read_details[source_file.path.name] = {**details, "gelezen_rijen": len(frame)}
                    logger.info("Read %s: %d rows (%s)", source_file.path.name, len(frame), details)

                    batch, findings = _validate_file(
                        source, suite, source_file, frame, reference, gx_root, pending_docs
                    )
                    loads.append(load.add_file(replace(batch, sha256=sha256), file_print))
                    all_findings.append(findings)
        except ExtractError as error:
            # The transaction rolled back, so only the rejection itself goes on record.
            record_rejected_file(connection, source, current, str(error))
            raise

    return ExtractionResult(
        source_id=source.id,
        files=loads,
        read_details=read_details,
        findings=all_findings,
        data_docs=build_data_docs(gx_root, pending_docs) if pending_docs else None,
        unchanged_files=unchanged,
    )
