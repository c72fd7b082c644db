"""Loading the code location leaves the model libraries and dbt-core unimported.

scikit-learn, statsmodels and SciPy are slow to import and only the model assets use
them, so the model modules import them only when a model asset runs. dbt-core lives in
its own environment and runs as a subprocess; dagster-dbt imports it when it can.
"""

import json
import os
import subprocess
import sys

import pytest

from idgb_pipeline import settings

# Builds the definitions as Dagster does when it loads the code location, then prints the
# top-level names of the loaded modules.
LOAD_CODE_LOCATION = """
import json
import sys

from idgb_pipeline.definitions import defs

repository = defs().get_repository_def()
repository.get_all_jobs()
print(json.dumps(sorted(sys.modules)))
"""

DEFERRED_PACKAGES = ("sklearn", "statsmodels", "scipy")


@pytest.fixture(scope="module")
def loaded_modules(tmp_path_factory, dbt_manifest) -> set[str]:
    """Load the code location in a fresh interpreter and return the names of its modules."""
    environment = {**os.environ, settings.DATA_DIR_ENV: str(tmp_path_factory.mktemp("code_location"))}
    result = subprocess.run(
        [sys.executable, "-c", LOAD_CODE_LOCATION],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    assert result.returncode == 0, f"Loading the code location failed:\n{result.stderr}"

    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def loaded_packages(loaded_modules) -> set[str]:
    return {name.split(".")[0] for name in loaded_modules}


def test_code_location_was_built(loaded_packages):
    # Without the definitions and dagster-dbt loaded, a package missing in the checks below
    # would prove nothing.
    assert "idgb_pipeline" in loaded_packages
    assert "dagster_dbt" in loaded_packages


@pytest.mark.parametrize("package", DEFERRED_PACKAGES)
def test_model_library_not_imported(loaded_packages, package):
    assert package not in loaded_packages, (
        f"Loading the code location imports {package}. Import it inside the function that uses it."
    )


def test_dbt_core_not_imported(loaded_modules):
    # dbt.version is the module whose import makes dagster-dbt load all of dbt-core.
    assert "dbt.version" not in loaded_modules, (
        "Loading the code location imports dbt-core. dbt belongs in its own environment "
        "(.venv-dbt, see the Makefile)."
    )
