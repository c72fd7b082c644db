"""Validation of the research-question file, with Dutch errors."""

import pytest
import yaml

from idgb_pipeline.errors import ModelConfigError
from idgb_pipeline.models.questions import check_codes_exist, load_questions, parse_questions, questions_path
from idgb_pipeline.models.registry import MODELS


def _factor(**changes):
    question = {"id": "q", "model": "factorinvloed", "titel": "t", "jaar": 2023, "doel": "doel", "factoren": ["a", "b"]}
    return {"vragen": [{**question, **changes}]}


def test_bundled_questions_load():
    question_file = load_questions(questions_path(), MODELS)
    ids = {question.question_id: question for question in question_file.questions}
    assert set(ids) == {"woninginbraak_samenhang", "geweld_samenhang", "misdrijfprofielen"}
    assert ids["woninginbraak_samenhang"].target.code == "misdrijven_woninginbraak_per_1000"
    assert ids["woninginbraak_samenhang"].year == 2023
    assert {question.model for question in question_file.questions} == MODELS


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"vraag": []}, "verwacht een sleutel 'vragen'"),
        (_factor(model="regressie"), "model 'regressie' is onbekend"),
        (_factor(jaar="2023"), "'jaar' moet een geheel getal zijn"),
        (_factor(factoren=[]), "'factoren' moet een niet-lege lijst zijn"),
        (_factor(factoren=[{"regiokenmerk": "inkomen"}]), "regiokenmerk 'inkomen' is onbekend"),
        (_factor(factoren=[{"indicator": "A; drop"}]), "is ongeldig"),
        (_factor(factoren=["a", "a"]), "elke factor mag één keer voorkomen"),
        (_factor(factoren=[{"indicator": "a", "transformatie": "wortel"}]), "transformatie 'wortel' is onbekend"),
        (_factor(instellingen={"gbm_bomen": 1}), "'gbm_bomen' moet minstens 10 zijn"),
        (_factor(instellingen={"onbekend": 1}), "onbekende instellingen ['onbekend']"),
        ({"vragen": [_factor()["vragen"][0], _factor()["vragen"][0]]}, "dubbele vraag-id's ['q']"),
        ({"vragen": [{"id": "c", "model": "regioclusters", "titel": "t", "jaar": 2023, "indicatoren": ["a", "b"], "k_min": 5, "k_max": 3}]}, "'k_max' moet minstens 5 zijn"),
    ],
)
def test_invalid_questions_rejected_in_dutch(document, message):
    with pytest.raises(ModelConfigError, match="Onderzoeksvragen") as raised:
        parse_questions(document, MODELS)
    assert message in str(raised.value)


def test_missing_file_names_path(tmp_path):
    with pytest.raises(ModelConfigError, match="bestaat niet"):
        load_questions(tmp_path / "geen.yaml", MODELS)


def test_broken_yaml_rejected(tmp_path):
    path = tmp_path / "vragen.yaml"
    path.write_text("vragen: [\n", encoding="utf-8")
    with pytest.raises(ModelConfigError, match="geen geldige YAML"):
        load_questions(path, MODELS)


def test_codes_checked_against_dim_indicator():
    question_file = parse_questions(yaml.safe_load(yaml.safe_dump(_factor())), MODELS)
    check_codes_exist(question_file, {"doel", "a", "b"})
    with pytest.raises(ModelConfigError, match=r"\['b'\] staan niet in marts.dim_indicator"):
        check_codes_exist(question_file, {"doel", "a"})
