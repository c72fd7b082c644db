"""Typed KRB records, built from parsed files that passed every check.

The builders assume valid input (schema and cross-checks passed) and only normalise:
a single region or taakveld becomes a list, ≤ and ≥ become <= and >=, and empty
optional fields become ``None``.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from idgb_pipeline.krb.yaml_source import ParsedFile

COMPARATORS = {"<=": "<=", ">=": ">=", "=": "=", "≤": "<=", "≥": ">="}


@dataclass(frozen=True)
class Origin:
    """File name and line of a registered record, for tracing a value to its policy."""

    file_name: str
    line: int


@dataclass(frozen=True)
class RegisteredFile:
    """One KRB file that was loaded, with its content hash."""

    file_name: str
    file_sha256: str
    theme_id: str


@dataclass(frozen=True)
class Theme:
    """A beleidsthema and the Iv3 taakvelden it falls under."""

    theme_id: str
    name: str
    description: str | None
    parent_theme_id: str | None
    taakveld_codes: tuple[str, ...]
    origin: Origin


@dataclass(frozen=True)
class PolicyDocument:
    """A beleidsdocument and the documents it implements."""

    document_id: str
    theme_id: str
    title: str
    document_type: str
    bestuurslaag: str
    owner: str
    region_code: str | None
    adopted_date: dt.date
    valid_from_date: dt.date
    valid_to_date: dt.date | None
    url: str | None
    implements_document_ids: tuple[str, ...]
    is_example: bool
    description: str | None
    origin: Origin


@dataclass(frozen=True)
class Rule:
    """A beleidsregel stated in a document."""

    rule_id: str
    theme_id: str
    document_id: str
    rule_text: str
    location: str | None
    origin: Origin


@dataclass(frozen=True)
class PolicyIndicator:
    """An indicator as a theme uses it: direction, BBV flag and region levels."""

    theme_id: str
    indicator_code: str
    direction: str
    is_bbv_indicator: bool
    region_levels: tuple[str, ...]
    explanation: str | None
    origin: Origin


@dataclass(frozen=True)
class Norm:
    """A beleidsnorm: target value for an indicator in a target year, per region."""

    norm_id: str
    theme_id: str
    indicator_code: str
    region_codes: tuple[str, ...]
    comparator: str
    target_value: float
    target_year: int
    base_year: int
    base_value: float | None
    margin: float
    document_id: str
    rule_id: str | None
    description: str | None
    origin: Origin


@dataclass(frozen=True)
class IntendedEffect:
    """A beoogd effect: expected change of an indicator in one year through a measure."""

    measure_id: str
    indicator_code: str
    effect_year: int
    expected_direction: str
    expected_size: float
    size_unit: str
    explanation: str | None
    origin: Origin


@dataclass(frozen=True)
class Measure:
    """A beleidsmaatregel with period, budget, regions and responsible department."""

    measure_id: str
    theme_id: str
    name: str
    description: str | None
    start_date: dt.date
    end_date: dt.date | None
    budget_eur: float | None
    region_codes: tuple[str, ...]
    department: str
    document_id: str
    origin: Origin


@dataclass(frozen=True)
class Registration:
    """Everything registered in the KRB files, ready to be written as tables."""

    files: tuple[RegisteredFile, ...] = ()
    themes: tuple[Theme, ...] = ()
    documents: tuple[PolicyDocument, ...] = ()
    rules: tuple[Rule, ...] = ()
    indicators: tuple[PolicyIndicator, ...] = ()
    norms: tuple[Norm, ...] = ()
    measures: tuple[Measure, ...] = ()
    effects: tuple[IntendedEffect, ...] = ()


def _as_tuple(value: Any) -> tuple:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


class _FileBuilder:
    """Build the records of one parsed, valid file."""

    def __init__(self, parsed: ParsedFile):
        self.parsed = parsed
        self.data = parsed.data
        self.theme_id = self.data["thema"]["id"]

    def origin(self, field_path: tuple) -> Origin:
        return Origin(self.parsed.path.name, self.parsed.key_line(field_path) or 1)

    def items(self, section: str):
        for index, item in enumerate(self.data.get(section) or []):
            yield (section, index), item

    def theme(self) -> Theme:
        theme = self.data["thema"]
        return Theme(
            theme_id=self.theme_id,
            name=theme["naam"],
            description=theme.get("omschrijving"),
            parent_theme_id=theme.get("bovenliggend_thema"),
            taakveld_codes=_as_tuple(theme["taakvelden"]),
            origin=self.origin(("thema",)),
        )

    def documents(self) -> list[PolicyDocument]:
        return [
            PolicyDocument(
                document_id=item["id"],
                theme_id=self.theme_id,
                title=item["titel"],
                document_type=item["type"],
                bestuurslaag=item["bestuurslaag"],
                owner=item["eigenaar"],
                region_code=item.get("regio"),
                adopted_date=_date(item["vastgesteld_op"]),
                valid_from_date=_date(item["geldig_van"]),
                valid_to_date=_date(item.get("geldig_tot")),
                url=item.get("url"),
                implements_document_ids=_as_tuple(item.get("implementeert")),
                is_example=bool(item.get("voorbeeld", False)),
                description=item.get("omschrijving"),
                origin=self.origin(path),
            )
            for path, item in self.items("documenten")
        ]

    def rules(self) -> list[Rule]:
        return [
            Rule(
                rule_id=item["id"],
                theme_id=self.theme_id,
                document_id=item["document"],
                rule_text=item["tekst"],
                location=item.get("vindplaats"),
                origin=self.origin(path),
            )
            for path, item in self.items("regels")
        ]

    def indicators(self) -> list[PolicyIndicator]:
        return [
            PolicyIndicator(
                theme_id=self.theme_id,
                indicator_code=item["indicator"],
                direction=item["richting"],
                is_bbv_indicator=bool(item.get("bbv_indicator", False)),
                region_levels=tuple(item["regioniveaus"]),
                explanation=item.get("toelichting"),
                origin=self.origin(path),
            )
            for path, item in self.items("indicatoren")
        ]

    def norms(self) -> list[Norm]:
        return [
            Norm(
                norm_id=item["id"],
                theme_id=self.theme_id,
                indicator_code=item["indicator"],
                region_codes=_as_tuple(item["regio"]),
                comparator=COMPARATORS[item["comparator"]],
                target_value=float(item["streefwaarde"]),
                target_year=item["streefjaar"],
                base_year=item["basisjaar"],
                base_value=_float(item.get("basiswaarde")),
                margin=_float(item.get("marge")) or 0.0,
                document_id=item["document"],
                rule_id=item.get("regel"),
                description=item.get("omschrijving"),
                origin=self.origin(path),
            )
            for path, item in self.items("normen")
        ]

    def measures_and_effects(self) -> tuple[list[Measure], list[IntendedEffect]]:
        measures, effects = [], []
        for path, item in self.items("maatregelen"):
            measures.append(
                Measure(
                    measure_id=item["id"],
                    theme_id=self.theme_id,
                    name=item["naam"],
                    description=item.get("omschrijving"),
                    start_date=_date(item["start"]),
                    end_date=_date(item.get("eind")),
                    budget_eur=_float(item.get("budget")),
                    region_codes=_as_tuple(item["regio"]),
                    department=item["afdeling"],
                    document_id=item["document"],
                    origin=self.origin(path),
                )
            )
            for effect_index, effect in enumerate(item["effecten"]):
                effect_path = path + ("effecten", effect_index)
                for year_text, size in effect["per_jaar"].items():
                    effects.append(
                        IntendedEffect(
                            measure_id=item["id"],
                            indicator_code=effect["indicator"],
                            effect_year=int(year_text),
                            expected_direction=effect["richting"],
                            expected_size=float(size),
                            size_unit=effect["eenheid"],
                            explanation=effect.get("toelichting"),
                            origin=self.origin(effect_path + ("per_jaar", year_text)),
                        )
                    )
        return measures, effects


def build_registration(files: list[ParsedFile]) -> Registration:
    """Build the typed registration from parsed files that passed every check."""
    record_kinds = ("files", "themes", "documents", "rules", "indicators", "norms", "measures", "effects")
    parts: dict[str, list] = {name: [] for name in record_kinds}
    for parsed in files:
        builder = _FileBuilder(parsed)
        parts["files"].append(RegisteredFile(parsed.path.name, parsed.sha256, builder.theme_id))
        parts["themes"].append(builder.theme())
        parts["documents"].extend(builder.documents())
        parts["rules"].extend(builder.rules())
        parts["indicators"].extend(builder.indicators())
        parts["norms"].extend(builder.norms())
        measures, effects = builder.measures_and_effects()
        parts["measures"].extend(measures)
        parts["effects"].extend(effects)
    return Registration(**{name: tuple(records) for name, records in parts.items()})
