"""The tables of schema ``krb``: their columns, Dutch descriptions and rows.

The tables are normalised: one row per entity, plus link tables for lists. The dbt
models in ``dbt_project/models/krb`` build the star schema on top of them. Every
entity table has ``source_file`` and ``source_line``, so a norm or measure can be
traced to the line where it was registered.
"""

from dataclasses import dataclass

from idgb_pipeline.krb.model import Origin, Registration

SCHEMA = "krb"

ORIGIN_COLUMNS = (("source_file", "varchar"), ("source_line", "integer"))


@dataclass(frozen=True)
class KrbTable:
    """A table of schema ``krb``: name, typed columns and a Dutch description."""

    name: str
    columns: tuple[tuple[str, str], ...]
    description: str

    @property
    def qualified_name(self) -> str:
        """Return the table with its schema, for example ``krb.norm``."""
        return f"{SCHEMA}.{self.name}"


KRB_TABLES = (
    KrbTable(
        "registration_file",
        (("file_name", "varchar"), ("file_sha256", "varchar"), ("theme_id", "varchar")),
        "Geladen KRB-bestanden met hun SHA-256; één rij per bestand.",
    ),
    KrbTable(
        "theme",
        (
            ("theme_id", "varchar"),
            ("theme_name", "varchar"),
            ("description", "varchar"),
            ("parent_theme_id", "varchar"),
            *ORIGIN_COLUMNS,
        ),
        "Beleidsthema's zoals geregistreerd; één rij per thema (één per KRB-bestand).",
    ),
    KrbTable(
        "theme_taakveld",
        (("theme_id", "varchar"), ("taakveld_code", "varchar")),
        "Iv3-taakvelden per beleidsthema; één rij per thema × taakveld.",
    ),
    KrbTable(
        "policy_document",
        (
            ("document_id", "varchar"),
            ("theme_id", "varchar"),
            ("title", "varchar"),
            ("document_type", "varchar"),
            ("bestuurslaag", "varchar"),
            ("owner", "varchar"),
            ("region_code", "varchar"),
            ("adopted_date", "date"),
            ("valid_from_date", "date"),
            ("valid_to_date", "date"),
            ("url", "varchar"),
            ("is_example", "boolean"),
            ("description", "varchar"),
            *ORIGIN_COLUMNS,
        ),
        "Beleidsdocumenten zoals geregistreerd; één rij per document.",
    ),
    KrbTable(
        "document_implements",
        (("document_id", "varchar"), ("parent_document_id", "varchar")),
        "Welk document welk ander document uitwerkt (veld implementeert); één rij per koppeling.",
    ),
    KrbTable(
        "rule",
        (
            ("rule_id", "varchar"),
            ("theme_id", "varchar"),
            ("document_id", "varchar"),
            ("rule_text", "varchar"),
            ("location", "varchar"),
            *ORIGIN_COLUMNS,
        ),
        "Beleidsregels zoals geregistreerd; één rij per regel.",
    ),
    KrbTable(
        "policy_indicator",
        (
            ("theme_id", "varchar"),
            ("indicator_code", "varchar"),
            ("direction", "varchar"),
            ("is_bbv_indicator", "boolean"),
            ("region_levels", "varchar"),
            ("explanation", "varchar"),
            *ORIGIN_COLUMNS,
        ),
        "Beleidsindicatoren per thema; één rij per thema × indicator.",
    ),
    KrbTable(
        "norm",
        (
            ("norm_id", "varchar"),
            ("theme_id", "varchar"),
            ("indicator_code", "varchar"),
            ("comparator", "varchar"),
            ("target_value", "double"),
            ("target_year", "integer"),
            ("base_year", "integer"),
            ("base_value", "double"),
            ("margin", "double"),
            ("document_id", "varchar"),
            ("rule_id", "varchar"),
            ("description", "varchar"),
            *ORIGIN_COLUMNS,
        ),
        "Beleidsnormen zoals geregistreerd; één rij per norm.",
    ),
    KrbTable(
        "norm_region",
        (("norm_id", "varchar"), ("region_code", "varchar")),
        "Regio's waarvoor een beleidsnorm geldt; één rij per norm × regio.",
    ),
    KrbTable(
        "measure",
        (
            ("measure_id", "varchar"),
            ("theme_id", "varchar"),
            ("measure_name", "varchar"),
            ("description", "varchar"),
            ("start_date", "date"),
            ("end_date", "date"),
            ("budget_eur", "double"),
            ("department", "varchar"),
            ("document_id", "varchar"),
            *ORIGIN_COLUMNS,
        ),
        "Beleidsmaatregelen zoals geregistreerd; één rij per maatregel.",
    ),
    KrbTable(
        "measure_region",
        (("measure_id", "varchar"), ("region_code", "varchar")),
        "Regio's waarin een beleidsmaatregel loopt; één rij per maatregel × regio.",
    ),
    KrbTable(
        "intended_effect",
        (
            ("measure_id", "varchar"),
            ("indicator_code", "varchar"),
            ("effect_year", "integer"),
            ("expected_direction", "varchar"),
            ("expected_size", "double"),
            ("size_unit", "varchar"),
            ("explanation", "varchar"),
            *ORIGIN_COLUMNS,
        ),
        "Beoogde effecten van maatregelen; één rij per maatregel × indicator × jaar.",
    ),
)


def _origin(origin: Origin) -> tuple[str, int]:
    return origin.file_name, origin.line


def registration_rows(registration: Registration) -> dict[str, list[tuple]]:
    """Return the rows of every KRB table, in the column order of ``KRB_TABLES``."""
    r = registration
    return {
        "registration_file": [(f.file_name, f.file_sha256, f.theme_id) for f in r.files],
        "theme": [
            (t.theme_id, t.name, t.description, t.parent_theme_id, *_origin(t.origin))
            for t in r.themes
        ],
        "theme_taakveld": [(t.theme_id, code) for t in r.themes for code in t.taakveld_codes],
        "policy_document": [
            (
                d.document_id, d.theme_id, d.title, d.document_type, d.bestuurslaag, d.owner,
                d.region_code, d.adopted_date, d.valid_from_date, d.valid_to_date, d.url,
                d.is_example, d.description, *_origin(d.origin),
            )
            for d in r.documents
        ],
        "document_implements": [
            (d.document_id, parent) for d in r.documents for parent in d.implements_document_ids
        ],
        "rule": [
            (u.rule_id, u.theme_id, u.document_id, u.rule_text, u.location, *_origin(u.origin))
            for u in r.rules
        ],
        "policy_indicator": [
            (
                i.theme_id, i.indicator_code, i.direction, i.is_bbv_indicator,
                ",".join(i.region_levels), i.explanation, *_origin(i.origin),
            )
            for i in r.indicators
        ],
        "norm": [
            (
                n.norm_id, n.theme_id, n.indicator_code, n.comparator, n.target_value,
                n.target_year, n.base_year, n.base_value, n.margin, n.document_id, n.rule_id,
                n.description, *_origin(n.origin),
            )
            for n in r.norms
        ],
        "norm_region": [(n.norm_id, code) for n in r.norms for code in n.region_codes],
        "measure": [
            (
                m.measure_id, m.theme_id, m.name, m.description, m.start_date, m.end_date,
                m.budget_eur, m.department, m.document_id, *_origin(m.origin),
            )
            for m in r.measures
        ],
        "measure_region": [(m.measure_id, code) for m in r.measures for code in m.region_codes],
        "intended_effect": [
            (
                e.measure_id, e.indicator_code, e.effect_year, e.expected_direction,
                e.expected_size, e.size_unit, e.explanation, *_origin(e.origin),
            )
            for e in r.effects
        ],
    }
