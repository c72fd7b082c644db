with

regions_2022 as (

    select * from {{ ref('stg_cbs__regions') }}

),

gemeenten_per_jaar as (

    select * from {{ ref('stg_cbs__gemeenten_per_jaar') }}

),

gebieden_2022 as (

    select * from {{ ref('stg_cbs__gebieden_2022') }}

),

gemeentegrenzen as (

    select * from {{ ref('stg_cbs__gemeentegrenzen') }}

),

years_valid as (

    select * from {{ ref('int_region__years_valid') }}

),

herindeling as (

    select * from {{ source('prep', 'gemeente_herindeling') }}

),

herindelingen_2013_2016 as (

    select * from {{ ref('stg_idgb__herindelingen_2013_2016') }}

),

-- Gemeente codes seen in any year, beyond the KWB 2022 list, plus GM0000,
-- which CBS 47018NED uses for crimes whose gemeente is unknown.
other_gemeenten as (

    select
        years_valid.region_code,
        'gemeente' as region_level,
        'NL00' as parent_region_code,
        years_valid.region_code as gemeente_code

    from years_valid
    left join regions_2022
        on regions_2022.region_code = years_valid.region_code
    where regions_2022.region_code is null

    union all

    select 'GM0000', 'gemeente', 'NL00', 'GM0000'

),

all_regions as (

    select region_code, region_level, parent_region_code, gemeente_code
    from regions_2022

    union all

    select region_code, region_level, parent_region_code, gemeente_code
    from other_gemeenten

),

-- Name and province of a gemeente from the newest source that lists it.
gemeente_names as (

    select gemeente_code, gemeente_name, province_code, province_name, 2022 as name_year
    from gebieden_2022

    union all

    select gemeente_code, gemeente_name, null, null, layout_year
    from gemeentegrenzen

    union all

    select gemeente_code, gemeente_name, province_code, province_name, layout_year
    from gemeenten_per_jaar

    union all

    select gemeente_code_from, gemeente_name_from, null, null, effective_year - 1
    from herindelingen_2013_2016

    union all

    select gemeente_code_to, gemeente_name_to, null, null, effective_year
    from herindelingen_2013_2016

),

-- Window ranks sit in their own CTEs and are filtered afterwards, because PostgreSQL
-- has no qualify clause.
gemeente_names_ranked as (

    select
        gemeente_code,
        gemeente_name,
        row_number() over (partition by gemeente_code order by name_year desc) as name_rank

    from gemeente_names

),

latest_gemeente_name as (

    select
        gemeente_code,
        gemeente_name

    from gemeente_names_ranked
    where name_rank = 1

),

gemeente_provinces_ranked as (

    select
        gemeente_code,
        province_code,
        province_name,
        row_number() over (partition by gemeente_code order by name_year desc) as province_rank

    from gemeente_names
    where province_code is not null

),

latest_gemeente_province as (

    select
        gemeente_code,
        province_code,
        province_name

    from gemeente_provinces_ranked
    where province_rank = 1

),

-- The target-layout gemeente that receives the largest share of an old code.
successors_ranked as (

    select
        gemeente_code_from as gemeente_code,
        gemeente_code_to as current_gemeente_code,
        row_number() over (
            partition by gemeente_code_from
            order by period_year desc, share desc, gemeente_code_to
        ) as successor_rank

    from herindeling

),

main_successor as (

    select
        gemeente_code,
        current_gemeente_code

    from successors_ranked
    where successor_rank = 1

),

-- Gemeenten formed after 2022 have no province in any list; their
-- predecessors do, and a herindeling never crosses a provincial border.
predecessor_provinces_ranked as (

    select
        herindeling.gemeente_code_to as gemeente_code,
        latest_gemeente_province.province_code,
        latest_gemeente_province.province_name,
        row_number() over (
            partition by herindeling.gemeente_code_to
            order by herindeling.share desc, herindeling.gemeente_code_from
        ) as predecessor_rank

    from herindeling
    inner join latest_gemeente_province
        on latest_gemeente_province.gemeente_code = herindeling.gemeente_code_from

),

province_via_predecessor as (

    select
        gemeente_code,
        province_code,
        province_name

    from predecessor_provinces_ranked
    where predecessor_rank = 1

),

current_layout as (

    select distinct gemeente_code_to as gemeente_code
    from herindeling

),

joined as (

    select
        all_regions.region_code,
        coalesce(
            regions_2022.region_name,
            latest_gemeente_name.gemeente_name,
            case when all_regions.region_code = 'GM0000' then 'Gemeente onbekend' end
        ) as region_name,
        all_regions.region_level,
        all_regions.parent_region_code,
        all_regions.gemeente_code,
        case
            when all_regions.region_level = 'gemeente' then
                coalesce(
                    main_successor.current_gemeente_code,
                    case when all_regions.region_code = 'GM0000' then 'GM0000' end
                )
        end as current_gemeente_code,

        coalesce(
            gebieden_2022.province_code,
            latest_gemeente_province.province_code,
            province_via_predecessor.province_code,
            successor_province.province_code
        ) as province_code,
        coalesce(
            gebieden_2022.province_name,
            latest_gemeente_province.province_name,
            province_via_predecessor.province_name,
            successor_province.province_name
        ) as province_name,

        gebieden_2022.landsdeel_code,
        gebieden_2022.landsdeel_name,
        gebieden_2022.corop_code,
        gebieden_2022.corop_name,
        gebieden_2022.arbeidsmarktregio_code,
        gebieden_2022.arbeidsmarktregio_name,
        gebieden_2022.ggd_region_code,
        gebieden_2022.ggd_region_name,
        gebieden_2022.jeugdregio_code,
        gebieden_2022.jeugdregio_name,
        gebieden_2022.police_unit_code,
        gebieden_2022.police_unit_name,
        gebieden_2022.veilig_thuis_region_code,
        gebieden_2022.veilig_thuis_region_name,
        gebieden_2022.veiligheidsregio_code,
        gebieden_2022.veiligheidsregio_name,
        gebieden_2022.zorgkantoor_region_code,
        gebieden_2022.zorgkantoor_region_name,

        -- Size and urbanity classes describe the gemeente itself, so wijken and
        -- buurten do not inherit them.
        case when all_regions.region_level = 'gemeente' then gebieden_2022.gemeentegrootte_code end
            as gemeentegrootte_code,
        case when all_regions.region_level = 'gemeente' then gebieden_2022.gemeentegrootte end
            as gemeentegrootte,
        case when all_regions.region_level = 'gemeente' then gebieden_2022.stedelijkheid_code end
            as stedelijkheid_code,
        case when all_regions.region_level = 'gemeente' then gebieden_2022.stedelijkheid end
            as stedelijkheid,

        years_valid.valid_from_year,
        years_valid.valid_to_year,
        array_to_string(years_valid.valid_years, ',') as valid_years,
        regions_2022.region_code is not null as is_in_kwb2022,
        current_layout.gemeente_code is not null as is_current_layout

    from all_regions
    left join regions_2022
        on regions_2022.region_code = all_regions.region_code
    left join latest_gemeente_name
        on latest_gemeente_name.gemeente_code = all_regions.region_code
    left join gebieden_2022
        on gebieden_2022.gemeente_code = all_regions.gemeente_code
    left join latest_gemeente_province
        on latest_gemeente_province.gemeente_code = all_regions.gemeente_code
    left join province_via_predecessor
        on province_via_predecessor.gemeente_code = all_regions.gemeente_code
    left join main_successor
        on main_successor.gemeente_code = all_regions.region_code
    left join latest_gemeente_province as successor_province
        on successor_province.gemeente_code = main_successor.current_gemeente_code
    left join years_valid
        on years_valid.region_code = all_regions.region_code
    left join current_layout
        on current_layout.gemeente_code = all_regions.region_code

)

select * from joined
