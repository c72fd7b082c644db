"""The ``idgb krb`` commands for policy staff: ``check`` and ``template``. Output is Dutch."""

import argparse
import sys
from pathlib import Path

from idgb_pipeline import settings
from idgb_pipeline.krb.model import Registration
from idgb_pipeline.krb.references import References, references_for_check
from idgb_pipeline.krb.registration import krb_files, load_registration
from idgb_pipeline.krb.template import render_template, theme_id_for
from idgb_pipeline.krb.violations import display_path


def _files_to_check(target: Path) -> tuple[list[Path], set[Path]]:
    """Return the files to load and the files whose violations are reported.

    A folder is checked as a complete registration. A single file is checked as if it
    were placed in the KRB folder, so that its references to documents and themes in
    other files resolve. A file of the same name in that folder is left out.
    """
    if target.is_dir():
        files = krb_files(target)
        return files, {path.resolve() for path in files}

    registry = settings.krb_dir()
    context = {path.name: path for path in krb_files(registry)} if registry.is_dir() else {}
    context[target.name] = target
    return sorted(context.values(), key=lambda path: path.name), {target.resolve()}


def _describe_references(references: References, warehouse: Path) -> list[str]:
    lines = []
    if references.indicators is not None or references.regions is not None:
        lines.append(f"Kruiscontroles tegen het warehouse {warehouse} (alleen lezen).")
    lines.append(f"Taakvelden gecontroleerd tegen {references.taakveld_source}.")
    if references.skipped:
        lines.append("Overgeslagen kruiscontroles:")
        lines += [f"  - {reason}" for reason in references.skipped]
    return lines


def _summary(registration: Registration) -> str:
    counts = [
        (len(registration.themes), "thema's"),
        (len(registration.documents), "documenten"),
        (len(registration.rules), "regels"),
        (len(registration.indicators), "beleidsindicatoren"),
        (len(registration.norms), "normen"),
        (len(registration.measures), "maatregelen"),
        (len(registration.effects), "beoogde effecten (per jaar)"),
    ]
    return ", ".join(f"{count} {label}" for count, label in counts)


def run_check(arguments: argparse.Namespace) -> int:
    """Validate KRB files without running the pipeline; return 0 when valid, 1 otherwise."""
    target = Path(arguments.pad) if arguments.pad else settings.krb_dir()
    if not target.exists():
        print(f"Fout: {target} bestaat niet. Geef een KRB-bestand of een map met KRB-bestanden.")
        return 1

    files, reported = _files_to_check(target)
    if not files:
        print(f"Fout: geen KRB-bestanden (*.yaml, *.yml) gevonden in {display_path(target)}.")
        return 1

    warehouse = settings.warehouse_path()
    references = references_for_check(warehouse)
    result = load_registration(files, references)
    violations = [v for v in result.violations if v.file.resolve() in reported]
    hidden = len(result.violations) - len(violations)

    print(f"KRB controleren: {display_path(target)} ({len(reported)} bestand(en))")
    if len(files) > len(reported):
        print(
            f"Verwijzingen naar andere bestanden opgezocht in {display_path(settings.krb_dir())} "
            f"({len(files) - len(reported)} andere bestanden)."
        )
    for line in _describe_references(references, warehouse):
        print(line)
    print()

    if violations:
        files_with_errors = len({violation.file for violation in violations})
        print(f"{len(violations)} fout(en):")
        for violation in violations:
            print(f"  - {violation.format()}")
        print()
        print(f"Resultaat: ONGELDIG — {len(violations)} fout(en) in {files_with_errors} bestand(en).")
    elif result.registration is not None and len(files) > len(reported):
        print(f"Resultaat: geldig. Samen met de andere bestanden: {_summary(result.registration)}.")
    elif result.registration is not None:
        print(f"Resultaat: geldig — {_summary(result.registration)}.")
    else:
        print(f"Resultaat: {display_path(target)} is geldig.")

    if hidden:
        print(
            f"Let op: {hidden} fout(en) in andere KRB-bestanden zijn niet getoond. "
            f"Controleer de hele map met: idgb krb check {display_path(settings.krb_dir())}"
        )
    return 1 if violations else 0


def run_template(arguments: argparse.Namespace) -> int:
    """Print a new theme file, or write it to ``--uit``; never overwrite a file."""
    text = render_template(arguments.thema)
    if arguments.uit is None:
        sys.stdout.write(text)
        return 0

    destination = Path(arguments.uit)
    if destination.is_dir():
        destination = destination / f"{theme_id_for(arguments.thema)}.yaml"
    if not destination.parent.is_dir():
        print(f"Fout: de map {destination.parent} bestaat niet. Maak die eerst aan.", file=sys.stderr)
        return 1

    try:
        # Mode "x" creates the file and fails if it already exists, so nothing is overwritten.
        with destination.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        print(
            f"Fout: {destination} bestaat al en wordt niet overschreven. "
            "Kies een andere naam of verwijder het bestaande bestand eerst.",
            file=sys.stderr,
        )
        return 1

    print(f"Sjabloon geschreven naar {destination}.")
    print(f"Vul de taakvelden en de rest in, en controleer het bestand met: idgb krb check {destination}")
    return 0


def add_krb_commands(commands: argparse._SubParsersAction) -> None:
    """Add ``idgb krb check`` and ``idgb krb template`` to the ``idgb`` parser."""
    krb = commands.add_parser(
        "krb",
        help="Kernregistratie Beleid: beleid registreren en controleren",
        description="Hulpmiddelen voor de Kernregistratie Beleid (KRB) in seeds/krb/. Uitleg: docs/krb.md.",
    )
    krb_commands = krb.add_subparsers(dest="krb_command", required=True)

    check = krb_commands.add_parser(
        "check",
        help="controleer KRB-bestanden zonder de pipeline te draaien",
        description=(
            "Controleert een KRB-bestand of een map met KRB-bestanden en toont alle fouten tegelijk, "
            "elk met bestand, regel, veld, waarde en oplossing. Indicatoren en regio's worden "
            "(alleen lezend) tegen het warehouse gecontroleerd als dat bestaat. Exitcode 0 als alles "
            "geldig is, anders 1."
        ),
    )
    check.add_argument(
        "pad",
        nargs="?",
        help=f"KRB-bestand of map (standaard seeds/krb, of {settings.KRB_DIR_ENV})",
    )
    check.set_defaults(handler=run_check)

    template = krb_commands.add_parser(
        "template",
        help="maak een nieuw themabestand met uitleg bij elk veld",
        description=(
            "Maakt een nieuw KRB-themabestand met Nederlandse uitleg bij elk veld. Zonder --uit "
            "verschijnt het op het scherm; een bestaand bestand wordt nooit overschreven."
        ),
    )
    template.add_argument("thema", help='naam van het beleidsthema, bijvoorbeeld "Zorg en welzijn"')
    template.add_argument(
        "--uit",
        metavar="PAD",
        help="schrijf naar dit bestand, of naar THEMA-ID.yaml in deze map",
    )
    template.set_defaults(handler=run_template)
