{{ config(materialized='view') }}

with

indicator_themes as (

    select * from {{ ref('bridge_indicator_theme') }}

),

theme_pairs as (

    select
        theme_a.indicator_code,
        theme_a.indicator_name,
        theme_a.theme_id as theme_id_a,
        theme_a.theme_name as theme_name_a,
        theme_a.direction as direction_a,
        theme_b.theme_id as theme_id_b,
        theme_b.theme_name as theme_name_b,
        theme_b.direction as direction_b,
        theme_a.has_conflicting_direction

    from indicator_themes as theme_a
    inner join indicator_themes as theme_b
        on
            theme_b.indicator_code = theme_a.indicator_code
            and theme_b.theme_id > theme_a.theme_id

)

select * from theme_pairs
