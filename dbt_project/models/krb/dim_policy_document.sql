with

documents as (

    select * from {{ source('krb', 'policy_document') }}

),

implements as (

    select * from {{ source('krb', 'document_implements') }}

),

themes as (

    select * from {{ source('krb', 'theme') }}

),

regions as (

    select * from {{ ref('dim_region') }}

),

parent_links as (

    select
        implements.document_id,
        string_agg(implements.parent_document_id, ', ' order by implements.parent_document_id)
            as parent_document_ids,
        string_agg(
            distinct parents.bestuurslaag, ', ' order by parents.bestuurslaag
        ) as parent_bestuurslagen,
        count(*) as parent_document_count

    from implements
    inner join documents as parents
        on parents.document_id = implements.parent_document_id
    group by 1

),

joined as (

    select
        documents.document_id,
        documents.title,
        documents.document_type,
        documents.bestuurslaag,
        documents.owner,
        documents.region_code,
        regions.region_name,
        documents.adopted_date,
        documents.valid_from_date,
        documents.valid_to_date,
        documents.url,
        documents.is_example,
        documents.description,
        documents.theme_id,
        themes.theme_name,
        parent_links.parent_document_ids,
        parent_links.parent_bestuurslagen,
        coalesce(parent_links.parent_document_count, 0) as parent_document_count,
        documents.source_file,
        documents.source_line

    from documents
    left join themes
        on themes.theme_id = documents.theme_id
    left join regions
        on regions.region_code = documents.region_code
    left join parent_links
        on parent_links.document_id = documents.document_id

)

select * from joined
