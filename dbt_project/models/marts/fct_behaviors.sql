with

form_submissions as (

    select * from {{ ref('stg_web_forms__submissions') }}

),

wechat_events as (

    select * from {{ ref('stg_wechat__events') }}

),

webinar_registrations as (

    select * from {{ ref('stg_webinars__registrations') }}

),

webinar_attendance as (

    select * from {{ ref('stg_webinars__attendance') }}

),

records as (

    select * from {{ ref('int_records_resolved') }}

),

form_events as (

    select
        record_id,
        'web_forms' as channel,
        'form_submitted' as event_type,
        form_id as event_detail,
        occurred_at,
        cast(null as {{ type_double() }}) as minutes,
        utm_source,
        utm_campaign

    from form_submissions

),

wechat_behaviours as (

    select
        record_id,
        'wechat' as channel,
        case event
            when 'subscribe' then 'wechat_subscribed'
            when 'unsubscribe' then 'wechat_unsubscribed'
            when 'SCAN' then 'wechat_qr_scanned'
            when 'CLICK' then 'wechat_menu_clicked'
            when 'VIEW' then 'wechat_article_viewed'
            when 'bind_phone' then 'wechat_phone_bound'
        end as event_type,
        case when event in ('subscribe', 'SCAN', 'CLICK', 'VIEW') then event_key end as event_detail,
        occurred_at,
        cast(null as {{ type_double() }}) as minutes,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_campaign

    from wechat_events

),

webinar_registered as (

    select
        record_id,
        'webinars' as channel,
        'webinar_registered' as event_type,
        webinar_id as event_detail,
        occurred_at,
        cast(null as {{ type_double() }}) as minutes,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_campaign

    from webinar_registrations

),

webinar_attended as (

    select
        record_id,
        'webinars' as channel,
        'webinar_attended' as event_type,
        webinar_id as event_detail,
        occurred_at,
        minutes_watched as minutes,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_campaign

    from webinar_attendance

),

behaviours as (

    select * from form_events
    union all
    select * from wechat_behaviours
    union all
    select * from webinar_registered
    union all
    select * from webinar_attended

),

final as (

    select
        behaviours.record_id as event_id,
        records.contact_id,
        behaviours.channel,
        behaviours.event_type,
        behaviours.event_detail,
        behaviours.occurred_at,
        behaviours.minutes,
        behaviours.utm_source,
        behaviours.utm_campaign

    from behaviours
    inner join records
        on behaviours.record_id = records.record_id

)

select * from final
