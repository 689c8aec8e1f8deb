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
    {%- if is_incremental() %}
    -- the identifiers of the records in scope (a record carries identifiers of one component only)
    where identifier_key in (select identifier_key from edges)
    {%- endif %}

),

ranked_identifiers as (

    -- a record's preference among its identifiers depends on the identifiers alone, so one order over the
    -- identifiers ranks them for every record: the record keeps its smallest rank (a group-by over the edges
    -- instead of sorting them within each record)
    select
        identifier_key,
        component_key,
        part_key,
        row_number() over (
            order by
                coalesce(anchor_distance, 0),
                id_priority,
                {{ binary_collation('part_key') }},
                {{ binary_collation('identifier_key') }}
        ) as identifier_rank,
        dense_rank() over (order by part_key) as part_rank

    from parts

),

record_identifiers as {{ cte_inlined() }} (  -- read twice: joined again, not copied

    select
        edges.record_id,
        edges.occurred_at,
        ranked_identifiers.identifier_rank,
        ranked_identifiers.part_rank

    from edges
    inner join ranked_identifiers
        on edges.identifier_key = ranked_identifiers.identifier_key

),

record_choices as (

    select
        record_id,
        min(occurred_at) as occurred_at,  -- the record's, on each of its edges
        min(identifier_rank) as identifier_rank,
        min(part_rank) as first_part_rank,
        max(part_rank) as last_part_rank

    from record_identifiers
    group by record_id

),

parts_touched as (

    -- counted only for the few records whose identifiers lie in more than one part
    select
        record_id,
        count(distinct part_rank) as n_parts

    from record_identifiers
    where record_id in (
        select record_id from record_choices
        where first_part_rank <> last_part_rank
    )
    group by record_id

),

final as (

    select
        record_choices.record_id,
        record_choices.occurred_at,
        ranked_identifiers.component_key,
        ranked_identifiers.part_key,
        ranked_identifiers.identifier_key as decided_by_identifier_key,
        coalesce(parts_touched.n_parts, 1) as n_parts_touched

    from record_choices
    inner join ranked_identifiers
        on record_choices.identifier_rank = ranked_identifiers.identifier_rank
    left join parts_touched
        on record_choices.record_id = parts_touched.record_id

)

select * from final
