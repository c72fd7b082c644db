"""Asset jobs with retries, and schedules whose cron comes from the environment."""

import os

import dagster as dg

from idgb_pipeline.errors import IdgbError
from idgb_pipeline.extract.partitions import catalogue_year_split_sources, full_range_tags, year_partitions
from idgb_pipeline.orchestration.executor import build_executor

TIMEZONE = "Europe/Amsterdam"
CRON_MONITORING_ENV = "IDGB_CRON_MONITORING"
CRON_MODELS_ENV = "IDGB_CRON_MODELS"
DEFAULT_CRON_MONITORING = "0 6 * * *"
DEFAULT_CRON_MODELS = "0 7 1 * *"

MONITORING_JOB = "monitoring_refresh"
MODEL_JOB = "model_refresh"
FULL_JOB = "volledige_refresh"
YEAR_JOB = "jaar_refresh"

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


def _year_jobs(common: dict) -> list:
    """Build ``jaar_refresh``: one year of the year-split sources and everything downstream of them.

    Returns no job when the catalogue has no year-split source, because a job needs assets to run.
    """
    sources = catalogue_year_split_sources()
    if not sources:
        return []
    roots = [dg.AssetKey(["raw", source.id]) for source in sources]
    source_ids = ", ".join(source.id for source in sources)
    year_job = dg.define_asset_job(
        name=YEAR_JOB,
        # Downstream also contains the extract assets that check region codes against a
        # year-split source, because a new region list can change their validation.
        # Dagster takes the partitions of the job from the year-split assets it selects.
        selection=dg.AssetSelection.assets(*roots).downstream(),
        description=(
            f"Eén jaar verversen: laadt het bestand van het gekozen jaar van {source_ids} en bouwt "
            "daarna alles wat ervan afhangt opnieuw: bronnen die regiocodes ertegen controleren, "
            "het warehouse, de KRB, de modellen en de publicatie voor BI. De andere jaren blijven staan."
        ),
        **common,
    )
    return [year_job]


def build_jobs() -> list:
    """Build ``monitoring_refresh``, ``model_refresh``, ``volledige_refresh`` and ``jaar_refresh``.

    The executor comes from ``IDGB_EXECUTOR`` (default: every step in the run process).
    Steps that open the DuckDB file stay one at a time through their concurrency pool.
    ``jaar_refresh`` exists only when the catalogue has a year-split source.
    """
    common = {
        "executor_def": build_executor(),
        "op_retry_policy": RETRY_POLICY,
        "hooks": {report_failure},
    }
    return [
        *_year_jobs(common),
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


def _schedule(
    name: str, job_name: str, variable: str, default: str, description: str, run_tags: dict | None = None
) -> dg.ScheduleDefinition:
    cron = _cron_from_env(variable, default)

    # ScheduleDefinition(tags=...) rejects tags with the reserved prefix "dagster/", such as
    # the partition range tags, but a RunRequest carries them.
    def request_run(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest(tags=run_tags or {})

    try:
        return dg.ScheduleDefinition(
            name=name,
            job_name=job_name,
            cron_schedule=cron,
            execution_timezone=TIMEZONE,
            execution_fn=request_run,
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
            "Ververst bronnen (alle jaren), warehouse en KRB.",
            # A run over every year records each year partition, so the UI shows them all as loaded.
            full_range_tags(year_partitions(catalogue_year_split_sources())),
        ),
        _schedule(
            "modellen_maandelijks",
            MODEL_JOB,
            CRON_MODELS_ENV,
            DEFAULT_CRON_MODELS,
            "Schat de analysemodellen opnieuw.",
        ),
    ]
