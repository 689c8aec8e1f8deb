{{ config(meta={'dagster': {'asset_key': ['marts', 'lead_scores']}}) }}
-- A lead score must be explainable: its point rows (rules and group caps) add up to exactly the total, and
-- to the fit and engagement subtotals, for every contact.
with

scores as (

    select * from {{ ref('lead_scores') }}

),

score_points as (

    select * from {{ ref('lead_score_points') }}

),

point_sums as (

    select
        contact_id,
        sum(points) as total_points,
        sum(case when score_kind = 'fit' then points else 0 end) as fit_points,
        sum(case when score_kind = 'engagement' then points else 0 end) as engagement_points

    from score_points
    group by contact_id

),

final as (

    select
        scores.contact_id,
        scores.total_score,
        coalesce(point_sums.total_points, 0) as summed_points

    from scores
    left join point_sums
        on scores.contact_id = point_sums.contact_id
    where scores.total_score <> coalesce(point_sums.total_points, 0)
        or scores.fit_points <> coalesce(point_sums.fit_points, 0)
        or scores.engagement_points <> coalesce(point_sums.engagement_points, 0)
        or scores.total_score <> scores.fit_points + scores.engagement_points

)

select * from final
