with

deduplicated as (

    {{ first_landing('offline_events_session_attendance') }}

),

renamed as (

    select
        {{ staged_record_id('offline_events_session_attendance') }} as record_id,
        scan_id,
        event_id,
        session_id,
        {{ clean_text('session_title') }} as session_title,
        entered_at as occurred_at,
        left_at,
        cast(minutes as {{ type_double() }}) as minutes,
        'offline_session_attended' as event_type,
        session_id as event_detail,

        phone_normalized as phone,
        email_normalized as email,

        phone_problem,
        email_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
