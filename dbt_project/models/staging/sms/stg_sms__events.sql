with

deduplicated as (

    -- the gateway's own id: a status report retried with another body is still one event
    {{ first_landing('sms_events', key='event_id') }}

),

stop_keywords as (

    select * from {{ ref('sms_stop_keywords') }}

),

renamed as (

    select
        {{ staged_record_id('sms_events', 'deduplicated') }} as record_id,
        deduplicated.event_id,
        deduplicated.event,
        deduplicated.occurred_at,
        deduplicated.campaign_id,
        deduplicated.message_id,
        {{ clean_text('deduplicated.reply_text') }} as reply_text,
        deduplicated.url,
        deduplicated.error_code,
        case when stop_keywords.keyword is not null then true else false end as is_stop,
        -- a reply that is not an opt-out keyword is a message to read, not behaviour: no event_type
        case
            when deduplicated.event = 'replied' and stop_keywords.keyword is not null then 'sms_stop'
            when deduplicated.event = 'replied' then null
            else {{ dbt.concat(["'sms_'", 'deduplicated.event']) }}
        end as event_type,
        deduplicated.campaign_id as event_detail,

        deduplicated.phone_normalized as phone,

        deduplicated.phone_problem,
        {{ staged_lineage('deduplicated') }}

    from deduplicated
    left join stop_keywords
        on deduplicated.event = 'replied'
        and upper(trim(deduplicated.reply_text)) = stop_keywords.keyword

),

final as (

    select * from renamed

)

select * from final
