{#-
    Connected components of the identity graph: linking identifiers are nodes, two are connected when they
    appear on the same record. Every identifier gets the smallest identifier key of its component
    (component_key, compared by bytes on every engine). How depends on the engine:
    identity_component_labels() (macros/identity/component_labels.sql) gives the fast path on DuckDB and
    portable SQL everywhere else, with the same result.
-#}

with

edges as (

    select * from {{ ref('int_identity_edges') }}

),

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}

),

linking_edges as (

    select edges.record_id, edges.identifier_key
    from edges
    inner join screened
        on edges.identifier_key = screened.identifier_key
    where screened.screen_status = 'linking'

),

{{ identity_component_labels('linking_edges') }}

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
