{#- Fail for every value that is impossible for its indicator's unit.

    Bounds and why: a percentage lies in 0–100; counts and densities are never
    negative; registered crime per 1,000 inhabitants was at most 24 for any gemeente
    and offence type in 2012–2025, so 250 leaves room for real peaks while a value
    that was never divided (an absolute count in a rate) still fails. -#}
{% test plausible_for_unit(model, column_name, indicator_model) %}

with

facts as (

    select * from {{ model }}

),

indicators as (

    select * from {{ indicator_model }}

),

joined as (

    select
        facts.indicator_code,
        facts.region_code,
        facts.period_year,
        facts.{{ column_name }} as value,
        indicators.unit

    from facts
    inner join indicators
        on indicators.indicator_code = facts.indicator_code

)

select *
from joined
where
    (unit in ('procent', '%') and (value < 0 or value > 100))
    or (unit = 'per 1.000 inwoners' and (value < 0 or value > 250))
    or (unit in ('aantal', 'per km²') and value < 0)

{% endtest %}
