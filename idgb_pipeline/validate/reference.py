"""Region reference: which region codes were valid in which layout year, from the raw schema."""

import logging

import duckdb

logger = logging.getLogger("idgb_pipeline.validate.reference")

# Each query returns (layout year, region code) from the latest version of a region
# source. The filter mirrors the ``latest_version`` dbt macro.
REFERENCE_QUERIES = {
    "kwb2022_regios": """
        select 2022, "Key"
        from raw.kwb2022_regios
        qualify _loaded_at = max(_loaded_at) over (partition by _file_name)
    """,
    "gemeenten_per_jaar": """
        select peiljaar, 'GM' || lpad("Gemeentecode", 4, '0')
        from raw.gemeenten_per_jaar
        qualify _loaded_at = max(_loaded_at) over (partition by _file_name)
    """,
    "gemeentegrenzen": """
        select cast(left(jrstatcode, 4) as integer), statcode
        from raw.gemeentegrenzen
        qualify _loaded_at = max(_loaded_at) over (partition by _file_name)
    """,
}

# The extract assets of these sources must run before any source whose suite checks
# region codes, so that the reference is current.
REFERENCE_SOURCES = tuple(REFERENCE_QUERIES)


def _existing_raw_tables(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables where table_schema = 'raw'"
    ).fetchall()
    return {row[0] for row in rows}


def load_region_reference(connection: duckdb.DuckDBPyConnection) -> dict[int, frozenset[str]]:
    """Return the valid region codes per layout year found in the raw schema."""
    existing = _existing_raw_tables(connection)
    codes_by_year: dict[int, set[str]] = {}
    for source_id, query in REFERENCE_QUERIES.items():
        if source_id not in existing:
            logger.warning("Region reference %s not loaded yet; its years are not checked", source_id)
            continue
        for year, code in connection.execute(query).fetchall():
            codes_by_year.setdefault(int(year), set()).add(code)
    return {year: frozenset(codes) for year, codes in codes_by_year.items()}
