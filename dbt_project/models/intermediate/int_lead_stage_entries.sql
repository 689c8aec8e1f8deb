{#-
    When each contact's score first met the lead and the mql minimums, and when a disqualifying fit rule first
    applied: the score-driven part of lead_stage_history, one row per contact that reached any of them. The
    score is the one definition of lead_scores, evaluated at every moment it could rise (each scoring event
    and fit observation, and the scoring time).

    Evaluating the score at every candidate time costs (candidate times x events) per contact, quadratic in a
    busy contact's history. So each candidate first gets a cheap upper bound of its score (running sums
    under caps, and running sums decaying at the slowest half-life); a time whose bound misses a stage's
    minimums cannot reach the stage. The times left are ranked per contact and stage and evaluated in tiers
    of rank (var lead_stage_candidate_tiers, [1, 4, 16]: ranks 1, 2-4, 5-16, the rest); a tier evaluates a
    time only for a stage no earlier tier reached. The first time found is the same as evaluating every
    candidate (analyses/lead_stage_history_exhaustive.sql; docs/scoring.md).

    Incremental on DuckDB and PostgreSQL: a daily run evaluates only the contacts of int_lead_stage_scope
    (whose events or observations changed, and the few whose entries depend on the scoring time) and keeps
    the others' rows, which a full rebuild would compute the same (the proof is in int_lead_stage_scope).
    scored_as_of and scoring_version say which scoring time and which score definition the rows hold.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_lead_stage_scope() }}",
    post_hook="{{ restamp_lead_stage_entries() }}",
) }}
{%- set scope = ref('int_lead_stage_scope') if is_incremental() else none %}

-- depends_on: {{ ref('int_lead_stage_scope') }}

with

{{ stage_history_sources(scope) }},

candidates as (

    select evaluation_candidates.*
    from evaluation_candidates
    cross join scoring_time
    where evaluation_candidates.evaluated_at <= scoring_time.evaluated_at

),

thresholds as (

    {{ stage_thresholds_sql('stages') }}

),

{{ lead_score_inputs(scope) }},

{#- Upper bounds of the score at each candidate time. Engagement: the lesser of (a) a rule's positive points so
    far under its cap, a group's under its cap, no decay, and (b) every positive point decaying at the slowest
    half-life of any, no caps. Fit counts every positive rule an observation up to then matched. Negative
    points only lower a score; group floors above zero and caps of negative rules above zero (neither makes
    sense, the slack keeps the bound true anyway) are added in full. A capped running total grows by
    least(cap, total) - least(cap, total - step) at each step: one window per level, no lag. -#}
decay_horizon as (

    -- the slowest half-life of any positive points (null when some never decay): decaying every point that
    -- slowly over-counts none of them
    select
        case
            when count(*) = count(score_rule_events.half_life_days) then max(score_rule_events.half_life_days)
        end as half_life_days

    from score_rule_events
    where score_rule_events.points > 0

),

positive_rule_events as (

    select
        score_rule_events.contact_id,
        score_rule_events.occurred_at,
        score_rule_events.event_id,
        score_rule_events.rule_id,
        score_behaviour_rules.group_id,
        score_rule_events.points,
        score_behaviour_rules.max_points as rule_cap,
        {{ running_sum(
            'score_rule_events.points',
            'score_rule_events.contact_id, score_rule_events.rule_id',
            'score_rule_events.occurred_at, score_rule_events.event_id'
        ) }} as rule_total

    from score_rule_events
    inner join score_behaviour_rules
        on score_rule_events.rule_id = score_behaviour_rules.rule_id
    where score_rule_events.points > 0

),

rule_bound_steps as (

    select
        positive_rule_events.*,
        case
            when rule_cap is null then points
            else least(rule_cap, rule_total) - least(rule_cap, rule_total - points)
        end as rule_step

    from positive_rule_events

),

group_totals as (

    select
        rule_bound_steps.contact_id,
        rule_bound_steps.occurred_at,
        rule_bound_steps.points,
        rule_bound_steps.rule_step,
        score_groups_config.max_points as group_cap,
        {{ running_sum(
            'rule_bound_steps.rule_step',
            'rule_bound_steps.contact_id, rule_bound_steps.group_id',
            'rule_bound_steps.occurred_at, rule_bound_steps.event_id, rule_bound_steps.rule_id'
        ) }} as group_total

    from rule_bound_steps
    inner join score_groups_config
        on rule_bound_steps.group_id = score_groups_config.group_id

),

engagement_bound_steps as (

    -- decayed_step: the point as it weighs at the scoring time, decaying at the horizon's half-life (the bound
    -- at a time t is the running sum times 2^((scoring time - t) / half-life)); the exponent is held above
    -- -700, a heavier weight keeps the bound true and exp would underflow on some engines
    select
        group_totals.contact_id,
        group_totals.occurred_at,
        case
            when group_totals.group_cap is null then group_totals.rule_step
            else least(group_totals.group_cap, group_totals.group_total)
                - least(group_totals.group_cap, group_totals.group_total - group_totals.rule_step)
        end as bound_step,
        case
            when decay_horizon.half_life_days is not null
                and group_totals.occurred_at <= scoring_time.evaluated_at
                then group_totals.points * exp(
                    greatest(
                        -700.0,
                        -0.6931471805599453
                        * {{ days_between('group_totals.occurred_at', 'scoring_time.evaluated_at') }}
                        / decay_horizon.half_life_days
                    )
                )
            else 0
        end as decayed_step

    from group_totals
    cross join scoring_time
    cross join decay_horizon

),

fit_rule_matches as (

    -- fit at a time counts only observations up to then: each positive rule from the first observation it matched
    select
        score_fit_observations.contact_id,
        score_fit_rules.group_id,
        score_fit_rules.rule_id,
        score_fit_rules.points,
        min(score_fit_observations.observed_at) as matched_at

    from score_fit_observations
    inner join score_fit_rules
        on score_fit_observations.attribute = score_fit_rules.attribute
        and score_fit_observations.attribute_value like lower(score_fit_rules.value_like)
    where score_fit_rules.points > 0
    group by
        score_fit_observations.contact_id,
        score_fit_rules.group_id,
        score_fit_rules.rule_id,
        score_fit_rules.points

),

fit_group_totals as (

    select
        fit_rule_matches.contact_id,
        fit_rule_matches.matched_at,
        fit_rule_matches.points,
        score_groups_config.max_points as group_cap,
        {{ running_sum(
            'fit_rule_matches.points',
            'fit_rule_matches.contact_id, fit_rule_matches.group_id',
            'fit_rule_matches.matched_at, fit_rule_matches.rule_id'
        ) }} as group_total

    from fit_rule_matches
    inner join score_groups_config
        on fit_rule_matches.group_id = score_groups_config.group_id

),

fit_bound_steps as (

    select
        contact_id,
        matched_at,
        case
            when group_cap is null then points
            else least(group_cap, group_total) - least(group_cap, group_total - points)
        end as bound_step

    from fit_group_totals

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

    select
        contact_id, occurred_at as at_time, 0 as is_candidate,
        bound_step as engagement_step, decayed_step, 0 as fit_step
    from engagement_bound_steps
    union all
    select contact_id, matched_at, 0, 0, 0, bound_step
    from fit_bound_steps
    union all
    select contact_id, evaluated_at, 1, 0, 0, 0
    from candidates

),

timeline_moments as (

    -- one row per contact and moment, its steps added up: a candidate's bound counts the events of its own
    -- moment, and the running sums below sort about half the rows (nearly every step falls on a candidate)
    select
        contact_id,
        at_time,
        max(is_candidate) as is_candidate,
        sum(engagement_step) as engagement_step,
        sum(decayed_step) as decayed_step,
        sum(fit_step) as fit_step

    from bound_timeline
    group by contact_id, at_time

),

timeline_bounds as (

    select
        contact_id,
        at_time,
        is_candidate,
        {{ running_sum('engagement_step', 'contact_id', 'at_time') }} as engagement_bound,
        {{ running_sum('decayed_step', 'contact_id', 'at_time') }} as decayed_sum,
        {{ running_sum('fit_step', 'contact_id', 'at_time') }} as fit_bound

    from timeline_moments

),

candidate_growth as (

    -- how much the decayed points grow back from the scoring time to the candidate's time (exponent above 700:
    -- no decayed bound, the undecayed one stands)
    select
        timeline_bounds.*,
        0.6931471805599453
        * {{ days_between('timeline_bounds.at_time', 'scoring_time.evaluated_at') }}
        / decay_horizon.half_life_days as growth_exponent

    from timeline_bounds
    cross join scoring_time
    cross join decay_horizon
    where timeline_bounds.is_candidate = 1

),

candidate_engagement as (

    -- the lesser of the two bounds; the decayed one gets 1 point for rounding (the score rounds each rule to
    -- cents) and a millionth for floating point
    select
        contact_id,
        at_time,
        fit_bound,
        case
            when growth_exponent is null or growth_exponent > 700 then engagement_bound
            else least(engagement_bound, decayed_sum * exp(growth_exponent) * 1.000001 + 1)
        end as engagement_bound

    from candidate_growth

),

candidate_bounds as (

    select
        candidate_engagement.contact_id,
        candidate_engagement.at_time as evaluated_at,
        candidate_engagement.engagement_bound + bound_slack.engagement_slack as engagement_points,
        candidate_engagement.fit_bound + bound_slack.fit_slack as fit_points,
        candidate_engagement.engagement_bound + bound_slack.engagement_slack
            + candidate_engagement.fit_bound + bound_slack.fit_slack as total_score

    from candidate_engagement
    cross join bound_slack

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

{#- The candidates are evaluated in tiers of rank: (0, t1], (t1, t2], ..., (tn, end). A tier evaluates a
    candidate only for a stage no earlier tier reached, so most contacts stop at their first candidate.
    Spark inlines every common table expression where it is used, and each tier uses all earlier ones: the
    plan grows about fivefold per tier, and [1, 4, 16] exceeds Spark's analyzer (100 iterations) and a 2 GB
    driver. On Spark the default is one tier: every candidate the bound lets through, the same result. -#}
{%- set tier_ends = var('lead_stage_candidate_tiers', [] if target.type == 'spark' else [1, 4, 16]) | list -%}
{%- set tier_starts = [0] + tier_ends -%}
{%- for start in tier_starts %}
{%- set tier = 'tier' ~ loop.index0 %}
{%- set end = tier_ends[loop.index0] if not loop.last else none %}
{%- set earlier = range(loop.index0) | list %}
{%- set lead_in_tier = 'lead_rank > ' ~ start
    ~ (' and candidate_ranks.lead_rank <= ' ~ end if end is not none else '') %}
{%- set mql_in_tier = 'mql_rank > ' ~ start
    ~ (' and candidate_ranks.mql_rank <= ' ~ end if end is not none else '') %}

{{ tier }}_evaluations as (

    select candidate_ranks.contact_id, candidate_ranks.evaluated_at
    from candidate_ranks
    {%- for i in earlier %}
    left join tier{{ i }}_crossings
        on candidate_ranks.contact_id = tier{{ i }}_crossings.contact_id
    {%- endfor %}
    where (
            candidate_ranks.{{ lead_in_tier }}
            {%- for i in earlier %}
            and tier{{ i }}_crossings.lead_at is null
            {%- endfor %}
        )
        or (
            candidate_ranks.{{ mql_in_tier }}
            {%- for i in earlier %}
            and tier{{ i }}_crossings.mql_at is null
            {%- endfor %}
        )

),

{{ lead_score_breakdown(tier ~ '_evaluations', tier) }},

{{ stage_crossings(tier, lead_in_tier, mql_in_tier) }},
{% endfor %}

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
        {%- for stage in ['lead', 'mql'] %}
        coalesce(
            {%- for start in tier_starts %}
            tier{{ loop.index0 }}_crossings.{{ stage }}_at{{ ',' if not loop.last }}
            {%- endfor %}
        ) as {{ stage }}_at,
        {%- endfor %}
        rule_disqualifications.disqualified_by_rule_at

    from contacts
    {%- for start in tier_starts %}
    left join tier{{ loop.index0 }}_crossings
        on contacts.contact_id = tier{{ loop.index0 }}_crossings.contact_id
    {%- endfor %}
    left join rule_disqualifications
        on contacts.contact_id = rule_disqualifications.contact_id

),

final as (

    select
        score_stage_entries.contact_id,
        score_stage_entries.lead_at,
        score_stage_entries.mql_at,
        score_stage_entries.disqualified_by_rule_at,
        scoring_time.evaluated_at as scored_as_of,
        '{{ lead_scoring_version() }}' as scoring_version

    from score_stage_entries
    cross join scoring_time
    where score_stage_entries.lead_at is not null
        or score_stage_entries.mql_at is not null
        or score_stage_entries.disqualified_by_rule_at is not null

)

select * from final
