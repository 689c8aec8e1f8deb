-- Contacts whose title makes them a decision maker (C-level, VP, director or equivalent).

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

final as (

    select contact_id
    from contacts
    where title_seniority in ('c_level', 'vp', 'director')

)

select * from final
