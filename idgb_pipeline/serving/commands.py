"""The ``idgb snapshot`` subcommand: freeze the current serving set under a peildatum."""

import argparse

from idgb_pipeline.serving.publish import parse_peildatum, serving_dir, snapshot_serving


def _snapshot(arguments: argparse.Namespace) -> int:
    peildatum = parse_peildatum(arguments.peildatum)
    target = snapshot_serving(serving_dir(), peildatum)
    print(f"Momentopname voor peildatum {peildatum.isoformat()} opgeslagen in {target}")
    return 0


def add_serving_commands(commands) -> None:
    """Add ``snapshot`` to the ``idgb`` subcommands."""
    snapshot = commands.add_parser(
        "snapshot",
        help="bevries de huidige publicatie onder een peildatum",
        description=(
            "Kopieert data/serving/warehouse.duckdb, de Parquet-bestanden en manifest.json naar "
            "data/serving/snapshots/<peildatum>/. Een bestaande peildatum wordt niet overschreven."
        ),
    )
    snapshot.add_argument("--peildatum", required=True, help="peildatum als JJJJ-MM-DD, bijvoorbeeld 2026-01-31")
    snapshot.set_defaults(handler=_snapshot)
