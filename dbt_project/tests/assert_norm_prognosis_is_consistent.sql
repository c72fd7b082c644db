-- Every norm × region has either a forecast with a probability in [0, 1] or a reason
-- why it has none, never both and never neither.
select
    norm_id,
    region_code,
    probability_met,
    no_forecast_reason

from {{ ref('fct_norm_prognosis') }}
where
    (probability_met is null) = (no_forecast_reason is null)
    or probability_met < 0
    or probability_met > 1
