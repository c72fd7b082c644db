with

misdrijven as (

    select * from {{ ref('int_indicator__misdrijven') }}

),

kwb2022_topics as (

    select * from {{ ref('stg_cbs__kwb2022_onderwerpen') }}

),

kwb_facts as (

    select * from {{ ref('fct_indicator_value') }}

),

burgerpeiling as (

    select * from {{ ref('stg_wsjg__burgerpeiling_indicatoren') }}

),

crime_counts as (

    select
        count_indicator_code as indicator_code,
        'Geregistreerde misdrijven: ' || lower(offence_name) as indicator_name,
        'Aantal door de politie geregistreerde misdrijven van de soort ' || offence_code
            || ' (' || offence_name || ') in het jaar, toegedeeld aan de gemeente van de indeling 2023–2025.'
            as definition,
        'aantal' as unit,
        '47018NED' as source_table,
        'lager is beter' as direction,
        'veiligheid' as domain,
        true as has_bundled_values

    from misdrijven

),

crime_rates as (

    select
        rate_indicator_code,
        'Geregistreerde misdrijven per 1.000 inwoners: ' || lower(offence_name),
        'Geregistreerde misdrijven van de soort ' || offence_code || ' (' || offence_name
            || ') per 1.000 inwoners. Teller uit 47018NED, noemer de inwoners van 70072ned '
            || 'omgerekend naar de gemeentelijke indeling 2024.',
        'per 1.000 inwoners',
        '47018NED; 70072ned',
        'lager is beter',
        'veiligheid',
        true

    from misdrijven

),

bundled_other as (

    select *
    from (
        values
            (
                'misdrijven_geweld',
                'Geregistreerde geweldsmisdrijven (selectie)',
                'Som van geregistreerde moord en doodslag (1.4.2), bedreiging (1.4.4) en mishandeling (1.4.5) uit 47018NED. Niet de hele CBS-categorie 1.4: zedenmisdrijven, openlijk geweld, straatroof en overvallen ontbreken in de meegeleverde data.',
                'aantal', '47018NED', 'lager is beter', 'veiligheid'
            ),
            (
                'misdrijven_geweld_per_1000',
                'Geregistreerde geweldsmisdrijven (selectie) per 1.000 inwoners',
                'misdrijven_geweld per 1.000 inwoners van de gemeente in de indeling 2024.',
                'per 1.000 inwoners', '47018NED; 70072ned', 'lager is beter', 'veiligheid'
            ),
            (
                'inwoners',
                'Inwoners',
                'Aantal inwoners van de gemeente volgens CBS 70072ned, in de gemeentelijke indeling van dat jaar. Gemiddeld over het jaar, of op 1 januari waar het gemiddelde ontbreekt.',
                'aantal', '70072ned', null, 'bevolking'
            ),
            (
                'inwoners_indeling_2024',
                'Inwoners (indeling 2024)',
                'Inwoners volgens CBS 70072ned, omgerekend naar de gemeentelijke indeling 2024 met de herindelingstabel; noemer van alle cijfers per 1.000 inwoners.',
                'aantal', '70072ned', null, 'bevolking'
            ),
            (
                'omgevingsadressendichtheid',
                'Omgevingsadressendichtheid',
                'Gemiddeld aantal adressen per km² binnen een cirkel met een straal van 1 km rond elk adres (CBS 85067NED); maat voor stedelijkheid.',
                'per km²', '85067NED', null, 'wonen'
            ),
            ('mannen', 'Mannen', 'Aantal inwoners dat man is (KWB 2019).', 'aantal', '84583NED', null, 'bevolking'),
            ('vrouwen', 'Vrouwen', 'Aantal inwoners dat vrouw is (KWB 2019).', 'aantal', '84583NED', null, 'bevolking'),
            ('leeftijd_00_14_pct', 'Inwoners 0 tot 15 jaar (%)', 'Aandeel inwoners van 0 tot 15 jaar in het totaal aantal inwoners (KWB 2019).', 'procent', '84583NED', null, 'bevolking'),
            ('leeftijd_15_24_pct', 'Inwoners 15 tot 25 jaar (%)', 'Aandeel inwoners van 15 tot 25 jaar in het totaal aantal inwoners (KWB 2019).', 'procent', '84583NED', null, 'bevolking'),
            ('leeftijd_25_44_pct', 'Inwoners 25 tot 45 jaar (%)', 'Aandeel inwoners van 25 tot 45 jaar in het totaal aantal inwoners (KWB 2019).', 'procent', '84583NED', null, 'bevolking'),
            ('leeftijd_45_64_pct', 'Inwoners 45 tot 65 jaar (%)', 'Aandeel inwoners van 45 tot 65 jaar in het totaal aantal inwoners (KWB 2019).', 'procent', '84583NED', null, 'bevolking'),
            ('leeftijd_65_plus_pct', 'Inwoners 65 jaar of ouder (%)', 'Aandeel inwoners van 65 jaar of ouder in het totaal aantal inwoners (KWB 2019).', 'procent', '84583NED', null, 'bevolking')
    ) as indicators (indicator_code, indicator_name, definition, unit, source_table, direction, domain)

),

bundled_other_flagged as (

    select *, true as has_bundled_values
    from bundled_other

),

-- Read from the fact table, sorted by indicator, rather than unpivoting the KWB
-- files a second time.
kwb_codes_with_values as (

    select distinct indicator_code
    from kwb_facts
    where source_id = 'kwb_kerncijfers'

),

-- KWB 2022 topics and Burgerpeiling indicators are defined here so that policy
-- registrations can refer to them. KWB values exist only when the catalogue has
-- the source kwb_kerncijfers. Burgerpeiling values are not bundled.
kwb2022 as (

    select
        'kwb2022_' || lower(kwb2022_topics.topic_key) as indicator_code,
        kwb2022_topics.title as indicator_name,
        kwb2022_topics.description as definition,
        kwb2022_topics.unit,
        '85318NED' as source_table,
        null as direction,
        'wijken en buurten' as domain,
        kwb_codes_with_values.indicator_code is not null as has_bundled_values

    from kwb2022_topics
    left join kwb_codes_with_values
        on kwb_codes_with_values.indicator_code = 'kwb2022_' || lower(kwb2022_topics.topic_key)
    where kwb2022_topics.property_type = 'Topic'

),

wsjg as (

    select
        'wsjg_' || lower(indicator_code),
        indicator_name,
        description,
        unit,
        'waarstaatjegemeente.nl (Burgerpeiling)',
        null,
        'burgerpeiling',
        false

    from burgerpeiling

),

unioned as (

    select * from crime_counts
    union all
    select * from crime_rates
    union all
    select
        indicator_code, indicator_name, definition, unit, source_table, direction, domain,
        has_bundled_values
    from bundled_other_flagged
    union all
    select * from kwb2022
    union all
    select * from wsjg

)

select * from unioned
