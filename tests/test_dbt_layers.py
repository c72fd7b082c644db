"""The dbt layers select what dbt's own selection engine selects, and cover every model once.

The layers are evaluated from the manifest without dbt-core (``warehouse/layers.py``).
Here the same selection goes through ``dbt ls`` in the dbt environment.
"""

import json
import os
import subprocess

import pytest

from idgb_pipeline import settings
from idgb_pipeline.errors import IdgbError
from idgb_pipeline.warehouse.dbt_assets import DBT_LAYERS, build_dbt_assets
from idgb_pipeline.warehouse.executable import DBT_EXECUTABLE_ENV, dbt_executable
from idgb_pipeline.warehouse.layers import layer_unique_ids


@pytest.fixture(scope="module")
def manifest(dbt_manifest) -> dict:
    return json.loads(dbt_manifest.read_text(encoding="utf-8"))


def dbt_list(select: str, tmp_path) -> set[str]:
    """Return the models and tests that ``dbt ls --select`` selects."""
    result = subprocess.run(
        [
            dbt_executable(), "ls", "--quiet", "--select", select,
            "--resource-type", "model", "--resource-type", "test",
            "--output", "json", "--output-keys", "unique_id",
            "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
            "--log-path", str(tmp_path / "logs"),
        ],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {json.loads(line)["unique_id"] for line in result.stdout.splitlines() if line.startswith("{")}


@pytest.mark.parametrize("layer", DBT_LAYERS, ids=lambda layer: layer.name)
def test_layer_selects_what_dbt_selects(layer, manifest, tmp_path):
    ours = {
        unique_id
        for unique_id in layer_unique_ids(manifest, layer)
        if unique_id.split(".")[0] in ("model", "test")
    }

    assert ours == dbt_list(layer.select, tmp_path)


def test_every_model_is_in_exactly_one_layer(manifest):
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] != "model":
            continue
        layers = [layer.name for layer in DBT_LAYERS if layer.contains(node["original_file_path"])]
        assert len(layers) == 1, (
            f"{unique_id} ({node['original_file_path']}) is in layers {layers}; add its folder to "
            "exactly one layer in DBT_LAYERS, or Dagster does not build it."
        )


def test_every_dbt_test_is_one_asset_check(manifest):
    check_ids = [
        check.metadata["dagster_dbt/unique_id"]
        for definition in build_dbt_assets()
        for check in definition.check_specs
    ]
    tests = {unique_id for unique_id in manifest["nodes"] if unique_id.startswith("test.")}

    assert len(check_ids) == len(set(check_ids))
    assert set(check_ids) == tests


def test_configured_dbt_executable_must_exist(monkeypatch, tmp_path):
    missing = tmp_path / "geen-dbt"
    monkeypatch.setenv(DBT_EXECUTABLE_ENV, str(missing))

    with pytest.raises(IdgbError, match=f"{DBT_EXECUTABLE_ENV} wijst naar {missing}"):
        dbt_executable()


def test_configured_dbt_executable_is_used(monkeypatch):
    real = dbt_executable()
    monkeypatch.setenv(DBT_EXECUTABLE_ENV, real)

    assert dbt_executable() == real
