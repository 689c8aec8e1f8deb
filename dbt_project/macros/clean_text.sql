{#- Gives a free-text column trimmed, with empty text as null, so "latest non-null" picks skip blanks. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
