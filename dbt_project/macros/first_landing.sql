{#
    The rows of a raw table, each record once: the same record exported twice (same content hash) lands twice,
    and staging keeps its first landing. Use as a CTE body: `deduplicated as ({{ first_landing('raw_table') }})`.
#}
{% macro first_landing(raw_table) %}

    select * from (
        select
            *,
            row_number() over (
                partition by _record_hash
                order by _loaded_at, _source_file, _source_line
            ) as landing_number

        from {{ source('raw', raw_table) }}
    ) as landed
    where landing_number = 1

{% endmacro %}
