with

source as (

    {{ latest_version(source('raw', 'iv3_taakvelden')) }}

),

renamed as (

    select
        code as taakveld_code,
        omschrijving as taakveld_name,
        parent_code as parent_taakveld_code,
        depth as tree_depth

    from source

)

select * from renamed
