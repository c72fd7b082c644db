{#- The KRB loader rejects cycles in bovenliggend_thema, so the recursion ends. -#}
with recursive

themes as (

    select * from {{ source('krb', 'theme') }}

),

theme_taakvelden as (

    select * from {{ source('krb', 'theme_taakveld') }}

),

policy_indicators as (

    select * from {{ source('krb', 'policy_indicator') }}

),

norms as (

    select * from {{ source('krb', 'norm') }}

),

measures as (

    select * from {{ source('krb', 'measure') }}

),

taakvelden as (

    select * from {{ ref('stg_cbs__iv3_taakvelden') }}

),

theme_hierarchy as (

    select
        themes.theme_id,
        1 as theme_level,
        themes.theme_id as top_theme_id,
        themes.theme_name as theme_path

    from themes
    where themes.parent_theme_id is null

    union all

    select
        child.theme_id,
        parent.theme_level + 1,
        parent.top_theme_id,
        parent.theme_path || ' > ' || child.theme_name

    from themes as child
    inner join theme_hierarchy as parent
        on parent.theme_id = child.parent_theme_id

),

taakveld_summary as (

    select
        theme_taakvelden.theme_id,
        string_agg(theme_taakvelden.taakveld_code, ', ' order by theme_taakvelden.taakveld_code)
            as taakveld_codes,
        string_agg(
            theme_taakvelden.taakveld_code || ' ' || taakvelden.taakveld_name, '; '
            order by theme_taakvelden.taakveld_code
        ) as taakveld_names

    from theme_taakvelden
    left join taakvelden
        on taakvelden.taakveld_code = theme_taakvelden.taakveld_code
    group by 1

),

indicator_counts as (

    select
        theme_id,
        count(*) as indicator_count

    from policy_indicators
    group by 1

),

norm_counts as (

    select
        theme_id,
        count(*) as norm_count

    from norms
    group by 1

),

measure_counts as (

    select
        theme_id,
        count(*) as measure_count

    from measures
    group by 1

),

joined as (

    select
        themes.theme_id,
        themes.theme_name,
        themes.description,
        themes.parent_theme_id,
        theme_hierarchy.top_theme_id,
        theme_hierarchy.theme_level,
        theme_hierarchy.theme_path,
        taakveld_summary.taakveld_codes,
        taakveld_summary.taakveld_names,
        coalesce(indicator_counts.indicator_count, 0) as indicator_count,
        coalesce(norm_counts.norm_count, 0) as norm_count,
        coalesce(measure_counts.measure_count, 0) as measure_count,
        themes.source_file,
        themes.source_line

    from themes
    left join theme_hierarchy
        on theme_hierarchy.theme_id = themes.theme_id
    left join taakveld_summary
        on taakveld_summary.theme_id = themes.theme_id
    left join indicator_counts
        on indicator_counts.theme_id = themes.theme_id
    left join norm_counts
        on norm_counts.theme_id = themes.theme_id
    left join measure_counts
        on measure_counts.theme_id = themes.theme_id

)

select * from joined
