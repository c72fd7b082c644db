"""The published KRB JSON Schema, the bundled example registration and the template."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

from idgb_pipeline import settings
from idgb_pipeline.krb.references import References, bundled_taakvelden
from idgb_pipeline.krb.registration import krb_files, load_registration
from idgb_pipeline.krb.schema import krb_schema
from idgb_pipeline.krb.template import render_template, theme_id_for


def schema_property_names(schema: dict) -> set[str]:
    """Every property name declared anywhere in the schema."""
    names = set()
    for node in [schema, *schema["$defs"].values()]:
        names.update(node.get("properties", {}))
    return names


def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(krb_schema())


def test_example_registration_is_valid_without_warehouse():
    references = References(taakvelden=bundled_taakvelden())

    result = load_registration(krb_files(settings.SEEDS_DIR / "krb"), references)

    assert [violation.format() for violation in result.violations] == []
    assert {theme.theme_id for theme in result.registration.themes} == {
        "veiligheid",
        "wonen",
        "zorg-en-welzijn",
    }


def test_example_documents_are_marked_as_example():
    references = References(taakvelden=bundled_taakvelden())

    result = load_registration(krb_files(settings.SEEDS_DIR / "krb"), references)

    assert all(document.is_example for document in result.registration.documents)
    assert {document.bestuurslaag for document in result.registration.documents} == {
        "Rijk",
        "regio",
        "gemeente",
    }


def test_template_explains_every_field():
    text = render_template("Onderwijs")

    missing = [name for name in schema_property_names(krb_schema()) if f"{name}:" not in text]
    assert missing == []


def test_template_needs_only_taakvelden(tmp_path):
    path = tmp_path / "onderwijs.yaml"
    path.write_text(render_template("Onderwijs"), encoding="utf-8")
    references = References(taakvelden=bundled_taakvelden())

    unfilled = load_registration([path], references)
    path.write_text(
        render_template("Onderwijs").replace("taakvelden: []", "taakvelden: [4.3]"), encoding="utf-8"
    )
    filled = load_registration([path], references)

    assert [violation.field for violation in unfilled.violations] == [("thema", "taakvelden")]
    assert "de lijst is leeg" in unfilled.violations[0].format()
    assert filled.violations == []
    assert filled.registration.themes[0].name == "Onderwijs"


@pytest.mark.parametrize("example_line", ["  # - id: gemeente-plan-2025-2028", "  #   effecten:"])
def test_template_examples_are_commented(example_line):
    assert example_line in render_template("Onderwijs")


def test_template_quotes_the_name():
    data = yaml.safe_load(render_template("Sport: bewegen # en recreatie"))

    assert data["thema"]["naam"] == "Sport: bewegen # en recreatie"
    assert data["thema"]["id"] == "sport-bewegen-en-recreatie"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Zorg en welzijn", "zorg-en-welzijn"), ("Cultuur & Erfgoed", "cultuur-erfgoed"), ("Één", "een")],
)
def test_theme_id_for(name, expected):
    assert theme_id_for(name) == expected
