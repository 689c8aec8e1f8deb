{#-
    Picking one row per group (a survivor, the latest observation) needs an order only where the group's rows
    disagree: most contacts hold one value of an attribute. These two macros split the groups.

    value_spreads(relation, group_by, value, also=[]): one row per group with `only_value` (its smallest value),
      `is_single_valued` (every row has the same, non-null value) and the aggregates in `also`.
    contested_rows(relation, spreads, group_by): the rows of `relation` in the groups of `spreads` (a
      value_spreads result) holding more than one value: the only ones to rank.
-#}
{% macro value_spreads(relation, group_by, value, also=[]) -%}
    select
        {{ group_by | join(', ') }},
        min({{ value }}) as only_value,
        {%- for aggregate in also %}
        {{ aggregate }},
        {%- endfor %}
        case
            when min({{ value }}) = max({{ value }}) and count({{ value }}) = count(*) then true
            else false
        end as is_single_valued

    from {{ relation }}
    group by {{ group_by | join(', ') }}
{%- endmacro %}

{% macro contested_rows(relation, spreads, group_by) -%}
    select {{ relation }}.*

    from {{ relation }}
    inner join {{ spreads }}
        on {% for column in group_by -%}
        {{ relation }}.{{ column }} = {{ spreads }}.{{ column }}{{ '\n        and ' if not loop.last }}
        {%- endfor %}
    where not {{ spreads }}.is_single_valued
{%- endmacro %}
