{#-
    Each contact's latest observation of each fit attribute (lead_fit_observations; ties: the greater
    record id, then value, as in lead_score_breakdown): what the fit rules match at the newest data's time.
    lead_score_points reads it when var scoring_as_of is not set, so a daily build re-reads the observations
    of the contacts whose records changed only.

    Incremental on DuckDB and PostgreSQL, scoped like int_lead_engagement_totals.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_scoring_contacts_scope('contact_id') }}",
) }}

-- depends_on: {{ ref('int_records_scope') }}, {{ ref('int_records_resolved') }}

with

observations as (

    select * from {{ ref('lead_fit_observations') }}
    where {{ in_scoring_contacts_scope('contact_id') }}

),

ranked as (

    select
        contact_id,
        attribute,
        attribute_value,
        observed_at,
        row_number() over (
            partition by contact_id, attribute
            order by observed_at desc, record_id desc, attribute_value desc
        ) as recency

    from observations

),

final as (

    select
        {{ dbt.concat(['contact_id', "':'", 'attribute']) }} as fit_current_id,
        contact_id,
        attribute,
        attribute_value,
        observed_at,
        '{{ lead_scoring_version() }}' as scoring_version

    from ranked
    where recency = 1

)

select * from final
