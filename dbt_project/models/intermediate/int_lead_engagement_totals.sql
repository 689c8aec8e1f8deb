{#-
    Each contact's engagement per behaviour rule with its counted events' points decayed to the rule's latest
    event (points_at_last_event), from lead_score_events. lead_score_points decays the sum on to the scoring
    time: 2^(-a/h) * 2^(-b/h) = 2^(-(a+b)/h), so the current score needs no event once these sums are known,
    and a daily build recomputes them only for the contacts whose events changed, not for every contact
    whose points decayed.

    The sums are the score at the newest data's time, when no event is later than the scoring time and a
    one-time rule's event counts while no later event shares its occurrence key (macro lead_score_breakdown);
    with var scoring_as_of set, lead_score_points evaluates the events themselves instead.

    Incremental on DuckDB and PostgreSQL: a run recomputes the contacts of the records of int_records_scope
    (and drops contacts no record resolves to any more), every contact when a row carries another
    scoring_version (macros/scoring/stage_scope.sql).
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_scoring_contacts_scope('contact_id') }}",
) }}

-- depends_on: {{ ref('int_records_scope') }}, {{ ref('int_records_resolved') }}

with

score_rule_events as {{ cte_inlined() if not is_incremental() }} (

    select * from {{ ref('lead_score_events') }}
    where {{ in_scoring_contacts_scope('contact_id') }}

),

sequenced as (

    -- as in lead_score_breakdown
    {{ rule_events_superseded(
        'score_rule_events',
        'score_rule_events.contact_id, score_rule_events.rule_id, score_rule_events.occurred_at, '
        ~ 'score_rule_events.points, score_rule_events.half_life_days'
    ) }}

),

last_events as (

    select
        contact_id,
        rule_id,
        max(occurred_at) as last_event_at

    from score_rule_events
    group by contact_id, rule_id

),

final as (

    select
        {{ dbt.concat(['sequenced.contact_id', "':'", 'sequenced.rule_id']) }} as engagement_total_id,
        sequenced.contact_id,
        sequenced.rule_id,
        count(*) as n_events,
        sum(case when superseded_at is null then 1 else 0 end) as n_counted,
        sum(
            case
                when superseded_at is null then points * {{ half_life_decay(
                    days_between('sequenced.occurred_at', 'last_events.last_event_at'), 'half_life_days'
                ) }}
                else 0
            end
        ) as points_at_last_event,
        max(last_events.last_event_at) as last_event_at,
        max(half_life_days) as half_life_days,
        '{{ lead_scoring_version() }}' as scoring_version

    from sequenced
    inner join last_events
        on sequenced.contact_id = last_events.contact_id
        and sequenced.rule_id = last_events.rule_id
    group by sequenced.contact_id, sequenced.rule_id

)

select * from final
