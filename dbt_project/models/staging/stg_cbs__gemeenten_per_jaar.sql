with

source as (

    {{ latest_version(source('raw', 'gemeenten_per_jaar')) }}

),

renamed as (

    select
        {{ gemeente_code('"Gemeentecode"') }} as gemeente_code,
        "Gemeentenaam" as gemeente_name,
        'PV' || lpad("Provinciecode", 2, '0') as province_code,
        "Provincienaam" as province_name,
        peiljaar as layout_year

    from source

)

select * from renamed
