"""A read-only copy of the warehouse for BI tools: Parquet per table and a serving DuckDB file."""
