{#-
    Stable contact ids: which contact every identifier belongs to, carried over from the previous run.

    This model reads its own previous content ({{ this }}): it is the identity graph's memory, so it is never
    rebuilt from scratch (full_refresh: false; `dbt build --full-refresh` keeps it). Each run:
      1. every current cluster (int_identity_clusters) claims the contact ids its identifiers had;
      2. a contact id stays with the cluster holding most of its identifiers (ties: the smaller cluster key);
      3. a cluster that won several ids keeps the oldest (issued first, then the person seen first, then the
         smaller id): the others are merged into it;
      4. a cluster that won none gets a new id, 'c_' || md5(cluster_key || '|' || generation), where
         generation counts the runs, so an id is never issued twice;
      5. identifiers no longer linking (now blocked or shared, or gone) keep their last contact, following
         merges, so they find it again if they come back.
    Every row remembers its last change (new, merged, split, unlinked, relinked) and in which generation it
    happened; contact_merges turns those into the ledger.

    On DuckDB and PostgreSQL a run reads and rewrites only the identifiers in int_identity_scope (whole
    components, with every contact their identifiers hold), and the rows of other identifiers that hold one of
    those contacts; the other rows keep the generation and assigned_at of the run that last changed them. On
    Spark every run appends the whole state as a new generation.
-#}
{{ config(
    materialized='incremental',
    unique_key='identifier_key',
    incremental_strategy=('append' if target.type == 'spark' else 'delete+insert'),
    full_refresh=false,
    on_schema_change='fail',
) }}
{#- microseconds: int_identity_scope tells the runs apart by it -#}
{%- set run_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}

-- depends_on: {{ ref('int_identity_scope') }}

with

clusters as (

    select * from {{ ref('int_identity_clusters') }}
    where {{ in_identity_scope('identifier_key') }}

),

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}

),

{% if is_incremental() %}
previous_state as {{ cte_inlined() }} (

    -- read where used (SF10: 0.8 s for the model instead of 1.0)
    select * from {{ this }}
    {%- if target.type == 'spark' %}
    -- on Spark every run is appended: the latest generation is the state
    where generation = (select max(generation) from {{ this }})
    {%- endif %}

),

previous as (

    -- the rows in scope, and every row holding a contact id one of them holds (to follow merges)
    select * from previous_state
    where {{ in_identity_scope('identifier_key') }}
        or contact_id in (
            select contact_id from previous_state where {{ in_identity_scope('identifier_key') }}
        )

),

this_run as (

    select coalesce(max(generation), 0) + 1 as generation from previous_state

),
{% else %}
previous as (

    select
        cast(null as {{ dbt.type_string() }}) as identifier_key,
        cast(null as {{ dbt.type_string() }}) as id_type,
        cast(null as {{ dbt.type_string() }}) as id_value,
        cast(null as {{ dbt.type_string() }}) as cluster_key,
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(null as {{ dbt.type_timestamp() }}) as contact_issued_at,
        cast(null as {{ dbt.type_timestamp() }}) as contact_first_seen_at,
        cast(null as boolean) as is_current,
        cast(null as {{ dbt.type_string() }}) as previous_contact_id,
        cast(null as {{ dbt.type_string() }}) as last_change,
        cast(null as {{ dbt.type_int() }}) as changed_generation,
        cast(null as {{ dbt.type_int() }}) as generation,
        cast(null as {{ dbt.type_timestamp() }}) as assigned_at
    where 1 = 0

),

this_run as (

    select 1 as generation

),
{% endif %}

current_identifiers as (

    select
        clusters.identifier_key,
        clusters.id_type,
        clusters.id_value,
        clusters.cluster_key,
        screened.first_seen_at,
        previous.contact_id as held_contact_id,
        previous.contact_issued_at as held_issued_at,
        previous.contact_first_seen_at as held_first_seen_at,
        previous.is_current as was_current,
        previous.previous_contact_id as held_previous_contact_id,
        previous.last_change as held_last_change,
        previous.changed_generation as held_changed_generation

    from clusters
    inner join screened
        on clusters.identifier_key = screened.identifier_key
    left join previous
        on clusters.identifier_key = previous.identifier_key

),

claims as (

    select
        cluster_key,
        held_contact_id,
        min(held_issued_at) as issued_at,
        min(held_first_seen_at) as first_seen_at,
        count(*) as n_identifiers

    from current_identifiers
    where held_contact_id is not null
    group by cluster_key, held_contact_id

),

claims_won as (

    -- a contact id stays with the cluster that holds most of its identifiers
    select * from (
        select
            claims.*,
            row_number() over (
                partition by held_contact_id
                order by n_identifiers desc, {{ binary_collation('cluster_key') }}
            ) as claim_rank
        from claims
    ) as ranked
    where claim_rank = 1

),

kept_ids as (

    -- the oldest id a cluster won survives
    select * from (
        select
            claims_won.*,
            row_number() over (
                partition by cluster_key
                order by issued_at, first_seen_at, {{ binary_collation('held_contact_id') }}
            ) as age_rank
        from claims_won
    ) as ranked
    where age_rank = 1

),

cluster_first_seen as (

    select
        cluster_key,
        min(first_seen_at) as first_seen_at

    from current_identifiers
    group by cluster_key

),

cluster_contacts as (

    select
        cluster_first_seen.cluster_key,
        coalesce(
            kept_ids.held_contact_id,
            {{ dbt.concat(["'c_'", dbt.hash(dbt.concat([
                'cluster_first_seen.cluster_key', "'|'", 'cast(this_run.generation as ' ~ dbt.type_string() ~ ')'
            ]))]) }}
        ) as contact_id,
        coalesce(kept_ids.issued_at, {{ run_at }}) as contact_issued_at,
        coalesce(kept_ids.first_seen_at, cluster_first_seen.first_seen_at) as contact_first_seen_at

    from cluster_first_seen
    cross join this_run
    left join kept_ids
        on cluster_first_seen.cluster_key = kept_ids.cluster_key

),

merged_ids as (

    -- ids a cluster won but did not keep: merged into the id it kept
    select
        claims_won.held_contact_id as merged_contact_id,
        claims_won.cluster_key,
        cluster_contacts.contact_id as into_contact_id,
        cluster_contacts.contact_issued_at,
        cluster_contacts.contact_first_seen_at

    from claims_won
    inner join cluster_contacts
        on claims_won.cluster_key = cluster_contacts.cluster_key
    where claims_won.held_contact_id <> cluster_contacts.contact_id

),

current_rows as (

    select
        current_identifiers.identifier_key,
        current_identifiers.id_type,
        current_identifiers.id_value,
        current_identifiers.cluster_key,
        cluster_contacts.contact_id,
        cluster_contacts.contact_issued_at,
        cluster_contacts.contact_first_seen_at,
        true as is_current,
        current_identifiers.held_contact_id,
        current_identifiers.held_previous_contact_id,
        current_identifiers.held_last_change,
        current_identifiers.held_changed_generation,
        case
            when current_identifiers.held_contact_id is null then 'new'
            when current_identifiers.held_contact_id = cluster_contacts.contact_id
                and current_identifiers.was_current then null
            when current_identifiers.held_contact_id = cluster_contacts.contact_id then 'relinked'
            when claims_won.cluster_key is not null then 'merged'
            else 'split'
        end as change_now

    from current_identifiers
    inner join cluster_contacts
        on current_identifiers.cluster_key = cluster_contacts.cluster_key
    left join claims_won
        on current_identifiers.held_contact_id = claims_won.held_contact_id
        and current_identifiers.cluster_key = claims_won.cluster_key

),

retired_rows as (

    select
        previous.identifier_key,
        previous.id_type,
        previous.id_value,
        cast(null as {{ dbt.type_string() }}) as cluster_key,
        coalesce(merged_ids.into_contact_id, previous.contact_id) as contact_id,
        coalesce(merged_ids.contact_issued_at, previous.contact_issued_at) as contact_issued_at,
        coalesce(merged_ids.contact_first_seen_at, previous.contact_first_seen_at) as contact_first_seen_at,
        false as is_current,
        previous.contact_id as held_contact_id,
        previous.previous_contact_id as held_previous_contact_id,
        previous.last_change as held_last_change,
        previous.changed_generation as held_changed_generation,
        case when previous.is_current then 'unlinked' end as change_now

    from previous
    left join current_identifiers
        on previous.identifier_key = current_identifiers.identifier_key
    left join merged_ids
        on previous.contact_id = merged_ids.merged_contact_id
    where current_identifiers.identifier_key is null

),

final as (

    select
        rows_now.identifier_key,
        rows_now.id_type,
        rows_now.id_value,
        rows_now.cluster_key,
        rows_now.contact_id,
        rows_now.contact_issued_at,
        rows_now.contact_first_seen_at,
        rows_now.is_current,
        case
            when rows_now.change_now is null then rows_now.held_previous_contact_id
            else rows_now.held_contact_id
        end as previous_contact_id,
        coalesce(rows_now.change_now, rows_now.held_last_change) as last_change,
        case
            when rows_now.change_now is null then rows_now.held_changed_generation
            else this_run.generation
        end as changed_generation,
        this_run.generation,
        {{ run_at }} as assigned_at

    from (
        select * from current_rows
        union all
        select * from retired_rows
    ) as rows_now
    cross join this_run

)

select * from final
