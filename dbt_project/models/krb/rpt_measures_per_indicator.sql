{{ config(materialized='view') }}

with

measure_indicators as (

    select * from {{ ref('bridge_measure_indicator') }}

),

measures as (

    select * from {{ ref('dim_measure') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

themes as (

    select * from {{ ref('dim_theme') }}

),

joined as (

    select
        measure_indicators.indicator_code,
        indicators.indicator_name,
        measure_indicators.measure_id,
        measures.measure_name,
        measure_indicators.measure_theme_id,
        themes.theme_name as measure_theme_name,
        measure_indicators.is_cross_theme,
        measure_indicators.expected_direction,
        measure_indicators.size_unit,
        measure_indicators.max_expected_size,
        measure_indicators.first_effect_year,
        measure_indicators.last_effect_year,
        measures.start_date,
        measures.end_date,
        measures.budget_eur,
        measures.department,
        measures.region_codes,
        measures.document_id,
        measures.document_title,
        measures.is_example

    from measure_indicators
    inner join measures
        on measures.measure_id = measure_indicators.measure_id
    left join indicators
        on indicators.indicator_code = measure_indicators.indicator_code
    left join themes
        on themes.theme_id = measure_indicators.measure_theme_id

)

select * from joined
