{#-
    CTEs `<prefix>_score_over_time` (fit, engagement and total points and the disqualification of each contact
    at each evaluated time, from `<prefix>_breakdown` of lead_score_breakdown) and `<prefix>_crossings` (per
    contact, the first of those times that met the lead and the mql minimums). A time counts for a stage only
    where its condition on candidate_ranks holds (lead_rank, mql_rank): lead_stage_history evaluates its
    candidates in two tiers and each tier answers only for its own candidates.
-#}
{% macro stage_crossings(prefix, lead_condition, mql_condition) %}

{{ score_over_time(prefix ~ '_score_over_time', prefix ~ '_breakdown') }},

{{ prefix }}_crossings as (

    select
        {{ prefix }}_score_over_time.contact_id,
        min(
            case
                when candidate_ranks.{{ lead_condition }}
                    and {{ meets_stage_thresholds(prefix ~ '_score_over_time', 'thresholds', 'lead') }}
                    then {{ prefix }}_score_over_time.evaluated_at
            end
        ) as lead_at,
        min(
            case
                when candidate_ranks.{{ mql_condition }}
                    and {{ meets_stage_thresholds(prefix ~ '_score_over_time', 'thresholds', 'mql') }}
                    and {{ prefix }}_score_over_time.is_disqualified = 0
                    then {{ prefix }}_score_over_time.evaluated_at
            end
        ) as mql_at

    from {{ prefix }}_score_over_time
    inner join candidate_ranks
        on {{ prefix }}_score_over_time.contact_id = candidate_ranks.contact_id
        and {{ prefix }}_score_over_time.evaluated_at = candidate_ranks.evaluated_at
    cross join thresholds
    group by {{ prefix }}_score_over_time.contact_id

)

{% endmacro %}

{#- CTE `name`: fit, engagement and total points and the disqualification of each contact at each evaluated
    time, from `breakdown` (a lead_score_breakdown's final CTE). -#}
{% macro score_over_time(name, breakdown) %}
{{ name }} as (

    select
        contact_id,
        evaluated_at,
        sum(case when score_kind = 'fit' then points else 0 end) as fit_points,
        sum(case when score_kind = 'engagement' then points else 0 end) as engagement_points,
        sum(points) as total_score,
        max(case when disqualifies then 1 else 0 end) as is_disqualified

    from {{ breakdown }}
    group by
        contact_id,
        evaluated_at

)
{% endmacro %}
