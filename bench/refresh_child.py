"""Run the whole asset graph as ``idgb run`` does and write its step durations as JSON.

Started by ``national_scale.py`` in its own process, with ``IDGB_CATALOGUE``,
``IDGB_DATA_DIR`` and ``DAGSTER_HOME`` set, so the parent can measure the process tree.
Step durations come from the Dagster event log: the time from STEP_START to
STEP_SUCCESS or STEP_FAILURE of each step.

Usage::

    .venv/bin/python bench/refresh_child.py RESULT.json
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()

import dagster as dg  # noqa: E402 (import time is part of what is measured)
from dagster._core.events import DagsterEventType  # noqa: E402

from idgb_pipeline.definitions import defs  # noqa: E402
from idgb_pipeline.runner import ensure_dagster_home, run_all  # noqa: E402

STEP_END = {DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}


def step_seconds(instance: dg.DagsterInstance, run_id: str) -> dict[str, float]:
    """Return the duration of every step of a run, in seconds, longest first."""
    records = instance.all_logs(run_id, of_type={DagsterEventType.STEP_START, *STEP_END})
    started, durations = {}, {}
    for record in records:
        if record.dagster_event.event_type == DagsterEventType.STEP_START:
            started[record.step_key] = record.timestamp
        elif record.step_key in started:
            durations[record.step_key] = record.timestamp - started[record.step_key]
    return dict(sorted(durations.items(), key=lambda item: -item[1]))


def main() -> None:
    result_path = Path(sys.argv[1])
    ensure_dagster_home()
    instance = dg.DagsterInstance.get()
    definitions_started = time.perf_counter()
    definitions = defs()
    definitions_seconds = time.perf_counter() - definitions_started

    # run_all swallows standard output while dbt runs, so progress goes to the saved stream.
    progress = sys.stdout
    success, report, run_seconds = run_all(definitions, echo=lambda line: print(line, file=progress, flush=True), instance=instance)
    run_id = instance.get_runs(limit=1)[0].run_id
    result = {
        "success": success,
        "failed_steps": report.failed_steps,
        "checks_failed": report.checks_failed,
        "import_seconds": definitions_started - STARTED,
        "definitions_seconds": definitions_seconds,
        "run_seconds": run_seconds,
        "steps": step_seconds(instance, run_id),
    }
    result_path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    sys.exit(0 if success else 1)


if __name__ == "__main__":
    main()
