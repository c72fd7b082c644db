with

theme_taakvelden as (

    select * from {{ source('krb', 'theme_taakveld') }}

),

taakvelden as (

    select * from {{ ref('stg_cbs__iv3_taakvelden') }}

),

joined as (

    select
        theme_taakvelden.theme_id,
        theme_taakvelden.taakveld_code,
        taakvelden.taakveld_name,
        taakvelden.parent_taakveld_code as hoofdtaakveld_code

    from theme_taakvelden
    left join taakvelden
        on taakvelden.taakveld_code = theme_taakvelden.taakveld_code

)

select * from joined
