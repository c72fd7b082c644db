"""Build the dbt project in PostgreSQL (``dbt build --target postgres``) and summarise the outcome."""

import json
import logging
import os
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from idgb_pipeline import settings
from idgb_pipeline.serving.postgres import PostgresPublicationError
from idgb_pipeline.warehouse.executable import dbt_executable

logger = logging.getLogger("idgb_pipeline.serving.postgres_dbt")

DBT_TARGET = "postgres"
# Statuses in run_results.json that mean a node did not do its job.
FAILED_STATUSES = {"error", "fail", "runtime error"}
# Lines of dbt output shown when dbt stops before it writes run_results.json.
OUTPUT_TAIL_LINES = 20


@dataclass(frozen=True)
class DbtBuildOutcome:
    """Results of one ``dbt build``: node counts per resource type and status, and the failures."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def succeeded(self) -> bool:
        """True when no model, test or unit test failed or raised an error."""
        return not self.failures


def summarise_run_results(run_results: dict) -> DbtBuildOutcome:
    """Count the nodes of a ``run_results.json`` per ``<resource type> <status>`` and list the failures."""
    counts: Counter[str] = Counter()
    failures = []
    for result in run_results.get("results", []):
        unique_id = result["unique_id"]
        resource_type = unique_id.split(".", 1)[0]
        status = str(result.get("status", "")).lower()
        counts[f"{resource_type} {status}"] += 1
        if status in FAILED_STATUSES:
            message = (result.get("message") or "").strip().splitlines()
            failures.append(f"{unique_id}: {message[0] if message else status}")
    return DbtBuildOutcome(
        counts=dict(sorted(counts.items())),
        failures=tuple(failures),
        seconds=float(run_results.get("elapsed_time", 0.0)),
    )


def dbt_postgres_command(command: str, target_path: Path, log_path: Path) -> list[str]:
    """Return the dbt command line that runs ``command`` for the postgres target of the bundled project."""
    return [
        dbt_executable(),
        command,
        "--target",
        DBT_TARGET,
        "--project-dir",
        str(settings.DBT_PROJECT_DIR),
        "--profiles-dir",
        str(settings.DBT_PROJECT_DIR),
        # A private target and log folder, so the DuckDB manifest that Dagster reads stays as it is.
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
    ]


def build_postgres_models() -> DbtBuildOutcome:
    """Run ``dbt build --target postgres`` on the whole project and return its outcome.

    Every layer builds, because the marts read the staging views and intermediate tables.
    dbt-postgres swaps each table and view in its own transaction, so a reader sees the
    old or the new version of a model.

    Raises:
        PostgresPublicationError: When dbt stops before it runs any node (for example a
            connection error), so there is no run_results.json.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="idgb-dbt-postgres-") as folder:
        target_path = Path(folder) / "target"
        command = dbt_postgres_command("build", target_path, Path(folder) / "logs")
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
            check=False,
        )
        results_file = target_path / "run_results.json"
        if not results_file.is_file():
            tail = "\n".join(completed.stdout.strip().splitlines()[-OUTPUT_TAIL_LINES:])
            raise PostgresPublicationError(
                f"dbt build --target {DBT_TARGET} is gestopt voordat er iets is gebouwd "
                f"(exitcode {completed.returncode}). Laatste uitvoer van dbt:\n{tail}"
            )
        outcome = summarise_run_results(json.loads(results_file.read_text(encoding="utf-8")))

    logger.info("dbt build --target %s took %.1f s: %s", DBT_TARGET, time.monotonic() - started, outcome.counts)
    return outcome
