with

source as (

    {{ latest_version(source('raw', 'gemeentegrenzen')) }}

),

renamed as (

    select
        statcode as gemeente_code,
        statnaam as gemeente_name,
        cast(left(jrstatcode, 4) as integer) as layout_year,
        geometry as geometry_geojson

    from source

)

select * from renamed
