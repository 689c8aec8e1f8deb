with

deduplicated as (

    {{ first_landing('webinars_attendance') }}

),

renamed as (

    select
        {{ staged_record_id('webinars_attendance') }} as record_id,
        webinar_id,
        joined_at as occurred_at,
        joined_at,
        left_at,
        cast(minutes_watched as {{ type_double() }}) as minutes_watched,
        'webinar_attended' as event_type,
        webinar_id as event_detail,
        cast(minutes_watched as {{ type_double() }}) as minutes,

        email_normalized as email,
        phone_normalized as phone,

        {{ clean_text('name') }} as full_name,

        email_problem,
        phone_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
