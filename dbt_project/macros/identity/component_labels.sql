{#-
    CTEs giving `labels_final (identifier_key, label)`: every identifier of the CTE `linking_edges`
    (record_id, identifier_key) with the smallest identifier key of its connected component (by bytes).
    Use after other CTEs: `..., linking_edges as (...), {{ identity_component_labels('linking_edges') }} final as`.

    duckdb (var identity_fast_path, default true): DuckDB numbers identifiers in key order and records, and the
      function yuchi_component_labels (ml/identity/duckdb_plugin.py, loaded by profiles.yml) runs scipy's
      connected components on the integer lists.
    default (PostgreSQL, Spark; DuckDB with identity_fast_path false): min-label propagation with pointer
      jumping over per-record stars, unrolled var identity_max_iterations times. Each round
        1. propagates: a node takes the smallest label among itself and its neighbours;
        2. jumps pointers: a node takes the label of its label (labels are node keys of the same component
           and never larger than the node, so this only shortens paths).
      Each round reads the previous round exactly once, so engines that inline CTEs (Spark) stay linear. The
      pointer jump is a self-lookup done with one scan: every row appears twice (copy 1 offers the node's
      label under its own key, copy 2 asks for the label under its label's key) and a window pairs them.
    Both give the same rows (tests/identity/test_stitching.py, tests/identity/test_identity_pipeline.py).
-#}
{% macro identity_component_labels(linking_edges) -%}
    {{ return(adapter.dispatch('identity_component_labels', 'yuchi')(linking_edges)) }}
{%- endmacro %}

{% macro duckdb__identity_component_labels(linking_edges) -%}
{%- if not identity_fast_path() -%}
    {{ return(default__identity_component_labels(linking_edges)) }}
{%- endif -%}
identifier_codes as materialized (

    select
        identifier_key,
        row_number() over (order by identifier_key) - 1 as identifier_code

    from (select distinct identifier_key from {{ linking_edges }}) as identifiers

),

record_codes as materialized (

    select
        record_id,
        row_number() over () - 1 as record_code

    from (select distinct record_id from {{ linking_edges }}) as records

),

coded_graph as (

    -- one list of (identifier, record) pairs packed in a BIGINT: one list keeps them aligned
    select
        list(identifier_codes.identifier_code * 4294967296 + record_codes.record_code) as edge_codes,
        (select count(*) from identifier_codes) as n_identifiers

    from {{ linking_edges }} as edges
    inner join identifier_codes
        on edges.identifier_key = identifier_codes.identifier_key
    inner join record_codes
        on edges.record_id = record_codes.record_id

),

coded_labels as (

    select
        unnest(range(n_identifiers)) as identifier_code,
        unnest(yuchi_component_labels(edge_codes, n_identifiers)) as label_code

    from coded_graph
    where n_identifiers > 0

),

labels_final as (

    select
        identifiers.identifier_key,
        labels.identifier_key as label

    from coded_labels
    inner join identifier_codes as identifiers
        on coded_labels.identifier_code = identifiers.identifier_code
    inner join identifier_codes as labels
        on coded_labels.label_code = labels.identifier_code

),
{%- endmacro %}

{% macro default__identity_component_labels(linking_edges) -%}
{%- set max_iterations = var('identity_max_iterations') | int -%}
record_hubs as (

    select
        record_id,
        min({{ binary_collation('identifier_key') }}) as hub_key

    from {{ linking_edges }}
    group by record_id

),

identifier_links as {{ cte_materialized() }} (

    -- a star per record: each identifier and the record's smallest identifier, both ways, and itself
    select
        edges.identifier_key as from_key,
        record_hubs.hub_key as to_key

    from {{ linking_edges }} as edges
    inner join record_hubs
        on edges.record_id = record_hubs.record_id

    union

    select
        record_hubs.hub_key as from_key,
        edges.identifier_key as to_key

    from {{ linking_edges }} as edges
    inner join record_hubs
        on edges.record_id = record_hubs.record_id

    union

    select
        identifier_key as from_key,
        identifier_key as to_key

    from {{ linking_edges }}

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
{%- endmacro %}
