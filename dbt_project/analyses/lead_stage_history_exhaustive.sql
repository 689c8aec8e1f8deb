{#-
    lead_stage_history the slow, obvious way: the score evaluated at every candidate time of every contact.
    Not part of any build (quadratic in a busy contact's history); tests compare the model with it
    (tests/platform/test_stage_history_pruning.py). Otherwise the model's definition:
    when each contact first reached each lifecycle stage. Score-driven stages (lead, mql) come from the same
    score definition as lead_scores, evaluated at every moment the score could rise (each scoring event and
    fit observation, and the scoring time); the others from the first record (subscriber) and the CRM
    (sql, opportunity, customer, disqualified) or a disqualifying fit rule.
-#}

with

{{ stage_history_sources() }},

evaluations as (

    select evaluation_candidates.*
    from evaluation_candidates
    cross join scoring_time
    where evaluation_candidates.evaluated_at <= scoring_time.evaluated_at

),

{{ lead_score_inputs() }},

{{ lead_score_breakdown('evaluations') }},

thresholds as (

    {{ stage_thresholds_sql('stages') }}

),

{{ score_over_time('score_over_time', 'score_breakdown') }},

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

{{ stage_history_entries() }}

select * from final
