{#- Gives `expression` compared by its bytes. The smallest identifier key names a component, so min() and
    order by over keys must agree on every engine: DuckDB and Spark compare strings by bytes already,
    PostgreSQL by the database's locale unless told otherwise. -#}
{% macro binary_collation(expression) -%}
    {{ return(adapter.dispatch('binary_collation', 'yuchi')(expression)) }}
{%- endmacro %}

{% macro default__binary_collation(expression) -%}
    {{ expression }}
{%- endmacro %}

{% macro postgres__binary_collation(expression) -%}
    ({{ expression }} collate "C")
{%- endmacro %}
