{#-
    Connected components of the identity graph: linking identifiers are nodes, two are connected when they
    appear on the same record. Every identifier gets the smallest identifier key of its component
    (component_key, compared by bytes on every engine). How depends on the engine:
    identity_component_labels() (macros/identity/component_labels.sql) gives the fast path on DuckDB and
    portable SQL everywhere else, with the same result.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('identifier_key') }}",
) }}
-- depends_on: {{ ref('int_identity_scope') }}

with

{{ import_scoped_identity_edges() }}

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}

),

linking_identifiers as (

    select identifier_key, id_type, id_value
    from screened
    where screen_status = 'linking'
        and {{ in_identity_scope('identifier_key') }}

),

{{ identity_component_labels('edges', 'linking_identifiers') }}

final as (

    select
        identifier_key,
        id_type,
        id_value,
        component_key

    from identifier_components

)

select * from final
