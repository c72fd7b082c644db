"""Paths and switches read from the environment when they are needed, never at import."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = PROJECT_ROOT / "seeds"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
CATALOGUE_PATH = SEEDS_DIR / "catalogue.yaml"
KRB_SCHEMA_PATH = PROJECT_ROOT / "docs" / "krb.schema.json"

WAREHOUSE_ENV = "IDGB_WAREHOUSE"
DATA_DIR_ENV = "IDGB_DATA_DIR"
CBS_ONLINE_ENV = "IDGB_CBS_ONLINE"
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


def cbs_online() -> bool:
    """Return whether the user asked for live CBS OData downloads (``IDGB_CBS_ONLINE=1``)."""
    return os.environ.get(CBS_ONLINE_ENV, "0").strip().lower() in {"1", "true", "ja", "yes"}


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
