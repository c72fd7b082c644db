{#- One row per gemeente × clustering indicator, from the latest run of each
    clustering question: the gemeente's value against the median of its nearest
    peers in the same cluster. Values are the ones the model used, so attributes of
    an older layout are already carried onto the 2024 layout. -#}
with

assignment as (

    select * from {{ source('analysis', 'model_cluster_assignment') }}

),

-- Written by the same model asset in the same transaction as the assignment (see
-- _analysis__sources.yml for why they are not separate dbt sources).
peers as (

    select * from {{ source('analysis', 'model_cluster_assignment').database }}.analysis.model_cluster_peers

),

input_values as (

    select * from {{ source('analysis', 'model_cluster_assignment').database }}.analysis.model_input_values

),

runs_ranked as (

    select
        question_id,
        model_run_id,
        run_at,
        dense_rank() over (partition by question_id order by run_at desc, model_run_id) as run_rank

    from assignment

),

latest_runs as (

    select distinct
        question_id,
        model_run_id,
        run_at

    from runs_ranked
    where run_rank = 1

),

run_assignment as (

    select assignment.*
    from assignment
    inner join latest_runs
        on latest_runs.model_run_id = assignment.model_run_id

),

run_peers as (

    select peers.*
    from peers
    inner join latest_runs
        on latest_runs.model_run_id = peers.model_run_id

),

run_values as (

    select input_values.*
    from input_values
    inner join latest_runs
        on latest_runs.model_run_id = input_values.model_run_id

),

peer_lists as (

    select
        run_peers.model_run_id,
        run_peers.region_code,
        count(*) as peer_count,
        string_agg(peer_assignment.region_name, ', ' order by run_peers.peer_rank) as peer_names,
        string_agg(run_peers.peer_region_code, ',' order by run_peers.peer_rank) as peer_region_codes

    from run_peers
    inner join run_assignment as peer_assignment
        on
            peer_assignment.model_run_id = run_peers.model_run_id
            and peer_assignment.region_code = run_peers.peer_region_code
    group by 1, 2

),

peer_medians as (

    select
        run_peers.model_run_id,
        run_peers.region_code,
        run_values.indicator_code,
        -- percentile_cont(0.5) is DuckDB's median and exists in PostgreSQL, which has no median.
        percentile_cont(0.5) within group (order by run_values.value) as peer_median_value,
        count(run_values.value) as peer_value_count

    from run_peers
    inner join run_values
        on
            run_values.model_run_id = run_peers.model_run_id
            and run_values.region_code = run_peers.peer_region_code
    group by 1, 2, 3

),

joined as (

    select
        run_assignment.question_id,
        run_assignment.model_run_id,
        run_assignment.region_code,
        run_assignment.region_name,
        run_assignment.cluster,
        run_assignment.cluster_description,
        peer_lists.peer_count,
        peer_lists.peer_names,
        peer_lists.peer_region_codes,
        run_values.indicator_code,
        run_values.period_year,
        run_values.value,
        peer_medians.peer_median_value,
        peer_medians.peer_value_count,
        run_values.value - peer_medians.peer_median_value as difference_from_peer_median,
        case
            when peer_medians.peer_median_value <> 0
                then 100.0 * (run_values.value - peer_medians.peer_median_value)
                    / peer_medians.peer_median_value
        end as difference_from_peer_median_pct,
        run_values.is_mapped,
        run_assignment.silhouette,
        run_assignment.stability_ari,
        run_assignment.n as region_count

    from run_assignment
    inner join run_values
        on
            run_values.model_run_id = run_assignment.model_run_id
            and run_values.region_code = run_assignment.region_code
    left join peer_lists
        on
            peer_lists.model_run_id = run_assignment.model_run_id
            and peer_lists.region_code = run_assignment.region_code
    left join peer_medians
        on
            peer_medians.model_run_id = run_assignment.model_run_id
            and peer_medians.region_code = run_assignment.region_code
            and peer_medians.indicator_code = run_values.indicator_code

)

select * from joined
