{#- One row per linking identifier with its stable contact: what destinations match on and hash. Blocked and
    shared values belong to nobody and are not here (int_identity_identifiers_screened lists them).

    Incremental like the identity models it joins: a daily run rewrites the identifiers of int_identity_scope,
    the only ones whose assignment, screening or cluster the run can change (an identifier that stopped
    linking is in scope as orphaned, and is deleted). -#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('identifier_key') }}",
) }}
-- depends_on: {{ ref('int_identity_scope') }}

with

assignments as (

    select * from {{ ref('int_identity_assignments') }}
    where is_current and {{ in_identity_scope('identifier_key') }}

),

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}
    where {{ in_identity_scope('identifier_key') }}

),

clusters as (

    select * from {{ ref('int_identity_clusters') }}
    where {{ in_identity_scope('identifier_key') }}

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
