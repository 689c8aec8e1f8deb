with

edges as (

    select * from {{ ref('int_identity_edges') }}

),

components as (

    select * from {{ ref('int_identity_components') }}

),

records as (

    select * from {{ ref('int_records_resolved') }}

),

identifier_activity as (

    select
        edges.identifier_key,
        min(records.contact_id) as contact_id,
        min(edges.occurred_at) as first_seen_at,
        max(edges.occurred_at) as last_seen_at,
        count(distinct edges.record_id) as n_records

    from edges
    inner join records
        on edges.record_id = records.record_id
    group by edges.identifier_key

),

final as (

    select
        components.identifier_key,
        components.id_type,
        components.id_value,
        identifier_activity.contact_id,
        identifier_activity.first_seen_at,
        identifier_activity.last_seen_at,
        identifier_activity.n_records

    from components
    inner join identifier_activity
        on components.identifier_key = identifier_activity.identifier_key

)

select * from final
