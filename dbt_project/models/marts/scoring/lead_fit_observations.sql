{#-
    Every observation of a fit attribute, with when it was observed: what lead scoring and the propensity
    model know about who a contact is at any point in time. Derived attributes are classified per
    observation (title -> title_seniority, city -> region, email -> email_domain_kind), so "the latest
    observation before t" is the golden-record value as it stood at t.

    Incremental on DuckDB and PostgreSQL: a run recomputes the observations of the records of
    int_records_scope, or all of them when the rows carry another scoring_version (a classification seed
    changed; macros/scoring/stage_scope.sql).
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_scoring_scope('record_id') }}",
) }}

{%- set typed_attributes = ['industry', 'company_size', 'title', 'city'] %}

-- depends_on: {{ ref('int_records_scope') }}

with

attributes as (

    select * from {{ ref('int_contact_attributes_unioned') }}
    where {{ in_scoring_scope('record_id') }}

),

regions as (

    select * from {{ ref('scoring_regions') }}

),

email_domains as (

    select * from {{ ref('scoring_email_domains') }}

),

observed as (

    select
        contact_id,
        record_id,
        occurred_at as observed_at,
        attribute_name as attribute,
        lower(trim(attribute_value)) as attribute_value

    from attributes
    where attribute_name in ('{{ typed_attributes | join("', '") }}', 'email')
        and attribute_value is not null
        and trim(attribute_value) <> ''

),

observed_titles as (

    select record_id, attribute_value as title
    from observed
    where attribute = 'title'

),

title_matches as (

    -- as in dim_contacts: the highest-priority keyword wins
    {{ title_seniority_matches('observed_titles', 'record_id', 'title') }}

),

seniority_observations as (

    select
        observed.contact_id,
        observed.record_id,
        observed.observed_at,
        'title_seniority' as attribute,
        coalesce(title_matches.seniority, 'unknown') as attribute_value

    from observed
    left join title_matches
        on observed.record_id = title_matches.record_id
        and title_matches.match_rank = 1
    where observed.attribute = 'title'

),

region_observations as (

    select
        observed.contact_id,
        observed.record_id,
        observed.observed_at,
        'region' as attribute,
        coalesce(regions.region, 'unknown') as attribute_value

    from observed
    left join regions
        on observed.attribute_value = lower(trim(regions.city))
    where observed.attribute = 'city'

),

email_domain_observations as (

    select
        observed.contact_id,
        observed.record_id,
        observed.observed_at,
        'email_domain_kind' as attribute,
        coalesce(email_domains.domain_kind, 'business') as attribute_value

    from observed
    left join email_domains
        on {{ dbt.split_part('observed.attribute_value', "'@'", 2) }} = lower(trim(email_domains.domain))
    where observed.attribute = 'email'

),

all_observations as (

    select contact_id, record_id, observed_at, attribute, attribute_value
    from observed
    where attribute in ('{{ typed_attributes | join("', '") }}')
    union all
    select * from seniority_observations
    union all
    select * from region_observations
    union all
    select * from email_domain_observations

),

final as (

    select
        {{ dbt.concat(['record_id', "':'", 'attribute']) }} as observation_id,
        contact_id,
        record_id,
        observed_at,
        attribute,
        attribute_value,
        '{{ lead_scoring_version() }}' as scoring_version

    from all_observations

)

select * from final
