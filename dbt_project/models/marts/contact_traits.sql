with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

behaviours as (

    select * from {{ ref('fct_behaviors') }}

),

reference_time as (

    -- "now" for recency is the newest behaviour in the data, so a rebuild of old data gives the same traits
    select max(occurred_at) as as_of from behaviours

),

behaviour_counts as (

    select
        contact_id,
        count(*) as n_events,
        sum(case when event_type = 'form_submitted' then 1 else 0 end) as n_form_submits,
        sum(
            case when event_type = 'form_submitted' and event_detail = 'demo_request' then 1 else 0 end
        ) as n_demo_requests,
        sum(
            case when event_type = 'form_submitted' and event_detail like 'whitepaper%' then 1 else 0 end
        ) as n_whitepaper_downloads,
        sum(case when event_type = 'webinar_registered' then 1 else 0 end) as n_webinar_registrations,
        sum(case when event_type = 'webinar_attended' then 1 else 0 end) as n_webinars_attended,
        sum(case when event_type = 'webinar_attended' then minutes else 0 end) as webinar_minutes,
        sum(case when channel = 'wechat' then 1 else 0 end) as n_wechat_events,
        count(distinct channel) as channels_touched,
        min(occurred_at) as first_touch_at,
        max(occurred_at) as last_touch_at

    from behaviours
    group by contact_id

),

final as (

    select
        contacts.contact_id,
        cast(coalesce(behaviour_counts.n_events, 0) as {{ dbt.type_bigint() }}) as n_events,
        cast(coalesce(behaviour_counts.n_form_submits, 0) as {{ dbt.type_bigint() }}) as n_form_submits,
        cast(coalesce(behaviour_counts.n_demo_requests, 0) as {{ dbt.type_bigint() }}) as n_demo_requests,
        cast(coalesce(behaviour_counts.n_whitepaper_downloads, 0) as {{ dbt.type_bigint() }}) as n_whitepaper_downloads,
        cast(coalesce(behaviour_counts.n_webinar_registrations, 0) as {{ dbt.type_bigint() }}) as n_webinar_registrations,
        cast(coalesce(behaviour_counts.n_webinars_attended, 0) as {{ dbt.type_bigint() }}) as n_webinars_attended,
        cast(coalesce(behaviour_counts.webinar_minutes, 0) as {{ type_double() }}) as webinar_minutes,
        cast(coalesce(behaviour_counts.n_wechat_events, 0) as {{ dbt.type_bigint() }}) as n_wechat_events,
        cast(coalesce(behaviour_counts.channels_touched, 0) as {{ dbt.type_bigint() }}) as channels_touched,
        contacts.first_seen_at,
        contacts.last_seen_at,
        -- a contact known only from the CRM has no touch: its records' times stand in
        greatest(
            0,
            coalesce(
                {{ dbt.datediff(
                    'coalesce(behaviour_counts.last_touch_at, contacts.last_seen_at)',
                    'reference_time.as_of',
                    'day'
                ) }},
                0
            )
        ) as days_since_last_touch,
        coalesce(
            {{ dbt.datediff(
                'coalesce(behaviour_counts.first_touch_at, contacts.first_seen_at)',
                'coalesce(behaviour_counts.last_touch_at, contacts.last_seen_at)',
                'day'
            ) }},
            0
        ) as active_days_span

    from contacts
    cross join reference_time
    left join behaviour_counts
        on contacts.contact_id = behaviour_counts.contact_id

)

select * from final
