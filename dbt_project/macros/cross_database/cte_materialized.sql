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

{#- The opposite, `name as {{ cte_inlined() }} (...)`: every read of the CTE runs its query again. For an import
    CTE that reads a large table more than once: DuckDB materializes a CTE read twice, which copies the table
    (identifier screening at SF10: 21.5M edges copied, 57.7 s for the model against 30.9 s inlined), where each
    read as a scan costs next to nothing. PostgreSQL knows NOT MATERIALIZED; Spark inlines anyway. -#}
{% macro cte_inlined() -%}
    {{ return(adapter.dispatch('cte_inlined', 'yuchi')()) }}
{%- endmacro %}

{% macro default__cte_inlined() -%}
{%- endmacro %}

{% macro duckdb__cte_inlined() -%}
    not materialized
{%- endmacro %}

{% macro postgres__cte_inlined() -%}
    not materialized
{%- endmacro %}
