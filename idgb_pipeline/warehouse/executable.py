"""Locate the dbt executable without importing dbt or dagster-dbt, which are slow to import.

dbt runs from its own virtualenv (``.venv-dbt``, made by ``make install``), so dbt-core is
not imported when Dagster loads the definitions (see ``layers.py``). A single environment
with dbt installed next to Dagster works too, only the code location loads slower.
"""

import os
import shutil
import sys
from pathlib import Path

from idgb_pipeline import settings
from idgb_pipeline.errors import IdgbError

DBT_EXECUTABLE_ENV = "IDGB_DBT_EXECUTABLE"
DBT_VENV_DIR = settings.PROJECT_ROOT / ".venv-dbt"


def dbt_executable() -> str:
    """Return the dbt executable: the configured one, the project's dbt env, or this env's.

    ``sys.prefix`` is used rather than the interpreter path, because Dagster's code
    server may start Python through a resolved symlink outside the virtualenv.

    Raises:
        IdgbError: When ``IDGB_DBT_EXECUTABLE`` names no executable file, or no dbt is found.
    """
    configured = os.environ.get(DBT_EXECUTABLE_ENV)
    if configured:
        if not os.access(configured, os.X_OK) or not Path(configured).is_file():
            raise IdgbError(
                f"{DBT_EXECUTABLE_ENV} wijst naar {configured}, maar daar staat geen uitvoerbaar "
                "bestand. Zet het pad naar dbt in de dbt-omgeving (bijvoorbeeld "
                f"{DBT_VENV_DIR}/bin/dbt) of haal de variabele weg."
            )
        return configured

    for folder in (DBT_VENV_DIR / "bin", Path(sys.prefix) / "bin", Path(sys.executable).parent):
        candidate = folder / "dbt"
        if candidate.exists():
            return str(candidate)

    found = shutil.which("dbt")
    if found is None:
        raise IdgbError(
            f"dbt is niet gevonden: niet in {DBT_VENV_DIR}, niet naast Python en niet op PATH. "
            f"Voer 'make install' uit, of zet {DBT_EXECUTABLE_ENV} op het pad naar dbt."
        )
    return found
