with

source as (

    {{ latest_version(source('raw', 'gemeente_omzetmatrices')) }}

),

renamed as (

    select
        jaar_van as layout_year_from,
        jaar_naar as layout_year_to,
        {{ gemeente_code('code_van') }} as gemeente_code_from,
        {{ gemeente_code('code_naar') }} as gemeente_code_to,
        aantal_adressen as address_count

    from source

)

select * from renamed
