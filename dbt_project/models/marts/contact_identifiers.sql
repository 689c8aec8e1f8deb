{#- One row per linking identifier with its stable contact: what destinations match on and hash. Blocked and
    shared values belong to nobody and are not here (int_identity_identifiers_screened lists them). -#}

with

assignments as (

    select * from {{ ref('int_identity_assignments') }}
    where is_current

),

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}

),

clusters as (

    select * from {{ ref('int_identity_clusters') }}

),

final as (

    select
        assignments.identifier_key,
        assignments.id_type,
        assignments.id_value,
        assignments.contact_id,
        screened.first_seen_at,
        screened.last_seen_at,
        screened.n_records,
        case when clusters.is_probabilistic then 'probabilistic' else 'deterministic' end as linked_by

    from assignments
    inner join screened
        on assignments.identifier_key = screened.identifier_key
    inner join clusters
        on assignments.identifier_key = clusters.identifier_key

)

select * from final
