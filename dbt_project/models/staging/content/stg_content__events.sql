with

deduplicated as (

    -- the source's own id: a webhook retried with another body is still one event
    {{ first_landing('content_events', key='event_id') }}

),

renamed as (

    select
        {{ staged_record_id('content_events') }} as record_id,
        event_id,
        event,
        occurred_at,
        content_id,
        {{ clean_text('content_title') }} as content_title,
        {{ clean_text('content_type') }} as content_type,
        url,
        {{ clean_text('share_channel') }} as share_channel,
        case event
            when 'download' then 'content_downloaded'
            when 'view' then 'content_viewed'
            when 'share' then 'content_shared'
        end as event_type,
        content_id as event_detail,
        -- the sharer whose link led here, as an identifier key ('phone:+86...'); never links this record to them
        referrer_id_normalized as referrer_key,
        {{ clean_text('utm_source') }} as utm_source,
        {{ clean_text('utm_campaign') }} as utm_campaign,

        anonymous_id_normalized as anonymous_id,
        email_normalized as email,
        phone_normalized as phone,
        openid_normalized as wechat_openid,
        unionid_normalized as wechat_unionid,

        referrer_id_problem,
        anonymous_id_problem,
        email_problem,
        phone_problem,
        openid_problem,
        unionid_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
