{#- Gives a JSON object, as compact text, of (key, column) pairs: the `properties` behaviour column. Null values
    are kept as JSON null. Built from to_json of each value so DuckDB and PostgreSQL give the same text
    (their json_object / json_build_object differ in spacing); Spark builds it from a struct. -#}
{% macro json_object_text(pairs) -%}
    {{ return(adapter.dispatch('json_object_text', 'yuchi')(pairs)) }}
{%- endmacro %}

{% macro default__json_object_text(pairs) -%}
    {%- set parts = ["'{'"] -%}
    {%- for key, column in pairs -%}
        {%- do parts.append("'" ~ (',' if not loop.first else '') ~ '"' ~ key ~ '":' ~ "'") -%}
        {%- do parts.append("coalesce(cast(to_json(" ~ column ~ ") as " ~ dbt.type_string() ~ "), 'null')") -%}
    {%- endfor -%}
    {%- do parts.append("'}'") -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{% macro spark__json_object_text(pairs) -%}
    to_json(named_struct(
        {%- for key, column in pairs %}'{{ key }}', {{ column }}{{ ', ' if not loop.last }}{% endfor -%}
    ))
{%- endmacro %}
