{#- Layers land in schemas named as they are (staging, intermediate, marts, seeds), not prefixed by the
    target schema: analysts, the ml code and destinations read marts.dim_contacts on every engine. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
