{#-
    Every observation of a contact's golden-record attributes, one row per (record, attribute): what the
    person typed into forms and webinar registrations, and the identifiers they used. dim_contacts keeps the
    most recent non-null observation of each attribute.
-#}
{%- set sources = staged_sources() | selectattr('attributes') | list -%}

with

{% for source in sources %}
{{ source.name }} as (

    select * from {{ ref(source.model) }}

),

{% endfor %}
records as (

    select * from {{ ref('int_records_resolved') }}

),

edges as (

    select * from {{ ref('int_identity_edges') }}

),

typed as (

    {% for source in sources %}
    {%- set outer_loop = loop %}
    {%- for column in source.attributes %}
    select record_id, '{{ column }}' as attribute_name, {{ column }} as attribute_value
    from {{ source.name }}
    where {{ column }} is not null
    {% if not (outer_loop.last and loop.last) %}
    union all
    {% endif %}
    {%- endfor %}
    {%- endfor %}

),

identifiers as (

    -- blocked values are not in edges, so they never become a contact's phone or email
    select
        record_id,
        id_type as attribute_name,
        id_value as attribute_value

    from edges

),

observations as (

    select * from typed
    union all
    select * from identifiers

),

final as (

    select
        records.contact_id,
        observations.record_id,
        records.source,
        records.occurred_at,
        observations.attribute_name,
        observations.attribute_value

    from observations
    inner join records
        on observations.record_id = records.record_id

)

select * from final
