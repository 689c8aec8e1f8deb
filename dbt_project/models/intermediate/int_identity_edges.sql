{#- Which identifier columns of which staged records link records into one person: see staged_sources(). -#}
{%- set sources = staged_sources() -%}

with

{% for source in sources %}
{{ source.name }} as (

    select * from {{ ref(source.model) }}

),

{% endfor %}
blocked_identifiers as (

    select * from {{ ref('blocked_identifiers') }}

),

identifiers as (

    {% for source in sources %}
    {%- set outer_loop = loop %}
    {%- for column in source.identifiers %}
    select
        record_id,
        '{{ source.name }}' as source,
        occurred_at,
        '{{ column }}' as id_type,
        {{ column }} as id_value
    from {{ source.name }}
    where {{ column }} is not null
    {% if not (outer_loop.last and loop.last) %}
    union all
    {% endif %}
    {%- endfor %}
    {%- endfor %}

),

unblocked as (

    -- a value many people type (13800138000, test@test.com) would merge strangers into one contact
    select identifiers.*
    from identifiers
    left join blocked_identifiers
        on identifiers.id_type = blocked_identifiers.id_type
        and identifiers.id_value = blocked_identifiers.id_value
    where blocked_identifiers.id_value is null

),

final as (

    select
        {{ dbt.concat(['record_id', "'|'", 'id_type', "':'", 'id_value']) }} as edge_key,
        record_id,
        source,
        occurred_at,
        id_type,
        id_value,
        {{ dbt.concat(['id_type', "':'", 'id_value']) }} as identifier_key

    from unblocked

)

select * from final
