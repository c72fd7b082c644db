with

measures as (

    select * from {{ source('krb', 'measure') }}

),

measure_regions as (

    select * from {{ source('krb', 'measure_region') }}

),

effects as (

    select * from {{ source('krb', 'intended_effect') }}

),

documents as (

    select * from {{ source('krb', 'policy_document') }}

),

region_scope as (

    select
        measure_id,
        string_agg(region_code, ', ' order by region_code) as region_codes,
        count(*) as region_count

    from measure_regions
    group by 1

),

effect_summary as (

    select
        measure_id,
        count(distinct indicator_code) as indicator_count

    from effects
    group by 1

),

joined as (

    select
        measures.measure_id,
        measures.measure_name,
        measures.description,
        measures.theme_id,
        measures.start_date,
        measures.end_date,
        measures.budget_eur,
        measures.department,
        region_scope.region_codes,
        region_scope.region_count,
        coalesce(effect_summary.indicator_count, 0) as indicator_count,
        measures.document_id,
        documents.title as document_title,
        documents.bestuurslaag,
        documents.is_example,
        measures.source_file,
        measures.source_line

    from measures
    left join region_scope
        on region_scope.measure_id = measures.measure_id
    left join effect_summary
        on effect_summary.measure_id = measures.measure_id
    left join documents
        on documents.document_id = measures.document_id

)

select * from joined
