"""An argument parser whose usage, help headings and errors are Dutch.

argparse builds these texts in English. The parser below replaces the fixed phrases that a
user of ``idgb`` meets: the usage and help headings, and the errors for a missing, unknown or
invalid argument. A phrase without a translation is shown unchanged.
"""

import argparse
import sys

# English argparse phrase -> Dutch text, applied in this order.
PHRASES = (
    ("argument command:", "opdracht:"),
    ("the following arguments are required:", "deze argumenten ontbreken:"),
    ("unrecognized arguments:", "onbekende argumenten:"),
    ("invalid choice:", "ongeldige keuze:"),
    ("choose from", "kies uit"),
    ("expected one argument", "verwacht één waarde"),
    ("show this help message and exit", "toon deze hulp en stop"),
    ("positional arguments:", "argumenten:"),
    ("options:", "opties:"),
    ("usage:", "gebruik:"),
)


def translate(text: str) -> str:
    """Return the text with every known argparse phrase in Dutch."""
    for english, dutch in PHRASES:
        text = text.replace(english, dutch)
    return text


class DutchArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` that prints usage, help and errors in Dutch.

    Subcommand parsers made with ``add_subparsers`` get the same class, because argparse
    creates them with the class of their parent.
    """

    def format_usage(self) -> str:
        """Return the usage line in Dutch."""
        return translate(super().format_usage())

    def format_help(self) -> str:
        """Return the help text in Dutch."""
        return translate(super().format_help())

    def error(self, message: str):
        """Print the usage and the Dutch error to standard error, then exit with code 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {translate(message)}\nHulp: {self.prog} --help\n")
