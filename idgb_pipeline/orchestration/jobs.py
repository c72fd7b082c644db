"""Asset jobs with retries, and schedules whose cron comes from the environment."""

import os

import dagster as dg

from idgb_pipeline.errors import IdgbError
from idgb_pipeline.orchestration.executor import build_executor

TIMEZONE = "Europe/Amsterdam"
CRON_MONITORING_ENV = "IDGB_CRON_MONITORING"
CRON_MODELS_ENV = "IDGB_CRON_MODELS"
DEFAULT_CRON_MONITORING = "0 6 * * *"
DEFAULT_CRON_MODELS = "0 7 1 * *"

MONITORING_JOB = "monitoring_refresh"
MODEL_JOB = "model_refresh"
FULL_JOB = "volledige_refresh"

# Transient failures (a locked file, a CBS download that timed out) get three more tries,
# 30 s, 60 s and 120 s later. Steps that raise dg.Failure(allow_retries=False) fail at once.
RETRY_POLICY = dg.RetryPolicy(max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL)


class ScheduleConfigError(IdgbError):
    """A cron expression in the environment is invalid."""


@dg.failure_hook(name="idgb_melding_bij_fout")
def report_failure(context: dg.HookContext) -> None:
    """Log a Dutch message naming the failed step, after its retries ran out."""
    error = context.op_exception
    reason = str(error).strip().splitlines()[0] if error and str(error).strip() else type(error).__name__
    context.log.error(
        f"Stap '{context.op.name}' is mislukt in job '{context.job_name}': {reason}. "
        "Assets na deze stap zijn niet bijgewerkt, en het warehouse houdt de vorige versie. "
        "Bekijk de foutmelding van de stap in de run en start de job opnieuw als de oorzaak is verholpen."
    )


def build_jobs() -> list:
    """Build ``monitoring_refresh``, ``model_refresh`` and ``volledige_refresh``.

    The executor comes from ``IDGB_EXECUTOR`` (default: every step in the run process).
    Steps that open the DuckDB file stay one at a time through their concurrency pool.
    """
    common = {
        "executor_def": build_executor(),
        "op_retry_policy": RETRY_POLICY,
        "hooks": {report_failure},
    }
    return [
        dg.define_asset_job(
            name=MONITORING_JOB,
            # The serving group is included so that BI tools see each refresh.
            selection=dg.AssetSelection.groups("extract", "warehouse", "krb", "serving"),
            description=(
                "Bronnen laden en valideren, het warehouse bouwen en de KRB bijwerken, "
                "inclusief het behalen van de beleidsnormen, en daarna de kopie voor BI publiceren."
            ),
            **common,
        ),
        dg.define_asset_job(
            name=MODEL_JOB,
            selection=dg.AssetSelection.groups("modellen", "serving"),
            description=(
                "De analysemodellen opnieuw schatten (factorinvloed, regioclusters, prognose, normprognose, "
                "uitschieters en de marts daarop) en daarna de kopie voor BI publiceren."
            ),
            **common,
        ),
        dg.define_asset_job(
            name=FULL_JOB,
            selection=dg.AssetSelection.all(),
            description="Alle assets: bronnen, warehouse, KRB, modellen en de publicatie voor BI.",
            **common,
        ),
    ]


def _cron_from_env(variable: str, default: str) -> str:
    return os.environ.get(variable, "").strip() or default


def _schedule(name: str, job_name: str, variable: str, default: str, description: str) -> dg.ScheduleDefinition:
    cron = _cron_from_env(variable, default)
    try:
        return dg.ScheduleDefinition(
            name=name,
            job_name=job_name,
            cron_schedule=cron,
            execution_timezone=TIMEZONE,
            description=f"{description} Cron '{cron}' ({TIMEZONE}), in te stellen met {variable}.",
        )
    except dg.DagsterInvalidDefinitionError as error:
        raise ScheduleConfigError(
            f"{variable}='{cron}' is geen geldige cron-expressie. "
            f"Gebruik vijf velden, bijvoorbeeld '{default}', of maak {variable} leeg voor de standaardwaarde."
        ) from error


def build_schedules() -> list[dg.ScheduleDefinition]:
    """Build the schedules, reading ``IDGB_CRON_MONITORING`` and ``IDGB_CRON_MODELS`` now."""
    return [
        _schedule(
            "monitoring_dagelijks",
            MONITORING_JOB,
            CRON_MONITORING_ENV,
            DEFAULT_CRON_MONITORING,
            "Ververst bronnen, warehouse en KRB.",
        ),
        _schedule(
            "modellen_maandelijks",
            MODEL_JOB,
            CRON_MODELS_ENV,
            DEFAULT_CRON_MODELS,
            "Schat de analysemodellen opnieuw.",
        ),
    ]
