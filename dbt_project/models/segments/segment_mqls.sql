-- Marketing-qualified leads: what sales should call next. Synced to the CRM by contact_id.

with

scores as (

    select * from {{ ref('lead_scores') }}

),

final as (

    select contact_id
    from scores
    where is_mql

)

select * from final
