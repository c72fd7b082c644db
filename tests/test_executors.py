"""The same definitions load with the in-process, multiprocess, Celery and Kubernetes executors.

Only configuration is checked here: no test contacts a cluster or a broker. Building an
executor definition and validating run config against it opens no connection.
"""

import dagster as dg
import pytest

from idgb_pipeline.definitions import defs
from idgb_pipeline.orchestration.executor import EXECUTOR_ENV, ExecutorConfigError, build_executor
from idgb_pipeline.orchestration.jobs import FULL_JOB, MODEL_JOB, MONITORING_JOB

# Run config as an operator would write it in the launchpad or in a schedule.
KUBERNETES_RUN_CONFIG = {
    "execution": {
        "config": {
            "job_namespace": "idgb",
            "job_image": "idgb-pipeline:latest",
            "image_pull_policy": "IfNotPresent",
            "env_vars": ["IDGB_DATA_DIR=/data", "IDGB_EXECUTOR=k8s"],
            "volume_mounts": [{"name": "idgb-data", "mount_path": "/data"}],
            "volumes": [{"name": "idgb-data", "persistent_volume_claim": {"claim_name": "idgb-data"}}],
            "step_k8s_config": {"container_config": {"resources": {"limits": {"cpu": "1", "memory": "2Gi"}}}},
        }
    }
}
# The broker address is only validated as a string; nothing connects to it.
CELERY_RUN_CONFIG = {
    "execution": {
        "config": {
            "broker": "pyamqp://guest@127.0.0.1:5672//",
            "backend": "rpc://",
            "include": ["idgb_pipeline.definitions"],
            "config_source": {"worker_prefetch_multiplier": 1},
        }
    }
}
MULTIPROCESS_RUN_CONFIG = {"execution": {"config": {"max_concurrent": 2, "start_method": {"spawn": {}}}}}

CASES = {
    "in_process": ({}, "in_process"),
    "multiprocess": (MULTIPROCESS_RUN_CONFIG, "multiprocess"),
    "k8s": (KUBERNETES_RUN_CONFIG, "k8s"),
    "celery": (CELERY_RUN_CONFIG, "celery"),
}


def test_default_executor_is_in_process(monkeypatch):
    monkeypatch.delenv(EXECUTOR_ENV, raising=False)

    assert build_executor() is dg.in_process_executor


def test_empty_value_means_default(monkeypatch):
    monkeypatch.setenv(EXECUTOR_ENV, "  ")

    assert build_executor() is dg.in_process_executor


@pytest.mark.parametrize("name", sorted(CASES))
def test_executor_chosen_by_env(monkeypatch, name):
    monkeypatch.setenv(EXECUTOR_ENV, name.upper())

    assert build_executor().name == CASES[name][1]


def test_unknown_executor_is_rejected(monkeypatch):
    monkeypatch.setenv(EXECUTOR_ENV, "dask")

    with pytest.raises(ExecutorConfigError) as raised:
        build_executor()

    assert "IDGB_EXECUTOR='dask' is geen bekende executor" in str(raised.value)
    assert "in_process, multiprocess, k8s, celery" in str(raised.value)


@pytest.mark.parametrize("name", sorted(CASES))
def test_named_jobs_use_configured_executor(monkeypatch, name):
    monkeypatch.setenv(EXECUTOR_ENV, name)
    run_config, executor = CASES[name]
    loaded = defs()

    for job_name in (FULL_JOB, MONITORING_JOB, MODEL_JOB):
        job = loaded.resolve_job_def(job_name)
        assert job.executor_def.name == executor
        # Raises DagsterInvalidConfigError when the executor rejects the config.
        dg.validate_run_config(job, run_config)


@pytest.mark.parametrize("name", sorted(CASES))
def test_asset_job_uses_configured_executor(monkeypatch, name):
    monkeypatch.setenv(EXECUTOR_ENV, name)
    run_config, executor = CASES[name]
    loaded = defs()
    definitions = dg.Definitions(
        assets=loaded.assets,
        asset_checks=loaded.asset_checks,
        resources=loaded.resources,
        executor=build_executor(),
    )

    job = definitions.resolve_implicit_global_asset_job_def()

    assert job.executor_def.name == executor
    dg.validate_run_config(job, run_config)


def test_invalid_kubernetes_config_is_rejected(monkeypatch):
    monkeypatch.setenv(EXECUTOR_ENV, "k8s")
    job = defs().resolve_job_def(FULL_JOB)
    run_config = {"execution": {"config": {"job_namespace": 7}}}

    with pytest.raises(dg.DagsterInvalidConfigError):
        dg.validate_run_config(job, run_config)
