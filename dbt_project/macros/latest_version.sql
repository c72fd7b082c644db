{#- Select the rows of the most recent load of each file of a raw source.
    Raw tables keep every accepted file version (one sha256 per load), so
    staging must pick the newest one per file name. A join on the newest load
    time per file, rather than DuckDB's qualify, runs on DuckDB and PostgreSQL. -#}
{% macro latest_version(relation) %}
    select loaded.*
    from {{ relation }} as loaded
    inner join (
        select _file_name, max(_loaded_at) as _loaded_at
        from {{ relation }}
        group by _file_name
    ) as newest
        on
            newest._file_name = loaded._file_name
            and newest._loaded_at = loaded._loaded_at
{% endmacro %}
