with

source as (

    {{ latest_version(source('raw', 'kwb2022_onderwerpen')) }}

),

renamed as (

    select
        "ID" as property_id,
        "ParentID" as parent_property_id,
        "Type" as property_type,
        nullif("Key", '') as topic_key,
        "Title" as title,
        "Description" as description,
        "Datatype" as datatype,
        "Unit" as unit,
        "Decimals" as decimals

    from source

)

select * from renamed
