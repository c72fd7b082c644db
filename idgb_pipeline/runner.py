"""Materialise the whole asset graph, or one year, in one run and report progress in Dutch.

Used by ``idgb run`` (and so ``make run``). The run is recorded in the Dagster
instance under ``DAGSTER_HOME``, so it also shows up in the UI afterwards.
"""

import contextlib
import io
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster._core.events import DagsterEventType
from dagster._core.utils import make_new_run_id

from idgb_pipeline import settings
from idgb_pipeline.errors import IdgbError
from idgb_pipeline.extract.partitions import full_range_tags
from idgb_pipeline.orchestration.jobs import YEAR_JOB
from idgb_pipeline.orchestration.stale_slots import RUNNER_TRIGGER, TRIGGER_TAG, release_slots_of_dead_runs

logger = logging.getLogger("idgb_pipeline.runner")

POLL_SECONDS = 0.5

PROGRESS_EVENTS = {
    DagsterEventType.STEP_START,
    DagsterEventType.ASSET_MATERIALIZATION,
    DagsterEventType.ASSET_CHECK_EVALUATION,
    DagsterEventType.STEP_SUCCESS,
    DagsterEventType.STEP_FAILURE,
}

# Only warnings and errors from Dagster's own console logger, because the
# progress lines below replace its step-by-step output.
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


# DuckDB's message when another process has the warehouse file open.
LOCK_ERROR = "Could not set lock on file"


@dataclass
class RunReport:
    """Summary of a run, collected from its events."""

    materialised: list[str] = field(default_factory=list)
    quarantined: dict[str, int] = field(default_factory=dict)
    rejected_files: dict[str, list] = field(default_factory=dict)
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    lock_conflict: bool = False
    # Steps that printed a materialisation line, and passed checks per step, so that a
    # step that only runs checks (such as a freshness check) still gets a closing line.
    steps_with_line: set[str] = field(default_factory=set)
    checks_passed_by_step: dict[str, int] = field(default_factory=dict)


def ensure_dagster_home() -> Path:
    """Point ``DAGSTER_HOME`` at ``data/dagster_home`` unless set, with telemetry off."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.data_dir() / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(settings.PROJECT_ROOT / "config" / "dagster.yaml", config)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _label(asset_key: dg.AssetKey | None, fallback: str) -> str:
    return asset_key.to_user_string() if asset_key else fallback


def _handle_event(event: dg.EventLogEntry, report: RunReport, echo) -> None:
    dagster_event = event.dagster_event
    event_type = dagster_event.event_type

    if event_type == DagsterEventType.STEP_START:
        echo(f"  … stap gestart: {dagster_event.step_key}")
    elif event_type == DagsterEventType.ASSET_MATERIALIZATION:
        materialization = dagster_event.step_materialization_data.materialization
        label = _label(materialization.asset_key, dagster_event.step_key)
        report.steps_with_line.add(dagster_event.step_key)
        if label in report.materialised:
            # A run over several years records one materialisation per year of the same asset,
            # each with the metadata of the whole step, so only the first one is reported.
            return
        rows = materialization.metadata.get("dagster/row_count")
        suffix = f" ({rows.value:,} rijen)".replace(",", ".") if rows is not None else ""
        report.materialised.append(label)
        new_versions = materialization.metadata.get("nieuwe_bestandsversies")
        if new_versions is not None and new_versions.value == 0:
            suffix += ", geen nieuwe bestandsversie"
        quarantined = materialization.metadata.get("rijen_in_quarantaine")
        if quarantined is not None and quarantined.value:
            report.quarantined[label] = quarantined.value
            suffix += f", {quarantined.value} in quarantaine"
        rejected = materialization.metadata.get("afgewezen_bestanden")
        if rejected is not None and rejected.value:
            report.rejected_files[label] = rejected.value
            suffix += f", afgewezen: {', '.join(rejected.value)}"
        echo(f"  ✓ {label}{suffix}")
    elif event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
        evaluation = dagster_event.asset_check_evaluation_data
        label = f"{_label(evaluation.asset_key, '?')}:{evaluation.check_name}"
        if evaluation.passed:
            report.checks_passed.append(label)
            step = dagster_event.step_key
            report.checks_passed_by_step[step] = report.checks_passed_by_step.get(step, 0) + 1
        else:
            report.checks_failed.append(label)
            echo(f"  ✗ controle mislukt: {label}")
    elif event_type == DagsterEventType.STEP_SUCCESS:
        step = dagster_event.step_key
        if step not in report.steps_with_line:
            passed = report.checks_passed_by_step.get(step, 0)
            noun = "controle" if passed == 1 else "controles"
            echo(f"  ✓ {step}: klaar, {passed} {noun} geslaagd")
    elif event_type == DagsterEventType.STEP_FAILURE:
        report.failed_steps.append(dagster_event.step_key)
        failure = dagster_event.step_failure_data
        if failure.user_failure_data and failure.user_failure_data.description:
            message = failure.user_failure_data.description
        elif failure.error:
            message = failure.error.message.strip()
            report.lock_conflict = report.lock_conflict or LOCK_ERROR in message
        else:
            message = "onbekende fout"
        echo(f"  ✗ stap mislukt: {dagster_event.step_key}\n{message}")


def _follow_run(instance: dg.DagsterInstance, run_id: str, report: RunReport, stop, echo) -> None:
    """Print progress for events of ``run_id`` until ``stop`` is set and all are read."""
    cursor = None
    while True:
        finished = stop.is_set()
        connection = instance.get_records_for_run(run_id, cursor=cursor, of_type=PROGRESS_EVENTS)
        for record in connection.records:
            _handle_event(record.event_log_entry, report, echo)
        cursor = connection.cursor
        if finished:
            return
        time.sleep(POLL_SECONDS)


class UnknownYearError(IdgbError):
    """The requested year is not a partition of the year-split sources."""


def _job_and_partition(defs: dg.Definitions, year: str | None) -> tuple[dg.JobDefinition, dict, str | None]:
    """Return the job, the extra run tags and the partition key of the run.

    Without ``year`` this is every asset, over every year: the range tags make the year-split
    sources load all their files in one step and record each year partition.
    With ``year`` it is ``jaar_refresh`` for that partition key.
    """
    if year is None:
        job = defs.resolve_implicit_global_asset_job_def()
        return job, full_range_tags(job.partitions_def), None

    job = defs.resolve_job_def(YEAR_JOB) if defs.get_repository_def().has_job(YEAR_JOB) else None
    years = job.partitions_def.get_partition_keys() if job else []
    if year not in years:
        known = ", ".join(years) if years else "geen: de bronnencatalogus heeft geen bron met één bestand per jaar"
        raise UnknownYearError(
            f"Jaar {year} is onbekend. Kies een jaar waarvoor de bronnencatalogus een bestand heeft: {known}."
        )
    return job, {}, year


def run_all(
    defs: dg.Definitions,
    echo=print,
    instance: dg.DagsterInstance | None = None,
    show_tool_output: bool = False,
    year: str | None = None,
) -> tuple[bool, RunReport, float]:
    """Materialise every asset and check, or with ``year`` run ``jaar_refresh`` for that year.

    Returns ``(success, report, seconds)``. Raises ``UnknownYearError`` for a year that is
    not a partition. dagster-dbt copies every dbt log line to standard output. Unless
    ``show_tool_output`` is set, that output is swallowed here: the progress lines
    already name each model, and dbt's own logs stay in its target folder.
    """
    job, partition_tags, partition_key = _job_and_partition(defs, year)
    instance = instance or dg.DagsterInstance.get()
    # A killed earlier run never freed its writer pool slot, so every step would wait for it.
    for stale_run_id in release_slots_of_dead_runs(instance):
        echo(f"  Plek in de schrijverspool vrijgegeven van afgebroken run {stale_run_id}")
    run_id = make_new_run_id()
    report = RunReport()
    stop = threading.Event()
    follower = threading.Thread(
        target=_follow_run, args=(instance, run_id, report, stop, echo), daemon=True
    )

    started = time.monotonic()
    follower.start()
    tool_output = contextlib.nullcontext() if show_tool_output else contextlib.redirect_stdout(io.StringIO())
    try:
        with tool_output:
            result = job.execute_in_process(
                instance=instance,
                run_id=run_id,
                raise_on_error=False,
                run_config=QUIET_RUN_CONFIG,
                tags={TRIGGER_TAG: RUNNER_TRIGGER, **partition_tags},
                partition_key=partition_key,
            )
    finally:
        stop.set()
        follower.join()

    return result.success, report, time.monotonic() - started
