"""Kernregistratie Beleid (KRB): policy registered in YAML, validated, and written to DuckDB.

The modules here are pure (no Dagster): ``yaml_source`` reads a file with line numbers,
``schema`` and ``checks`` validate it, ``model`` turns it into typed records, ``tables``
and ``writer`` store it, and ``attainment`` states the norm-attainment rule. The Dagster
asset lives in ``assets`` and the ``idgb krb`` commands in ``commands``.
"""
