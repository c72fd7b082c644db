"""Locate the dbt executable without importing dbt or dagster-dbt, which are slow to import."""

import shutil
import sys
from pathlib import Path


def dbt_executable() -> str:
    """Return the dbt executable of the running environment, so an unactivated venv works.

    ``sys.prefix`` is used rather than the interpreter path, because Dagster's code
    server may start Python through a resolved symlink outside the virtualenv.
    """
    for folder in (Path(sys.prefix) / "bin", Path(sys.executable).parent):
        candidate = folder / "dbt"
        if candidate.exists():
            return str(candidate)
    return shutil.which("dbt") or "dbt"
