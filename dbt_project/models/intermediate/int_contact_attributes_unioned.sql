{#-
    Every observation of a contact's golden-record attributes, one row per (record, attribute): what the
    person typed into forms and webinar registrations, and the identifiers they used. dim_contacts keeps the
    most recent non-null observation of each attribute.
-#}
{%- set typed_attributes = [
    ('form_submissions', ['full_name', 'company', 'title', 'industry', 'company_size', 'city']),
    ('webinar_registrations', ['full_name', 'company', 'title']),
] -%}

with

form_submissions as (

    select * from {{ ref('stg_web_forms__submissions') }}

),

webinar_registrations as (

    select * from {{ ref('stg_webinars__registrations') }}

),

records as (

    select * from {{ ref('int_records_resolved') }}

),

edges as (

    select * from {{ ref('int_identity_edges') }}

),

typed as (

    {% for cte, columns in typed_attributes %}
    {%- set outer_loop = loop %}
    {%- for column in columns %}
    select record_id, '{{ column }}' as attribute_name, {{ column }} as attribute_value
    from {{ cte }}
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
