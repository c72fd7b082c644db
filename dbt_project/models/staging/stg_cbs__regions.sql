with

source as (

    {{ latest_version(source('raw', 'kwb2022_regios')) }}

),

renamed as (

    select
        ----------  ids
        "Key" as region_code,
        nullif("Municipality", '') as gemeente_code,

        ----------  text
        "Title" as region_name,
        "Description" as region_description,

        ----------  derived from the code prefix
        case left("Key", 2)
            when 'NL' then 'land'
            when 'GM' then 'gemeente'
            when 'WK' then 'wijk'
            when 'BU' then 'buurt'
        end as region_level,

        case left("Key", 2)
            when 'GM' then 'NL00'
            when 'WK' then 'GM' || substr("Key", 3, 4)
            when 'BU' then 'WK' || substr("Key", 3, 6)
        end as parent_region_code,

        _file_sha256

    from source

)

select * from renamed
