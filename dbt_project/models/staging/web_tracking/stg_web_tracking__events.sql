with

deduplicated as (

    -- a sender retries a batch with the same messageId: one event
    {{ first_landing('web_tracking_events', key='message_id') }}

),

renamed as (

    select
        {{ staged_record_id('web_tracking_events') }} as record_id,
        message_id,
        type as call_type,
        {{ clean_text('event') }} as event_name,
        timestamp as occurred_at,
        sent_at,
        received_at,

        -- page views and tracked actions are behaviour; identify, alias and group calls only tie ids together
        case type
            when 'page' then 'page_viewed'
            when 'screen' then 'page_viewed'
            when 'track' then 'tracked_event'
        end as event_type,
        case type
            when 'page' then coalesce({{ clean_text('page_path') }}, {{ clean_text('name') }})
            when 'screen' then {{ clean_text('name') }}
            when 'track' then {{ clean_text('event') }}
        end as event_detail,

        anonymous_id_normalized as anonymous_id,
        user_id_normalized as external_id,
        email_normalized as email,
        phone_normalized as phone,

        {{ clean_text('full_name') }} as full_name,
        {{ clean_text('title') }} as title,
        {{ clean_text('company') }} as company,

        page_url,
        page_path,
        {{ clean_text('page_title') }} as page_title,
        page_referrer,
        {{ clean_text('utm_source') }} as utm_source,
        {{ clean_text('utm_medium') }} as utm_medium,
        {{ clean_text('utm_campaign') }} as utm_campaign,
        {{ clean_text('utm_term') }} as utm_term,
        user_agent,
        ip,
        properties,
        traits,
        context,

        anonymous_id_problem,
        user_id_problem,
        email_problem,
        phone_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
