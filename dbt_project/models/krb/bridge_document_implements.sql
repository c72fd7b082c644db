{#- Every document with each document it implements, directly or through others.
    The KRB loader rejects cycles in implementeert, so the recursion ends. -#}
with recursive

implements as (

    select * from {{ source('krb', 'document_implements') }}

),

documents as (

    select * from {{ source('krb', 'policy_document') }}

),

ancestry as (

    select
        implements.document_id,
        implements.parent_document_id as ancestor_document_id,
        1 as link_depth

    from implements

    union all

    select
        ancestry.document_id,
        implements.parent_document_id,
        ancestry.link_depth + 1

    from ancestry
    inner join implements
        on implements.document_id = ancestry.ancestor_document_id

),

-- A document can reach the same ancestor along several paths; keep the shortest.
shortest as (

    select
        document_id,
        ancestor_document_id,
        min(link_depth) as link_depth

    from ancestry
    group by 1, 2

),

joined as (

    select
        shortest.document_id,
        documents.bestuurslaag,
        shortest.ancestor_document_id,
        ancestors.title as ancestor_title,
        ancestors.bestuurslaag as ancestor_bestuurslaag,
        shortest.link_depth,
        shortest.link_depth = 1 as is_direct

    from shortest
    inner join documents
        on documents.document_id = shortest.document_id
    inner join documents as ancestors
        on ancestors.document_id = shortest.ancestor_document_id

)

select * from joined
