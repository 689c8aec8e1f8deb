with

deduplicated as (

    -- the source's own id: a webhook retried with another body is still one event
    {{ first_landing('email_events', key='event_id') }}

),

renamed as (

    select
        {{ staged_record_id('email_events') }} as record_id,
        event_id,
        event,
        occurred_at,
        campaign_id,
        message_id,
        url,
        {{ clean_text('bounce_type') }} as bounce_type,
        {{ clean_text('reason') }} as reason,
        {{ dbt.concat(["'email_'", 'event']) }} as event_type,
        campaign_id as event_detail,

        email_normalized as email,

        email_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
