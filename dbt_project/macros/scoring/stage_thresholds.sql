{#- Gives one row with the score minimums of the score-driven stages, from scoring_lifecycle_stages
    (`stages`: the seed's CTE): <stage>_min_total, <stage>_min_fit, <stage>_min_engagement for lead and mql;
    meets_stage_thresholds() reads it. -#}
{% macro stage_thresholds_sql(stages) -%}
    select
        {%- for stage in ['lead', 'mql'] %}
        max(case when stage = '{{ stage }}' then min_total_score end) as {{ stage }}_min_total,
        max(case when stage = '{{ stage }}' then min_fit_points end) as {{ stage }}_min_fit,
        max(case when stage = '{{ stage }}' then min_engagement_points end) as {{ stage }}_min_engagement
        {{- ',' if not loop.last }}
        {%- endfor %}

    from {{ stages }}
{%- endmacro %}
