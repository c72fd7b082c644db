"""Find incremental dbt models whose table in the warehouse lacks a column of their definition.

An incremental model adds to its table instead of rebuilding it, so a table built by
an older version of the model keeps its old columns and the next incremental run fails
on the first new one. Such a model must be rebuilt once with ``--full-refresh``.
"""

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

logger = logging.getLogger("idgb_pipeline.warehouse.schema_drift")


def _incremental_models(manifest: Mapping[str, Any]) -> dict[dg.AssetKey, tuple[str, str, frozenset[str]]]:
    """Return ``{asset key: (schema, table, documented columns)}`` per incremental model."""
    models = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"].get("materialized") != "incremental":
            continue
        columns = frozenset(name.lower() for name in node.get("columns", {}))
        models[dg.AssetKey([node["schema"], node["name"]])] = (node["schema"], node["name"], columns)
    return models


def drifted_models(manifest: Mapping[str, Any], warehouse: Path, selected: set[dg.AssetKey]) -> list[str]:
    """Return ``schema.table`` of the selected incremental models whose table lacks a documented column."""
    candidates = [model for key, model in _incremental_models(manifest).items() if key in selected]
    if not candidates or not warehouse.is_file():
        return []

    drifted = []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        for schema, table, documented in candidates:
            existing = {
                row[0].lower()
                for row in connection.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            }
            # A missing table is built in full by dbt anyway.
            if existing and documented - existing:
                logger.info("%s.%s lacks columns %s", schema, table, sorted(documented - existing))
                drifted.append(f"{schema}.{table}")
    return drifted
