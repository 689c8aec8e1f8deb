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

observations as {{ cte_inlined() if not is_incremental() }} (

    select * from {{ ref('lead_fit_observations') }}
    where {{ in_scoring_contacts_scope('contact_id') }}

),

spreads as (

    -- most contacts hold one value of an attribute: its latest observation is its newest time; only the
    -- others are ranked below (at SF10, 142,540 of 5,071,173)
    {{ value_spreads('observations', ['contact_id', 'attribute'], 'attribute_value', also=['max(observed_at) as observed_at']) }}

),

contested_observations as (

    {{ contested_rows('observations', 'spreads', ['contact_id', 'attribute']) }}

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

    from contested_observations

),

latest as (

    select contact_id, attribute, only_value as attribute_value, observed_at
    from spreads
    where is_single_valued

    union all

    select contact_id, attribute, attribute_value, observed_at
    from ranked
    where recency = 1

),

final as (

    select
        {{ dbt.concat(['contact_id', "':'", 'attribute']) }} as fit_current_id,
        contact_id,
        attribute,
        attribute_value,
        observed_at,
        '{{ lead_scoring_version() }}' as scoring_version

    from latest

)

select * from final
