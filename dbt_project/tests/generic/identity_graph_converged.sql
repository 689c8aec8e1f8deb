{#-
    Fails when label propagation stopped before the identity graph converged: a record whose identifiers
    sit in different components (an edge that still joins two component keys), or an identifier on a record
    that got no component at all. Raise var identity_max_iterations when this fails.
-#}
{% test identity_graph_converged(model, edges) %}

with

edges as (

    select * from {{ edges }}

),

components as (

    select * from {{ model }}

),

edges_labelled as (

    select
        edges.record_id,
        edges.identifier_key,
        components.component_key

    from edges
    left join components
        on edges.identifier_key = components.identifier_key

),

unconverged_records as (

    select
        record_id,
        count(distinct component_key) as n_component_keys,
        sum(case when component_key is null then 1 else 0 end) as n_unlabelled_identifiers

    from edges_labelled
    group by record_id

),

final as (

    select * from unconverged_records
    where n_component_keys > 1 or n_unlabelled_identifiers > 0

)

select * from final

{% endtest %}
