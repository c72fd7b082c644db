{#- Norm attainment per norm × region × year, from the base year through the target year.
    The rule is stated in the model description and in idgb_pipeline/krb/attainment.py;
    the test suite checks that this SQL and that module agree on every row. -#}
with

norms as (

    select * from {{ source('krb', 'norm') }}

),

norm_regions as (

    select * from {{ source('krb', 'norm_region') }}

),

periods as (

    select * from {{ ref('dim_period') }}

),

-- Only the indicators that carry a norm. The inner join lets DuckDB skip the row groups
-- of every other indicator in the sorted fact table, which at wijk and buurt scale contains
-- about a hundred million rows. A left join would build its hash table from all of them.
norm_indicators as (

    select distinct indicator_code from norms

),

indicator_values as (

    select fct_indicator_value.*
    from {{ ref('fct_indicator_value') }} as fct_indicator_value
    inner join norm_indicators
        on norm_indicators.indicator_code = fct_indicator_value.indicator_code

),

norm_years as (

    select
        norms.norm_id,
        norm_regions.region_code,
        periods.period_year,
        norms.theme_id,
        norms.indicator_code,
        norms.comparator,
        norms.target_value,
        norms.target_year,
        norms.base_year,
        norms.base_value as registered_base_value,
        norms.margin

    from norms
    inner join norm_regions
        on norm_regions.norm_id = norms.norm_id
    inner join periods
        on periods.period_year between norms.base_year and norms.target_year

),

-- The registered base value, or else the region's own value in the base year.
with_base as (

    select
        norm_years.*,
        coalesce(norm_years.registered_base_value, base_values.value) as base_value,
        case
            when norm_years.registered_base_value is not null then 'registratie'
            when base_values.value is not null then 'feitentabel'
        end as base_value_source

    from norm_years
    left join indicator_values as base_values
        on
            base_values.indicator_code = norm_years.indicator_code
            and base_values.region_code = norm_years.region_code
            and base_values.period_year = norm_years.base_year

),

with_actuals as (

    select
        with_base.*,
        actuals.value as actual_value,
        actuals.is_provisional

    from with_base
    left join indicator_values as actuals
        on
            actuals.indicator_code = with_base.indicator_code
            and actuals.region_code = with_base.region_code
            and actuals.period_year = with_base.period_year

),

-- Straight line from base value (base year) to target value (target year).
with_path as (

    select
        *,
        case
            when base_value is null then null
            when period_year >= target_year then target_value
            else
                base_value
                + (target_value - base_value) * (period_year - base_year) / (target_year - base_year)
        end as path_value

    from with_actuals

),

with_tests as (

    select
        *,
        case comparator
            when '<=' then actual_value <= target_value
            when '>=' then actual_value >= target_value
            when '=' then abs(actual_value - target_value) <= margin
        end as is_target_met,
        case comparator
            when '<=' then actual_value <= path_value
            when '>=' then actual_value >= path_value
            when '=' then abs(actual_value - target_value) <= abs(path_value - target_value) + margin
        end as is_on_path

    from with_path

),

final as (

    select
        norm_id,
        region_code,
        period_year,
        theme_id,
        indicator_code,
        comparator,
        target_value,
        target_year,
        base_year,
        base_value,
        base_value_source,
        margin,
        path_value,
        actual_value,
        is_provisional,
        actual_value - target_value as gap_to_target,
        actual_value - path_value as gap_to_path,
        is_target_met,
        is_on_path,
        case
            when actual_value is null then 'geen data'
            when is_target_met then 'behaald'
            when path_value is null then 'geen data'
            when is_on_path then 'op koers'
            else 'niet op koers'
        end as attainment_status

    from with_tests

)

select * from final
