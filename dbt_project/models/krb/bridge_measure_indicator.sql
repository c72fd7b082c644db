with

effects as (

    select * from {{ source('krb', 'intended_effect') }}

),

measures as (

    select * from {{ source('krb', 'measure') }}

),

policy_indicators as (

    select * from {{ source('krb', 'policy_indicator') }}

),

per_measure_indicator as (

    select
        measure_id,
        indicator_code,
        min(expected_direction) as expected_direction,
        min(size_unit) as size_unit,
        min(effect_year) as first_effect_year,
        max(effect_year) as last_effect_year,
        max(expected_size) as max_expected_size

    from effects
    group by 1, 2

),

joined as (

    select
        per_measure_indicator.measure_id,
        per_measure_indicator.indicator_code,
        measures.theme_id as measure_theme_id,
        per_measure_indicator.expected_direction,
        per_measure_indicator.size_unit,
        per_measure_indicator.first_effect_year,
        per_measure_indicator.last_effect_year,
        per_measure_indicator.max_expected_size,
        policy_indicators.indicator_code is null as is_cross_theme

    from per_measure_indicator
    inner join measures
        on measures.measure_id = per_measure_indicator.measure_id
    left join policy_indicators
        on
            policy_indicators.theme_id = measures.theme_id
            and policy_indicators.indicator_code = per_measure_indicator.indicator_code

)

select * from joined
