-- Webinar registrants who are not sales-ready yet: they get the replay by email and stay in nurture.

{%- set params = config.get('meta', {}).get('segment', {}).get('params', {}) %}

with

traits as (

    select * from {{ ref('contact_traits') }}

),

scores as (

    select * from {{ ref('lead_scores') }}

),

contacts as (

    select * from {{ ref('dim_contacts') }}

),

final as (

    select contacts.contact_id
    from contacts
    inner join traits
        on contacts.contact_id = traits.contact_id
    inner join scores
        on contacts.contact_id = scores.contact_id
    where traits.n_webinar_registrations >= {{ params.get('min_registrations', 1) }}
        and not scores.is_mql
        and contacts.email is not null

)

select * from final
