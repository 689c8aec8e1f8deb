{#-
    The contacts whose score-driven stage entries (int_lead_stage_entries) this build evaluates again:

      changed             a record of the contact was resolved again (int_records_scope: new, or its identity
                          changed), so its scoring events or fit observations may have changed;
      scored_at_last_run  it reached lead or mql at the last run's scoring time: that moment is no candidate
                          any more unless one of its events falls on it;
      reaching_now        its score now (lead_score_points, at this run's scoring time) meets the minimums of a
                          stage it had not reached: the scoring time is its one new candidate;
      everything          on a full refresh, the first build, Spark, with var scoring_as_of set, when the
                          scoring time went back (an erasure removed the newest data), and when the score
                          definition changed (lead_scoring_version(): a rule, threshold or scoring macro).

    Why the others keep their rows: a contact outside `changed` has the same events and observations as at
    the last run, all of them at or before the last scoring time (the newest data then). Its candidates are the
    same times plus the scoring time, which moved forward; the score at a time depends on what happened up to
    that time only. So every candidate before the last scoring time gives the same score as before and the
    first one to meet a stage's minimums is unchanged; what can change is a stage first met at the last
    scoring time (scored_at_last_run) or one met only at the new scoring time (reaching_now).

    Reads int_lead_stage_entries as the last run left it, by name rather than ref(): it is built after this.
-#}
{%- set previous_entries = none -%}
{%- if execute -%}
    {%- set previous_entries = adapter.get_relation(this.database, this.schema, 'int_lead_stage_entries') -%}
{%- endif -%}
{%- set everything = flags.FULL_REFRESH or target.type == 'spark' or previous_entries is none
    or var('scoring_as_of', none) -%}

-- depends_on: {{ ref('int_records_resolved') }}, {{ ref('int_records_scope') }}, {{ ref('lead_score_points') }}
-- depends_on: {{ ref('scoring_lifecycle_stages') }}, {{ ref('fct_behaviors') }}, {{ ref('lead_fit_observations') }}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

{% if everything %}
final as (

    select contact_id, 'everything' as reason from contacts

)
{% else %}
previous_entries as (

    select * from {{ previous_entries }}

),

score_points as (

    select * from {{ ref('lead_score_points') }}

),

stages as (

    select * from {{ ref('scoring_lifecycle_stages') }}

),

scoring_time as (

    {{ scoring_as_of_sql() }}

),

thresholds as (

    {{ stage_thresholds_sql('stages') }}

),

last_run as (

    select
        max(scored_as_of) as scored_as_of,
        min(scoring_version) as min_version,
        max(scoring_version) as max_version,
        count(*) as n_entries

    from previous_entries

),

rerun as (

    -- everything when the last run cannot be told apart (no entries), the scoring time went back, or the
    -- score definition changed
    select
        case
            when last_run.n_entries = 0
                or last_run.scored_as_of > scoring_time.evaluated_at
                or last_run.min_version <> '{{ lead_scoring_version() }}'
                or last_run.max_version <> '{{ lead_scoring_version() }}'
                then 1
            else 0
        end as everything

    from last_run
    cross join scoring_time

),

changed as (

    select distinct contact_id
    from {{ ref('int_records_resolved') }}
    where record_id in (select record_id from {{ ref('int_records_scope') }})

),

scored_at_last_run as (

    select previous_entries.contact_id
    from previous_entries
    cross join last_run
    where previous_entries.lead_at = last_run.scored_as_of
        or previous_entries.mql_at = last_run.scored_as_of

),

scores_now as (

    select
        contact_id,
        sum(case when score_kind = 'fit' then points else 0 end) as fit_points,
        sum(case when score_kind = 'engagement' then points else 0 end) as engagement_points,
        sum(points) as total_score,
        max(case when disqualifies then 1 else 0 end) as is_disqualified

    from score_points
    group by contact_id

),

contact_scores_now as (

    -- a contact without score points scores 0 (a stage without minimums is met by everyone)
    select
        contacts.contact_id,
        coalesce(scores_now.fit_points, 0) as fit_points,
        coalesce(scores_now.engagement_points, 0) as engagement_points,
        coalesce(scores_now.total_score, 0) as total_score,
        coalesce(scores_now.is_disqualified, 0) as is_disqualified

    from contacts
    left join scores_now
        on contacts.contact_id = scores_now.contact_id

),

reaching_now as (

    select contact_scores_now.contact_id
    from contact_scores_now
    left join previous_entries
        on contact_scores_now.contact_id = previous_entries.contact_id
    cross join thresholds
    where (
            previous_entries.lead_at is null
            and {{ meets_stage_thresholds('contact_scores_now', 'thresholds', 'lead') }}
        )
        or (
            previous_entries.mql_at is null
            and contact_scores_now.is_disqualified = 0
            and {{ meets_stage_thresholds('contact_scores_now', 'thresholds', 'mql') }}
        )

),

reasons as (

    select contact_id, 'changed' as reason from changed
    union all
    select contact_id, 'scored_at_last_run' from scored_at_last_run
    union all
    select contact_id, 'reaching_now' from reaching_now

),

final as (

    select contacts.contact_id, 'everything' as reason
    from contacts
    cross join rerun
    where rerun.everything = 1
    union all
    select reasons.contact_id, min(reasons.reason) as reason
    from reasons
    cross join rerun
    where rerun.everything = 0
    group by reasons.contact_id

)
{% endif %}

select * from final
