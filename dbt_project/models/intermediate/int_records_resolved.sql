{%- set sources = staged_sources() -%}

with

{% for source in sources %}
{{ source.name }} as (

    select * from {{ ref(source.model) }}

),

{% endfor %}
edges as (

    select * from {{ ref('int_identity_edges') }}

),

components as (

    select * from {{ ref('int_identity_components') }}

),

records as (

    {% for source in sources %}
    select
        record_id,
        '{{ source.name }}' as source,
        '{{ source.channel }}' as channel,
        occurred_at
    from {{ source.name }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

record_components as (

    -- every identifier of a record has the same component once the graph converged; min() is a tie-break
    select
        edges.record_id,
        min(components.component_key) as component_key

    from edges
    inner join components
        on edges.identifier_key = components.identifier_key
    group by edges.record_id

),

resolved as (

    select
        records.record_id,
        records.source,
        records.channel,
        records.occurred_at,
        record_components.component_key,
        case when record_components.component_key is null then false else true end as is_identified,
        -- a record whose identifiers are all blocked still becomes a contact: one of its own
        {{ dbt.concat([
            "'c_'",
            dbt.hash('coalesce(record_components.component_key, records.record_id)')
        ]) }} as contact_id

    from records
    left join record_components
        on records.record_id = record_components.record_id

),

final as (

    select * from resolved

)

select * from final
