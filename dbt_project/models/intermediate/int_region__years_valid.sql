{#- Every region code with the years in which a bundled source shows it as valid. -#}
with

bevolking as (

    select * from {{ ref('stg_cbs__bevolking') }}

),

gemeenten_per_jaar as (

    select * from {{ ref('stg_cbs__gemeenten_per_jaar') }}

),

regions_2022 as (

    select * from {{ ref('stg_cbs__regions') }}

),

gemeentegrenzen as (

    select * from {{ ref('stg_cbs__gemeentegrenzen') }}

),

code_years as (

    select gemeente_code as region_code, period_year as valid_year from bevolking
    union
    select gemeente_code, layout_year from gemeenten_per_jaar
    union
    select region_code, 2022 from regions_2022
    union
    select gemeente_code, layout_year from gemeentegrenzen

),

summarised as (

    select
        region_code,
        min(valid_year) as valid_from_year,
        max(valid_year) as valid_to_year,
        array_agg(valid_year order by valid_year) as valid_years

    from code_years
    group by 1

)

select * from summarised
