{#-
    The score now, broken down by rule (macro lead_score_breakdown). At the newest data's time (var
    scoring_as_of not set) it decays the per-contact sums of int_lead_engagement_totals and matches
    int_lead_fit_current, which a daily build keeps current for the changed contacts only; with the var set it
    evaluates every event and observation up to that time.
-#}
{%- set current = var('scoring_as_of', none) is none %}

-- depends_on: {{ ref('int_lead_engagement_totals') }}, {{ ref('int_lead_fit_current') }}
-- depends_on: {{ ref('lead_score_events') }}, {{ ref('lead_fit_observations') }}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

scoring_time as (

    {{ scoring_as_of_sql() }}

),

evaluations as (

    select
        contacts.contact_id,
        scoring_time.evaluated_at

    from contacts
    cross join scoring_time

),

{{ lead_score_inputs(events=not current) }},

{{ lead_score_breakdown('evaluations', current=current) }},

final as (

    select
        {{ dbt.concat(['contact_id', "':'", 'rule_id']) }} as score_point_id,
        contact_id,
        score_kind,
        group_id,
        rule_id,
        description,
        n_events,
        n_counted,
        points_before_cap,
        points,
        disqualifies,
        last_event_at,
        evaluated_at as scored_as_of

    from score_breakdown

)

select * from final
