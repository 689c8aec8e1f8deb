{#-
    Connected components of the identity graph: identifiers are nodes, and two identifiers are linked when
    they appear on the same record. Every identifier gets the smallest identifier key of its component.

    Min-label propagation, unrolled identity_max_iterations times. Each round
      1. propagates: a node takes the smallest label among itself and its neighbours;
      2. jumps pointers: a node takes the label of its label (labels are node keys of the same component,
         and a node's label is never larger than its key, so this only shortens paths).
    Each round reads the previous round exactly once, so engines that inline CTEs (Spark) stay linear.
    The pointer jump is a self-lookup done with one scan: every row appears twice (copy 1 offers the node's
    label under its own key, copy 2 asks for the label under its label's key) and a window pairs them.
    The identity_graph_converged test fails when the rounds were not enough.
-#}
{%- set max_iterations = var('identity_max_iterations') | int -%}

with

edges as (

    select * from {{ ref('int_identity_edges') }}

),

identifier_links as (

    -- both directions of every pair on a record, and every identifier with itself
    select distinct
        from_side.identifier_key as from_key,
        to_side.identifier_key as to_key

    from edges as from_side
    inner join edges as to_side
        on from_side.record_id = to_side.record_id

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
        min(labels_{{ i - 1 }}.label) as label

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
identifiers as (

    select distinct
        identifier_key,
        id_type,
        id_value

    from edges

),

final as (

    select
        identifiers.identifier_key,
        identifiers.id_type,
        identifiers.id_value,
        labels_{{ max_iterations }}.label as component_key

    from identifiers
    inner join labels_{{ max_iterations }}
        on identifiers.identifier_key = labels_{{ max_iterations }}.identifier_key

)

select * from final
