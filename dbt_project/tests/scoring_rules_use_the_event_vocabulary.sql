{{ config(severity='warn', meta={'dagster': {'asset_key': ['marts', 'lead_score_events']}}) }}
-- A behaviour rule whose (channel, event_type) is not in the vocabulary silently never scores: every rule
-- must name an event type of seeds/event_types.csv, on that event type's channel.
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

)

select * from final
