{#
    The rows of a raw table, each record once: the same record exported twice (same content hash) lands twice,
    and staging keeps its first landing. Use as a CTE body: `deduplicated as ({{ first_landing('raw_table') }})`.
    `key` names what makes a record the same one when the source has its own id (a Segment messageId, an
    email service's event id): a webhook retried with a slightly different body is still one event.

    Staging models are incremental (dbt_project.yml): a run reads only the raw rows loaded after the newest
    `loaded_at` already staged, and drops the keys staged before, so the table ends as a full rebuild would. Every
    row of one load shares its `_loaded_at`, and loads commit one at a time (the warehouse pool), so no row of a
    load older than the watermark can appear after it. `dbt build --full-refresh` rebuilds from all of raw.
#}
{% macro first_landing(raw_table, key='_record_hash') %}
    {%- set staged_key = 'record_hash' if key == '_record_hash' else key %}

    select * from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by _loaded_at, _source_file, _source_line
            ) as landing_number

        from {{ source('raw', raw_table) }}
        {%- if is_incremental() %}
        where _loaded_at > (
            select coalesce(max(loaded_at), cast('1900-01-01 00:00:00' as timestamp)) from {{ this }}
        )
        {%- endif %}
    ) as landed
    where landing_number = 1
    {%- if is_incremental() %}
        and not exists (
            select 1 from {{ this }} as staged where staged.{{ staged_key }} = landed.{{ key }}
        )
    {%- endif %}

{% endmacro %}
