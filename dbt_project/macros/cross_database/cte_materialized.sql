{#- Gives the keyword that makes a CTE computed once however often it is read (`name as {{ cte_materialized() }}
    (...)`): DuckDB and PostgreSQL know MATERIALIZED; Spark has no such keyword (and caches nothing). -#}
{% macro cte_materialized() -%}
    {{ return(adapter.dispatch('cte_materialized', 'yuchi')()) }}
{%- endmacro %}

{% macro default__cte_materialized() -%}
{%- endmacro %}

{% macro duckdb__cte_materialized() -%}
    materialized
{%- endmacro %}

{% macro postgres__cte_materialized() -%}
    materialized
{%- endmacro %}
