"""The two lock files pin the same version of every package they share.

Dagster's environment and dbt's environment open the same DuckDB warehouse file, and a
DuckDB file written by one version may not open in an older one.
"""

from idgb_pipeline import settings


def read_pins(name: str) -> dict[str, str]:
    """Return package -> version from a ``pip freeze`` style lock file."""
    pins = {}
    for line in (settings.PROJECT_ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        package, _, version = line.partition("==")
        pins[package.lower().replace("_", "-")] = version
    return pins


def test_shared_pins_agree():
    dagster_pins = read_pins("requirements.lock")
    dbt_pins = read_pins("requirements-dbt.lock")
    shared = dagster_pins.keys() & dbt_pins.keys()

    assert "duckdb" in shared
    assert {package: dagster_pins[package] for package in shared} == {
        package: dbt_pins[package] for package in shared
    }


def test_dbt_core_only_in_dbt_environment():
    assert "dbt-core" not in read_pins("requirements.lock")
    assert "dbt-core" in read_pins("requirements-dbt.lock")
