{#- One row per indicator × region × year. Crime rates divide the 47018NED counts
    (already on the 2023–2025 layout) by the population of 70072ned carried onto the
    2024 layout with prep.gemeente_herindeling; GM0000 has no inhabitants and so no rate.

    Incremental, because at wijk and buurt scale the Kerncijfers are tens of millions of
    rows. Each run replaces the bundled sources as one load_unit (they are small) and adds
    only the Kerncijfers files loaded into staging since the newest one in this table;
    delete+insert on load_unit replaces the rows of an older version of such a file.
    NOTE: a bundled source that loses every row keeps none here either, but a Kerncijfers
    file dropped from staging would keep its rows until `dbt build --full-refresh`;
    staging never drops one, because raw keeps every loaded file. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='load_unit',
) }}

with

misdrijven as (

    select * from {{ ref('stg_cbs__misdrijven') }}

),

misdrijf_indicators as (

    select * from {{ ref('int_indicator__misdrijven') }}

),

bevolking as (

    select * from {{ ref('stg_cbs__bevolking') }}

),

bevolking_2024 as (

    select * from {{ ref('int_bevolking__indeling_2024') }}

),

gebieden_2022 as (

    select * from {{ ref('stg_cbs__gebieden_2022') }}

),

kwb2019 as (

    select * from {{ ref('stg_cbs__kwb2019_leeftijd') }}

),

kwb_kerncijfers as (

    select * from {{ ref('stg_cbs__kwb_kerncijfers') }}

),

crime_counts as (

    select
        misdrijf_indicators.count_indicator_code as indicator_code,
        misdrijven.gemeente_code as region_code,
        misdrijven.period_year,
        cast(misdrijven.registered_crimes_count as double precision) as value,
        misdrijven.is_provisional,
        'misdrijven_gemeente' as source_id

    from misdrijven
    inner join misdrijf_indicators
        on misdrijf_indicators.offence_code = misdrijven.offence_code

),

crime_rates as (

    select
        misdrijf_indicators.rate_indicator_code,
        misdrijven.gemeente_code,
        misdrijven.period_year,
        1000.0 * misdrijven.registered_crimes_count / bevolking_2024.inhabitants_count,
        misdrijven.is_provisional,
        'misdrijven_gemeente; bevolking_gemeente'

    from misdrijven
    inner join misdrijf_indicators
        on misdrijf_indicators.offence_code = misdrijven.offence_code
    inner join bevolking_2024
        on
            bevolking_2024.gemeente_code = misdrijven.gemeente_code
            and bevolking_2024.period_year = misdrijven.period_year
    where bevolking_2024.inhabitants_count > 0

),

-- Violence as the sum of the three violent offence types in the panel. CBS category
-- 1.4 has more types (sexual offences, public violence, robbery), so this is a selection.
violence_counts as (

    select
        'misdrijven_geweld' as indicator_code,
        misdrijven.gemeente_code as region_code,
        misdrijven.period_year,
        cast(sum(misdrijven.registered_crimes_count) as double precision) as value,
        bool_or(misdrijven.is_provisional) as is_provisional,
        'misdrijven_gemeente' as source_id

    from misdrijven
    inner join misdrijf_indicators
        on misdrijf_indicators.offence_code = misdrijven.offence_code
    where misdrijf_indicators.is_violence
    group by 1, 2, 3

),

violence_rates as (

    select
        'misdrijven_geweld_per_1000',
        violence_counts.region_code,
        violence_counts.period_year,
        1000.0 * violence_counts.value / bevolking_2024.inhabitants_count,
        violence_counts.is_provisional,
        'misdrijven_gemeente; bevolking_gemeente'

    from violence_counts
    inner join bevolking_2024
        on
            bevolking_2024.gemeente_code = violence_counts.region_code
            and bevolking_2024.period_year = violence_counts.period_year
    where bevolking_2024.inhabitants_count > 0

),

inhabitants_own_layout as (

    select
        'inwoners',
        gemeente_code,
        period_year,
        cast(inhabitants_count as double precision),
        false,
        'bevolking_gemeente'

    from bevolking

),

inhabitants_target_layout as (

    select
        'inwoners_indeling_2024',
        gemeente_code,
        period_year,
        inhabitants_count,
        false,
        'bevolking_gemeente; gemeente_omzetmatrices'

    from bevolking_2024

),

address_density as (

    select
        'omgevingsadressendichtheid',
        gemeente_code,
        2022,
        cast(address_density_per_km2 as double precision),
        false,
        'gebieden_in_nederland_2022'

    from gebieden_2022
    where address_density_per_km2 is not null

),

kwb2019_wide as (

    select
        gemeente_code,
        period_year,
        cast(men_count as double precision) as mannen,
        cast(women_count as double precision) as vrouwen,
        cast(100.0 * age_00_14_count / inhabitants_count as double precision) as leeftijd_00_14_pct,
        cast(100.0 * age_15_24_count / inhabitants_count as double precision) as leeftijd_15_24_pct,
        cast(100.0 * age_25_44_count / inhabitants_count as double precision) as leeftijd_25_44_pct,
        cast(100.0 * age_45_64_count / inhabitants_count as double precision) as leeftijd_45_64_pct,
        cast(100.0 * age_65_plus_count / inhabitants_count as double precision) as leeftijd_65_plus_pct

    from kwb2019
    where inhabitants_count > 0

),

-- One row per indicator through a lateral VALUES list, which DuckDB and PostgreSQL both
-- run (DuckDB's unpivot does not exist in PostgreSQL). Null values are left out, as
-- unpivot did.
kwb2019_long as (

    select
        topics.indicator_code,
        kwb2019_wide.gemeente_code,
        kwb2019_wide.period_year,
        topics.value

    from kwb2019_wide
    cross join lateral (
        values
            ('mannen', kwb2019_wide.mannen),
            ('vrouwen', kwb2019_wide.vrouwen),
            ('leeftijd_00_14_pct', kwb2019_wide.leeftijd_00_14_pct),
            ('leeftijd_15_24_pct', kwb2019_wide.leeftijd_15_24_pct),
            ('leeftijd_25_44_pct', kwb2019_wide.leeftijd_25_44_pct),
            ('leeftijd_45_64_pct', kwb2019_wide.leeftijd_45_64_pct),
            ('leeftijd_65_plus_pct', kwb2019_wide.leeftijd_65_plus_pct)
    ) as topics (indicator_code, value)
    where topics.value is not null

),

kwb2019_values as (

    select
        indicator_code,
        gemeente_code,
        period_year,
        value,
        false,
        'kwb2019_leeftijd'

    from kwb2019_long

),

bundled as (

    select * from crime_counts
    union all
    select * from crime_rates
    union all
    select * from violence_counts
    union all
    select * from violence_rates
    union all
    select * from inhabitants_own_layout
    union all
    select * from inhabitants_target_layout
    union all
    select * from address_density
    union all
    select * from kwb2019_values

),

-- Kerncijfers wijken en buurten for every region level; empty without that source.
kwb_kerncijfers_values as (

    select
        indicator_code,
        region_code,
        period_year,
        value,
        false as is_provisional,
        'kwb_kerncijfers' as source_id,
        'kwb_kerncijfers/' || source_file_name as load_unit,
        source_loaded_at

    from kwb_kerncijfers
    {%- if is_incremental() %}
    where source_loaded_at > coalesce(
        (select max(source_loaded_at) from {{ this }}),
        cast('1900-01-01' as timestamp with time zone)
    )
    {%- endif %}

),

-- Materialized, because with the union inlined DuckDB 2.0 ran out of memory within a
-- second when it sorted 97 million rows under a 2 GB limit. From a materialized CTE it spills.
unioned as materialized (

    select
        *,
        'overige_bronnen' as load_unit,
        cast(null as timestamp with time zone) as source_loaded_at
    from bundled
    union all
    select * from kwb_kerncijfers_values

)

-- Stored in key order: DuckDB keeps min/max per row group, so a BI query for one
-- indicator and region reads a few row groups instead of the whole table. Rows added
-- by a later incremental run are sorted among themselves.
select
    indicator_code,
    region_code,
    period_year,
    value,
    is_provisional,
    source_id,
    load_unit,
    source_loaded_at

from unioned
order by indicator_code, region_code, period_year
