"""The dbt CLI resource of this project, and the manifest preparation under ``dagster dev``."""

from dagster_dbt import DbtCliResource, DbtProject

from idgb_pipeline.warehouse.executable import dbt_executable


class IdgbDbtCliResource(DbtCliResource):
    """``DbtCliResource`` that opens no dbt-core adapter in the Dagster process.

    Before each call dagster-dbt builds a dbt-core adapter in its own process (1.4 s on the
    2-core benchmark machine), which it needs only to fetch column metadata on request.
    This project never requests it. dbt-core is not installed in this environment, so that
    set-up would fail and log a warning on every step. dbt itself runs as a subprocess
    either way.
    """

    def _initialize_dbt_core_adapter(self, args):
        return None


def dbt_cli_resource(project: DbtProject) -> IdgbDbtCliResource:
    """Return the dbt CLI resource of ``project``, running the dbt found by ``dbt_executable``."""
    return IdgbDbtCliResource(project_dir=project, dbt_executable=dbt_executable())


def prepare_manifest(project: DbtProject) -> None:
    """Write ``manifest.json`` with ``dbt parse``, as ``DbtProject.prepare_if_dev`` does.

    dagster-dbt's own preparation calls dbt through a plain ``DbtCliResource``: it takes
    ``dbt`` from PATH and logs the adapter warning described above on every load.
    """
    dbt_cli_resource(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
