{#- Population of each gemeente of the target layout (default 2024) per year.
    The 70072ned file reports each year on that year's own layout; the shares in
    prep.gemeente_herindeling carry every code onto the target layout. -#}
with

bevolking as (

    select * from {{ ref('stg_cbs__bevolking') }}

),

herindeling as (

    select * from {{ source('prep', 'gemeente_herindeling') }}

),

mapped as (

    select
        herindeling.gemeente_code_to as gemeente_code,
        bevolking.period_year,
        sum(bevolking.inhabitants_count * herindeling.share) as inhabitants_count,
        bool_or(herindeling.method <> 'ongewijzigd') as is_harmonised,
        string_agg(distinct herindeling.method, ', ' order by herindeling.method) as methods

    from bevolking
    inner join herindeling
        on
            herindeling.period_year = bevolking.period_year
            and herindeling.gemeente_code_from = bevolking.gemeente_code

    group by 1, 2

)

select * from mapped
