{#-
    Behaviour events that earn (or cost) scoring points: one row per (event, behaviour rule) match, with the
    rule's points, how often it counts and its group's half-life. lead_score_points and lead_stage_history
    add these up at a point in time (macro lead_score_breakdown).

    Incremental on DuckDB and PostgreSQL: a run recomputes the matches of the events of int_records_scope, or
    every match when the rows carry another scoring_version (a rule changed; macros/scoring/stage_scope.sql).
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_scoring_scope('event_id') }}",
) }}

-- depends_on: {{ ref('int_records_scope') }}

with

behaviours as (

    select * from {{ ref('fct_behaviors') }}
    where {{ in_scoring_scope('event_id') }}

),

behaviour_rules as (

    select * from {{ ref('scoring_behavior_points') }}

),

score_groups as (

    select * from {{ ref('scoring_groups') }}

),

matched as (

    -- one event can count for several rules (a demo request is also a form submission)
    select
        behaviours.event_id,
        behaviours.contact_id,
        behaviours.occurred_at,
        behaviours.channel,
        behaviours.event_type,
        behaviours.event_detail,
        behaviours.minutes,
        behaviour_rules.rule_id,
        behaviour_rules.group_id,
        behaviour_rules.points,
        behaviour_rules.frequency,
        score_groups.half_life_days,
        -- events of a rule that share this key count once: every event for repeatable rules, the rule
        -- for one-time rules, the event detail (the webinar, the document) for once-per-detail rules
        case behaviour_rules.frequency
            when 'repeatable' then behaviours.event_id
            when 'once' then 'once'
            else coalesce(behaviours.event_detail, '')
        end as occurrence_key

    from behaviours
    inner join behaviour_rules
        on behaviours.channel = behaviour_rules.channel
        and behaviours.event_type = behaviour_rules.event_type
        and coalesce(behaviours.event_detail, '') like behaviour_rules.detail_like
        and (behaviour_rules.min_minutes is null or behaviours.minutes >= behaviour_rules.min_minutes)
        and (behaviour_rules.max_minutes is null or behaviours.minutes < behaviour_rules.max_minutes)
    inner join score_groups
        on behaviour_rules.group_id = score_groups.group_id

),

final as (

    select
        {{ dbt.concat(['event_id', "':'", 'rule_id']) }} as score_event_id,
        *,
        '{{ lead_scoring_version() }}' as scoring_version

    from matched

)

select * from final
