{#- One row per KRB norm × region from the latest run of analysis/norm_prognose: the
    forecast in the target year, the probability that the norm is met then and the
    first forecast year in which that probability is at least 50%. A norm × region
    without a forecastable series has a row with the reason and no numbers. -#}
{%- set columns = [
    ('norm_id', 'varchar'), ('region_code', 'varchar'), ('region_name', 'varchar'),
    ('indicator_code', 'varchar'), ('comparator', 'varchar'), ('target_value', 'double'),
    ('margin', 'double'), ('target_year', 'bigint'), ('last_training_year', 'bigint'),
    ('horizon_year', 'bigint'), ('forecast_value', 'double'), ('lo80', 'double'),
    ('hi80', 'double'), ('lo95', 'double'), ('hi95', 'double'), ('probability_met', 'double'),
    ('first_year_met', 'bigint'), ('expected_first_year_met', 'varchar'), ('method', 'varchar'),
    ('distribution', 'varchar'), ('mase', 'double'), ('relative_mase_naive', 'double'),
    ('relative_mase_drift', 'double'), ('coverage80', 'double'), ('coverage95', 'double'),
    ('n_series', 'bigint'), ('n_points_coverage', 'bigint'),
] -%}
{%- set prognosis_source = source('analysis', 'model_norm_prognosis') -%}
{%- set prognosis_exists = true -%}
{%- if execute -%}
    {#- Until analysis/norm_prognose has run once, the mart is empty instead of failing. -#}
    {%- set prognosis_exists = adapter.get_relation(
        database=prognosis_source.database,
        schema=prognosis_source.schema,
        identifier=prognosis_source.identifier,
    ) is not none -%}
{%- endif %}
with

prognoses as (

    {% if prognosis_exists -%}
    select * from {{ prognosis_source }}
    {%- else -%}
    select
        {%- for name, type in columns %}
        cast(null as {{ type }}) as {{ name }},
        {%- endfor %}
        cast(null as varchar) as reason,
        cast(null as varchar) as model_run_id,
        cast(null as timestamp) as run_at

    where false
    {%- endif %}

),

latest_run as (

    select model_run_id
    from prognoses
    order by run_at desc, model_run_id
    limit 1

),

final as (

    select
        {%- for name, type in columns %}
        prognoses.{{ name }},
        {%- endfor %}
        prognoses.reason as no_forecast_reason,
        prognoses.model_run_id,
        prognoses.run_at

    from prognoses
    inner join latest_run
        on latest_run.model_run_id = prognoses.model_run_id

)

select * from final
