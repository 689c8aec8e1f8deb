-- Contacts who watched at least one webinar live.

with

traits as (

    select * from {{ ref('contact_traits') }}

),

final as (

    select contact_id
    from traits
    where n_webinars_attended > 0

)

select * from final
