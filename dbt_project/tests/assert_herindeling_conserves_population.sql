{{ config(meta={'dagster': {'ref': {'name': 'int_bevolking__indeling_2024'}}}) }}

{#- Carrying population onto the 2024 layout must neither create nor lose people:
    per year, the national total before and after differs by less than one inhabitant. -#}
with

source_totals as (

    select period_year, sum(inhabitants_count) as inhabitants_count
    from {{ ref('stg_cbs__bevolking') }}
    group by 1

),

mapped_totals as (

    select period_year, sum(inhabitants_count) as inhabitants_count
    from {{ ref('int_bevolking__indeling_2024') }}
    group by 1

),

compared as (

    select
        source_totals.period_year,
        source_totals.inhabitants_count as source_inhabitants,
        mapped_totals.inhabitants_count as mapped_inhabitants

    from source_totals
    left join mapped_totals
        on mapped_totals.period_year = source_totals.period_year

)

select *
from compared
where mapped_inhabitants is null or abs(source_inhabitants - mapped_inhabitants) >= 1
