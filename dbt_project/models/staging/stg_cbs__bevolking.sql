with

source as (

    {{ latest_version(source('raw', 'bevolking_gemeente')) }}

),

renamed as (

    select
        gemeente_code,
        jaar as period_year,
        inwoners as inhabitants_count

    from source

)

select * from renamed
