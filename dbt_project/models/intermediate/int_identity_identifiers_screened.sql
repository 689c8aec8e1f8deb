{#-
    Every identifier seen, and whether it may link records into one person.

      blocked   the value is in the blocked_identifiers seed, or matches blocked_identifier_patterns
                (example numbers, test addresses, placeholder OpenIDs): typed by anyone, it proves nothing;
      shared    detected here: the records carrying it also carry so many distinct identifiers of one type
                that, with at most identifier_types.max_per_contact of that type per person, at least
                var identity_shared_min_people people must share it (a switchboard number, an office PC's
                cookie, an info@ mailbox);
      linking   everything else.

    Blocked and shared identifiers link nothing and belong to no contact; they are reported with the evidence.
    Two people sharing one value (a couple's email) are not "shared" yet: the per-contact limits of
    int_identity_parts split them.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_identity_scope('identifier_key') }}",
) }}
-- depends_on: {{ ref('int_identity_scope') }}

with

{{ import_scoped_identity_edges(rescreened=true) }}

identifier_types as (

    select * from {{ ref('identifier_types') }}

),

blocked_values as (

    select * from {{ ref('blocked_identifiers') }}

),

blocked_patterns as (

    select * from {{ ref('blocked_identifier_patterns') }}

),

identifiers as (

    -- an identifier key is its type and value, and a record carries it once (one row per record and type)
    select
        identifier_key,
        min(id_type) as id_type,
        min(id_value) as id_value,
        count(*) as n_records,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at

    from edges
    group by identifier_key

),

blocked_matches as (

    select identifiers.identifier_key, blocked_values.reason
    from identifiers
    inner join blocked_values
        on identifiers.id_type = blocked_values.id_type
        and identifiers.id_value = blocked_values.id_value

    union all

    select identifiers.identifier_key, blocked_patterns.reason
    from identifiers
    inner join blocked_patterns
        on identifiers.id_type = blocked_patterns.id_type
        and identifiers.id_value like blocked_patterns.value_pattern

),

blocked as (

    select
        identifier_key,
        min(reason) as reason

    from blocked_matches
    group by identifier_key

),

identifier_limits as (

    -- what a per-contact limit counts for each identifier that may link: its type, its limit scope
    select
        identifiers.identifier_key,
        identifiers.id_type,
        {{ identifier_limit_scope('identifier_types.limit_scope', 'identifiers.id_value') }} as limit_scope,
        identifier_types.max_per_contact

    from identifiers
    inner join identifier_types
        on identifiers.id_type = identifier_types.id_type
    left join blocked
        on identifiers.identifier_key = blocked.identifier_key
    where blocked.identifier_key is null

),

unblocked_edges as (

    -- the edges of identifiers that may link (identifier_limits: not blocked; every type is a seed's, as the
    -- relationships test of int_identity_edges holds). An inner join on the identifiers rather than an
    -- anti-join on the blocked ones: DuckDB overestimates the blocked patterns' match (a LIKE join) and then
    -- builds the anti-join's hash table on the 21M edges instead, which ran out of memory at SF10
    select edges.record_id, edges.identifier_key
    from edges
    inner join identifier_limits
        on edges.identifier_key = identifier_limits.identifier_key

),

multi_identifier_records as (

    select record_id
    from unblocked_edges
    group by record_id
    having count(*) > 1

),

shared_record_edges as (

    select unblocked_edges.record_id, unblocked_edges.identifier_key
    from unblocked_edges
    inner join multi_identifier_records
        on unblocked_edges.record_id = multi_identifier_records.record_id

),

cooccurring as (

    -- each identifier with every identifier on its records, itself included; pairs of two identifiers come
    -- only from the records carrying more than one (at SF10, 16M pairs to deduplicate instead of 37M)
    select identifier_key, identifier_key as other_key
    from identifier_limits

    union all

    select distinct this_side.identifier_key, other_side.identifier_key as other_key
    from shared_record_edges as this_side
    inner join shared_record_edges as other_side
        on this_side.record_id = other_side.record_id
    where this_side.identifier_key <> other_side.identifier_key

),

people_needed as (

    -- n distinct values of a type where one person has at most max_per_contact: ceil(n / max) people
    select
        cooccurring.identifier_key,
        other.id_type as other_type,
        other.limit_scope as other_scope,
        count(*) as n_values,
        max(other.max_per_contact) as max_per_contact,
        cast(floor((count(*) + max(other.max_per_contact) - 1) * 1.0 / max(other.max_per_contact)) as integer)
            as people_lower_bound

    from cooccurring
    inner join identifier_limits as other
        on cooccurring.other_key = other.identifier_key
    group by cooccurring.identifier_key, other.id_type, other.limit_scope

),

strongest_evidence as (

    select
        people_needed.*,
        row_number() over (
            partition by people_needed.identifier_key
            order by
                people_needed.people_lower_bound desc,
                people_needed.n_values desc,
                people_needed.other_type,
                people_needed.other_scope
        ) as evidence_rank

    from people_needed

),

final as (

    select
        identifiers.identifier_key,
        identifiers.id_type,
        identifiers.id_value,
        identifier_types.priority as id_priority,
        identifiers.n_records,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        coalesce(strongest_evidence.people_lower_bound, 1) as people_lower_bound,
        strongest_evidence.other_type as evidence_type,
        strongest_evidence.n_values as evidence_values,
        case
            when blocked.identifier_key is not null then 'blocked'
            when strongest_evidence.people_lower_bound >= {{ var('identity_shared_min_people') }} then 'shared'
            else 'linking'
        end as screen_status,
        case
            when blocked.identifier_key is not null then blocked.reason
            when strongest_evidence.people_lower_bound >= {{ var('identity_shared_min_people') }} then
                {{ dbt.concat([
                    "'seen with '", 'cast(strongest_evidence.n_values as ' ~ dbt.type_string() ~ ')',
                    "' distinct '", 'strongest_evidence.other_type',
                    "' values (at most '", 'cast(strongest_evidence.max_per_contact as ' ~ dbt.type_string() ~ ')',
                    "' per contact): shared by at least '",
                    'cast(strongest_evidence.people_lower_bound as ' ~ dbt.type_string() ~ ')', "' people'"
                ]) }}
        end as screen_reason

    from identifiers
    left join identifier_types
        on identifiers.id_type = identifier_types.id_type
    left join blocked
        on identifiers.identifier_key = blocked.identifier_key
    left join strongest_evidence
        on identifiers.identifier_key = strongest_evidence.identifier_key
        and strongest_evidence.evidence_rank = 1
    -- the records in scope also carry identifiers of other components: needed above, recomputed elsewhere
    where {{ in_identity_scope('identifiers.identifier_key') }}

)

select * from final
