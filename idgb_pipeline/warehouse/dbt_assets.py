"""dbt models and tests as Dagster assets and asset checks (groups ``warehouse``, ``krb``, ``modellen``).

Staging and the later layers are two asset definitions because a Python asset
(the herindeling table) sits between them: it reads staging views and feeds the
marts. The KRB models are a third, because the KRB Python asset validates the
registration against the marts and writes the tables they read. The analysis
models are a fourth, because they read what the model assets write.
"""

import json
import os
import shutil
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource
from dagster_dbt.asset_utils import DAGSTER_DBT_SELECT_METADATA_KEY

from idgb_pipeline import settings
from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource
from idgb_pipeline.warehouse.dbt_cli import dbt_cli_resource
from idgb_pipeline.warehouse.layers import DbtLayer, layer_specs
from idgb_pipeline.warehouse.project import dbt_project
from idgb_pipeline.warehouse.schema_drift import drifted_models

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
GROUP = "warehouse"
KRB_GROUP = "krb"
# One asset definition per layer. Each layer after staging reads a table that a Python
# asset writes (the herindeling table, the KRB tables, the model outputs), so each is its
# own step in the run.
DBT_LAYERS = (
    DbtLayer("dbt_staging", ("models/staging",)),
    DbtLayer("dbt_marts", ("models/intermediate", "models/marts")),
    # The KRB models read the krb tables that the Python asset writes after the marts.
    DbtLayer("dbt_krb", ("models/krb",)),
    # The analysis marts read the tables that the model assets write to schema analysis.
    DbtLayer("dbt_analysis", ("models/analysis",)),
)
MODELS_GROUP = "modellen"


class IdgbDbtTranslator(DagsterDbtTranslator):
    """Maps dbt nodes to asset keys ``[schema, name]`` in the ``warehouse``, ``krb`` or ``modellen`` group."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        """Key models by schema and name, so ``marts/dim_region`` reads like the table."""
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Put ``models/krb`` in group ``krb``, ``models/analysis`` in ``modellen``, the rest in ``warehouse``."""
        if dbt_resource_props.get("original_file_path", "").startswith("models/krb/"):
            return KRB_GROUP
        if dbt_resource_props.get("original_file_path", "").startswith("models/analysis/"):
            return MODELS_GROUP
        return GROUP

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        """Use the Dutch yml description alone; the default appends the raw SQL."""
        return dbt_resource_props.get("description") or dbt_resource_props["name"]


def _translator() -> IdgbDbtTranslator:
    return IdgbDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def _build(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    manifest: Mapping[str, Any],
):
    # "buildable" runs a test that spans layers (staging and intermediate) only in the
    # build that also builds its last parent, instead of in the staging build too early.
    arguments = ["build", "--indirect-selection", "buildable"]

    drifted = drifted_models(manifest, warehouse.file, set(context.selected_asset_keys))
    if drifted:
        context.log.warning(
            f"Incrementele tabel(len) {', '.join(drifted)} missen kolommen van hun huidige "
            "definitie en worden deze keer volledig opnieuw opgebouwd (--full-refresh)."
        )
        arguments.append("--full-refresh")

    # profiles.yml reads the warehouse path from the environment of the dbt process, which
    # dagster-dbt copies from this process when it starts dbt. The old value comes back right
    # after, so a later run in the same process for another warehouse does not inherit it.
    previous = os.environ.get(settings.WAREHOUSE_ENV)
    os.environ[settings.WAREHOUSE_ENV] = str(warehouse.file)
    try:
        invocation = dbt.cli(arguments, context=context)
    finally:
        if previous is None:
            os.environ.pop(settings.WAREHOUSE_ENV, None)
        else:
            os.environ[settings.WAREHOUSE_ENV] = previous
    yield from invocation.stream()
    keep_partial_parse(invocation.target_path, dbt_project().project_dir)


def keep_partial_parse(invocation_target: Path, project_dir: Path) -> None:
    """Make the parse state of a finished dbt call the one the next call starts from.

    dagster-dbt gives every call its own target folder and seeds it with
    ``target/partial_parse.msgpack``. dbt parses the whole project again when the profile
    differs from the one that file was made with, and the warehouse path in the profile
    differs between `make manifest` and a run. Without this copy every dbt step of every
    run parsed the project in full (about 3 s each).
    """
    project_dir = Path(project_dir)
    # dagster-dbt gives the folder relative to the project unless DBT_TARGET_PATH is absolute.
    produced = (project_dir / invocation_target) / PARTIAL_PARSE_FILE
    if not produced.is_file():
        return
    shared = project_dir / "target" / PARTIAL_PARSE_FILE
    temporary = shared.with_name(f".{PARTIAL_PARSE_FILE}.{os.getpid()}")
    shutil.copyfile(produced, temporary)
    os.replace(temporary, shared)


def _dbt_layer(project, manifest: Mapping[str, Any], layer: DbtLayer) -> dg.AssetsDefinition:
    """Build one asset definition that runs ``dbt build`` on the models of ``layer``."""
    specs, check_specs = layer_specs(manifest, layer, _translator(), project)

    # dagster-dbt passes the select tag to dbt when the whole layer runs, and the selected
    # models when only some of them run.
    @dg.multi_asset(
        name=layer.name,
        specs=specs,
        check_specs=check_specs,
        can_subset=True,
        op_tags={DAGSTER_DBT_SELECT_METADATA_KEY: layer.select},
        pool=DUCKDB_WRITER_POOL,
        allow_arbitrary_check_specs=True,
    )
    def dbt_layer(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ):
        yield from _build(context, dbt, warehouse, manifest)

    return dbt_layer


@cache
def build_dbt_assets() -> list[dg.AssetsDefinition]:
    """Build one dbt asset definition per layer, in the order the layers depend on each other."""
    project = dbt_project()
    manifest = json.loads(project.manifest_path.read_bytes())
    return [_dbt_layer(project, manifest, layer) for layer in DBT_LAYERS]


def dbt_resource() -> DbtCliResource:
    """Return the dbt CLI resource for the bundled project."""
    return dbt_cli_resource(dbt_project())
