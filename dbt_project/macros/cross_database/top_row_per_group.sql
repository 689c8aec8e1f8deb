{#- The first row of each group in `order_by` order, as a query: the `partition_by` columns and `columns`
    (names of `relation`'s columns; `order_by` may be expressions over any of them). Order fully: on a tie the
    row kept is any of the tied ones, as with row_number().

    Portable SQL ranks every row with row_number() and keeps rank 1. DuckDB aggregates instead, taking the first
    row of each group with an ordered aggregate: no sort of the whole relation by group (dim_contacts'
    survivorship at SF10: 22.0 s instead of 33.5). It pays where groups hold many rows; for millions of groups
    of one or two rows the window is faster (docs/decisions/2026-12-07-dedup-and-top-rows-without-whole-table-windows.md). -#}
{% macro top_row_per_group(relation, partition_by, order_by, columns) -%}
    {{ return(adapter.dispatch('top_row_per_group', 'yuchi')(relation, partition_by, order_by, columns)) }}
{%- endmacro %}

{% macro default__top_row_per_group(relation, partition_by, order_by, columns) -%}
    select {{ (partition_by + columns) | join(', ') }}
    from (
        select
            {{ (partition_by + columns) | join(', ') }},
            row_number() over (
                partition by {{ partition_by | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as group_rank

        from {{ relation }}
    ) as ranked
    where group_rank = 1
{%- endmacro %}

{% macro duckdb__top_row_per_group(relation, partition_by, order_by, columns) -%}
    select
        {{ partition_by | join(', ') }},
        {%- for column in columns %}
        top_row.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from (
        select
            {{ partition_by | join(', ') }},
            first(
                struct_pack({% for column in columns %}{{ column }} := {{ column }}{{ ', ' if not loop.last }}{% endfor %})
                order by {{ order_by | join(', ') }}
            ) as top_row

        from {{ relation }}
        group by {{ partition_by | join(', ') }}
    ) as ranked
{%- endmacro %}
