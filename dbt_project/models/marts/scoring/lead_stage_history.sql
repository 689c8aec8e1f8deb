{#-
    When each contact first reached each lifecycle stage. Score-driven stages (lead, mql) come from the same
    score definition as lead_scores, evaluated at every moment the score could rise (each scoring event and
    fit observation, and the scoring time); the others from the first record (subscriber) and the CRM
    (sql, opportunity, customer, disqualified) or a disqualifying fit rule.

    Evaluating the score at every candidate time costs (candidate times x events) per contact, quadratic in a
    busy contact's history. So each candidate first gets a cheap upper bound of its score (running sums,
    no decay); a time whose bound misses a stage's minimums cannot reach the stage. Of the times left, the
    first `first_candidates` (var lead_stage_first_candidates, 8) per contact and stage are evaluated; only
    a stage none of them reached has its later times evaluated. The first time found is the same as
    evaluating every candidate (analyses/lead_stage_history_exhaustive.sql; docs/scoring.md).
-#}
{%- set first_candidates = var('lead_stage_first_candidates', 8) -%}

with

{{ stage_history_sources() }},

candidates as (

    select evaluation_candidates.*
    from evaluation_candidates
    cross join scoring_time
    where evaluation_candidates.evaluated_at <= scoring_time.evaluated_at

),

thresholds as (

    {{ stage_thresholds_sql('stages') }}

),

{{ lead_score_inputs() }},

{#- Upper bounds of the score at each candidate time, without decay: a rule's positive points so far under its
    cap, a group's under its cap; fit counts every positive rule any observation ever matched. Negative points
    only lower a score; group floors above zero and caps of negative rules above zero (neither makes sense,
    the slack keeps the bound true anyway) are added in full. -#}
positive_rule_events as (

    select
        score_rule_events.contact_id,
        score_rule_events.occurred_at,
        score_rule_events.event_id,
        score_rule_events.rule_id,
        score_behaviour_rules.group_id,
        {{ capped_running_sum(
            'score_rule_events.points',
            'score_rule_events.contact_id, score_rule_events.rule_id',
            'score_rule_events.occurred_at, score_rule_events.event_id',
            'score_behaviour_rules.max_points'
        ) }} as rule_bound

    from score_rule_events
    inner join score_behaviour_rules
        on score_rule_events.rule_id = score_behaviour_rules.rule_id
    where score_rule_events.points > 0

),

rule_bound_steps as (

    select
        contact_id,
        occurred_at,
        event_id,
        rule_id,
        group_id,
        rule_bound - coalesce(
            lag(rule_bound) over (partition by contact_id, rule_id order by occurred_at, event_id), 0
        ) as rule_step

    from positive_rule_events

),

group_bounds as (

    select
        rule_bound_steps.contact_id,
        rule_bound_steps.occurred_at,
        rule_bound_steps.event_id,
        rule_bound_steps.rule_id,
        rule_bound_steps.group_id,
        {{ capped_running_sum(
            'rule_bound_steps.rule_step',
            'rule_bound_steps.contact_id, rule_bound_steps.group_id',
            'rule_bound_steps.occurred_at, rule_bound_steps.event_id, rule_bound_steps.rule_id',
            'score_groups_config.max_points'
        ) }} as group_bound

    from rule_bound_steps
    inner join score_groups_config
        on rule_bound_steps.group_id = score_groups_config.group_id

),

engagement_bound_steps as (

    select
        contact_id,
        occurred_at,
        group_bound - coalesce(
            lag(group_bound) over (partition by contact_id, group_id order by occurred_at, event_id, rule_id), 0
        ) as bound_step

    from group_bounds

),

fit_rule_matches as (

    select distinct
        score_fit_observations.contact_id,
        score_fit_rules.group_id,
        score_fit_rules.rule_id,
        score_fit_rules.points

    from score_fit_observations
    inner join score_fit_rules
        on score_fit_observations.attribute = score_fit_rules.attribute
        and score_fit_observations.attribute_value like lower(score_fit_rules.value_like)
    where score_fit_rules.points > 0

),

fit_group_bounds as (

    select
        fit_rule_matches.contact_id,
        case
            when score_groups_config.max_points is null then sum(fit_rule_matches.points)
            else least(sum(fit_rule_matches.points), score_groups_config.max_points)
        end as group_bound

    from fit_rule_matches
    inner join score_groups_config
        on fit_rule_matches.group_id = score_groups_config.group_id
    group by
        fit_rule_matches.contact_id,
        fit_rule_matches.group_id,
        score_groups_config.max_points

),

fit_bounds as (

    select contact_id, sum(group_bound) as fit_bound
    from fit_group_bounds
    group by contact_id

),

bound_slack as (

    select
        group_floors.slack + rule_floors.slack as engagement_slack,
        group_floors.slack as fit_slack

    from (
        select coalesce(sum(case when min_points > 0 then min_points else 0 end), 0) as slack
        from score_groups_config
    ) as group_floors
    cross join (
        select coalesce(sum(case when points < 0 and max_points > 0 then max_points else 0 end), 0) as slack
        from score_behaviour_rules
    ) as rule_floors

),

bound_timeline as (

    -- at equal times the events come first: a candidate's bound counts the events of its own moment
    select contact_id, occurred_at as at_time, 0 as is_candidate, bound_step
    from engagement_bound_steps
    union all
    select contact_id, evaluated_at as at_time, 1 as is_candidate, 0 as bound_step
    from candidates

),

timeline_bounds as (

    select
        contact_id,
        at_time,
        is_candidate,
        {{ running_sum('bound_step', 'contact_id', 'at_time, is_candidate') }} as engagement_bound

    from bound_timeline

),

candidate_bounds as (

    select
        timeline_bounds.contact_id,
        timeline_bounds.at_time as evaluated_at,
        timeline_bounds.engagement_bound + bound_slack.engagement_slack as engagement_points,
        coalesce(fit_bounds.fit_bound, 0) + bound_slack.fit_slack as fit_points,
        timeline_bounds.engagement_bound + bound_slack.engagement_slack
            + coalesce(fit_bounds.fit_bound, 0) + bound_slack.fit_slack as total_score

    from timeline_bounds
    cross join bound_slack
    left join fit_bounds
        on timeline_bounds.contact_id = fit_bounds.contact_id
    where timeline_bounds.is_candidate = 1

),

candidate_passes as (

    select
        candidate_bounds.contact_id,
        candidate_bounds.evaluated_at,
        case when {{ meets_stage_thresholds('candidate_bounds', 'thresholds', 'lead') }} then 1 else 0 end
            as may_be_lead,
        case when {{ meets_stage_thresholds('candidate_bounds', 'thresholds', 'mql') }} then 1 else 0 end
            as may_be_mql

    from candidate_bounds
    cross join thresholds

),

candidate_ranks as (

    select
        contact_id,
        evaluated_at,
        case
            when may_be_lead = 1
                then row_number() over (partition by contact_id, may_be_lead order by evaluated_at)
        end as lead_rank,
        case
            when may_be_mql = 1
                then row_number() over (partition by contact_id, may_be_mql order by evaluated_at)
        end as mql_rank

    from candidate_passes
    where may_be_lead = 1 or may_be_mql = 1

),

first_evaluations as (

    select contact_id, evaluated_at
    from candidate_ranks
    where lead_rank <= {{ first_candidates }} or mql_rank <= {{ first_candidates }}

),

{{ lead_score_breakdown('first_evaluations', 'first') }},

{{ stage_crossings('first', 'lead_rank <= ' ~ first_candidates, 'mql_rank <= ' ~ first_candidates) }},

rest_evaluations as (

    -- only for a stage the first candidates did not reach
    select candidate_ranks.contact_id, candidate_ranks.evaluated_at
    from candidate_ranks
    left join first_crossings
        on candidate_ranks.contact_id = first_crossings.contact_id
    where (candidate_ranks.lead_rank > {{ first_candidates }} and first_crossings.lead_at is null)
        or (candidate_ranks.mql_rank > {{ first_candidates }} and first_crossings.mql_at is null)

),

{{ lead_score_breakdown('rest_evaluations', 'rest') }},

{{ stage_crossings('rest', 'lead_rank > ' ~ first_candidates, 'mql_rank > ' ~ first_candidates) }},

rule_disqualifications as (

    -- a disqualifying observation counts from when it was observed, unless another of its attribute
    -- replaced it at the same moment (the score counts one observation per attribute at a time)
    select
        score_fit_sequenced.contact_id,
        min(score_fit_sequenced.observed_at) as disqualified_by_rule_at

    from score_fit_sequenced
    inner join score_fit_rules
        on score_fit_sequenced.attribute = score_fit_rules.attribute
        and score_fit_sequenced.attribute_value like lower(score_fit_rules.value_like)
    cross join scoring_time
    where score_fit_rules.disqualifies
        and score_fit_sequenced.observed_at <= scoring_time.evaluated_at
        and (
            score_fit_sequenced.superseded_at is null
            or score_fit_sequenced.superseded_at > score_fit_sequenced.observed_at
        )
    group by score_fit_sequenced.contact_id

),

score_stage_entries as (

    select
        contacts.contact_id,
        coalesce(first_crossings.lead_at, rest_crossings.lead_at) as lead_at,
        coalesce(first_crossings.mql_at, rest_crossings.mql_at) as mql_at,
        rule_disqualifications.disqualified_by_rule_at

    from contacts
    left join first_crossings
        on contacts.contact_id = first_crossings.contact_id
    left join rest_crossings
        on contacts.contact_id = rest_crossings.contact_id
    left join rule_disqualifications
        on contacts.contact_id = rule_disqualifications.contact_id

),

{{ stage_history_entries() }}

select * from final
