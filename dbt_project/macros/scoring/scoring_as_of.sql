{#- The time lead scores are computed at: var('scoring_as_of') when set (scores as they stood then: nothing
    later counts), else the newest behaviour or attribute observation in the data, so a rebuild of the same
    data gives the same scores and decay does not depend on when the build ran. -#}
{% macro scoring_as_of_sql() -%}
    {%- set as_of = var('scoring_as_of', none) -%}
    {%- if as_of -%}
    select cast('{{ as_of }}' as {{ dbt.type_timestamp() }}) as evaluated_at
    {%- else -%}
    select
        case
            when max_behaviour_at is null then max_observed_at
            when max_observed_at is null then max_behaviour_at
            when max_behaviour_at > max_observed_at then max_behaviour_at
            else max_observed_at
        end as evaluated_at
    from
        (select max(occurred_at) as max_behaviour_at from {{ ref('fct_behaviors') }}) as behaviours
        cross join (select max(observed_at) as max_observed_at from {{ ref('lead_fit_observations') }}) as observations
    {%- endif -%}
{%- endmacro %}
