{%- set picked_attributes = [
    'full_name', 'phone', 'email', 'wechat_openid', 'crm_id',
    'company', 'title', 'industry', 'company_size', 'city',
] -%}

with

records as (

    select * from {{ ref('int_records_resolved') }}

),

attributes as (

    select * from {{ ref('int_contact_attributes_unioned') }}

),

edges as (

    select * from {{ ref('int_identity_edges') }}

),

wechat_events as (

    select * from {{ ref('stg_wechat__events') }}

),

title_seniority as (

    select * from {{ ref('title_seniority') }}

),

contact_activity as (

    select
        contact_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as n_records

    from records
    group by contact_id

),

contact_identifier_counts as (

    select
        records.contact_id,
        count(distinct edges.identifier_key) as n_identifiers

    from edges
    inner join records
        on edges.record_id = records.record_id
    group by records.contact_id

),

attributes_ranked as (

    select
        contact_id,
        attribute_name,
        attribute_value,
        row_number() over (
            partition by contact_id, attribute_name
            order by occurred_at desc, record_id desc, attribute_value desc
        ) as recency_rank

    from attributes

),

latest_attributes as (

    select
        contact_id,
        {% for attribute in picked_attributes %}
        max(case when attribute_name = '{{ attribute }}' then attribute_value end) as {{ attribute }}
        {{- "," if not loop.last }}
        {% endfor %}

    from attributes_ranked
    where recency_rank = 1
    group by contact_id

),

title_matches as (

    -- the title of each contact against every seniority keyword; whole-word keywords match only between
    -- separators, so 'cto' does not match 'director'
    select
        latest_attributes.contact_id,
        title_seniority.seniority,
        row_number() over (
            partition by latest_attributes.contact_id
            order by title_seniority.priority desc, title_seniority.keyword
        ) as match_rank

    from latest_attributes
    inner join title_seniority
        on (
            title_seniority.whole_word
            and {{ dbt.concat(["' '", "translate(lower(latest_attributes.title), '-/,&()|.', '        ')", "' '"]) }}
                like {{ dbt.concat(["'% '", 'lower(title_seniority.keyword)', "' %'"]) }}
        )
        or (
            not title_seniority.whole_word
            and lower(latest_attributes.title) like {{ dbt.concat(["'%'", 'lower(title_seniority.keyword)', "'%'"]) }}
        )

),

wechat_follow_events as (

    -- the last subscribe or unsubscribe per official account says whether the person still follows it
    select
        records.contact_id,
        wechat_events.wechat_openid,
        wechat_events.event,
        row_number() over (
            partition by records.contact_id, wechat_events.wechat_openid
            order by
                wechat_events.occurred_at desc,
                case when wechat_events.event = 'unsubscribe' then 0 else 1 end,
                wechat_events.record_id desc
        ) as recency_rank

    from wechat_events
    inner join records
        on wechat_events.record_id = records.record_id
    where wechat_events.event in ('subscribe', 'unsubscribe')

),

wechat_follow_status as (

    select
        contact_id,
        max(case when event = 'subscribe' then 1 else 0 end) as follows_any_account,
        max(case when event = 'unsubscribe' then 1 else 0 end) as left_an_account

    from wechat_follow_events
    where recency_rank = 1
    group by contact_id

),

final as (

    select
        contact_activity.contact_id,
        latest_attributes.full_name,
        latest_attributes.phone,
        latest_attributes.email,
        latest_attributes.wechat_openid,
        latest_attributes.company,
        latest_attributes.title,
        latest_attributes.industry,
        latest_attributes.company_size,
        latest_attributes.city,
        coalesce(title_matches.seniority, 'unknown') as title_seniority,
        contact_activity.first_seen_at,
        contact_activity.last_seen_at,
        coalesce(contact_identifier_counts.n_identifiers, 0) as n_identifiers,
        contact_activity.n_records,
        case when wechat_follow_status.follows_any_account = 1 then true else false end as is_wechat_follower,
        case
            when wechat_follow_status.follows_any_account = 0 and wechat_follow_status.left_an_account = 1
                then true
            else false
        end as unsubscribed_wechat,
        latest_attributes.crm_id

    from contact_activity
    left join latest_attributes
        on contact_activity.contact_id = latest_attributes.contact_id
    left join title_matches
        on contact_activity.contact_id = title_matches.contact_id
        and title_matches.match_rank = 1
    left join contact_identifier_counts
        on contact_activity.contact_id = contact_identifier_counts.contact_id
    left join wechat_follow_status
        on contact_activity.contact_id = wechat_follow_status.contact_id

)

select * from final
