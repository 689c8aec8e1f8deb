{#-
    The import CTEs of int_lead_stage_entries and of lead_stage_history's exhaustive form
    (analyses/lead_stage_history_exhaustive.sql) and evaluation_candidates: every moment a contact's score
    could rise (each scoring event with positive points and fit observation, and the scoring time), not yet
    limited to the scoring time. With `scope` (a relation with contact_id): only the contacts in it.
-#}
{% macro stage_history_sources(scope=none) %}
    {%- set in_scope = 'contact_id in (select contact_id from ' ~ scope ~ ')' if scope is not none else '1 = 1' %}
    contacts as (

        select * from {{ ref('dim_contacts') }}
        where {{ in_scope }}

    ),

    score_events as (

        select * from {{ ref('lead_score_events') }}
        where {{ in_scope }}

    ),

    fit_observations as (

        select * from {{ ref('lead_fit_observations') }}
        where {{ in_scope }}

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

    )
{% endmacro %}

{#-
    The tail of lead_stage_history (and of its exhaustive form, analyses/lead_stage_history_exhaustive.sql):
    CTEs crm_entries .. final, the first time each contact entered each stage. Expects CTEs contacts,
    stages, scoring_time and score_stage_entries (contact_id, lead_at, mql_at, disqualified_by_rule_at) before
    it; the caller ends with `select * from final`.
-#}
{% macro stage_history_entries() %}
    crm_outcomes as (

        select * from {{ ref('fct_crm_outcomes') }}

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
{% endmacro %}
