{#-
    Connected components of the identity graph: linking identifiers are nodes, two are connected when they
    appear on the same record. Every identifier gets the smallest identifier key of its component
    (component_key, compared by bytes on every engine).

    Two paths, one result:
      fast (DuckDB): int_identity_components_fast, a dbt Python model (ml.identity.stitching on scipy);
      portable (PostgreSQL, Spark, and DuckDB with var identity_fast_path: false): min-label propagation,
        unrolled var identity_max_iterations times. Each record is a star (every identifier linked to the
        record's smallest), and each round
          1. propagates: a node takes the smallest label among itself and its neighbours;
          2. jumps pointers: a node takes the label of its label (labels are node keys of the same
             component and never larger than the node, so this only shortens paths).
        Each round reads the previous round exactly once, so engines that inline CTEs (Spark) stay linear.
        The pointer jump is a self-lookup done with one scan: every row appears twice (copy 1 offers the
        node's label under its own key, copy 2 asks for the label under its label's key) and a window pairs
        them. The identity_graph_converged test fails when the rounds were not enough.
-#}
{{ config(materialized='view' if identity_fast_path() else 'table') }}
{%- set max_iterations = var('identity_max_iterations') | int -%}

with

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}

),

{% if identity_fast_path() %}
labels_final as (

    select identifier_key, component_key as label from {{ ref('int_identity_components_fast') }}

),
{% else %}
edges as (

    select * from {{ ref('int_identity_edges') }}

),

linking_edges as (

    select edges.record_id, edges.identifier_key
    from edges
    inner join screened
        on edges.identifier_key = screened.identifier_key
    where screened.screen_status = 'linking'

),

record_hubs as (

    select
        record_id,
        min({{ binary_collation('identifier_key') }}) as hub_key

    from linking_edges
    group by record_id

),

identifier_links as {{ cte_materialized() }} (

    -- a star per record: each identifier and the record's smallest identifier, both ways, and itself
    select distinct
        linking_edges.identifier_key as from_key,
        record_hubs.hub_key as to_key

    from linking_edges
    inner join record_hubs
        on linking_edges.record_id = record_hubs.record_id

    union

    select distinct
        record_hubs.hub_key as from_key,
        linking_edges.identifier_key as to_key

    from linking_edges
    inner join record_hubs
        on linking_edges.record_id = record_hubs.record_id

    union

    select distinct
        identifier_key as from_key,
        identifier_key as to_key

    from linking_edges

),

row_copies as (

    select 1 as copy_number
    union all
    select 2 as copy_number

),

labels_0 as (

    select distinct
        from_key as identifier_key,
        from_key as label

    from identifier_links

),

{% for i in range(1, max_iterations + 1) %}
propagated_{{ i }} as (

    select
        identifier_links.to_key as identifier_key,
        min({{ binary_collation('labels_' ~ (i - 1) ~ '.label') }}) as label

    from labels_{{ i - 1 }}
    inner join identifier_links
        on labels_{{ i - 1 }}.identifier_key = identifier_links.from_key
    group by identifier_links.to_key

),

jump_lookups_{{ i }} as (

    select
        propagated_{{ i }}.identifier_key,
        propagated_{{ i }}.label,
        row_copies.copy_number,
        case
            when row_copies.copy_number = 1 then propagated_{{ i }}.identifier_key
            else propagated_{{ i }}.label
        end as lookup_key

    from propagated_{{ i }}
    cross join row_copies

),

jump_paired_{{ i }} as (

    select
        identifier_key,
        label,
        copy_number,
        min(case when copy_number = 1 then label end) over (partition by lookup_key) as label_of_label

    from jump_lookups_{{ i }}

),

labels_{{ i }} as (

    select
        identifier_key,
        coalesce(label_of_label, label) as label

    from jump_paired_{{ i }}
    where copy_number = 2

),

{% endfor %}
labels_final as (

    select * from labels_{{ max_iterations }}

),
{% endif %}

final as (

    select
        screened.identifier_key,
        screened.id_type,
        screened.id_value,
        labels_final.label as component_key

    from screened
    inner join labels_final
        on screened.identifier_key = labels_final.identifier_key

)

select * from final
-- both paths' inputs are parents, so unit tests can give either: depends_on: {{ ref('int_identity_edges') }}
