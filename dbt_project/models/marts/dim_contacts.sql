{#-
    The golden record: one row per resolved person.

    Each attribute survives by its rule in the golden_record_rules seed:
      source_priority  the value from the most trusted source (source_priority seed), then the most recent;
      most_recent      the latest value;
      most_frequent    the value observed most often, then the latest.
    Consent follows the latest signal per purpose (int_contact_consent_events); WeChat follow status is the
    last subscribe/unsubscribe per official account.

    Incremental on DuckDB and PostgreSQL: a run recomputes the contacts the records of int_records_scope
    resolve to, and drops the contacts no record resolves to any more (merged away).
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('contact_id', 'contact') }}",
) }}
{%- set golden_attributes = [
    'full_name', 'name_zh', 'name_latin', 'phone', 'email', 'wechat_openid', 'wechat_unionid', 'crm_id',
    'company', 'title', 'industry', 'company_size', 'city',
] -%}
{%- set consent_purposes = ['email', 'sms', 'wechat', 'marketing', 'automated_decisions'] -%}

-- depends_on: {{ ref('int_records_scope') }}

with

-- a full build reads these tables where they are used (cte_inlined); an incremental one keeps its scoped rows
records as {{ cte_inlined() if not is_incremental() }} (

    select * from {{ ref('int_records_resolved') }}
    where {{ in_contacts_scope('contact_id') }}

),

attributes as {{ cte_inlined() if not is_incremental() }} (

    select * from {{ ref('int_contact_attributes_unioned') }}
    where {{ in_contacts_scope('contact_id') }}

),

consent_events as {{ cte_inlined() if not is_incremental() }} (

    select * from {{ ref('int_contact_consent_events') }}
    where {{ in_contacts_scope('contact_id') }}

),

assignments as {{ cte_inlined() if not is_incremental() }} (

    select * from {{ ref('int_identity_assignments') }}
    where is_current
        and {{ in_contacts_scope('contact_id') }}

),

golden_record_rules as (

    select * from {{ ref('golden_record_rules') }}

),

wechat_events as (

    select * from {{ ref('stg_wechat__events') }}

),

contact_activity as (

    select
        contact_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        count(*) as n_records,
        count(distinct source) as n_sources

    from records
    group by contact_id

),

contact_identifier_counts as (

    select
        contact_id,
        count(*) as n_identifiers

    from assignments
    group by contact_id

),

ruled_attributes as {{ cte_inlined() }} (

    select
        attributes.*,
        golden_record_rules.rule

    from attributes
    inner join golden_record_rules
        on attributes.attribute_name = golden_record_rules.attribute

),

attribute_spreads as (

    -- most contacts hold one value of an attribute, whatever the rule; only the others are ranked below
    -- (at SF10, 412,775 of 8.6M groups, 2.5M of 30.7M observations)
    {{ value_spreads('ruled_attributes', ['contact_id', 'attribute_name'], 'attribute_value') }}

),

contested_attributes as (

    {{ contested_rows('ruled_attributes', 'attribute_spreads', ['contact_id', 'attribute_name']) }}

),

value_frequencies as (

    -- how often each value was observed, for the attributes that keep the most frequent one
    select
        contact_id,
        attribute_name,
        attribute_value,
        count(*) as value_frequency

    from contested_attributes
    where rule = 'most_frequent'
    group by contact_id, attribute_name, attribute_value

),

observations_scored as (

    select
        contested_attributes.*,
        coalesce(value_frequencies.value_frequency, 0) as value_frequency

    from contested_attributes
    left join value_frequencies
        on contested_attributes.contact_id = value_frequencies.contact_id
        and contested_attributes.attribute_name = value_frequencies.attribute_name
        and contested_attributes.attribute_value = value_frequencies.attribute_value

),

contested_survivors as (

    {{ top_row_per_group(
        'observations_scored',
        partition_by=['contact_id', 'attribute_name'],
        order_by=[
            "case when rule = 'source_priority' then source_priority else 0 end",
            "case when rule = 'most_frequent' then value_frequency else 0 end desc",
            'occurred_at desc',
            binary_collation('record_id') ~ ' desc',
            binary_collation('attribute_value'),
        ],
        columns=['attribute_value'],
    ) }}

),

survivors as (

    select contact_id, attribute_name, only_value as attribute_value
    from attribute_spreads
    where is_single_valued

    union all

    select contact_id, attribute_name, attribute_value
    from contested_survivors

),

golden_attributes as (

    select
        contact_id,
        {% for attribute in golden_attributes %}
        max(case when attribute_name = '{{ attribute }}' then attribute_value end) as {{ attribute }}
        {{- "," if not loop.last }}
        {% endfor %}

    from survivors
    group by contact_id

),

title_matches as (

    {{ title_seniority_matches('golden_attributes', 'contact_id', 'title') }}

),

wechat_follow_events as (

    -- the last subscribe or unsubscribe per official account says whether the person still follows it
    select
        records.contact_id,
        wechat_events.wechat_openid,
        wechat_events.event,
        wechat_events.occurred_at,
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
        max(case when event = 'unsubscribe' then 1 else 0 end) as left_an_account,
        max(occurred_at) as last_follow_change_at

    from wechat_follow_events
    where recency_rank = 1
    group by contact_id

),

consent_latest as (

    -- latest state wins; a withdrawal and a grant at the same instant count as a withdrawal
    select
        contact_id,
        purpose,
        is_granted,
        occurred_at,
        row_number() over (
            partition by contact_id, purpose
            order by occurred_at desc, case when is_granted then 1 else 0 end, record_id desc
        ) as recency_rank

    from consent_events

),

consent_state as (

    select
        contact_id,
        {% for purpose in consent_purposes %}
        max(case when purpose = '{{ purpose }}' and not is_granted then 1 else 0 end) as withdrew_{{ purpose }},
        max(case when purpose = '{{ purpose }}' then occurred_at end) as {{ purpose }}_changed_at,
        {% endfor %}
        max(occurred_at) as consent_updated_at

    from consent_latest
    where recency_rank = 1
    group by contact_id

),

final as (

    select
        contact_activity.contact_id,
        {% for attribute in golden_attributes if attribute not in ('crm_id',) %}
        golden_attributes.{{ attribute }},
        {% endfor %}
        coalesce(title_matches.seniority, 'unknown') as title_seniority,
        contact_activity.first_seen_at,
        contact_activity.last_seen_at,
        coalesce(contact_identifier_counts.n_identifiers, 0) as n_identifiers,
        contact_activity.n_records,
        contact_activity.n_sources,
        case when contact_identifier_counts.contact_id is null then false else true end as is_identified,
        case when wechat_follow_status.follows_any_account = 1 then true else false end as is_wechat_follower,
        case when consent_state.withdrew_email = 1 then true else false end as unsubscribed_email,
        case when consent_state.withdrew_sms = 1 then true else false end as unsubscribed_sms,
        case
            -- an explicit preference newer than the last follow/unfollow decides; otherwise the follow status
            when consent_state.wechat_changed_at is not null
                and consent_state.wechat_changed_at >= coalesce(wechat_follow_status.last_follow_change_at, consent_state.wechat_changed_at)
                then consent_state.withdrew_wechat = 1
            when wechat_follow_status.follows_any_account = 0 and wechat_follow_status.left_an_account = 1
                then true
            else false
        end as unsubscribed_wechat,
        case when consent_state.withdrew_marketing = 1 then true else false end as refused_marketing,
        case when consent_state.withdrew_automated_decisions = 1 then true else false end
            as refused_automated_decisions,
        case
            when consent_state.consent_updated_at is null then wechat_follow_status.last_follow_change_at
            when wechat_follow_status.last_follow_change_at is null then consent_state.consent_updated_at
            when wechat_follow_status.last_follow_change_at > consent_state.consent_updated_at
                then wechat_follow_status.last_follow_change_at
            else consent_state.consent_updated_at
        end as consent_updated_at,
        golden_attributes.crm_id

    from contact_activity
    left join golden_attributes
        on contact_activity.contact_id = golden_attributes.contact_id
    left join title_matches
        on contact_activity.contact_id = title_matches.contact_id
        and title_matches.match_rank = 1
    left join contact_identifier_counts
        on contact_activity.contact_id = contact_identifier_counts.contact_id
    left join wechat_follow_status
        on contact_activity.contact_id = wechat_follow_status.contact_id
    left join consent_state
        on contact_activity.contact_id = consent_state.contact_id

)

select * from final
