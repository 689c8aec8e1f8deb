with

deduplicated as (

    {{ first_landing('offline_events_registrations') }}

),

renamed as (

    select
        {{ staged_record_id('offline_events_registrations') }} as record_id,
        registration_id,
        event_id,
        {{ clean_text('event_name') }} as event_name,
        registered_at as occurred_at,
        {{ clean_text('ticket_type') }} as ticket_type,
        'offline_event_registered' as event_type,
        event_id as event_detail,

        phone_normalized as phone,
        email_normalized as email,

        {{ clean_text('name') }} as full_name,
        {{ clean_text('company') }} as company,
        {{ clean_text('title') }} as title,
        {{ clean_text('city') }} as city,
        {{ clean_text('utm_source') }} as utm_source,
        {{ clean_text('utm_campaign') }} as utm_campaign,

        phone_problem,
        email_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
