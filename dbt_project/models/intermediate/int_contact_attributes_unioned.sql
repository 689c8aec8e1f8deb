{#-
    Every observation of a golden-record attribute, one row per (record, attribute): what people typed into
    forms, registrations and lists (the `attributes` of staged_sources()), the name split by script (name_zh
    when it has Chinese characters, name_latin otherwise), and each contact's own linking identifiers as seen
    on its records. The source's priority (source_priority seed; 100 for a source not listed) feeds
    survivorship in dim_contacts.

    Incremental on DuckDB and PostgreSQL: a run recomputes only the observations of the records of
    int_records_scope.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('record_id', 'resolved_record') }}",
) }}
{%- set sources = staged_sources() | selectattr('attributes') | list -%}

-- depends_on: {{ ref('int_records_scope') }}

with

{{ import_staged_sources(sources) }}

records as (

    select * from {{ ref('int_records_resolved') }}

),

edges as (

    select * from {{ ref('int_identity_edges') }}
    where {{ in_records_scope('record_id') }}

),

assignments as (

    select * from {{ ref('int_identity_assignments') }}
    where is_current

),

source_priority as (

    select * from {{ ref('source_priority') }}

),

typed as (

    {% for source in sources %}
    {%- set outer_loop = loop %}
    {%- for column in source.attributes %}
    select record_id, '{{ column }}' as attribute_name, cast({{ column }} as {{ dbt.type_string() }}) as attribute_value
    from {{ source.name }}
    where {{ column }} is not null
        and {{ in_records_scope('record_id') }}
    {% if not (outer_loop.last and loop.last) %}
    union all
    {% endif %}
    {%- endfor %}
    {%- endfor %}
    {%- if sources | length == 0 %}
    select
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as {{ dbt.type_string() }}) as attribute_name,
        cast(null as {{ dbt.type_string() }}) as attribute_value
    where 1 = 0
    {%- endif %}

),

typed_observations as (

    select
        records.contact_id,
        typed.record_id,
        records.source,
        records.occurred_at,
        typed.attribute_name,
        typed.attribute_value

    from typed
    inner join records
        on typed.record_id = records.record_id

),

names_by_script as (

    select
        contact_id,
        record_id,
        source,
        occurred_at,
        case when {{ contains_cjk('attribute_value') }} then 'name_zh' else 'name_latin' end as attribute_name,
        attribute_value

    from typed_observations
    where attribute_name = 'full_name'

),

identifier_observations as (

    -- a contact's own identifiers (blocked and shared values belong to nobody), on the records carrying them
    select
        assignments.contact_id,
        edges.record_id,
        edges.source,
        edges.occurred_at,
        edges.id_type as attribute_name,
        edges.id_value as attribute_value

    from edges
    inner join assignments
        on edges.identifier_key = assignments.identifier_key

),

observations as (

    select * from typed_observations
    union all
    select * from names_by_script
    union all
    select * from identifier_observations

),

final as (

    select
        observations.contact_id,
        observations.record_id,
        observations.source,
        coalesce(source_priority.priority, 100) as source_priority,
        observations.occurred_at,
        observations.attribute_name,
        observations.attribute_value

    from observations
    left join source_priority
        on observations.source = source_priority.source

)

select * from final
