with

effects as (

    select * from {{ source('krb', 'intended_effect') }}

),

measures as (

    select * from {{ source('krb', 'measure') }}

),

signed as (

    select
        effects.measure_id || '|' || effects.indicator_code || '|' || effects.effect_year
            as intended_effect_id,
        effects.measure_id,
        measures.theme_id,
        effects.indicator_code,
        effects.effect_year,
        effects.expected_direction,
        effects.expected_size,
        case
            when effects.expected_direction = 'daling' then -effects.expected_size
            else effects.expected_size
        end as expected_change,
        effects.size_unit,
        effects.explanation,
        effects.source_file,
        effects.source_line

    from effects
    inner join measures
        on measures.measure_id = effects.measure_id

)

select * from signed
