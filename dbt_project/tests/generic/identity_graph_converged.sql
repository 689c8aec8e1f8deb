{#-
    Fails when label propagation stopped before the identity graph converged: a record whose linking
    identifiers sit in different components (an edge that still joins two component keys). Raise var
    identity_max_iterations when this fails. (That every linking identifier has a component is the
    relationships test on int_identity_identifiers_screened.) On an incremental run only the records carrying an
    identifier whose component was recomputed are looked at (macros/scoped_tests.sql), with all their
    identifiers: one in a component the run did not recompute counts.
-#}
{% test identity_graph_converged(model, edges) %}

with

edges as (

    select * from {{ edges }}
    {%- set scoped = scoped_test_condition('__identity_scope_records__') %}
    {%- if scoped %}
    where {{ scoped }}
    {%- endif %}

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
    inner join components
        on edges.identifier_key = components.identifier_key

),

unconverged_records as (

    select
        record_id,
        count(distinct component_key) as n_component_keys

    from edges_labelled
    group by record_id

),

final as (

    select * from unconverged_records
    where n_component_keys > 1

)

select * from final

{% endtest %}
