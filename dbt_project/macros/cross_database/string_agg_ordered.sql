{#- Gives `value` of every row in the group joined by `separator`, in ascending `order_by` order.
    Aggregate function: use it with a group by. -#}
{% macro string_agg_ordered(value, order_by, separator) -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'yuchi')(value, order_by, separator)) }}
{%- endmacro %}

{% macro default__string_agg_ordered(value, order_by, separator) -%}
    string_agg({{ value }}, {{ separator }} order by {{ order_by }})
{%- endmacro %}

{#- Spark has no ordered string_agg: collect (order, value) pairs, sort them by order, keep the values. -#}
{% macro spark__string_agg_ordered(value, order_by, separator) -%}
    concat_ws(
        {{ separator }},
        transform(
            sort_array(collect_list(named_struct('sort_key', {{ order_by }}, 'item', {{ value }}))),
            pair -> pair.item
        )
    )
{%- endmacro %}
