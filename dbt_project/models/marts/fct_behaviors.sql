{#- The unified behaviour stream: every behaviour source of staged_sources(), in behavior_columns() shape. -#}
{%- set sources = behavior_sources() -%}

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
