"""One problem in a KRB file, written in Dutch for the policy staff who fix it."""

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

# Shown instead of a value when the field is absent, so that "missing" and "empty" differ.
MISSING = object()

FieldPath = tuple[str | int, ...]


def format_field(path: FieldPath) -> str:
    """Format a field path for people, counting list items from 1: ``normen[2].indicator``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(hele bestand)"


def format_value(value: Any) -> str:
    """Format a value the way it looks in YAML, quoted when it is text."""
    if value is MISSING:
        return "(ontbreekt)"
    if value is None:
        return "(leeg)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict):
        return "{" + ", ".join(str(key) for key in value) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return str(value)


def display_path(path: Path) -> str:
    """Return the file path relative to the working folder when it lies inside it."""
    resolved = Path(path).resolve()
    if resolved.is_relative_to(Path.cwd()):
        return os.path.relpath(resolved)
    return str(path)


@dataclass(frozen=True)
class Violation:
    """A problem at one field of one file: what is wrong and how to fix it."""

    file: Path
    line: int | None
    field: FieldPath
    value: Any
    problem: str
    fix: str

    def format(self) -> str:
        """Return the Dutch one-line message with file, line, field, value, problem and fix."""
        location = display_path(self.file)
        if self.line is not None:
            location += f", regel {self.line}"
        return (
            f"{location}, veld {format_field(self.field)}, waarde {format_value(self.value)}: "
            f"{self.problem} Oplossing: {self.fix}"
        )


def sort_violations(violations: Iterable[Violation]) -> list[Violation]:
    """Order violations by file and line, so the report reads top to bottom."""
    return sorted(violations, key=lambda v: (str(v.file), v.line or 0, format_field(v.field)))


def suggestion(value: Any, candidates: Sequence[str]) -> str:
    """Return " Bedoel je 'x'?" for the closest candidate, or an empty string."""
    if not isinstance(value, str) or not candidates:
        return ""
    # Swapped characters such as "=<" for "<=" score low on similarity but are the
    # most common slip in short codes.
    same_characters = [candidate for candidate in candidates if sorted(candidate) == sorted(value)]
    matches = same_characters or get_close_matches(value, candidates, n=1, cutoff=0.6)
    return f" Bedoel je '{matches[0]}'?" if matches else ""
