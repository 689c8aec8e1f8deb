-- Contacts who became opportunities or customers: the seed audience ad platforms build lookalikes from.

with

scores as (

    select * from {{ ref('lead_scores') }}

),

final as (

    select contact_id
    from scores
    where lifecycle_stage in ('opportunity', 'customer')

)

select * from final
