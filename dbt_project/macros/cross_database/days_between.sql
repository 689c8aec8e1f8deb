{#- Gives the days from `start` to `end` (timestamps) as a fractional double: 36 hours is 1.5 days.
    dbt.datediff counts calendar boundaries in whole units, which makes decay jump at midnight. -#}
{% macro days_between(start, end) -%}
    {{ return(adapter.dispatch('days_between', 'yuchi')(start, end)) }}
{%- endmacro %}

{% macro default__days_between(start, end) -%}
    (extract(epoch from ({{ end }})) - extract(epoch from ({{ start }}))) / 86400.0
{%- endmacro %}

{% macro duckdb__days_between(start, end) -%}
    (epoch({{ end }}) - epoch({{ start }})) / 86400.0
{%- endmacro %}

{% macro spark__days_between(start, end) -%}
    (cast(unix_timestamp({{ end }}) as double) - cast(unix_timestamp({{ start }}) as double)) / 86400.0
{%- endmacro %}
