"""Reference sets for KRB cross-checks: indicators, regions and Iv3 taakvelden.

The warehouse supplies all three (``marts.dim_indicator``, ``marts.dim_region``,
``staging.stg_cbs__iv3_taakvelden``). Without a warehouse, ``idgb krb check`` still checks
taakvelden against the bundled Iv3 list and states which cross-checks it skipped.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from idgb_pipeline import settings
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.extract.readers import read_json_tree

logger = logging.getLogger("idgb_pipeline.krb.references")

IV3_SOURCE_ID = "iv3_taakvelden"

INDICATOR_TABLE = "marts.dim_indicator"
REGION_TABLE = "marts.dim_region"
TAAKVELD_TABLE = "staging.stg_cbs__iv3_taakvelden"


@dataclass(frozen=True)
class Region:
    """A region of ``marts.dim_region`` as far as the KRB needs it."""

    level: str
    name: str


@dataclass
class References:
    """Known codes for cross-checks; ``None`` means that check is skipped."""

    indicators: dict[str, str | None] | None = None
    regions: dict[str, Region] | None = None
    taakvelden: dict[str, str] | None = None
    taakveld_source: str = TAAKVELD_TABLE
    skipped: list[str] = field(default_factory=list)


def _indicators(connection: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    rows = connection.execute(f"select indicator_code, direction from {INDICATOR_TABLE}").fetchall()
    return dict(rows)


def _regions(connection: duckdb.DuckDBPyConnection) -> dict[str, Region]:
    rows = connection.execute(
        f"select region_code, region_level, region_name from {REGION_TABLE}"
    ).fetchall()
    return {code: Region(level, name) for code, level, name in rows}


def _taakvelden(connection: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = connection.execute(f"select taakveld_code, taakveld_name from {TAAKVELD_TABLE}").fetchall()
    return dict(rows)


def bundled_taakvelden() -> dict[str, str]:
    """Return the Iv3 taakvelden of the bundled definition file, code → name."""
    source = load_catalogue(settings.CATALOGUE_PATH)[IV3_SOURCE_ID]
    frame, _ = read_json_tree(source.files[0].path, source.options)
    return dict(zip(frame["code"], frame["omschrijving"], strict=True))


def references_from_connection(connection: duckdb.DuckDBPyConnection) -> References:
    """Read all three reference sets from an open warehouse connection.

    The KRB asset runs after the dbt marts, so a missing table here is an error and
    is raised, unlike in ``references_for_check``.
    """
    return References(
        indicators=_indicators(connection),
        regions=_regions(connection),
        taakvelden=_taakvelden(connection),
    )


def references_for_check(warehouse: Path) -> References:
    """Read what the warehouse offers, read-only, and record each cross-check skipped.

    Used by ``idgb krb check``, which must work before the first ``idgb run`` and
    while another process writes the warehouse.
    """
    references = References()
    if not warehouse.exists():
        references.skipped.append(
            f"indicatoren (marts.dim_indicator) en regio's (marts.dim_region) zijn niet "
            f"gecontroleerd: het warehouse {warehouse} bestaat nog niet. Draai eerst 'idgb run' "
            "(of make run) om ze ook te controleren."
        )
        _use_bundled_taakvelden(references)
        return references

    try:
        connection = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        logger.warning("Cannot open %s read-only: %s", warehouse, error)
        references.skipped.append(
            f"indicatoren en regio's zijn niet gecontroleerd: het warehouse {warehouse} kan niet "
            f"worden geopend ({error}). Wacht tot een lopende run klaar is en probeer het opnieuw."
        )
        _use_bundled_taakvelden(references)
        return references

    with connection:
        for attribute, reader, table in (
            ("indicators", _indicators, INDICATOR_TABLE),
            ("regions", _regions, REGION_TABLE),
            ("taakvelden", _taakvelden, TAAKVELD_TABLE),
        ):
            try:
                setattr(references, attribute, reader(connection))
            except duckdb.CatalogException:
                if attribute != "taakvelden":
                    references.skipped.append(
                        f"{table} is niet gecontroleerd: de tabel ontbreekt in {warehouse}. "
                        "Draai 'idgb run' om het warehouse volledig te bouwen."
                    )

    if references.taakvelden is None:
        _use_bundled_taakvelden(references)
    return references


def _use_bundled_taakvelden(references: References) -> None:
    references.taakvelden = bundled_taakvelden()
    references.taakveld_source = "de meegeleverde Iv3-taakveldenlijst"
