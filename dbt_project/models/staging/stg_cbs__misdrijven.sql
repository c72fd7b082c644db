with

source as (

    {{ latest_version(source('raw', 'misdrijven_gemeente')) }}

),

renamed as (

    select
        soort_misdrijf_code as offence_code,
        soort_misdrijf as offence_name,
        betrouwbaarheid_tier as reliability_tier,
        gemeente_code,
        jaar as period_year,
        geregistreerde_misdrijven as registered_crimes_count,
        voorlopig as is_provisional

    from source

)

select * from renamed
