{#- Gives a JSON object, as text, of (key, column) pairs: the `properties` behaviour column. Null values are
    kept as JSON null. Each engine builds JSON its own way, so this is dispatched. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'yuchi')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    cast(json_build_object(
        {%- for key, column in pairs %}'{{ key }}', {{ column }}{{ ', ' if not loop.last }}{% endfor -%}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__json_object_text(pairs) -%}
    cast(json_object(
        {%- for key, column in pairs %}'{{ key }}', {{ column }}{{ ', ' if not loop.last }}{% endfor -%}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__json_object_text(pairs) -%}
    to_json(named_struct(
        {%- for key, column in pairs %}'{{ key }}', {{ column }}{{ ', ' if not loop.last }}{% endfor -%}
    ))
{%- endmacro %}
