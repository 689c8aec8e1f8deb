{#-
    The identity graph's raw material: one row per (staged record, identifier on it), for every identifier
    column of every source in staged_sources(). Nothing is filtered here: int_identity_identifiers_screened
    decides which identifiers may link records (blocked values, shared values).
-#}
{%- set sources = staged_sources() | selectattr('identifiers') | list -%}

with

{{ import_staged_sources(sources) }}

observed as (

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

final as (

    select
        {{ dbt.concat(['record_id', "'|'", 'id_type', "':'", 'id_value']) }} as edge_key,
        record_id,
        source,
        occurred_at,
        id_type,
        id_value,
        {{ dbt.concat(['id_type', "':'", 'id_value']) }} as identifier_key

    from observed

)

select * from final
