{{ config(meta={'dagster': {'asset_key': ['marts', 'lead_score_events']}}) }}
-- A behaviour rule that names an event type on the wrong channel silently never scores: a rule's event type,
-- when it is in the vocabulary (seeds/event_types.csv), must be on that event type's channel. Rules for event
-- types the vocabulary does not have yet (channels being added) are allowed: they wait for their data.
with

behaviour_rules as (

    select * from {{ ref('scoring_behavior_points') }}

),

event_types as (

    select * from {{ ref('event_types') }}

),

final as (

    select
        behaviour_rules.rule_id,
        behaviour_rules.channel,
        behaviour_rules.event_type

    from behaviour_rules
    left join event_types
        on behaviour_rules.event_type = event_types.event_type
        and behaviour_rules.channel = event_types.channel
    where event_types.event_type is null
        and behaviour_rules.event_type in (select event_type from event_types)

)

select * from final
