{#- The sum of `expression` over the rows of a partition up to and including this one, in `order_by` order (a
    ROWS frame: rows tied on `order_by` add up one at a time, so order them fully where that matters). -#}
{% macro running_sum(expression, partition_by, order_by) -%}
    sum({{ expression }}) over (
        partition by {{ partition_by }}
        order by {{ order_by }}
        rows between unbounded preceding and current row
    )
{%- endmacro %}
