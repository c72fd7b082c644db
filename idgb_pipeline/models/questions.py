"""Load and validate the research questions (``onderzoeksvragen``) that configure the models.

Which indicators a model analyses is policy configuration, so it lives in a YAML file
beside the KRB. Every error message is Dutch and names the question and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from idgb_pipeline.errors import ModelConfigError

# Region attributes that a question may use as a factor: vetted column names of
# marts.dim_region, because they are interpolated into SQL.
REGION_ATTRIBUTES = frozenset({"stedelijkheid_code", "gemeentegrootte_code"})
TRANSFORMS = frozenset({"geen", "log"})
LEVELS = frozenset({"gemeente"})
INDICATOR_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Variable:
    """One input of a model: an indicator (with its year) or a region attribute."""

    code: str
    source: str  # "indicator" or "regiokenmerk"
    year: int | None = None
    transform: str = "geen"
    is_steerable_configured: bool | None = None

    @property
    def column(self) -> str:
        """Column name in the model input frame, e.g. ``log_omgevingsadressendichtheid``."""
        return f"log_{self.code}" if self.transform == "log" else self.code


@dataclass(frozen=True)
class ModelSettings:
    """Run-time sizes that trade precision for speed, with defaults that run in seconds."""

    random_state: int = 20240101
    n_bootstrap: int = 30
    gbm_trees: int = 150
    cv_folds: int = 5
    permutation_repeats: int = 5
    vif_threshold: float = 5.0
    min_regions: int = 30
    min_cluster_size: int = 5
    n_peers: int = 10
    clip: float | None = None


@dataclass(frozen=True)
class Question:
    """One configured research question."""

    question_id: str
    model: str
    title: str
    year: int
    level: str
    target: Variable | None = None
    factors: tuple[Variable, ...] = ()
    variables: tuple[Variable, ...] = ()
    latent_indicators: tuple[str, ...] = ()
    n_latent_factors: int = 2
    k_min: int = 2
    k_max: int = 6
    settings: ModelSettings = field(default_factory=ModelSettings)


@dataclass(frozen=True)
class QuestionFile:
    """The parsed file: the questions and the short Dutch labels of indicators."""

    questions: tuple[Question, ...]
    short_names: dict[str, str]

    def for_model(self, model: str) -> list[Question]:
        """Return the questions that the named model answers."""
        return [question for question in self.questions if question.model == model]

    def label(self, code: str) -> str:
        """Return the short Dutch label of an indicator or attribute code."""
        return self.short_names.get(code, code.removeprefix("misdrijven_").removesuffix("_per_1000").replace("_", " "))


def _fail(where: str, message: str) -> ModelConfigError:
    return ModelConfigError(f"Onderzoeksvragen, {where}: {message}")


def _int(raw: dict, key: str, where: str, default: int | None = None, minimum: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"'{key}' moet een geheel getal zijn, niet {value!r}.")
    if minimum is not None and value < minimum:
        raise _fail(where, f"'{key}' moet minstens {minimum} zijn, niet {value}.")
    return value


def _variable(raw: Any, where: str, default_year: int) -> Variable:
    if isinstance(raw, str):
        raw = {"indicator": raw}
    if not isinstance(raw, dict):
        raise _fail(where, f"verwacht een indicator of regiokenmerk, niet {raw!r}.")
    if ("indicator" in raw) == ("regiokenmerk" in raw):
        raise _fail(where, "geef precies één van 'indicator' of 'regiokenmerk'.")
    transform = raw.get("transformatie", "geen")
    if transform not in TRANSFORMS:
        raise _fail(where, f"transformatie {transform!r} is onbekend; kies uit {sorted(TRANSFORMS)}.")
    steerable = raw.get("stuurbaar")
    if steerable is not None and not isinstance(steerable, bool):
        raise _fail(where, f"'stuurbaar' moet true of false zijn, niet {steerable!r}.")
    if "regiokenmerk" in raw:
        code = raw["regiokenmerk"]
        if code not in REGION_ATTRIBUTES:
            raise _fail(where, f"regiokenmerk {code!r} is onbekend; kies uit {sorted(REGION_ATTRIBUTES)}.")
        return Variable(code, "regiokenmerk", None, transform, steerable)
    code = raw["indicator"]
    if not isinstance(code, str) or not INDICATOR_CODE.match(code):
        raise _fail(where, f"indicatorcode {code!r} is ongeldig: gebruik kleine letters, cijfers en '_'.")
    year = _int(raw, "jaar", where, default=default_year, minimum=1900)
    return Variable(code, "indicator", year, transform, steerable)


def _settings(raw: Any, where: str) -> ModelSettings:
    if raw is None:
        return ModelSettings()
    if not isinstance(raw, dict):
        raise _fail(where, "'instellingen' moet een lijst van sleutels en waarden zijn.")
    defaults = ModelSettings()
    names = {
        "random_state": ("random_state", 0),
        "bootstrap_herhalingen": ("n_bootstrap", 2),
        "gbm_bomen": ("gbm_trees", 10),
        "cv_folds": ("cv_folds", 2),
        "permutatie_herhalingen": ("permutation_repeats", 1),
        "minimum_regios": ("min_regions", 5),
        "minimum_clustergrootte": ("min_cluster_size", 1),
        "aantal_vergelijkbare": ("n_peers", 1),
    }
    unknown = set(raw) - set(names) - {"vif_drempel", "schaalgrens"}
    if unknown:
        raise _fail(where, f"onbekende instellingen {sorted(unknown)}; toegestaan: {sorted([*names, 'vif_drempel', 'schaalgrens'])}.")
    values = {}
    for key, (attribute, minimum) in names.items():
        if key in raw:
            values[attribute] = _int(raw, key, where, minimum=minimum)
    if "vif_drempel" in raw:
        threshold = raw["vif_drempel"]
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold <= 1:
            raise _fail(where, f"'vif_drempel' moet een getal groter dan 1 zijn, niet {threshold!r}.")
        values["vif_threshold"] = float(threshold)
    if "schaalgrens" in raw:
        clip = raw["schaalgrens"]
        if isinstance(clip, bool) or not isinstance(clip, (int, float)) or clip <= 0:
            raise _fail(where, f"'schaalgrens' moet een positief getal zijn, niet {clip!r}.")
        values["clip"] = float(clip)
    return ModelSettings(**{**defaults.__dict__, **values})


def _question(raw: Any, index: int, models: frozenset[str]) -> Question:
    where = f"vraag {index + 1}"
    if not isinstance(raw, dict):
        raise _fail(where, "elke vraag moet een lijst van sleutels en waarden zijn.")
    question_id = raw.get("id")
    if not isinstance(question_id, str) or not INDICATOR_CODE.match(question_id):
        raise _fail(where, f"'id' {question_id!r} is ongeldig: gebruik kleine letters, cijfers en '_'.")
    where = f"vraag '{question_id}'"
    model = raw.get("model")
    if model not in models:
        raise _fail(where, f"model {model!r} is onbekend; kies uit {sorted(models)}.")
    for key in ("titel", "jaar"):
        if key not in raw:
            raise _fail(where, f"'{key}' ontbreekt.")
    year = _int(raw, "jaar", where, minimum=1900)
    level = raw.get("niveau", "gemeente")
    if level not in LEVELS:
        raise _fail(where, f"niveau {level!r} wordt niet ondersteund; kies uit {sorted(LEVELS)}.")
    settings = _settings(raw.get("instellingen"), where)
    common = dict(question_id=question_id, model=model, title=str(raw["titel"]), year=year, level=level, settings=settings)

    if model == "factorinvloed":
        if "doel" not in raw:
            raise _fail(where, "'doel' (de te verklaren indicator) ontbreekt.")
        target = _variable(raw["doel"], f"{where}, doel", year)
        factors = raw.get("factoren")
        if not isinstance(factors, list) or not factors:
            raise _fail(where, "'factoren' moet een niet-lege lijst zijn.")
        parsed = tuple(_variable(item, f"{where}, factor {i + 1}", year) for i, item in enumerate(factors))
        columns = [factor.column for factor in parsed]
        if len(set(columns)) != len(columns) or target.column in columns:
            raise _fail(where, "elke factor mag één keer voorkomen en niet gelijk zijn aan het doel.")
        latent = raw.get("latente_indicatoren", [])
        if not isinstance(latent, list) or not all(isinstance(code, str) and INDICATOR_CODE.match(code) for code in latent):
            raise _fail(where, "'latente_indicatoren' moet een lijst van indicatorcodes zijn.")
        n_latent = _int(raw, "aantal_latente_factoren", where, default=2, minimum=1)
        if latent and n_latent >= len(latent):
            raise _fail(where, f"'aantal_latente_factoren' ({n_latent}) moet kleiner zijn dan het aantal latente indicatoren ({len(latent)}).")
        return Question(**common, target=target, factors=parsed, latent_indicators=tuple(latent), n_latent_factors=n_latent)

    variables = raw.get("indicatoren")
    if not isinstance(variables, list) or len(variables) < 2:
        raise _fail(where, "'indicatoren' moet een lijst van minstens twee indicatoren zijn.")
    parsed = tuple(_variable(item, f"{where}, indicator {i + 1}", year) for i, item in enumerate(variables))
    k_min = _int(raw, "k_min", where, default=2, minimum=2)
    k_max = _int(raw, "k_max", where, default=6, minimum=k_min)
    return Question(**common, variables=parsed, k_min=k_min, k_max=k_max)


def parse_questions(document: Any, models: frozenset[str]) -> QuestionFile:
    """Validate a parsed YAML document and return its questions.

    Raises ModelConfigError with a Dutch message naming the question and field.
    """
    if not isinstance(document, dict) or not isinstance(document.get("vragen"), list):
        raise _fail("bestand", "verwacht een sleutel 'vragen' met een lijst van vragen.")
    questions = tuple(_question(raw, index, models) for index, raw in enumerate(document["vragen"]))
    ids = [question.question_id for question in questions]
    duplicates = sorted({question_id for question_id in ids if ids.count(question_id) > 1})
    if duplicates:
        raise _fail("bestand", f"dubbele vraag-id's {duplicates}; elke vraag heeft een eigen id nodig.")
    short_names = document.get("korte_namen", {}) or {}
    if not isinstance(short_names, dict):
        raise _fail("korte_namen", "verwacht codes met een korte Nederlandse naam.")
    return QuestionFile(questions, {str(key): str(value) for key, value in short_names.items()})


def load_questions(path: Path, models: frozenset[str]) -> QuestionFile:
    """Read and validate the research-question file at ``path``."""
    if not path.is_file():
        raise _fail("bestand", f"{path} bestaat niet. Maak het aan of zet IDGB_ONDERZOEKSVRAGEN op het juiste bestand.")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise _fail("bestand", f"{path} is geen geldige YAML: {error}") from error
    return parse_questions(document, models)


def check_codes_exist(question_file: QuestionFile, known_codes: set[str]) -> None:
    """Raise ModelConfigError when a question names an indicator missing from dim_indicator."""
    for question in question_file.questions:
        variables = [*question.factors, *question.variables, *([question.target] if question.target else [])]
        codes = {variable.code for variable in variables if variable.source == "indicator"} | set(question.latent_indicators)
        missing = sorted(codes - known_codes)
        if missing:
            raise _fail(f"vraag '{question.question_id}'", f"indicatoren {missing} staan niet in marts.dim_indicator. Controleer de spelling.")


QUESTIONS_ENV = "IDGB_ONDERZOEKSVRAGEN"


def questions_path() -> Path:
    """Return the research-question file: ``$IDGB_ONDERZOEKSVRAGEN`` or ``seeds/onderzoeksvragen.yaml``."""
    import os

    from idgb_pipeline import settings

    configured = os.environ.get(QUESTIONS_ENV)
    return Path(configured).resolve() if configured else settings.SEEDS_DIR / "onderzoeksvragen.yaml"
