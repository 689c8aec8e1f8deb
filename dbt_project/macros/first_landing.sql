{#
    The rows of a raw table, each record once: the same record exported twice (same content hash) lands twice,
    and staging keeps its first landing. Use as a CTE body: `deduplicated as ({{ first_landing('raw_table') }})`.
    `key` names what makes a record the same one when the source has its own id (a Segment messageId, an
    email service's event id): a webhook retried with a slightly different body is still one event.
#}
{% macro first_landing(raw_table, key='_record_hash') %}

    select * from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by _loaded_at, _source_file, _source_line
            ) as landing_number

        from {{ source('raw', raw_table) }}
    ) as landed
    where landing_number = 1

{% endmacro %}
