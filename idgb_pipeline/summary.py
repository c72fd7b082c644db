"""The Dutch summary printed at the end of ``idgb run``."""

from pathlib import Path

import duckdb

from idgb_pipeline.runner import RunReport
from idgb_pipeline.serving.publish import SERVING_DB, serving_dir

MART_SCHEMA = "marts"


def mart_row_counts(warehouse: Path) -> dict[str, int]:
    """Return the row count of every table in the marts schema, read-only."""
    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? order by table_name",
            [MART_SCHEMA],
        ).fetchall()
        # Table names come from the catalogue of the database itself, not from input.
        return {
            name: connection.execute(f'select count(*) from {MART_SCHEMA}."{name}"').fetchone()[0]
            for (name,) in tables
        }


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def format_summary(
    success: bool, report: RunReport, seconds: float, warehouse: Path, dagster_home: Path
) -> str:
    """Build the closing summary: what ran, rows per mart, checks, and where to look next."""
    lines = [
        "",
        "Samenvatting",
        "============",
        f"Resultaat:                {'geslaagd' if success else 'MISLUKT'} in {seconds:.0f} s",
        f"Assets gematerialiseerd:  {len(report.materialised)}",
        f"Controles geslaagd:       {len(report.checks_passed)}",
        f"Controles mislukt:        {len(report.checks_failed)}",
    ]
    for label in report.checks_failed:
        lines.append(f"  - {label}")
    lines.append(f"Rijen in quarantaine:     {sum(report.quarantined.values())}")
    for label, count in report.quarantined.items():
        lines.append(f"  - {label}: {count}")
    for label, files in report.rejected_files.items():
        lines.append(f"Afgewezen bestandsversie: {label}: {', '.join(files)} (vorige versie blijft in gebruik)")
    if report.failed_steps:
        lines.append(f"Mislukte stappen:         {', '.join(report.failed_steps)}")
    if report.lock_conflict:
        lines.append(
            f"Oorzaak: een ander proces heeft {warehouse} open (de foutmelding noemt de PID). "
            "DuckDB laat één proces tegelijk bij dit bestand. Sluit die verbinding (notebook, DuckDB-shell, "
            "BI-tool) en start de run opnieuw. Lees voor analyse en BI de kopie in data/serving/."
        )

    counts = mart_row_counts(warehouse)
    if counts:
        lines.append("Rijen per mart:")
        width = max(len(name) for name in counts)
        for name, count in counts.items():
            lines.append(f"  {name.ljust(width)}  {_thousands(count).rjust(9)}")

    serving_copy = serving_dir() / SERVING_DB
    lines += [
        f"Warehouse:                {warehouse}",
        f"Dagster-instantie:        {dagster_home}",
        "Bekijk de run en de assetgrafiek met:  make ui  (daarna http://127.0.0.1:3000)",
        "Bekijk de tabellen in de kopie voor BI: "
        f".venv/bin/python -c \"import duckdb; duckdb.connect('{serving_copy}', read_only=True)"
        ".sql('show all tables').show()\"",
    ]
    return "\n".join(lines)
