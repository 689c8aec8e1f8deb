{#-
    Every staged record with the contact it belongs to: its part (int_identity_record_parts), the part's
    cluster, the cluster's stable contact id (int_identity_assignments). A record whose identifiers are all
    blocked or shared links to nobody and is a contact of its own, 'c_' || md5(record_id), so nothing is dropped.

    Incremental on DuckDB and PostgreSQL: a run recomputes only the records of int_records_scope.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('record_id', 'resolved_record') }}",
) }}
{%- set sources = staged_sources() -%}

-- depends_on: {{ ref('int_records_scope') }}

with

{{ import_staged_sources(sources) }}

record_parts as (

    select * from {{ ref('int_identity_record_parts') }}

),

clusters as (

    select * from {{ ref('int_identity_clusters') }}

),

assignments as (

    select * from {{ ref('int_identity_assignments') }}
    where is_current

),

records as (

    {% for source in sources %}
    select
        record_id,
        '{{ source.name }}' as source,
        '{{ source.channel }}' as channel,
        occurred_at
    from {{ source.name }}
    where {{ in_records_scope('record_id') }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

part_clusters as (

    select distinct part_key, cluster_key from clusters

),

cluster_contacts as (

    select distinct cluster_key, contact_id from assignments

),

part_contacts as (

    -- parts to contacts first (a row per part), so the records take their contact in one join
    select
        part_clusters.part_key,
        part_clusters.cluster_key,
        cluster_contacts.contact_id

    from part_clusters
    left join cluster_contacts
        on part_clusters.cluster_key = cluster_contacts.cluster_key

),

resolved as (

    select
        records.record_id,
        records.source,
        records.channel,
        records.occurred_at,
        part_contacts.cluster_key,
        case when part_contacts.contact_id is null then false else true end as is_identified,
        coalesce(
            part_contacts.contact_id,
            {{ dbt.concat(["'c_'", dbt.hash('records.record_id')]) }}
        ) as contact_id

    from records
    left join record_parts
        on records.record_id = record_parts.record_id
    left join part_contacts
        on record_parts.part_key = part_contacts.part_key

),

final as (

    select * from resolved

)

select * from final
