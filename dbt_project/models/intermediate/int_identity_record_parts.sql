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
        row_number() over (
            partition by edges.record_id
            order by
                coalesce(parts.anchor_distance, 0),
                parts.id_priority,
                {{ binary_collation('parts.part_key') }},
                {{ binary_collation('parts.identifier_key') }}
        ) as preference

    from edges
    inner join parts
        on edges.identifier_key = parts.identifier_key

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
        record_identifiers.record_id,
        record_identifiers.occurred_at,
        record_identifiers.component_key,
        record_identifiers.part_key,
        record_identifiers.identifier_key as decided_by_identifier_key,
        parts_touched.n_parts as n_parts_touched

    from record_identifiers
    inner join parts_touched
        on record_identifiers.record_id = parts_touched.record_id
    where record_identifiers.preference = 1

)

select * from final
