{#-
    The final identity cluster of every linking identifier: its part (int_identity_parts), joined to other
    parts by accepted probabilistic links (DuckDB, when the tier is on). An identifier whose part kept none of
    its records (they all followed a nearer identifier of another part) goes where most of its records went,
    so every cluster has records.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('identifier_key') }}",
) }}
-- depends_on: {{ ref('int_identity_scope') }}

with

parts as {{ cte_inlined() if not is_incremental() }} (

    select * from {{ ref('int_identity_parts') }}
    where {{ in_identity_scope('identifier_key') }}

),

record_parts as {{ cte_inlined() if is_incremental() }} (

    -- a daily run reads it where used (the parts in scope, the homeless identifiers' records) instead of copying
    -- its 15M rows (SF10: 2.3 s instead of 3.1-4.3)
    select * from {{ ref('int_identity_record_parts') }}

),

{{ import_scoped_identity_edges() }}

{{ import_probabilistic_links() }}

parts_with_records as (

    select distinct part_key from record_parts
    {%- if is_incremental() %}
    -- the parts of the identifiers in scope only (a daily run: 15M record parts for a few thousand parts)
    where part_key in (select part_key from parts)
    {%- endif %}

),

homeless_identifiers as (

    -- identifiers whose part kept none of its records: the only ones that need a majority (few)
    select identifier_key
    from parts
    where part_key not in (select part_key from parts_with_records)

),

records_by_part as (

    select
        edges.identifier_key,
        record_parts.part_key,
        count(*) as n_records

    from edges
    inner join record_parts
        on edges.record_id = record_parts.record_id
    where edges.identifier_key in (select identifier_key from homeless_identifiers)
    group by edges.identifier_key, record_parts.part_key

),

record_majority as (

    select
        identifier_key,
        part_key,
        row_number() over (
            partition by identifier_key
            order by n_records desc, {{ binary_collation('part_key') }}
        ) as majority_rank

    from records_by_part

),

homed as (

    select
        parts.*,
        case
            when parts_with_records.part_key is not null then parts.part_key
            else record_majority.part_key
        end as home_part_key

    from parts
    left join parts_with_records
        on parts.part_key = parts_with_records.part_key
    left join record_majority
        on parts.identifier_key = record_majority.identifier_key
        and record_majority.majority_rank = 1

),

part_clusters as (

    select part_key_l as part_key, min(cluster_key) as cluster_key
    from probabilistic_links
    group by part_key_l

    union

    select part_key_r as part_key, min(cluster_key) as cluster_key
    from probabilistic_links
    group by part_key_r

),

final as (

    select
        homed.identifier_key,
        homed.id_type,
        homed.id_value,
        homed.id_priority,
        homed.component_key,
        homed.home_part_key as part_key,
        coalesce(part_clusters.cluster_key, homed.home_part_key) as cluster_key,
        homed.split_rule,
        case when part_clusters.cluster_key is null then false else true end as is_probabilistic

    from homed
    left join part_clusters
        on homed.home_part_key = part_clusters.part_key

)

select * from final
