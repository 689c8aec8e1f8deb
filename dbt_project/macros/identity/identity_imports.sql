{#- Import CTEs of staged sources, one per source named like it: `{{ import_staged_sources(sources) }}`
    (each followed by a comma, so more CTEs follow). Inlined (cte_inlined): a model reading a source once per
    identifier column scans it each time instead of copying it whole first (int_identity_edges at SF10: 6.0 s
    instead of 9.1 before writing). -#}
{% macro import_staged_sources(sources) -%}
{% for source in sources %}
{{ source.name }} as {{ cte_inlined() }} (

    select * from {{ ref(source.model) }}

),
{% endfor %}
{%- endmacro %}

{#- The import CTE `probabilistic_links` (part_key_l, part_key_r, cluster_key, match_probability, evidence):
    the accepted links of the probabilistic tier when it is on (DuckDB), none otherwise. -#}
{% macro import_probabilistic_links() -%}
{% if identity_probabilistic_tier() %}
probabilistic_links as (

    select * from {{ ref('int_identity_probabilistic_links') }}

),
{% else %}
probabilistic_links as (

    -- the probabilistic tier is off
    select
        cast(null as {{ dbt.type_string() }}) as part_key_l,
        cast(null as {{ dbt.type_string() }}) as part_key_r,
        cast(null as {{ dbt.type_string() }}) as cluster_key,
        cast(null as {{ type_double() }}) as match_probability,
        cast(null as {{ dbt.type_string() }}) as evidence
    where 1 = 0

),
{% endif %}
{%- endmacro %}
