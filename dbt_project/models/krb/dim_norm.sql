with

norms as (

    select * from {{ source('krb', 'norm') }}

),

norm_regions as (

    select * from {{ source('krb', 'norm_region') }}

),

policy_indicators as (

    select * from {{ source('krb', 'policy_indicator') }}

),

documents as (

    select * from {{ source('krb', 'policy_document') }}

),

indicators as (

    select * from {{ ref('dim_indicator') }}

),

region_scope as (

    select
        norm_id,
        string_agg(region_code, ', ' order by region_code) as region_codes,
        count(*) as region_count

    from norm_regions
    group by 1

),

joined as (

    select
        norms.norm_id,
        norms.description,
        norms.theme_id,
        norms.indicator_code,
        indicators.indicator_name,
        indicators.unit,
        policy_indicators.direction,
        norms.comparator,
        norms.target_value,
        norms.target_year,
        norms.base_year,
        norms.base_value,
        norms.margin,
        region_scope.region_codes,
        region_scope.region_count,
        norms.document_id,
        documents.title as document_title,
        documents.bestuurslaag,
        documents.is_example,
        norms.rule_id,
        norms.source_file,
        norms.source_line

    from norms
    left join region_scope
        on region_scope.norm_id = norms.norm_id
    left join policy_indicators
        on
            policy_indicators.theme_id = norms.theme_id
            and policy_indicators.indicator_code = norms.indicator_code
    left join documents
        on documents.document_id = norms.document_id
    left join indicators
        on indicators.indicator_code = norms.indicator_code

)

select * from joined
