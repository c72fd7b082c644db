"""Paths and switches read from the environment when they are needed, never at import."""

import os
from pathlib import Path

from idgb_pipeline.errors import IdgbError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
CATALOGUE_PATH = SEEDS_DIR / "catalogue.yaml"
KRB_SCHEMA_PATH = PROJECT_ROOT / "docs" / "krb.schema.json"

WAREHOUSE_ENV = "IDGB_WAREHOUSE"
DATA_DIR_ENV = "IDGB_DATA_DIR"
CBS_ONLINE_ENV = "IDGB_CBS_ONLINE"
REVALIDATE_ENV = "IDGB_REVALIDATE"
EXPECTATIONS_ENV = "IDGB_EXPECTATIONS"
DUCKDB_MEMORY_LIMIT_ENV = "IDGB_DUCKDB_MEMORY_LIMIT"
CBS_ODATA_URL_ENV = "IDGB_CBS_ODATA_URL"
KRB_DIR_ENV = "IDGB_KRB_DIR"
CATALOGUE_ENV = "IDGB_CATALOGUE"


def data_dir() -> Path:
    """Return the folder for generated files (warehouse, landing, reports)."""
    return Path(os.environ.get(DATA_DIR_ENV, PROJECT_ROOT / "data")).resolve()


def warehouse_path() -> Path:
    """Return the DuckDB warehouse file: ``$IDGB_WAREHOUSE`` or ``data/warehouse.duckdb``."""
    configured = os.environ.get(WAREHOUSE_ENV)
    if configured:
        return Path(configured).resolve()
    return data_dir() / "warehouse.duckdb"


def landing_dir() -> Path:
    """Return the folder where downloaded or dropped source files land."""
    return data_dir() / "landing"


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "0").strip().lower() in {"1", "true", "ja", "yes"}


def cbs_online() -> bool:
    """Return whether the user asked for live CBS OData downloads (``IDGB_CBS_ONLINE=1``)."""
    return _env_flag(CBS_ONLINE_ENV)


def expectations_dir() -> Path:
    """Return the folder of the source suites (``IDGB_EXPECTATIONS``, default ``expectations/``)."""
    configured = os.environ.get(EXPECTATIONS_ENV)
    return Path(configured) if configured else PROJECT_ROOT / "expectations"


def duckdb_memory_limit() -> str:
    """Return DuckDB's memory limit for the pipeline's connections and dbt (``IDGB_DUCKDB_MEMORY_LIMIT``).

    DuckDB's own default is 80% of RAM, which it fills with cached pages at national scale.
    The same default is in dbt_project/profiles.yml.
    """
    return os.environ.get(DUCKDB_MEMORY_LIMIT_ENV, "2GB")


def revalidate_all() -> bool:
    """Return whether extraction must read and validate unchanged files too (``IDGB_REVALIDATE=1``)."""
    return _env_flag(REVALIDATE_ENV)


def cbs_odata_url() -> str:
    """Return the CBS OData v3 base URL, overridable for tests and mirrors."""
    return os.environ.get(CBS_ODATA_URL_ENV, "https://opendata.cbs.nl/ODataApi/odata")


def catalogue_path() -> Path:
    """Return the source catalogue: ``$IDGB_CATALOGUE`` or ``seeds/catalogue.yaml``.

    File paths in another catalogue stay relative to ``seeds/`` unless absolute.
    """
    return Path(os.environ.get(CATALOGUE_ENV, CATALOGUE_PATH)).resolve()


def krb_dir() -> Path:
    """Return the folder with the KRB policy registration: ``$IDGB_KRB_DIR`` or ``seeds/krb``."""
    configured = os.environ.get(KRB_DIR_ENV)
    if configured:
        return Path(configured).resolve()
    return SEEDS_DIR / "krb"


TARGET_ENV = "IDGB_TARGET"
REQUIRE_POSTGRES_ENV = "IDGB_REQUIRE_POSTGRES"
TARGET_DUCKDB = "duckdb"
TARGET_POSTGRES = "postgres"
TARGETS = (TARGET_DUCKDB, TARGET_POSTGRES)


class TargetSettingError(IdgbError):
    """``IDGB_TARGET`` names a target that does not exist."""

# PostgreSQL connection settings with their defaults. The names carry the IDGB_ prefix,
# rather than libpq's PG* names, so a PGHOST meant for another tool never redirects the
# publication. profiles.yml reads the same variables with the same defaults.
POSTGRES_SETTINGS = {
    "host": ("IDGB_PG_HOST", "127.0.0.1"),
    "port": ("IDGB_PG_PORT", "5432"),
    "user": ("IDGB_PG_USER", "idgb"),
    "password": ("IDGB_PG_PASSWORD", ""),
    "dbname": ("IDGB_PG_DATABASE", "idgb"),
    "sslmode": ("IDGB_PG_SSLMODE", "prefer"),
}


def target() -> str:
    """Return the publication target: ``duckdb`` (default) or ``postgres`` from ``$IDGB_TARGET``.

    DuckDB stays the working warehouse either way; ``postgres`` adds the publication to PostgreSQL.
    """
    value = os.environ.get(TARGET_ENV, "").strip().lower() or TARGET_DUCKDB
    if value not in TARGETS:
        raise TargetSettingError(
            f"{TARGET_ENV}='{value}' is ongeldig. Kies {' of '.join(TARGETS)}, "
            f"of laat {TARGET_ENV} leeg voor {TARGET_DUCKDB}."
        )
    return value


def postgres_connection() -> dict[str, str]:
    """Return the psycopg2 connection keywords (host, port, user, password, dbname, sslmode) from the environment."""
    return {key: os.environ.get(variable) or default for key, (variable, default) in POSTGRES_SETTINGS.items()}


def require_postgres() -> bool:
    """Return whether tests must fail, rather than skip, when PostgreSQL is unreachable (``IDGB_REQUIRE_POSTGRES=1``)."""
    return os.environ.get(REQUIRE_POSTGRES_ENV, "0").strip().lower() in {"1", "true", "ja", "yes"}
