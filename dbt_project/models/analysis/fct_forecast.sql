{#- One row per region × indicator × forecast year of the latest forecast run, with
    the outlier flag and the robust variant from the latest outlier run made on that
    forecast run. Regions without a robust row (other levels, or no outlier run yet)
    keep empty outlier columns. -#}
{%- set robust_source = source('analysis', 'model_forecast_robust') -%}
{%- set robust_exists = true -%}
{%- if execute -%}
    {#- analysis/uitschieters writes the robust table. Until that asset has run once,
        the forecasts are served with empty outlier columns instead of failing. -#}
    {%- set robust_exists = adapter.get_relation(
        database=robust_source.database,
        schema=robust_source.schema,
        identifier=robust_source.identifier,
    ) is not none -%}
{%- endif %}
with

robust as (

    {% if robust_exists -%}
    select * from {{ robust_source }}
    {%- else -%}
    select
        cast(null as varchar) as model_run_id,
        cast(null as timestamp) as run_at,
        cast(null as varchar) as forecast_model_run_id,
        cast(null as varchar) as region_code,
        cast(null as varchar) as indicator_code,
        cast(null as bigint) as year,
        cast(null as boolean) as history_has_outlier,
        cast(null as varchar) as outlier_years,
        cast(null as double precision) as robust_point,
        cast(null as double precision) as robust_lo80,
        cast(null as double precision) as robust_hi80,
        cast(null as double precision) as robust_lo95,
        cast(null as double precision) as robust_hi95

    where false
    {%- endif %}

),

forecasts as (

    select * from {{ source('analysis', 'model_forecast') }}

),

forecast_runs_ranked as (

    select
        model_run_id,
        dense_rank() over (order by run_at desc, model_run_id) as run_rank

    from forecasts

),

latest_forecast_run as (

    select distinct model_run_id
    from forecast_runs_ranked
    where run_rank = 1

),

robust_runs_ranked as (

    select
        robust.model_run_id,
        dense_rank() over (order by robust.run_at desc, robust.model_run_id) as run_rank

    from robust
    inner join latest_forecast_run
        on latest_forecast_run.model_run_id = robust.forecast_model_run_id

),

latest_robust_run as (

    select distinct model_run_id
    from robust_runs_ranked
    where run_rank = 1

),

run_forecasts as (

    select forecasts.*
    from forecasts
    inner join latest_forecast_run
        on latest_forecast_run.model_run_id = forecasts.model_run_id

),

run_robust as (

    select robust.*
    from robust
    inner join latest_robust_run
        on latest_robust_run.model_run_id = robust.model_run_id

),

joined as (

    select
        run_forecasts.model_run_id as forecast_model_run_id,
        run_robust.model_run_id as outlier_model_run_id,
        run_forecasts.run_at as forecast_run_at,
        run_forecasts.region_code,
        run_forecasts.region_name,
        run_forecasts.indicator_code,
        run_forecasts.year,
        run_forecasts.horizon,
        run_forecasts.method,
        run_forecasts.last_training_year,
        run_forecasts.point,
        run_forecasts.lo80,
        run_forecasts.hi80,
        run_forecasts.lo95,
        run_forecasts.hi95,
        run_robust.history_has_outlier,
        run_robust.outlier_years,
        run_robust.robust_point,
        run_robust.robust_lo80,
        run_robust.robust_hi80,
        run_robust.robust_lo95,
        run_robust.robust_hi95

    from run_forecasts
    left join run_robust
        on
            run_robust.region_code = run_forecasts.region_code
            and run_robust.indicator_code = run_forecasts.indicator_code
            and run_robust.year = run_forecasts.year

)

select * from joined
