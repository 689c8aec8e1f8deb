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
    {%- set new_rows -%}
        select * from {{ source('raw', raw_table) }}
        {%- if is_incremental() %}
        where _loaded_at > (
            select coalesce(max(loaded_at), cast('1900-01-01 00:00:00' as timestamp)) from {{ this }}
        )
        {%- endif %}
    {%- endset %}
    {#- Most keys land once: only the keys landed more than once are ranked (ranking every row sorted the whole
        raw table, wide rows and all, at 2-3x the time of this on DuckDB). The loader quarantines a record
        without its key, so keys are never null here. -#}

    select landed.*
    from ({{ new_rows }}) as landed
    left join (
        select landing_key, _loaded_at, _source_file, _source_line
        from (
            select
                repeated.landing_key,
                candidate._loaded_at,
                candidate._source_file,
                candidate._source_line,
                row_number() over (
                    partition by repeated.landing_key
                    order by candidate._loaded_at, candidate._source_file, candidate._source_line
                ) as landing_number

            from ({{ new_rows }}) as candidate
            inner join (
                select {{ key }} as landing_key
                from ({{ new_rows }}) as keyed
                group by {{ key }}
                having count(*) > 1
            ) as repeated
                on candidate.{{ key }} = repeated.landing_key
        ) as ranked
        where landing_number = 1
    ) as first_of_repeated
        on landed.{{ key }} = first_of_repeated.landing_key
    where (
        first_of_repeated.landing_key is null
        {%- for column in ['_loaded_at', '_source_file', '_source_line'] %}
        {{ 'or (' if loop.first else 'and' }} (
            landed.{{ column }} = first_of_repeated.{{ column }}
            or (landed.{{ column }} is null and first_of_repeated.{{ column }} is null)
        ){{ ')' if loop.last }}
        {%- endfor %}
    )
    {%- if is_incremental() %}
        and not exists (
            select 1 from {{ this }} as staged where staged.{{ staged_key }} = landed.{{ key }}
        )
    {%- endif %}

{% endmacro %}
