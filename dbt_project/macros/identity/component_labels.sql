{#-
    CTEs giving `identifier_components (identifier_key, id_type, id_value, component_key)`: every identifier
    of `linking_identifiers` (identifier_key, id_type, id_value; one row per key) that is on some record of
    `edges` (record_id, identifier_key; edges of other identifiers are ignored), with the smallest identifier
    key of its connected component (by bytes). Use after other CTEs:
    `..., {{ identity_component_labels('edges', 'linking_identifiers') }} final as (...)`.

    duckdb (var identity_fast_path, default true): DuckDB numbers the linking identifiers in key order, joins
      the codes to the edges (which also drops edges of identifiers that do not link) and groups them by
      record; one list of per-record lists goes to yuchi_component_labels (ml/identity/duckdb_plugin.py,
      loaded by profiles.yml), which runs scipy's connected components on them. Records need no number of
      their own, and the keys come back through integer joins: the strings are hashed twice (one join, one
      group-by) and sorted once.
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
{% macro identity_component_labels(edges, linking_identifiers) -%}
    {{ return(adapter.dispatch('identity_component_labels', 'yuchi')(edges, linking_identifiers)) }}
{%- endmacro %}

{% macro duckdb__identity_component_labels(edges, linking_identifiers) -%}
{%- if not identity_fast_path() -%}
    {{ return(default__identity_component_labels(edges, linking_identifiers)) }}
{%- endif -%}
identifier_codes as materialized (

    select
        identifier_key,
        id_type,
        id_value,
        cast(row_number() over (order by identifier_key) - 1 as integer) as identifier_code

    from {{ linking_identifiers }}

),

record_identifier_codes as (

    select list(identifier_codes.identifier_code) as identifier_codes

    from {{ edges }} as edges
    inner join identifier_codes
        on edges.identifier_key = identifier_codes.identifier_key
    group by edges.record_id

),

coded_graph as (

    select
        list(identifier_codes) as records,
        (select count(*) from identifier_codes) as n_identifiers

    from record_identifier_codes

),

coded_labels as (

    select
        unnest(range(n_identifiers)) as identifier_code,
        unnest(yuchi_component_labels(records, n_identifiers)) as label_code

    from coded_graph
    where n_identifiers > 0

),

identifier_components as (

    -- identifiers on no record have label -1 and drop out here, as they are absent from the portable SQL
    select
        identifiers.identifier_key,
        identifiers.id_type,
        identifiers.id_value,
        labels.identifier_key as component_key

    from coded_labels
    inner join identifier_codes as identifiers
        on coded_labels.identifier_code = identifiers.identifier_code
    inner join identifier_codes as labels
        on coded_labels.label_code = labels.identifier_code

),
{%- endmacro %}

{% macro default__identity_component_labels(edges, linking_identifiers) -%}
{%- set max_iterations = var('identity_max_iterations') | int -%}
linking_edges as (

    select edges.record_id, edges.identifier_key
    from {{ edges }} as edges
    inner join {{ linking_identifiers }} as linking_identifiers
        on edges.identifier_key = linking_identifiers.identifier_key

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
    select
        edges.identifier_key as from_key,
        record_hubs.hub_key as to_key

    from linking_edges as edges
    inner join record_hubs
        on edges.record_id = record_hubs.record_id

    union

    select
        record_hubs.hub_key as from_key,
        edges.identifier_key as to_key

    from linking_edges as edges
    inner join record_hubs
        on edges.record_id = record_hubs.record_id

    union

    select
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
identifier_components as (

    select
        linking_identifiers.identifier_key,
        linking_identifiers.id_type,
        linking_identifiers.id_value,
        labels_{{ max_iterations }}.label as component_key

    from {{ linking_identifiers }} as linking_identifiers
    inner join labels_{{ max_iterations }}
        on linking_identifiers.identifier_key = labels_{{ max_iterations }}.identifier_key

),
{%- endmacro %}
