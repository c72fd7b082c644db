with

source as (

    {{ latest_version(source('raw', 'gemeente_herindelingen_2013_2016')) }}

),

renamed as (

    select
        ingangsjaar as effective_year,
        code_van as gemeente_code_from,
        naam_van as gemeente_name_from,
        code_naar as gemeente_code_to,
        naam_naar as gemeente_name_to,
        soort as change_type

    from source

)

select * from renamed
