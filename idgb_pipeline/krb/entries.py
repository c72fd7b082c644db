"""Entities of parsed KRB files (a theme, a document, a norm, …) and how they link."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from idgb_pipeline.krb.violations import FieldPath, Violation
from idgb_pipeline.krb.yaml_source import ParsedFile


@dataclass(frozen=True)
class Entry:
    """One entity (theme, document, norm, …) in one file, with its field path."""

    parsed: ParsedFile
    path: FieldPath
    data: dict

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        return value if isinstance(value, str) else None

    def year(self, key: str) -> int | None:
        value = self.data.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    def date(self, key: str) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.data[key])
        except (KeyError, TypeError, ValueError):
            return None

    def texts(self, key: str) -> Iterator[tuple[FieldPath, str]]:
        """Yield ``(path, text)`` for a field that contains one text or a list of texts."""
        value = self.data.get(key)
        if isinstance(value, str):
            yield self.path + (key,), value
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, str):
                    yield self.path + (key, index), item

    def violation(self, field_path: FieldPath, value: Any, problem: str, fix: str) -> Violation:
        return Violation(self.parsed.path, self.parsed.line_of(field_path), field_path, value, problem, fix)

    def where(self) -> str:
        return f"{self.parsed.path.name}, regel {self.parsed.line_of(self.path)}"


def find_cycles(links: dict[str, list[str]]) -> list[list[str]]:
    """Return each cycle of the link graph once, as a path that ends where it starts.

    Links to unknown ids and to the node itself are ignored: other checks report those.
    """
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    state: dict[str, str] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        stack.append(node)
        for target in links.get(node, []):
            if target == node or target not in links:
                continue
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                if frozenset(cycle) not in seen:
                    seen.add(frozenset(cycle))
                    cycles.append(cycle)
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[node] = "done"

    for node in links:
        if node not in state:
            visit(node, [])
    return cycles


def entries_of(parsed: ParsedFile, section: str) -> list[Entry]:
    if not isinstance(parsed.data, dict):
        return []
    if section == "thema":
        theme = parsed.data.get("thema")
        return [Entry(parsed, ("thema",), theme)] if isinstance(theme, dict) else []
    items = parsed.data.get(section)
    if not isinstance(items, list):
        return []
    return [
        Entry(parsed, (section, index), item)
        for index, item in enumerate(items)
        if isinstance(item, dict)
    ]


def index_by_id(entries: list[Entry]) -> dict[str, Entry]:
    """Index entries by id; for a duplicate id the first entry wins (the second is reported)."""
    indexed: dict[str, Entry] = {}
    for entry in entries:
        identifier = entry.text("id")
        if identifier is not None:
            indexed.setdefault(identifier, entry)
    return indexed
