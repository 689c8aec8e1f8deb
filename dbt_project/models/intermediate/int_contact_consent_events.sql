{#-
    Every consent signal of a contact, one row per (record, purpose): behaviour events that change consent
    (consent_event_types seed: email unsubscribes, SMS STOP replies) and explicit consent changes from the
    sources marked `consent` in staged_sources() (preference centre, privacy requests), whose staging models
    give consent_purpose (email, sms, wechat, marketing, automated_decisions) and consent_granted. The latest
    signal per purpose is the contact's state (dim_contacts).
-#}
{%- set behaviour_sources = [] -%}
{%- for source in behavior_sources() if 'event_type' in source.behaviors -%}
    {%- do behaviour_sources.append(source) -%}
{%- endfor -%}
{%- set consent_sources = staged_sources() | selectattr('consent', 'defined') | selectattr('consent') | list -%}

with

{{ import_staged_sources(behaviour_sources + consent_sources) }}

records as (

    select * from {{ ref('int_records_resolved') }}

),

consent_event_types as (

    select * from {{ ref('consent_event_types') }}

),

behaviour_events as (

    {% for source in behaviour_sources %}
    select record_id, occurred_at, event_type
    from {{ source.name }}
    union all
    {% endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as event_type
    where 1 = 0

),

signals as (

    select
        behaviour_events.record_id,
        behaviour_events.occurred_at,
        consent_event_types.purpose,
        consent_event_types.is_granted

    from behaviour_events
    inner join consent_event_types
        on behaviour_events.event_type = consent_event_types.event_type

    {% for source in consent_sources %}
    union all
    select
        record_id,
        occurred_at,
        lower(consent_purpose) as purpose,
        consent_granted as is_granted
    from {{ source.name }}
    where consent_purpose is not null and consent_granted is not null
    {% endfor %}

),

final as (

    select
        records.contact_id,
        signals.record_id,
        records.source,
        signals.occurred_at,
        signals.purpose,
        signals.is_granted

    from signals
    inner join records
        on signals.record_id = records.record_id

)

select * from final
