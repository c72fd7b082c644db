"""Model assets (group ``modellen``): one asset per registered model spec, with checks."""

from functools import cache

import dagster as dg
import duckdb

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models.check_results import ADEQUACY_CHECK, COMPLETENESS_CHECK, missing_tables
from idgb_pipeline.models.contract import SCHEMA, start_run, write_results
from idgb_pipeline.models.model_asset import model_asset
from idgb_pipeline.models.panel import load_variables
from idgb_pipeline.models.questions import Question, QuestionFile, check_codes_exist, load_questions, questions_path
from idgb_pipeline.models.registry import MODEL_SPECS, MODELS, ModelSpec
from idgb_pipeline.resources import WarehouseResource

# The models read the star schema and the herindeling table. The cluster map also
# reads the gemeente boundaries, and the steerability marks read the KRB bridge.
UPSTREAM = [
    dg.AssetKey(["marts", "fct_indicator_value"]),
    dg.AssetKey(["marts", "dim_region"]),
    dg.AssetKey(["marts", "dim_indicator"]),
    dg.AssetKey(["prep", "gemeente_herindeling"]),
    dg.AssetKey(["staging", "stg_cbs__gemeentegrenzen"]),
    dg.AssetKey(["marts", "bridge_measure_indicator"]),
]


def model_asset_key(spec: ModelSpec) -> dg.AssetKey:
    """Return the asset key ``analysis/<asset_name>`` of a model spec."""
    return dg.AssetKey([SCHEMA, spec.asset_name])


def _parameters(question: Question) -> dict:
    settings = question.settings
    return {
        "question": question.question_id,
        "year": question.year,
        "level": question.level,
        "target": question.target.__dict__ if question.target else None,
        "factors": [factor.__dict__ for factor in question.factors],
        "variables": [variable.__dict__ for variable in question.variables],
        "latent_indicators": list(question.latent_indicators),
        "n_latent_factors": question.n_latent_factors,
        "k_range": [question.k_min, question.k_max],
        "settings": settings.__dict__,
    }


def answer_question(connection: duckdb.DuckDBPyConnection, spec: ModelSpec, question: Question, question_file: QuestionFile, extras: dict):
    """Load the inputs, fit, and write one question's answer; return the run and answer."""
    frame, record = load_variables(connection, spec.variables(question))
    answer = spec.answer(frame, record, question, question_file, extras)
    run = start_run(spec.model, question.question_id, _parameters(question), record)
    write_results(connection, run, answer.tables, answer.metrics, record)
    return run, answer


def build_model_asset(spec: ModelSpec) -> dg.AssetsDefinition:
    """Build the Dagster asset of one model spec, with its adequacy and completeness checks."""
    key = model_asset_key(spec)

    @model_asset(
        key,
        UPSTREAM,
        spec.description,
        adequacy="Weigert een vraag als de gegevens geen verantwoord antwoord toelaten (te weinig regio's, een constante of lege variabele).",
        completeness="Elke beantwoorde vraag heeft al zijn tabellen en kwaliteitsmaten in schema analysis.",
    )
    def answer_questions(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        question_file = load_questions(questions_path(), MODELS)
        questions = question_file.for_model(spec.model)
        refusals: dict[str, str] = {}
        runs: dict[str, str] = {}
        written: dict[str, list[str]] = {}
        metadata: dict = {}
        with warehouse.connect() as connection:
            known = {row[0] for row in connection.execute("select indicator_code from marts.dim_indicator").fetchall()}
            check_codes_exist(question_file, known)
            extras = spec.load_extras(connection)
            for question in questions:
                try:
                    run, answer = answer_question(connection, spec, question, question_file, extras)
                except InsufficientDataError as refusal:
                    context.log.warning("Question %s rejected for insufficient data: %s", question.question_id, refusal)
                    refusals[question.question_id] = str(refusal)
                    continue
                runs[question.question_id] = run.model_run_id
                written[question.question_id] = sorted(answer.tables)
                context.log.info("Question %s answered in run %s: %s", question.question_id, run.model_run_id, answer.summary)
                metadata[f"{question.question_id}/samenvatting"] = dg.MetadataValue.json(answer.summary)
                for name, image in answer.plots.items():
                    metadata[f"{question.question_id}/{name}"] = dg.MetadataValue.md(image)
            incomplete = {
                question_id: missing_tables(connection, written[question_id], run_id) for question_id, run_id in runs.items()
            }

        incomplete = {question_id: tables for question_id, tables in incomplete.items() if tables}
        checks = [
            dg.AssetCheckResult(
                check_name=ADEQUACY_CHECK,
                passed=not refusals,
                severity=dg.AssetCheckSeverity.ERROR,
                description=(
                    "Alle vragen hadden voldoende gegevens." if not refusals
                    else " ".join(f"Vraag '{question_id}': {text}" for question_id, text in refusals.items())
                ),
                metadata={"geweigerd": dg.MetadataValue.json(refusals), "beantwoord": len(runs)},
            ),
            dg.AssetCheckResult(
                check_name=COMPLETENESS_CHECK,
                passed=not incomplete,
                description=(
                    "Elke beantwoorde vraag heeft al zijn tabellen en maten." if not incomplete
                    else f"Tabellen zonder rijen: {incomplete}"
                ),
                metadata={"ontbrekend": dg.MetadataValue.json(incomplete)},
            ),
        ]
        metadata["model_run_ids"] = dg.MetadataValue.json(runs)
        metadata["vragen"] = len(questions)
        return dg.MaterializeResult(metadata=metadata, check_results=checks)

    return answer_questions


@cache
def build_model_assets() -> tuple[dg.AssetsDefinition, ...]:
    """Build one asset per registered model."""
    return tuple(build_model_asset(spec) for spec in MODEL_SPECS)
