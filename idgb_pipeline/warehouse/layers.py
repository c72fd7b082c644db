"""Split the dbt project into layers and build the asset and check specs of one layer.

dagster-dbt evaluates a ``select`` string with dbt-core's selection engine, which it can
only import when dbt-core is installed next to Dagster. dbt runs from its own environment
here (see ``executable.py``), so the code location loads without dbt-core (about 1 s of
imports). A layer is a set of model folders: selecting by folder needs only the manifest.

The result matches ``dbt ls --select path:<folder>`` with dbt's default ("eager")
indirect selection: the nodes whose file lies in one of the folders, plus every test with
at least one parent among them. Specs and checks come from the translator's public
``get_asset_spec`` and ``get_asset_check_spec``, as ``@dbt_assets`` builds them.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtProject

# Resource types that become assets. Tests become checks, and sources stay external.
ASSET_RESOURCE_TYPES = frozenset({"model", "seed", "snapshot"})


@dataclass(frozen=True)
class DbtLayer:
    """One step of dbt work: an asset definition name and the model folders it builds."""

    name: str
    folders: tuple[str, ...]

    @property
    def select(self) -> str:
        """The same layer as a dbt selection string, for the ``dbt build`` command line."""
        return " ".join(f"path:{folder}" for folder in self.folders)

    def contains(self, original_file_path: str) -> bool:
        """Return whether a node defined in ``original_file_path`` belongs to this layer."""
        return any(original_file_path.startswith(f"{folder}/") for folder in self.folders)


def layer_unique_ids(manifest: Mapping[str, Any], layer: DbtLayer) -> set[str]:
    """Return the unique ids that ``dbt ls --select`` selects for ``layer``."""
    direct = {
        unique_id
        for collection in ("nodes", "sources")
        for unique_id, node in manifest[collection].items()
        if layer.contains(node.get("original_file_path", ""))
    }

    # Eager indirect selection: a test comes along when any of its parents is selected.
    tests = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and direct.intersection(manifest["parent_map"].get(unique_id, ()))
    }
    return direct | tests


def _is_asset(node: Mapping[str, Any]) -> bool:
    if node["resource_type"] not in ASSET_RESOURCE_TYPES:
        return False
    return node.get("config", {}).get("materialized") != "ephemeral"


def _node(manifest: Mapping[str, Any], unique_id: str) -> Mapping[str, Any]:
    return manifest["nodes"].get(unique_id) or manifest["sources"][unique_id]


def layer_specs(
    manifest: Mapping[str, Any],
    layer: DbtLayer,
    translator: DagsterDbtTranslator,
    project: DbtProject,
) -> tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec]]:
    """Return the asset specs of the layer's models and the checks of their selected tests."""
    selected = layer_unique_ids(manifest, layer)
    specs = []
    checks: dict[dg.AssetCheckKey, dg.AssetCheckSpec] = {}

    for unique_id in sorted(selected):
        if not _is_asset(_node(manifest, unique_id)):
            continue
        spec = translator.get_asset_spec(manifest, unique_id, project)
        specs.append(spec)

        # The translator attaches a test to one asset only and returns None for the others.
        for test_id in _selected_tests(manifest, unique_id, selected):
            check = translator.get_asset_check_spec(spec, manifest, test_id, project)
            if check is not None:
                checks[check.key] = check

    return specs, list(checks.values())


def _selected_tests(manifest: Mapping[str, Any], unique_id: str, selected: set[str]) -> Iterable[str]:
    children = manifest["child_map"].get(unique_id, ())
    return sorted(child for child in children if child.startswith("test.") and child in selected)
