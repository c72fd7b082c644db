"""Read a KRB YAML file into plain data and keep the line of every field.

``yaml.safe_load`` drops positions, so the file is composed into nodes first
(``yaml.compose``) and converted here. Every field path maps to the line where its
value starts, and the validation messages report that line.
"""

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from idgb_pipeline.krb.violations import MISSING, FieldPath, Violation

logger = logging.getLogger("idgb_pipeline.krb.yaml_source")

NULL_TAG = "tag:yaml.org,2002:null"
STRING_TAG = "tag:yaml.org,2002:str"

# Plain scalars in these fields keep the text as written. Otherwise YAML turns the
# taakveld 6.60 into the number 6.6, an id 2024 into an integer and a title "Nee"
# into false, and the code or text the author wrote would be lost.
TEXT_FIELDS = frozenset(
    {
        "id",
        "naam",
        "titel",
        "omschrijving",
        "tekst",
        "vindplaats",
        "eigenaar",
        "afdeling",
        "toelichting",
        "url",
        "taakvelden",
        "bovenliggend_thema",
        "implementeert",
        "document",
        "regel",
        "regio",
        "indicator",
    }
)

# PyYAML problem text → (Dutch explanation, fix). PyYAML only reports in English.
YAML_PROBLEMS = {
    "found character '\\t' that cannot start any token": (
        "er staat een tab in de inspringing",
        "spring in met spaties in plaats van tabs.",
    ),
    "mapping values are not allowed here": (
        "er staat een dubbele punt op een plek waar YAML geen nieuw veld verwacht",
        "zet tekst met een dubbele punt tussen aanhalingstekens, of controleer de inspringing.",
    ),
    "could not find expected ':'": (
        "een veld mist de dubbele punt tussen naam en waarde",
        "schrijf elk veld als 'naam: waarde'.",
    ),
    "but found another document": (
        "het bestand bevat meer dan één YAML-document (---)",
        "zet elk beleidsthema in een eigen bestand en verwijder de extra ---.",
    ),
}

GENERIC_YAML_FIX = (
    "controleer op deze regel en de regel erboven de inspringing (alleen spaties), "
    "de dubbele punten en de aanhalingstekens."
)


@dataclass(frozen=True)
class ParsedFile:
    """A KRB file converted to plain data, with the line of every key and value."""

    path: Path
    sha256: str
    data: Any
    value_lines: dict[FieldPath, int]
    key_lines: dict[FieldPath, int]

    def line_of(self, field_path: FieldPath) -> int | None:
        """Return the line of the value at the path, or of its nearest ancestor present."""
        for length in range(len(field_path), -1, -1):
            line = self.value_lines.get(field_path[:length])
            if line is not None:
                return line
        return None

    def key_line(self, field_path: FieldPath) -> int | None:
        """Return the line of the key at the path, falling back to ``line_of``."""
        return self.key_lines.get(field_path) or self.line_of(field_path)

    def value_at(self, field_path: FieldPath) -> Any:
        """Return the value at the path, or ``MISSING`` when the path does not exist."""
        value = self.data
        for part in field_path:
            if isinstance(part, int) and isinstance(value, list) and part < len(value):
                value = value[part]
            elif isinstance(part, str) and isinstance(value, dict) and part in value:
                value = value[part]
            else:
                return MISSING
        return value


def _field_name(field_path: FieldPath) -> str | None:
    for part in reversed(field_path):
        if isinstance(part, str):
            return part
    return None


class _NodeConverter:
    """Convert composed YAML nodes to Python values and record where each one starts."""

    def __init__(self, path: Path):
        self.path = path
        self.constructor = SafeConstructor()
        self.value_lines: dict[FieldPath, int] = {}
        self.key_lines: dict[FieldPath, int] = {}
        self.violations: list[Violation] = []

    def convert(self, node: Node, field_path: FieldPath) -> Any:
        self.value_lines[field_path] = node.start_mark.line + 1
        if isinstance(node, MappingNode):
            return self._mapping(node, field_path)
        if isinstance(node, SequenceNode):
            return [self.convert(item, field_path + (index,)) for index, item in enumerate(node.value)]
        return self._scalar(node, field_path)

    def _mapping(self, node: MappingNode, field_path: FieldPath) -> dict:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):
                self.violations.append(
                    Violation(
                        self.path, key_line, field_path, MISSING,
                        "een veldnaam moet gewone tekst zijn, geen lijst of groep.",
                        "schrijf het veld als 'naam: waarde'.",
                    )
                )
                continue

            key = key_node.value.strip()
            key_path = field_path + (key,)
            if key in result:
                self.violations.append(
                    Violation(
                        self.path, key_line, key_path, key,
                        f"het veld staat twee keer in dezelfde groep (eerder op regel "
                        f"{self.key_lines[key_path]}); YAML zou de eerste waarde stil negeren.",
                        "verwijder een van beide regels of geef het juiste veld een andere naam.",
                    )
                )
                continue

            self.key_lines[key_path] = key_line
            result[key] = self.convert(value_node, key_path)
        return result

    def _scalar(self, node: ScalarNode, field_path: FieldPath) -> Any:
        if node.tag == STRING_TAG:
            return node.value.strip()
        if node.tag == NULL_TAG:
            return None
        if node.style is None and _field_name(field_path) in TEXT_FIELDS:
            return node.value

        try:
            value = self.constructor.construct_object(node)
        except (ConstructorError, ValueError):
            # For example 2025-02-30: YAML resolves a date but cannot construct it. The
            # text is kept, so that the schema reports it as an invalid date.
            return node.value

        if isinstance(value, dt.datetime):
            return node.value
        if isinstance(value, dt.date):
            return value.isoformat()
        return value


def _syntax_violation(path: Path, text: str, error: yaml.MarkedYAMLError) -> Violation:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    lines = text.splitlines()
    line_text = lines[line - 1].strip() if line and line <= len(lines) else MISSING

    problem_text = error.problem or str(error)
    explanation, fix = next(
        (dutch for english, dutch in YAML_PROBLEMS.items() if english in problem_text),
        ("de opmaak klopt niet", GENERIC_YAML_FIX),
    )
    return Violation(
        path, line, (), line_text,
        f"het bestand is geen geldige YAML: {explanation} (PyYAML meldt: {problem_text}).",
        fix,
    )


def parse_krb_file(path: Path) -> tuple[ParsedFile | None, list[Violation]]:
    """Read one KRB file; return the parsed file (or None) and the problems found so far.

    Problems here are about the file itself: unreadable, not UTF-8, invalid YAML, empty,
    or a field given twice in one group. The content is checked later.
    """
    try:
        content = path.read_bytes()
        # utf-8-sig also accepts the byte-order mark that Windows editors write.
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [
            Violation(
                path, None, (), MISSING,
                "het bestand is geen UTF-8-tekst.",
                "sla het bestand op als UTF-8 (in de meeste editors: Opslaan als → codering UTF-8).",
            )
        ]
    except OSError as error:
        return None, [
            Violation(
                path, None, (), MISSING,
                f"het bestand kan niet worden gelezen ({error.strerror}).",
                "controleer of het bestand bestaat en leesbaar is.",
            )
        ]

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        return None, [_syntax_violation(path, text, error)]

    if root is None:
        return None, [
            Violation(
                path, None, (), MISSING,
                "het bestand is leeg.",
                "begin met een blok 'thema:'; 'idgb krb template NAAM' maakt een ingevuld voorbeeld.",
            )
        ]

    converter = _NodeConverter(path)
    data = converter.convert(root, ())
    logger.debug("Parsed %s with %d fields", path, len(converter.value_lines))
    sha256 = hashlib.sha256(content).hexdigest()
    parsed = ParsedFile(path, sha256, data, converter.value_lines, converter.key_lines)
    return parsed, converter.violations
