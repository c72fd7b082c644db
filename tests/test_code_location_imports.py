"""Loading the code location leaves the model libraries unimported until an asset runs.

scikit-learn, statsmodels and SciPy are slow to import and only the model assets use
them, so the model modules import them only when a model asset runs.
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
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

DEFERRED_PACKAGES = ("sklearn", "statsmodels", "scipy")


@pytest.fixture(scope="module")
def loaded_packages(tmp_path_factory, dbt_manifest) -> set[str]:
    """Load the code location in a fresh interpreter and return its top-level module names."""
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
