"""Validate a KRB file against the published JSON Schema and explain each error in Dutch.

The schema in ``docs/krb.schema.json`` is the one definition of the format: editors
can use it, and this module validates with it, so the two cannot drift apart.
"""

import json
import re
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError

from idgb_pipeline import settings
from idgb_pipeline.krb.violations import MISSING, FieldPath, Violation, suggestion
from idgb_pipeline.krb.yaml_source import ParsedFile

JSON_TYPE_NAMES = {
    "string": "tekst",
    "integer": "een geheel getal",
    "number": "een getal",
    "boolean": "true of false",
    "array": "een lijst",
    "object": "een groep velden (naam: waarde)",
    "null": "leeg",
}

DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")


@cache
def krb_schema() -> dict:
    """Return the KRB JSON Schema, read once from ``docs/krb.schema.json``."""
    return json.loads(settings.KRB_SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = krb_schema()
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _resolve(schema: dict) -> dict:
    """Follow a local ``$ref`` and merge its target under the keywords beside it."""
    reference = schema.get("$ref")
    if not reference or not reference.startswith("#/$defs/"):
        return schema
    target = _resolve(krb_schema()["$defs"][reference.removeprefix("#/$defs/")])
    return {**target, **{key: value for key, value in schema.items() if key != "$ref"}}


def _describe(schema: dict) -> str:
    description = _resolve(schema).get("description", "")
    return f" {description}" if description else ""


def _branch_types(branch: dict) -> set[str]:
    declared = _resolve(branch).get("type")
    if declared is None:
        return set()
    types = {declared} if isinstance(declared, str) else set(declared)
    if "number" in types:
        types.add("integer")
    return types


def _type_fix(error: ValidationError) -> str:
    expected = error.validator_value
    expected_names = [expected] if isinstance(expected, str) else list(expected)
    expected_text = " of ".join(JSON_TYPE_NAMES[name] for name in expected_names if name != "null")
    fix = f"geef {expected_text}."
    if isinstance(error.instance, str) and DECIMAL_COMMA.match(error.instance):
        fix += " Gebruik een punt als decimaalteken, bijvoorbeeld 3.5 in plaats van 3,5."
    if isinstance(error.instance, str) and error.instance.lower() in {"ja", "nee"}:
        fix += " Schrijf true voor ja en false voor nee."
    return fix + _describe(error.schema)


class _Translator:
    """Turn jsonschema errors into Dutch violations located in the parsed file."""

    def __init__(self, parsed: ParsedFile):
        self.parsed = parsed

    def violation(self, field_path: FieldPath, value: Any, problem: str, fix: str, at_key=False):
        line = self.parsed.key_line(field_path) if at_key else self.parsed.line_of(field_path)
        return Violation(self.parsed.path, line, field_path, value, problem, fix)

    def translate(self, error: ValidationError) -> list[Violation]:
        field_path: FieldPath = tuple(error.absolute_path)
        # A key that breaks ``propertyNames`` is reported at the object, not at the key.
        validator = "propertyNames" if "propertyNames" in error.schema_path else error.validator
        handler = getattr(self, f"_on_{validator}", None)
        if handler is not None:
            return handler(error, field_path)
        return [
            self.violation(
                field_path, error.instance, f"de waarde voldoet niet aan de regel '{error.validator}'.",
                f"pas de waarde aan.{_describe(error.schema)}",
            )
        ]

    def _on_required(self, error, field_path):
        properties = error.schema.get("properties", {})
        violations = []
        for name in error.validator_value:
            if isinstance(error.instance, dict) and name not in error.instance:
                violations.append(
                    self.violation(
                        field_path + (name,), MISSING, "verplicht veld ontbreekt.",
                        f"voeg '{name}:' toe.{_describe(properties.get(name, {}))}",
                    )
                )
        return violations

    def _on_additionalProperties(self, error, field_path):
        if error.schema.get("additionalProperties") is not False:
            return []
        allowed = sorted(error.schema.get("properties", {}))
        extras = [key for key in error.instance if key not in allowed]
        return [
            self.violation(
                field_path + (key,), key, "onbekend veld.",
                f"controleer de spelling.{suggestion(key, allowed)} Toegestane velden hier: "
                f"{', '.join(allowed)}.",
                at_key=True,
            )
            for key in extras
        ]

    def _on_type(self, error, field_path):
        found = JSON_TYPE_NAMES[_json_type(error.instance)]
        return [
            self.violation(
                field_path, error.instance, f"verkeerd soort waarde: dit is {found}.", _type_fix(error)
            )
        ]

    def _on_enum(self, error, field_path):
        options = [str(option) for option in error.validator_value]
        return [
            self.violation(
                field_path, error.instance, "onbekende waarde.",
                f"kies een van: {', '.join(options)}.{suggestion(error.instance, options)}",
            )
        ]

    def _on_pattern(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, "de waarde heeft niet de juiste vorm.",
                f"gebruik de vorm die hier hoort.{_describe(error.schema)}",
            )
        ]

    def _on_propertyNames(self, error, field_path):
        return [
            self.violation(
                field_path + (str(error.instance),), error.instance, "dit is geen jaartal.",
                "schrijf per regel een jaar met vier cijfers, een dubbele punt en de omvang, "
                "bijvoorbeeld 2026: 10.",
                at_key=True,
            )
        ]

    def _on_format(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, "geen geldige datum.",
                "schrijf een bestaande datum als JJJJ-MM-DD, bijvoorbeeld 2025-01-31.",
            )
        ]

    def _on_minimum(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, f"de waarde is kleiner dan {error.validator_value}.",
                f"geef een waarde van minstens {error.validator_value}.{_describe(error.schema)}",
            )
        ]

    def _on_maximum(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, f"de waarde is groter dan {error.validator_value}.",
                f"geef een waarde van hoogstens {error.validator_value}.{_describe(error.schema)}",
            )
        ]

    def _on_minItems(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, "de lijst is leeg.",
                f"geef minstens {error.validator_value} waarde(n).{_describe(error.schema)}",
            )
        ]

    def _on_minProperties(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, "de groep is leeg.",
                f"vul minstens één regel in.{_describe(error.schema)}",
            )
        ]

    def _on_uniqueItems(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, "de lijst noemt een waarde meer dan eens.",
                "noem elke waarde één keer.",
            )
        ]

    def _on_minLength(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, "de tekst is leeg.",
                f"vul de tekst in.{_describe(error.schema)}",
            )
        ]

    def _on_maxLength(self, error, field_path):
        return [
            self.violation(
                field_path, error.instance, f"de tekst is langer dan {error.validator_value} tekens.",
                "kies een kortere waarde.",
            )
        ]

    def _on_anyOf(self, error, field_path):
        # Report the errors of the alternative meant for this kind of value (a text
        # or a list), instead of the bare "matches none of the alternatives".
        instance_type = _json_type(error.instance)
        for index, branch in enumerate(error.validator_value):
            if instance_type in _branch_types(branch):
                branch_errors = [
                    sub_error for sub_error in error.context if sub_error.schema_path[0] == index
                ]
                if branch_errors:
                    return [
                        violation
                        for sub_error in branch_errors
                        for violation in self.translate(sub_error)
                    ]

        expected = sorted(
            {JSON_TYPE_NAMES[name] for branch in error.validator_value for name in _branch_types(branch)}
        )
        return [
            self.violation(
                field_path, error.instance,
                f"verkeerd soort waarde: dit is {JSON_TYPE_NAMES[instance_type]}.",
                f"geef {' of '.join(expected)}.{_describe(error.schema)}",
            )
        ]


def validate_structure(parsed: ParsedFile) -> list[Violation]:
    """Return every schema violation of one parsed file, in Dutch."""
    translator = _Translator(parsed)
    violations: list[Violation] = []
    for error in _validator().iter_errors(parsed.data):
        violations.extend(translator.translate(error))
    return violations
