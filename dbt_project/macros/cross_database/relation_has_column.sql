{#- Gives true when the built relation has the column. For contracts another area adds in parallel
    (dim_contacts.refused_automated_decisions): the model picks the column up as soon as it exists.
    Introspective, so unit tests override it (overrides: macros: relation_has_column: true). -#}
{% macro relation_has_column(relation, column_name) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) -%}
    {{ return(column_name | lower in (columns | map(attribute='name') | map('lower') | list)) }}
{%- endmacro %}
