with

source as (

    {{ latest_version(source('raw', 'burgerpeiling_indicatoren')) }}

),

renamed as (

    select
        "Indicator code" as indicator_code,
        "Name" as indicator_name,
        "Description" as description,
        "Unit" as unit,
        "Source" as wsjg_source,
        "Seq no" as sequence_number,
        "Aggregation indicator" as aggregation,
        "Data type" as data_type

    from source

)

select * from renamed
