"""Expectation suites: one JSON file per source under ``expectations/``, editable by hand."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from idgb_pipeline import settings
from idgb_pipeline.errors import ValidationSetupError

SUITES_DIR = settings.PROJECT_ROOT / "expectations"

# The column that the region reference check fills in before validation.
REGION_KNOWN_COLUMN = "_regio_bekend"


@dataclass(frozen=True)
class RegionCheck:
    """Region code column and the layout year in which its codes must exist."""

    code_column: str
    year_column: str | None = None
    reference_year: int | None = None
    extra_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Suite:
    """A GX suite document plus the project's settings from its ``meta`` block."""

    source_id: str
    path: Path
    document: dict
    region_check: RegionCheck | None = None
    derived_columns: dict[str, str] = field(default_factory=dict)

    @property
    def expectations(self) -> list[dict]:
        """The expectation configurations, in file order."""
        return self.document["expectations"]


def _region_check(meta: dict) -> RegionCheck | None:
    settings_block = meta.get("regiocontrole")
    if not settings_block:
        return None
    return RegionCheck(
        code_column=settings_block["code_kolom"],
        year_column=settings_block.get("jaar_kolom"),
        reference_year=settings_block.get("referentiejaar"),
        extra_codes=frozenset(settings_block.get("extra_codes", [])),
    )


def load_suite(source_id: str, folder: Path | None = None) -> Suite:
    """Read ``<folder>/<source_id>.json``, the suite that every catalogue source must have.

    ``folder`` defaults to ``settings.expectations_dir()``.
    """
    path = (folder or settings.expectations_dir()) / f"{source_id}.json"
    if not path.is_file():
        raise ValidationSetupError(
            f"Geen verwachtingen gevonden voor bron '{source_id}': {path} ontbreekt. "
            "Maak een suite aan in expectations/ (zie docs/validatie.md)."
        )
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValidationSetupError(
            f"{path} is geen geldige JSON (regel {error.lineno}: {error.msg})."
        ) from error

    meta = document.get("meta", {})
    return Suite(
        source_id=source_id,
        path=path,
        document=document,
        region_check=_region_check(meta),
        derived_columns=dict(meta.get("afgeleide_kolommen", {})),
    )
