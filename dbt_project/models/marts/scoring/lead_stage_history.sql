{#-
    When each contact first reached each lifecycle stage. Score-driven stages (lead, mql) come from the same
    score definition as lead_scores, evaluated at every moment the score could rise (each scoring event and
    fit observation, and the scoring time); the others from the first record (subscriber) and the CRM
    (sql, opportunity, customer, disqualified) or a disqualifying fit rule.
-#}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

crm_outcomes as (

    select * from {{ ref('fct_crm_outcomes') }}

),

score_events as (

    select * from {{ ref('lead_score_events') }}

),

fit_observations as (

    select * from {{ ref('lead_fit_observations') }}

),

stages as (

    select * from {{ ref('scoring_lifecycle_stages') }}

),

scoring_time as (

    {{ scoring_as_of_sql() }}

),

evaluation_candidates as (

    select score_events.contact_id, score_events.occurred_at as evaluated_at
    from score_events
    where score_events.points > 0
    union
    select fit_observations.contact_id, fit_observations.observed_at as evaluated_at
    from fit_observations
    union
    -- decaying negative points can lift a score without any event: the scoring time catches that
    select contacts.contact_id, scoring_time.evaluated_at
    from contacts
    cross join scoring_time

),

evaluations as (

    select evaluation_candidates.*
    from evaluation_candidates
    cross join scoring_time
    where evaluation_candidates.evaluated_at <= scoring_time.evaluated_at

),

{{ lead_score_breakdown('evaluations') }},

thresholds as (

    {{ stage_thresholds_sql('stages') }}

),

score_over_time as (

    select
        contact_id,
        evaluated_at,
        sum(case when score_kind = 'fit' then points else 0 end) as fit_points,
        sum(case when score_kind = 'engagement' then points else 0 end) as engagement_points,
        sum(points) as total_score,
        max(case when disqualifies then 1 else 0 end) as is_disqualified

    from score_breakdown
    group by
        contact_id,
        evaluated_at

),

score_stage_entries as (

    select
        score_over_time.contact_id,
        min(
            case
                when {{ meets_stage_thresholds('score_over_time', 'thresholds', 'lead') }}
                    then score_over_time.evaluated_at
            end
        ) as lead_at,
        min(
            case
                when {{ meets_stage_thresholds('score_over_time', 'thresholds', 'mql') }}
                    and score_over_time.is_disqualified = 0
                    then score_over_time.evaluated_at
            end
        ) as mql_at,
        min(case when score_over_time.is_disqualified = 1 then score_over_time.evaluated_at end)
            as disqualified_by_rule_at

    from score_over_time
    cross join thresholds
    group by score_over_time.contact_id

),

crm_entries as (

    -- a person can have several CRM leads: each stage dates from the first lead that reached it
    select
        crm_outcomes.contact_id,
        min(crm_outcomes.lead_created_at) as sql_at,
        min(
            case
                when crm_outcomes.has_opportunity
                    then coalesce(crm_outcomes.opportunity_created_at, crm_outcomes.lead_created_at)
            end
        ) as opportunity_at,
        min(
            case
                when crm_outcomes.is_won
                    then coalesce(crm_outcomes.closed_at, crm_outcomes.opportunity_created_at, crm_outcomes.lead_created_at)
            end
        ) as customer_at,
        min(
            case
                when crm_outcomes.status = 'disqualified'
                    then coalesce(crm_outcomes.closed_at, crm_outcomes.lead_created_at)
            end
        ) as disqualified_by_sales_at

    from crm_outcomes
    group by crm_outcomes.contact_id

),

entries as (

    select contact_id, 'subscriber' as stage, first_seen_at as entered_at, 'first record' as entered_by
    from contacts
    union all
    select contact_id, 'lead', lead_at, 'engagement score' from score_stage_entries
    union all
    -- no score-driven qualification for who refused automated decisions (PIPL art. 24)
    select score_stage_entries.contact_id, 'mql', score_stage_entries.mql_at, 'lead score'
    from score_stage_entries
    inner join contacts
        on score_stage_entries.contact_id = contacts.contact_id
    where not {{ refused_automated_decisions('contacts') }}
    union all
    select contact_id, 'sql', sql_at, 'crm lead' from crm_entries
    union all
    select contact_id, 'opportunity', opportunity_at, 'crm opportunity' from crm_entries
    union all
    select contact_id, 'customer', customer_at, 'crm deal won' from crm_entries
    union all
    select contact_id, 'disqualified', disqualified_by_sales_at, 'crm disqualified' from crm_entries
    union all
    select contact_id, 'disqualified', disqualified_by_rule_at, 'disqualifying fit rule' from score_stage_entries

),

first_entries as (

    select
        entries.*,
        row_number() over (
            partition by entries.contact_id, entries.stage
            order by entries.entered_at, entries.entered_by
        ) as entry_rank

    from entries
    cross join scoring_time
    where entries.entered_at is not null
        and entries.entered_at <= scoring_time.evaluated_at

),

final as (

    select
        {{ dbt.concat(['first_entries.contact_id', "':'", 'first_entries.stage']) }} as stage_entry_id,
        first_entries.contact_id,
        first_entries.stage,
        stages.stage_order,
        first_entries.entered_at,
        first_entries.entered_by

    from first_entries
    inner join stages
        on first_entries.stage = stages.stage
    where first_entries.entry_rank = 1

)

select * from final
