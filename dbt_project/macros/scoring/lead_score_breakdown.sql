{#-
    The lead score of contacts at points in time, broken down by rule: the one definition of the score, used
    for the score now (lead_score_points) and for when each contact first crossed a lifecycle threshold
    (lead_stage_history).

    Two macros emit CTEs for the model's `with` list. lead_score_inputs(scope, events), once per model: the
    rules and, unless events=false, the events and observations (of the contacts in `scope`, a relation with
    contact_id, when given) and when each stops counting. lead_score_breakdown(evaluations, prefix, current),
    once per set of evaluations: `evaluations` names a CTE or relation with (contact_id, evaluated_at); its
    CTEs are named `<prefix>_...` so a model can evaluate twice; the last, `<prefix>_breakdown`, has one row
    per (contact, evaluated_at, rule) with nonzero points, plus one 'cap:<group>' row per group whose cap
    applied, so the rows of a contact and time always add up to its total. With current=true, evaluated_at
    must be the newest data's time (scoring_as_of_sql() without the var): the engagement sums and the latest
    fit observations are read from int_lead_engagement_totals and int_lead_fit_current, kept per contact,
    instead of from every event (the inputs then need events=false):

    1. engagement: behaviour events up to evaluated_at (lead_score_events), each worth
       points * 2^(-age in days / group half-life); a one-time rule counts only the latest of the events that
       share its occurrence key; a rule's sum is capped by its max_points (a floor for negative rules);
    2. fit: the latest observation of each attribute up to evaluated_at (lead_fit_observations), matched to
       the fit rules with LIKE; no decay;
    3. groups: the rule rows of a group are capped by the group's max_points and min_points.
    Points are rounded to 2 decimals per rule before the caps, so sums are exact.
-#}
{% macro lead_score_inputs(scope=none, events=true) %}

score_behaviour_rules as (

    select * from {{ ref('scoring_behavior_points') }}

),

score_fit_rules as (

    select * from {{ ref('scoring_fit_points') }}

),

score_groups_config as (

    select * from {{ ref('scoring_groups') }}

){% if events %},

score_rule_events as {{ cte_inlined() if scope is none }} (

    select * from {{ ref('lead_score_events') }}
    {%- if scope is not none %}
    where contact_id in (select contact_id from {{ scope }})
    {%- endif %}

),

score_fit_observations as {{ cte_inlined() if scope is none }} (

    select * from {{ ref('lead_fit_observations') }}
    {%- if scope is not none %}
    where contact_id in (select contact_id from {{ scope }})
    {%- endif %}

),

score_rule_events_sequenced as (

    {{ rule_events_superseded('score_rule_events', 'score_rule_events.*') }}

),

score_fit_sequenced as (

    -- the latest observation of an attribute holds from when it was observed until the next one was
    select
        score_fit_observations.*,
        lead(score_fit_observations.observed_at) over (
            partition by score_fit_observations.contact_id, score_fit_observations.attribute
            order by
                score_fit_observations.observed_at,
                score_fit_observations.record_id,
                score_fit_observations.attribute_value
        ) as superseded_at

    from score_fit_observations

)

{% endif %}

{% endmacro %}

{% macro lead_score_breakdown(evaluations, prefix='score', current=false) %}

{% if current %}
{{ prefix }}_engagement_rules as (

    -- the sums at each rule's latest event, decayed on to the scoring time
    select
        evaluations.contact_id,
        evaluations.evaluated_at,
        totals.rule_id,
        totals.n_events,
        totals.n_counted,
        round(
            cast(
                totals.points_at_last_event * {{ half_life_decay(
                    days_between('totals.last_event_at', 'evaluations.evaluated_at'), 'totals.half_life_days'
                ) }}
                as decimal(18, 6)
            ),
            2
        ) as points_before_cap,
        totals.last_event_at

    from {{ evaluations }} as evaluations
    inner join {{ ref('int_lead_engagement_totals') }} as totals
        on evaluations.contact_id = totals.contact_id

),
{% else %}
{{ prefix }}_events_in_window as (

    select
        evaluations.contact_id,
        evaluations.evaluated_at,
        score_rule_events_sequenced.rule_id,
        score_rule_events_sequenced.occurred_at,
        score_rule_events_sequenced.points,
        case
            when score_rule_events_sequenced.superseded_at is null
                or score_rule_events_sequenced.superseded_at > evaluations.evaluated_at
                then 1
            else 0
        end as is_counted,
        {{ half_life_decay(
            days_between('score_rule_events_sequenced.occurred_at', 'evaluations.evaluated_at'),
            'score_rule_events_sequenced.half_life_days'
        ) }} as decay_weight

    from {{ evaluations }} as evaluations
    inner join score_rule_events_sequenced
        on evaluations.contact_id = score_rule_events_sequenced.contact_id
        and score_rule_events_sequenced.occurred_at <= evaluations.evaluated_at

),

{{ prefix }}_engagement_rules as (

    select
        contact_id,
        evaluated_at,
        rule_id,
        count(*) as n_events,
        sum(is_counted) as n_counted,
        round(
            cast(sum(case when is_counted = 1 then points * decay_weight else 0 end) as decimal(18, 6)), 2
        ) as points_before_cap,
        max(occurred_at) as last_event_at

    from {{ prefix }}_events_in_window
    group by
        contact_id,
        evaluated_at,
        rule_id

),
{% endif %}

{{ prefix }}_engagement_points as (

    select
        {{ prefix }}_engagement_rules.contact_id,
        {{ prefix }}_engagement_rules.evaluated_at,
        'engagement' as score_kind,
        score_behaviour_rules.group_id,
        {{ prefix }}_engagement_rules.rule_id,
        score_behaviour_rules.description,
        {{ prefix }}_engagement_rules.n_events,
        {{ prefix }}_engagement_rules.n_counted,
        {{ prefix }}_engagement_rules.points_before_cap,
        -- a rule's cap bounds it in the direction of its points: a ceiling when positive, a floor when negative
        case
            when score_behaviour_rules.max_points is null then {{ prefix }}_engagement_rules.points_before_cap
            when score_behaviour_rules.points >= 0
                then least({{ prefix }}_engagement_rules.points_before_cap, score_behaviour_rules.max_points)
            else greatest({{ prefix }}_engagement_rules.points_before_cap, score_behaviour_rules.max_points)
        end as points,
        {{ prefix }}_engagement_rules.last_event_at,
        false as disqualifies

    from {{ prefix }}_engagement_rules
    inner join score_behaviour_rules
        on {{ prefix }}_engagement_rules.rule_id = score_behaviour_rules.rule_id

),

{{ prefix }}_fit_current as (

    {% if current %}
    select
        evaluations.contact_id,
        evaluations.evaluated_at,
        fit_current.attribute,
        fit_current.attribute_value,
        fit_current.observed_at

    from {{ evaluations }} as evaluations
    inner join {{ ref('int_lead_fit_current') }} as fit_current
        on evaluations.contact_id = fit_current.contact_id
    {% else %}
    select
        evaluations.contact_id,
        evaluations.evaluated_at,
        score_fit_sequenced.attribute,
        score_fit_sequenced.attribute_value,
        score_fit_sequenced.observed_at

    from {{ evaluations }} as evaluations
    inner join score_fit_sequenced
        on evaluations.contact_id = score_fit_sequenced.contact_id
        and score_fit_sequenced.observed_at <= evaluations.evaluated_at
        and (
            score_fit_sequenced.superseded_at is null
            or score_fit_sequenced.superseded_at > evaluations.evaluated_at
        )
    {% endif %}

),

{{ prefix }}_fit_points as (

    select
        {{ prefix }}_fit_current.contact_id,
        {{ prefix }}_fit_current.evaluated_at,
        'fit' as score_kind,
        score_fit_rules.group_id,
        score_fit_rules.rule_id,
        score_fit_rules.description,
        cast(null as {{ dbt.type_bigint() }}) as n_events,
        cast(null as {{ dbt.type_bigint() }}) as n_counted,
        cast(score_fit_rules.points as {{ type_double() }}) as points_before_cap,
        cast(score_fit_rules.points as {{ type_double() }}) as points,
        {{ prefix }}_fit_current.observed_at as last_event_at,
        score_fit_rules.disqualifies

    from {{ prefix }}_fit_current
    inner join score_fit_rules
        on {{ prefix }}_fit_current.attribute = score_fit_rules.attribute
        and {{ prefix }}_fit_current.attribute_value like lower(score_fit_rules.value_like)

),

{{ prefix }}_rule_points as (

    {% for part in [prefix ~ '_engagement_points', prefix ~ '_fit_points'] %}
    select
        contact_id,
        evaluated_at,
        score_kind,
        group_id,
        rule_id,
        description,
        n_events,
        n_counted,
        cast(points_before_cap as {{ score_points_type() }}) as points_before_cap,
        cast(points as {{ score_points_type() }}) as points,
        last_event_at,
        disqualifies

    from {{ part }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

{{ prefix }}_group_totals as (

    select
        {{ prefix }}_rule_points.contact_id,
        {{ prefix }}_rule_points.evaluated_at,
        {{ prefix }}_rule_points.score_kind,
        {{ prefix }}_rule_points.group_id,
        score_groups_config.description as group_description,
        score_groups_config.max_points,
        score_groups_config.min_points,
        sum({{ prefix }}_rule_points.points) as group_points,
        max({{ prefix }}_rule_points.last_event_at) as last_event_at

    from {{ prefix }}_rule_points
    inner join score_groups_config
        on {{ prefix }}_rule_points.group_id = score_groups_config.group_id
    group by
        {{ prefix }}_rule_points.contact_id,
        {{ prefix }}_rule_points.evaluated_at,
        {{ prefix }}_rule_points.score_kind,
        {{ prefix }}_rule_points.group_id,
        score_groups_config.description,
        score_groups_config.max_points,
        score_groups_config.min_points

),

{{ prefix }}_group_caps as (

    select
        contact_id,
        evaluated_at,
        score_kind,
        group_id,
        {{ dbt.concat(["'cap:'", 'group_id']) }} as rule_id,
        {{ dbt.concat(["'cap on '", 'group_description']) }} as description,
        cast(null as {{ dbt.type_bigint() }}) as n_events,
        cast(null as {{ dbt.type_bigint() }}) as n_counted,
        cast(null as {{ score_points_type() }}) as points_before_cap,
        cast(
            case
                when max_points is not null and group_points > max_points then max_points - group_points
                when min_points is not null and group_points < min_points then min_points - group_points
                else 0
            end
            as {{ score_points_type() }}
        ) as points,
        last_event_at,
        false as disqualifies

    from {{ prefix }}_group_totals

),

{{ prefix }}_breakdown as (

    select * from {{ prefix }}_rule_points
    where points <> 0 or disqualifies
    union all
    select * from {{ prefix }}_group_caps
    where points <> 0

)

{% endmacro %}

{#- The exact decimal type of score points (sums of them stay exact on every engine). -#}
{% macro score_points_type() -%}
    decimal(12, 2)
{%- endmacro %}

{#- The events of the CTE `events` (lead_score_events' rows; `columns` of them) with superseded_at: a one-time
    rule counts the latest of the events sharing its occurrence key, so an event counts at a time from when it
    occurred until the next event of its key occurred (ties ordered by event_id). A repeatable rule's key is the
    event itself, which nothing supersedes: its events (half of them at SF10) need no window. -#}
{% macro rule_events_superseded(events, columns) %}
    select
        {{ columns }},
        cast(null as {{ dbt.type_timestamp() }}) as superseded_at

    from {{ events }}
    where {{ events }}.frequency = 'repeatable'

    union all

    select
        {{ columns }},
        lead({{ events }}.occurred_at) over (
            partition by {{ events }}.contact_id, {{ events }}.rule_id, {{ events }}.occurrence_key
            order by {{ events }}.occurred_at, {{ events }}.event_id
        ) as superseded_at

    from {{ events }}
    where {{ events }}.frequency is null or {{ events }}.frequency <> 'repeatable'
{%- endmacro %}
