{#-
    The deterministic parts the probabilistic tier may link, one row per part with the fields Splink compares:
    the name given most often, the latest company, the city given most often (from the records of the sources
    listed in var identity_probabilistic_sources, none by default: the tier is off), and the part's own
    linking phone and email with the most records. Parts without a name are not candidates.
-#}
{%- set enabled = var('identity_probabilistic_sources', []) -%}
{%- set sources = staged_sources() | selectattr('name', 'in', enabled) | list -%}
{%- set attributes = ['full_name', 'company', 'city'] -%}

{% if sources | length == 0 %}
-- the tier is off: no candidates
select
    cast(null as {{ dbt.type_string() }}) as part_key,
    cast(null as {{ dbt.type_string() }}) as full_name,
    cast(null as {{ dbt.type_string() }}) as company,
    cast(null as {{ dbt.type_string() }}) as city,
    cast(null as {{ dbt.type_string() }}) as phone,
    cast(null as {{ dbt.type_string() }}) as email
where 1 = 0
{% else %}
with

{{ import_staged_sources(sources) }}

record_parts as (

    select * from {{ ref('int_identity_record_parts') }}

),

parts as (

    select * from {{ ref('int_identity_parts') }}

),

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}

),

observations as (

    {% for source in sources %}
    {%- for attribute in attributes %}
    {%- if attribute in source.get('attributes', []) %}
    select record_id, occurred_at, '{{ attribute }}' as attribute_name, {{ attribute }} as attribute_value
    from {{ source.name }}
    where {{ attribute }} is not null
    union all
    {%- endif %}
    {%- endfor %}
    {%- endfor %}
    select
        cast(null as {{ dbt.type_string() }}) as record_id,
        cast(null as {{ dbt.type_timestamp() }}) as occurred_at,
        cast(null as {{ dbt.type_string() }}) as attribute_name,
        cast(null as {{ dbt.type_string() }}) as attribute_value
    where 1 = 0

),

part_values as (

    select
        record_parts.part_key,
        observations.attribute_name,
        observations.attribute_value,
        count(*) as n_observations,
        max(observations.occurred_at) as last_observed_at

    from observations
    inner join record_parts
        on observations.record_id = record_parts.record_id
    group by record_parts.part_key, observations.attribute_name, observations.attribute_value

),

identifier_values as (

    select
        parts.part_key,
        parts.id_type as attribute_name,
        parts.id_value as attribute_value,
        screened.n_records as n_observations,
        screened.last_seen_at as last_observed_at

    from parts
    inner join screened
        on parts.identifier_key = screened.identifier_key
    where parts.id_type in ('phone', 'email')

),

ranked as (

    select
        part_key,
        attribute_name,
        attribute_value,
        row_number() over (
            partition by part_key, attribute_name
            order by
                case when attribute_name = 'company' then 0 else n_observations end desc,
                last_observed_at desc,
                {{ binary_collation('attribute_value') }}
        ) as value_rank

    from (
        select * from part_values
        union all
        select * from identifier_values
    ) as all_values

),

final as (

    select
        part_key,
        max(case when attribute_name = 'full_name' then attribute_value end) as full_name,
        max(case when attribute_name = 'company' then attribute_value end) as company,
        max(case when attribute_name = 'city' then attribute_value end) as city,
        max(case when attribute_name = 'phone' then attribute_value end) as phone,
        max(case when attribute_name = 'email' then attribute_value end) as email

    from ranked
    where value_rank = 1
    group by part_key
    having max(case when attribute_name = 'full_name' then attribute_value end) is not null

)

select * from final
{% endif %}
