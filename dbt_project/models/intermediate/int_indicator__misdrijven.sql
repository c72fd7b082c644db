{#- The 12 offence types of CBS 47018NED as indicators: a count and a rate per 1,000
    inhabitants each. The slug is the stable indicator code that KRB registrations use. -#}
with

offence_slugs as (

    select *
    from (
        values
            ('1.1.1', 'woninginbraak'),
            ('1.1.2', 'inbraak_box_garage_schuur'),
            ('1.2.1', 'diefstal_uit_motorvoertuig'),
            ('1.2.2', 'diefstal_motorvoertuig'),
            ('1.2.3', 'diefstal_fiets_brom_snor'),
            ('1.4.2', 'moord_doodslag'),
            ('1.4.4', 'bedreiging'),
            ('1.4.5', 'mishandeling'),
            ('2.2.1', 'vernieling'),
            ('2.5.1', 'inbraak_bedrijven'),
            ('3.1.1', 'drugshandel'),
            ('3.1.3', 'wapenhandel')
    ) as slugs (offence_code, offence_slug)

),

offences as (

    select distinct offence_code, offence_name, reliability_tier
    from {{ ref('stg_cbs__misdrijven') }}

),

joined as (

    select
        offences.offence_code,
        offences.offence_name,
        offences.reliability_tier,
        offence_slugs.offence_slug,
        'misdrijven_' || offence_slugs.offence_slug as count_indicator_code,
        'misdrijven_' || offence_slugs.offence_slug || '_per_1000' as rate_indicator_code,
        offences.offence_code in ('1.4.2', '1.4.4', '1.4.5') as is_violence

    from offences
    left join offence_slugs
        on offence_slugs.offence_code = offences.offence_code

)

select * from joined
