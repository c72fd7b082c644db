{#- An indicator that several themes use is a dwarsverband (cross-theme link). -#}
with

policy_indicators as (

    select * from {{ source('krb', 'policy_indicator') }}

),

themes as (

    select * from {{ source('krb', 'theme') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

per_indicator as (

    select
        indicator_code,
        count(*) as theme_count,
        count(distinct direction) filter (where direction <> 'neutraal') as stated_direction_count

    from policy_indicators
    group by 1

),

joined as (

    select
        policy_indicators.indicator_code,
        indicators.indicator_name,
        policy_indicators.theme_id,
        themes.theme_name,
        policy_indicators.direction,
        policy_indicators.is_bbv_indicator,
        policy_indicators.region_levels,
        policy_indicators.explanation,
        per_indicator.theme_count,
        per_indicator.theme_count > 1 as is_dwarsverband,
        per_indicator.stated_direction_count > 1 as has_conflicting_direction,
        policy_indicators.source_file,
        policy_indicators.source_line

    from policy_indicators
    inner join per_indicator
        on per_indicator.indicator_code = policy_indicators.indicator_code
    left join themes
        on themes.theme_id = policy_indicators.theme_id
    left join indicators
        on indicators.indicator_code = policy_indicators.indicator_code

)

select * from joined
