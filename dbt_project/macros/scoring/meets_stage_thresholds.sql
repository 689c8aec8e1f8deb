{#- Gives the condition that a score row (`scores`: fit_points, engagement_points, total_score) meets the
    minimums of `stage` in the thresholds row (`thresholds`: <stage>_min_total, _min_fit, _min_engagement).
    An empty minimum in scoring_lifecycle_stages means no requirement. -#}
{% macro meets_stage_thresholds(scores, thresholds, stage) -%}
    ({{ thresholds }}.{{ stage }}_min_total is null or {{ scores }}.total_score >= {{ thresholds }}.{{ stage }}_min_total)
    and ({{ thresholds }}.{{ stage }}_min_fit is null or {{ scores }}.fit_points >= {{ thresholds }}.{{ stage }}_min_fit)
    and (
        {{ thresholds }}.{{ stage }}_min_engagement is null
        or {{ scores }}.engagement_points >= {{ thresholds }}.{{ stage }}_min_engagement
    )
{%- endmacro %}
