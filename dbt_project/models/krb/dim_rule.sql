with

rules as (

    select * from {{ source('krb', 'rule') }}

),

documents as (

    select * from {{ source('krb', 'policy_document') }}

),

joined as (

    select
        rules.rule_id,
        rules.rule_text,
        rules.location,
        rules.document_id,
        documents.title as document_title,
        documents.bestuurslaag,
        rules.theme_id,
        rules.source_file,
        rules.source_line

    from rules
    left join documents
        on documents.document_id = rules.document_id

)

select * from joined
