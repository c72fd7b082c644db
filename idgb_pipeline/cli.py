"""Command-line entry point ``idgb``. Output is Dutch: it is read by operators and policy staff."""

import argparse
import functools
import logging
import sys

from idgb_pipeline import settings
from idgb_pipeline.cli_parser import DutchArgumentParser
from idgb_pipeline.errors import IdgbError
from idgb_pipeline.krb.commands import add_krb_commands
from idgb_pipeline.serving.commands import add_serving_commands


def _run(arguments: argparse.Namespace) -> int:
    from idgb_pipeline.runner import ensure_dagster_home, run_all
    from idgb_pipeline.summary import format_summary

    dagster_home = ensure_dagster_home()
    warehouse = settings.warehouse_path()
    if arguments.jaar is None:
        print(f"IDGB pipeline: alle assets materialiseren naar {warehouse}")
    else:
        print(f"IDGB pipeline: jaar {arguments.jaar} verversen (job jaar_refresh) in {warehouse}")

    # Imported after DAGSTER_HOME is set, because loading definitions reads the manifest.
    from idgb_pipeline.definitions import defs

    # Progress goes to the real standard output, which run_all may redirect for dbt.
    echo = functools.partial(print, file=sys.stdout, flush=True)
    success, report, seconds = run_all(
        defs(), echo=echo, show_tool_output=arguments.verbose, year=arguments.jaar
    )
    print(format_summary(success, report, seconds, warehouse, dagster_home))
    return 0 if success else 1


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with one subcommand per task."""
    parser = DutchArgumentParser(
        prog="idgb",
        description="IDGB pipeline: integraal datagedreven beleid voor gemeenten.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="toon ook technische logregels")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="materialiseer de hele assetgrafiek op de meegeleverde data",
        description=(
            "Laadt alle bronnen, bouwt het warehouse met dbt en toont een samenvatting. "
            f"Het warehouse-bestand staat in data/ tenzij {settings.WAREHOUSE_ENV} iets anders zegt."
        ),
    )
    run.add_argument(
        "--jaar",
        metavar="JAAR",
        help=(
            "ververs alleen dit jaar (job jaar_refresh): laad het bestand van dat jaar van de bronnen "
            "met één bestand per jaar, en bouw alles wat ervan afhangt opnieuw, bijvoorbeeld --jaar 2021"
        ),
    )
    run.set_defaults(handler=_run)

    add_krb_commands(commands)
    add_serving_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``idgb`` command and return its exit code."""
    arguments = build_parser().parse_args(argv)
    # The level sits on the handler: Dagster's loggers set their own level to INFO,
    # which would otherwise pass the root logger's threshold.
    handler = logging.StreamHandler()
    handler.setLevel(logging.INFO if arguments.verbose else logging.ERROR)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    try:
        return arguments.handler(arguments)
    except IdgbError as error:
        print(f"Fout: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
