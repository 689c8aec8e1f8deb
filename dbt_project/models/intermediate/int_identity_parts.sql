{#-
    Per-contact limits: a component may hold at most identifier_types.max_per_contact values of each type
    (within its limit_scope: one OpenID per official account). A max of 1 is a never-merge rule: two
    different crm_ids are two people, however the rest of the graph connects them.

    A component over a limit is split around anchors: the values of its strongest violated type (lowest
    priority number) in the violating scopes. Every identifier of the component joins its nearest anchor
    (fewest records hopped; ties go to the anchor seen first, then the smaller key). Records that carried
    identifiers of two parts follow their nearest identifier (int_identity_record_parts), so the link that
    breaks is the one through the weaker identifier. Components within every limit are one part.

    The nearest anchor is found by bounded shortest-path propagation over the split components only,
    var identity_repair_rounds hops; the identity_parts_reached test fails if that was not enough. A value
    (distance * 1,000,000 + anchor rank) is propagated so that each round reads the previous one once.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('identifier_key') }}",
) }}
{%- set rounds = var('identity_repair_rounds') | int -%}
{%- set step = 1000000 -%}

-- depends_on: {{ ref('int_identity_scope') }}

with

components as (

    select * from {{ ref('int_identity_components') }}

),

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}

),

identifier_types as (

    select * from {{ ref('identifier_types') }}

),

{{ import_scoped_identity_edges() }}

component_identifiers as (

    select
        components.identifier_key,
        components.id_type,
        components.id_value,
        components.component_key,
        screened.first_seen_at,
        identifier_types.priority as id_priority,
        identifier_types.max_per_contact,
        {{ identifier_limit_scope('identifier_types.limit_scope', 'components.id_value') }} as limit_scope_value

    from components
    inner join screened
        on components.identifier_key = screened.identifier_key
    inner join identifier_types
        on components.id_type = identifier_types.id_type
    where {{ in_identity_scope('components.identifier_key') }}

),

limit_counts as (

    select
        component_key,
        id_type,
        limit_scope_value,
        min(id_priority) as id_priority,
        min(max_per_contact) as max_per_contact,
        count(*) as n_values

    from component_identifiers
    group by component_key, id_type, limit_scope_value

),

violations as (

    select * from limit_counts
    where n_values > max_per_contact

),

split_types as (

    -- the strongest violated type of each component decides how it splits
    select
        component_key,
        id_type,
        max_per_contact,
        total_values

    from (
        select
            component_key,
            id_type,
            max(max_per_contact) as max_per_contact,
            sum(n_values) as total_values,
            row_number() over (partition by component_key order by min(id_priority), id_type) as type_rank
        from violations
        group by component_key, id_type
    ) as ranked
    where type_rank = 1

),

anchors as (

    select
        component_identifiers.component_key,
        component_identifiers.identifier_key as anchor_key,
        row_number() over (
            partition by component_identifiers.component_key
            order by component_identifiers.first_seen_at, {{ binary_collation('component_identifiers.identifier_key') }}
        ) as anchor_rank

    from component_identifiers
    inner join violations
        on component_identifiers.component_key = violations.component_key
        and component_identifiers.id_type = violations.id_type
        and component_identifiers.limit_scope_value = violations.limit_scope_value
    inner join split_types
        on violations.component_key = split_types.component_key
        and violations.id_type = split_types.id_type

),

split_edges as (

    select edges.record_id, edges.identifier_key
    from edges
    inner join component_identifiers
        on edges.identifier_key = component_identifiers.identifier_key
    inner join split_types
        on component_identifiers.component_key = split_types.component_key

),

split_links as (

    -- identifiers on one record are one hop apart; every identifier also keeps its own value (step 0)
    select distinct
        from_side.identifier_key as from_key,
        to_side.identifier_key as to_key,
        case when from_side.identifier_key = to_side.identifier_key then 0 else {{ step }} end as step

    from split_edges as from_side
    inner join split_edges as to_side
        on from_side.record_id = to_side.record_id

),

reach_0 as (

    select anchor_key as identifier_key, anchor_rank as reach from anchors

),

{% for i in range(1, rounds + 1) %}
reach_{{ i }} as (

    select
        split_links.to_key as identifier_key,
        min(reach_{{ i - 1 }}.reach + split_links.step) as reach

    from reach_{{ i - 1 }}
    inner join split_links
        on reach_{{ i - 1 }}.identifier_key = split_links.from_key
    group by split_links.to_key

),

{% endfor %}
nearest_anchors as (

    select
        reach_{{ rounds }}.identifier_key,
        anchors.anchor_key,
        cast(floor(reach_{{ rounds }}.reach * 1.0 / {{ step }}) as integer) as anchor_distance

    from reach_{{ rounds }}
    inner join component_identifiers
        on reach_{{ rounds }}.identifier_key = component_identifiers.identifier_key
    inner join anchors
        on component_identifiers.component_key = anchors.component_key
        and anchors.anchor_rank = reach_{{ rounds }}.reach % {{ step }}

),

final as (

    select
        component_identifiers.identifier_key,
        component_identifiers.id_type,
        component_identifiers.id_value,
        component_identifiers.id_priority,
        component_identifiers.component_key,
        case
            when split_types.component_key is null then component_identifiers.component_key
            else nearest_anchors.anchor_key
        end as part_key,
        nearest_anchors.anchor_distance,
        split_types.id_type as split_type,
        case
            when split_types.component_key is not null then
                {{ dbt.concat([
                    "case when split_types.max_per_contact = 1 then 'never_merge' else 'limit' end",
                    "':'", 'split_types.id_type'
                ]) }}
        end as split_rule

    from component_identifiers
    left join split_types
        on component_identifiers.component_key = split_types.component_key
    left join nearest_anchors
        on component_identifiers.identifier_key = nearest_anchors.identifier_key

)

select * from final
