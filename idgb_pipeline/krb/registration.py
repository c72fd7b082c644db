"""Load a set of KRB files: parse, validate structure, cross-check, and build records.

Every problem of every file is collected before anything is reported, so policy
staff see all of them in one go.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

from idgb_pipeline.krb.checks import check_registration
from idgb_pipeline.krb.model import Registration, build_registration
from idgb_pipeline.krb.references import References
from idgb_pipeline.krb.schema import validate_structure
from idgb_pipeline.krb.violations import MISSING, Violation, sort_violations
from idgb_pipeline.krb.yaml_source import ParsedFile, parse_krb_file

logger = logging.getLogger("idgb_pipeline.krb.registration")

KRB_SUFFIXES = (".yaml", ".yml")


@dataclass
class LoadResult:
    """The outcome of loading KRB files: the registration, or the violations."""

    files: list[Path]
    violations: list[Violation] = field(default_factory=list)
    registration: Registration | None = None

    @property
    def is_valid(self) -> bool:
        """Whether no file had any violation."""
        return not self.violations


def krb_files(folder: Path) -> list[Path]:
    """Return the KRB files of a folder (``*.yaml``, ``*.yml``), sorted by name."""
    return sorted(
        path for path in folder.iterdir() if path.is_file() and path.suffix.lower() in KRB_SUFFIXES
    )


def load_registration(files: list[Path], references: References) -> LoadResult:
    """Check the files together and build the registration when nothing is wrong.

    Cross-references (ids, documents, parent themes) are resolved across all given
    files, so they must be passed together, as in the ``seeds/krb`` folder.
    """
    violations: list[Violation] = []
    parsed_files: list[ParsedFile] = []
    for path in files:
        parsed, parse_violations = parse_krb_file(path)
        violations.extend(parse_violations)
        if parsed is None:
            continue
        if not isinstance(parsed.data, dict):
            violations.append(
                Violation(
                    path, parsed.line_of(()), (), MISSING,
                    "het bestand moet beginnen met velden zoals 'thema:', niet met een lijst of tekst.",
                    "begin met een blok 'thema:'; 'idgb krb template NAAM' maakt een ingevuld voorbeeld.",
                )
            )
            continue
        violations.extend(validate_structure(parsed))
        parsed_files.append(parsed)

    # One message per field: a value the schema rejected (say "Zwolle" as a region
    # code) is not reported again by the cross-checks.
    rejected_fields = {(violation.file, violation.field) for violation in violations}
    violations.extend(
        violation
        for violation in check_registration(parsed_files, references)
        if (violation.file, violation.field) not in rejected_fields
    )

    result = LoadResult(files=list(files), violations=sort_violations(violations))
    if result.is_valid:
        result.registration = build_registration(parsed_files)
    logger.info("Checked %d KRB files: %d violations", len(files), len(result.violations))
    return result
