{#- True when the text has a CJK ideograph (U+4E00 to U+9FFF): a Chinese-script name. -#}
{% macro contains_cjk(expression) -%}
    {{ return(adapter.dispatch('contains_cjk', 'yuchi')(expression)) }}
{%- endmacro %}

{% macro default__contains_cjk(expression) -%}
    ({{ expression }} ~ '[一-鿿]')
{%- endmacro %}

{% macro duckdb__contains_cjk(expression) -%}
    regexp_matches({{ expression }}, '[一-鿿]')
{%- endmacro %}

{% macro spark__contains_cjk(expression) -%}
    ({{ expression }} rlike '[一-鿿]')
{%- endmacro %}
