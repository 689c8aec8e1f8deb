{#-
    The staged records a build must resolve again (macros/identity/identity_scope.sql): the records carrying an
    identifier of int_identity_scope that may link differently (their part, cluster or contact may change; not
    one only screened again), and the records staged since the last run of int_records_resolved (not in it
    yet, as that table stands before this run). The contacts of these records are the contacts dim_contacts
    recomputes. Everything on a full refresh, the first build, and wherever int_identity_scope holds
    everything.
-#}
{%- set sources = staged_sources() -%}
{%- set previous_resolved = none -%}
{%- if execute -%}
    {%- set previous_resolved = adapter.get_relation(this.database, this.schema, 'int_records_resolved') -%}
{%- endif -%}
{%- set everything = flags.FULL_REFRESH or target.type == 'spark' or identity_probabilistic_tier()
    or previous_resolved is none -%}

-- depends_on: {{ ref('int_identity_edges') }}, {{ ref('int_identity_scope') }}

with

{{ import_staged_sources(sources) }}

staged_records as (

    {% for source in sources %}
    select record_id from {{ source.name }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

{% if everything %}
final as (

    select record_id, 'everything' as reason from staged_records

)
{% else %}
identity_scoped as (

    select distinct edges.record_id
    from {{ ref('int_identity_edges') }} as edges
    inner join {{ ref('int_identity_scope') }} as scope
        on edges.identifier_key = scope.identifier_key
    where {{ graph_scope('scope.reason') }}

),

new_records as (

    select record_id from staged_records
    where record_id not in (select record_id from {{ previous_resolved }})

),

final as (

    select
        coalesce(identity_scoped.record_id, new_records.record_id) as record_id,
        case when new_records.record_id is not null then 'new' else 'identity' end as reason

    from identity_scoped
    full outer join new_records
        on identity_scoped.record_id = new_records.record_id

)
{% endif %}

select * from final
