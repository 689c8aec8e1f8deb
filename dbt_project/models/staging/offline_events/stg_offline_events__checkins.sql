with

deduplicated as (

    {{ first_landing('offline_events_checkins') }}

),

renamed as (

    select
        {{ staged_record_id('offline_events_checkins') }} as record_id,
        scan_id,
        event_id,
        registration_id,
        scanned_at as occurred_at,
        {{ clean_text('scan_point') }} as scan_point,
        'offline_event_checked_in' as event_type,
        event_id as event_detail,
        {{ json_object_text([('scan_point', clean_text('scan_point'))]) }} as properties,

        phone_normalized as phone,
        email_normalized as email,

        {{ clean_text('name') }} as full_name,
        {{ clean_text('company') }} as company,
        {{ clean_text('title') }} as title,

        phone_problem,
        email_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
