"""Choose the Dagster executor from ``IDGB_EXECUTOR``, so scaling out is a configuration change.

The asset code and the dbt project stay the same for every executor. What differs is where
each step runs: in the run process, in a process per step, in a Celery worker or in a
Kubernetes pod per step. Every step that opens the DuckDB file is in the pool
``DUCKDB_WRITER_POOL``, whose limit in the instance config keeps those steps one at a time.
"""

import os
from collections.abc import Callable

import dagster as dg

from idgb_pipeline.errors import IdgbError

EXECUTOR_ENV = "IDGB_EXECUTOR"
DEFAULT_EXECUTOR = "in_process"


class ExecutorConfigError(IdgbError):
    """``IDGB_EXECUTOR`` names no executor that this project supports."""


def _kubernetes() -> dg.ExecutorDefinition:
    # Imported only when chosen: the Kubernetes client is large and the default run never needs it.
    from dagster_k8s import k8s_job_executor

    return k8s_job_executor


def _celery() -> dg.ExecutorDefinition:
    from dagster_celery import celery_executor

    return celery_executor


EXECUTORS: dict[str, Callable[[], dg.ExecutorDefinition]] = {
    "in_process": lambda: dg.in_process_executor,
    "multiprocess": lambda: dg.multiprocess_executor,
    "k8s": _kubernetes,
    "celery": _celery,
}


def executor_name() -> str:
    """Return the executor named by ``IDGB_EXECUTOR``, ``in_process`` when unset or empty."""
    return os.environ.get(EXECUTOR_ENV, "").strip().lower() or DEFAULT_EXECUTOR


def build_executor() -> dg.ExecutorDefinition:
    """Return the executor definition chosen by ``IDGB_EXECUTOR``.

    Call it when the definitions load, never at import. Building the definition contacts
    no cluster or broker: the Kubernetes or Celery executor connects only when a run starts.

    Raises:
        ExecutorConfigError: ``IDGB_EXECUTOR`` has a value outside ``EXECUTORS``.
    """
    name = executor_name()
    if name not in EXECUTORS:
        raise ExecutorConfigError(
            f"{EXECUTOR_ENV}='{os.environ.get(EXECUTOR_ENV)}' is geen bekende executor. "
            f"Kies uit: {', '.join(EXECUTORS)}, of maak {EXECUTOR_ENV} leeg voor {DEFAULT_EXECUTOR}."
        )
    return EXECUTORS[name]()
