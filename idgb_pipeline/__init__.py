"""IDGB pipeline: policy registration and municipal statistics on Dagster, dbt and DuckDB."""

__version__ = "0.1.0"
