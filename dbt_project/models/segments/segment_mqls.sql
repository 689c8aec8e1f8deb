-- Marketing-qualified leads: what sales should call next. Synced to the CRM by contact_id.
-- Contacts sales already works (sql, opportunity, customer) meet the thresholds too but are not handed over again.

with

scores as (

    select * from {{ ref('lead_scores') }}

),

final as (

    select contact_id
    from scores
    where is_mql
        and lifecycle_stage = 'mql'

)

select * from final
