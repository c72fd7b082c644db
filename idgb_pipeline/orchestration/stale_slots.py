"""Free the writer pool slot that a killed ``idgb run`` never gave back.

A step claims a slot of its pool in the instance when it starts and frees it when it ends.
A process killed in between (SIGKILL, power loss) frees nothing, and its run stays STARTED.
With the pool limit at 1, every later step that opens the warehouse would then wait forever.
The Dagster daemon frees slots of finished runs, but ``idgb run`` runs without a daemon and
a killed run never finishes, so the runner calls this before it starts.
"""

import logging
import os

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.storage.dagster_run import FINISHED_STATUSES, DagsterRunStatus

logger = logging.getLogger("idgb_pipeline.orchestration.stale_slots")

TRIGGER_TAG = "idgb/trigger"
RUNNER_TRIGGER = "idgb run"


def _process_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        # The process exists but belongs to another user.
        return True
    return True


def _run_process_id(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """Return the process id that logged the run's RUN_START event, or None before it started."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    if not records:
        return None
    return records[0].event_log_entry.dagster_event.pid


def _is_dead_runner_run(instance: dg.DagsterInstance, run: dg.DagsterRun) -> bool:
    """Return whether ``run`` is an unfinished ``idgb run`` whose process no longer exists."""
    if run.tags.get(TRIGGER_TAG) != RUNNER_TRIGGER or run.status != DagsterRunStatus.STARTED:
        return False
    pid = _run_process_id(instance, run.run_id)
    # NOTE: the process id is checked on this machine. That holds for `idgb run`, which
    # executes in its own process on the machine of its DAGSTER_HOME.
    return pid is not None and not _process_is_alive(pid)


def release_slots_of_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Free the pool slots of finished runs and of killed ``idgb run`` runs, and return their run ids.

    A killed ``idgb run`` is also marked as failed, so the UI no longer shows it as running.
    Runs of other triggers (the daemon, the UI) are left to the Dagster daemon.
    """
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []

    released = []
    for run_id in sorted(storage.get_concurrency_run_ids()):
        record = instance.get_run_record_by_id(run_id)
        run = record.dagster_run if record else None

        if run is not None and run.status not in FINISHED_STATUSES:
            if not _is_dead_runner_run(instance, run):
                continue
            instance.report_run_failed(
                run, "Het proces van deze run bestaat niet meer (afgebroken); de plek in de pool is vrijgegeven."
            )

        storage.free_concurrency_slots_for_run(run_id)
        logger.info("Freed the concurrency slots of run %s", run_id)
        released.append(run_id)
    return released
