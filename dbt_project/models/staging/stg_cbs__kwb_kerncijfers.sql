{#- Kerncijfers wijken en buurten in long form: one row per region × year × topic.

    The raw table holds the CBS wide layout, one numeric column per KWB topic key.
    Every numeric column except the row number ID and the year becomes a topic, so a
    file with more topics needs no change here. The bundled catalogue has no such
    source, so raw.kwb_kerncijfers may be missing: then the model is empty with the
    same columns, and fct_indicator_value still builds.

    Incremental: a run unpivots only the files whose newest load is not in the table
    yet, and delete+insert on source_file_name replaces the rows of an older version
    of such a file. Adding one yearly file therefore unpivots one file, not all of them.
    `dbt build --full-refresh` rebuilds everything. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='source_file_name',
) }}
{%- set raw_relation = source('raw', 'kwb_kerncijfers') -%}
{%- set topic_columns = [] -%}
{%- if execute -%}
    {%- set existing = adapter.get_relation(
        database=raw_relation.database,
        schema=raw_relation.schema,
        identifier=raw_relation.identifier,
    ) -%}
    {%- if existing is not none -%}
        {%- for column in adapter.get_columns_in_relation(existing) -%}
            {%- if column.is_numeric() or column.is_float() or column.is_integer() -%}
                {%- if column.name not in ('ID', 'jaar') -%}
                    {%- do topic_columns.append(column.name) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endif -%}

{%- if topic_columns %}

with

source as materialized (

    {{ latest_version(raw_relation) }}
    {%- if is_incremental() %}
    where not exists (
        select 1
        from (
            select source_file_name, max(source_loaded_at) as source_loaded_at
            from {{ this }}
            group by source_file_name
        ) as built
        where
            built.source_file_name = loaded._file_name
            and built.source_loaded_at = loaded._loaded_at
    )
    {%- endif %}

),

{#- DuckDB's UNPIVOT reads the wide rows once. On the generated benchmark set with 448
    topics and 15 yearly files (105 million values, bench/generate.py --schaal 4) it took
    15 s, where the union of one select per topic took 116 s (2 cores, other work running).
    PostgreSQL has no UNPIVOT, so there the union stays. Both leave out empty cells. -#}
{%- if target.type == 'duckdb' %}

unpivoted as (

    unpivot (
        select
            "WijkenEnBuurten" as region_code,
            cast(jaar as integer) as period_year,
            _file_name as source_file_name,
            _loaded_at as source_loaded_at,
            {%- for column in topic_columns %}
            cast("{{ column }}" as double precision) as "{{ column }}"{{ "," if not loop.last }}
            {%- endfor %}
        from source
    )
    on {% for column in topic_columns %}"{{ column }}"{{ ", " if not loop.last }}{% endfor %}
    into name topic_key value value

),

{%- else %}

unpivoted as (

    {%- for column in topic_columns %}
    select
        "WijkenEnBuurten" as region_code,
        cast(jaar as integer) as period_year,
        '{{ column }}' as topic_key,
        cast("{{ column }}" as double precision) as value,
        _file_name as source_file_name,
        _loaded_at as source_loaded_at
    from source
    where "{{ column }}" is not null
    {{ "union all" if not loop.last }}
    {%- endfor %}

),

{%- endif %}

select
    region_code,
    period_year,
    topic_key,
    'kwb2022_' || lower(topic_key) as indicator_code,
    value,
    source_file_name,
    source_loaded_at

from unpivoted

{%- else %}

select
    cast(null as varchar) as region_code,
    cast(null as integer) as period_year,
    cast(null as varchar) as topic_key,
    cast(null as varchar) as indicator_code,
    cast(null as double precision) as value,
    cast(null as varchar) as source_file_name,
    cast(null as timestamp with time zone) as source_loaded_at

where 1 = 0

{%- endif %}
