{{ config(materialized='view') }}

with

attainment as (

    select * from {{ ref('fct_norm_attainment') }}

),

norms as (

    select * from {{ ref('dim_norm') }}

),

regions as (

    select * from {{ ref('dim_region') }}

),

-- The most recent year with a value is the norm's current standing in a region.
attainment_ranked as (

    select
        *,
        row_number() over (partition by norm_id, region_code order by period_year desc) as recency_rank

    from attainment
    where actual_value is not null

),

latest as (

    select *
    from attainment_ranked
    where recency_rank = 1

),

joined as (

    select
        latest.norm_id,
        norms.description as norm_description,
        norms.theme_id,
        latest.indicator_code,
        norms.indicator_name,
        latest.region_code,
        regions.region_name,
        latest.period_year as latest_year,
        latest.is_provisional,
        latest.actual_value,
        latest.path_value,
        latest.comparator,
        latest.target_value,
        latest.target_year,
        latest.gap_to_target,
        latest.gap_to_path,
        norms.document_id,
        norms.document_title,
        norms.is_example

    from latest
    inner join norms
        on norms.norm_id = latest.norm_id
    left join regions
        on regions.region_code = latest.region_code
    where latest.attainment_status = 'niet op koers'

)

select * from joined
