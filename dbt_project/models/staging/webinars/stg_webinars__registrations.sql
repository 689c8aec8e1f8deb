with

deduplicated as (

    {{ first_landing('webinars_registrations') }}

),

renamed as (

    select
        {{ staged_record_id('webinars_registrations') }} as record_id,
        registration_id,
        webinar_id,
        {{ clean_text('webinar_title') }} as webinar_title,
        registered_at as occurred_at,
        'webinar_registered' as event_type,
        webinar_id as event_detail,

        email_normalized as email,
        phone_normalized as phone,

        {{ clean_text('name') }} as full_name,
        {{ clean_text('company') }} as company,
        {{ clean_text('title') }} as title,
        {{ clean_text('utm_source') }} as utm_source,
        {{ clean_text('utm_campaign') }} as utm_campaign,

        email_problem,
        phone_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
