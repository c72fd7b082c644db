{#- Years from the first observed year to 2040, the furthest forecast horizon. -#}
with

misdrijven as (

    select * from {{ ref('stg_cbs__misdrijven') }}

),

observed as (

    select
        period_year,
        bool_or(is_provisional) as has_provisional_figures

    from misdrijven
    group by 1

),

years as (

    select cast(period_year as bigint) as period_year
    from generate_series(2012, 2040) as series (period_year)

),

joined as (

    select
        years.period_year,
        cast(years.period_year as varchar) as period_label,
        make_date(cast(years.period_year as integer), 1, 1) as period_start_date,
        make_date(cast(years.period_year as integer), 12, 31) as period_end_date,
        observed.period_year is not null as is_observed,
        coalesce(observed.has_provisional_figures, false) as has_provisional_figures

    from years
    left join observed
        on observed.period_year = years.period_year

)

select * from joined
