{#-
    The unified behaviour stream: every behaviour source of staged_sources(), in behavior_columns() shape.
    Incremental on DuckDB and PostgreSQL: a run recomputes only the events of int_records_scope (new, or
    resolved to another contact).
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('event_id', 'resolved_record') }}",
) }}
{%- set sources = behavior_sources() -%}

-- depends_on: {{ ref('int_records_scope') }}

with

{% for source in sources %}
{{ source.name }} as (

    select * from {{ ref(source.model) }}

),

{% endfor %}
records as (

    select * from {{ ref('int_records_resolved') }}

),

behaviours as (

    {% for source in sources %}
    select
        record_id,
        '{{ source.channel }}' as channel,
        occurred_at,
        {%- for column, column_type in behavior_columns() %}
        {% if column in source.behaviors -%}
        cast({{ column }} as {{ column_type }}) as {{ column }}
        {%- else -%}
        cast(null as {{ column_type }}) as {{ column }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source.name }}
    where event_type is not null
        and {{ in_records_scope('record_id') }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

final as (

    select
        behaviours.record_id as event_id,
        records.contact_id,
        behaviours.channel,
        behaviours.occurred_at,
        {%- for column, _ in behavior_columns() %}
        behaviours.{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}

    from behaviours
    inner join records
        on behaviours.record_id = records.record_id

)

select * from final
