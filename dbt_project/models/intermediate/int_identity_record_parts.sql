{#-
    Every record with linking identifiers, and the part (int_identity_parts) it belongs to. Inside a component
    that was split, a record may carry identifiers of two parts; it follows its nearest identifier (an anchor
    itself, then the fewest hops), then the strongest (identifier_types.priority), then the smaller part key.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('record_id', 'record') }}",
) }}
-- depends_on: {{ ref('int_identity_scope') }}

with

{{ import_scoped_identity_edges() }}

parts as (

    select * from {{ ref('int_identity_parts') }}

),

record_identifiers as (

    select
        edges.record_id,
        edges.occurred_at,
        parts.identifier_key,
        parts.component_key,
        parts.part_key,
        parts.anchor_distance,
        parts.id_priority

    from edges
    inner join parts
        on edges.identifier_key = parts.identifier_key

),

preferred as (

    {{ top_row_per_group(
        'record_identifiers',
        partition_by=['record_id'],
        order_by=[
            'coalesce(anchor_distance, 0)',
            'id_priority',
            binary_collation('part_key'),
            binary_collation('identifier_key'),
        ],
        columns=['occurred_at', 'identifier_key', 'component_key', 'part_key'],
    ) }}

),

parts_touched as (

    select
        record_id,
        count(distinct part_key) as n_parts

    from record_identifiers
    group by record_id

),

final as (

    select
        preferred.record_id,
        preferred.occurred_at,
        preferred.component_key,
        preferred.part_key,
        preferred.identifier_key as decided_by_identifier_key,
        parts_touched.n_parts as n_parts_touched

    from preferred
    inner join parts_touched
        on preferred.record_id = parts_touched.record_id

)

select * from final
