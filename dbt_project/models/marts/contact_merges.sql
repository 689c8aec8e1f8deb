{#-
    The ledger of identity decisions, appended run after run and never rebuilt (full_refresh: false). CRM
    destinations read it to merge or split records they hold under a contact_id.

      merge   other_contact_id was retired into contact_id (the oldest id survives): by a shared identifier
              (rule deterministic:<id_type of the bridging identifier>, evidence: the bridging identifiers) or
              by a probabilistic link (rule probabilistic, with its match probability);
      split   identifiers of contact_id now belong to the new other_contact_id: a per-contact limit or
              never-merge rule split the component (rule never_merge:<id_type> / limit:<id_type>), an
              identifier that linked them stopped linking (rule unlinked:blocked / unlinked:shared), or the
              evidence changed (records removed, a probabilistic link no longer accepted);
      unlink  identifiers of contact_id stopped linking: now blocked or detected as shared (rule
              unlinked:<screen status>, evidence: the screening reason);
      link    the probabilistic tier joined two deterministic parts into contact_id (rule probabilistic,
              match_probability, evidence: the compared values). Logged once per pair of parts.
-#}
{{ config(
    materialized='incremental',
    unique_key='merge_id',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='fail',
) }}
{%- set run_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
{%- set text = dbt.type_string() -%}

with

-- a daily run reads these where they are used: each use filters them to a few rows, which costs less than one
-- copy of the whole table (0.5 s instead of 2.0-2.5 at SF10); the first build lets the engine choose
assignments as {{ cte_inlined() if is_incremental() }} (

    select * from {{ ref('int_identity_assignments') }}
    where generation = (select max(generation) from {{ ref('int_identity_assignments') }})

),

clusters as {{ cte_inlined() if is_incremental() }} (

    select * from {{ ref('int_identity_clusters') }}

),

screened as (

    select * from {{ ref('int_identity_identifiers_screened') }}

),

edges as {{ cte_inlined() if is_incremental() }} (

    select * from {{ ref('int_identity_edges') }}

),

{{ import_probabilistic_links() }}

{% if is_incremental() %}
logged as (

    select merge_id from {{ this }}

),
{% else %}
logged as (

    select cast(null as {{ text }}) as merge_id where 1 = 0

),
{% endif %}

this_run as (

    select max(generation) as generation from assignments

),

changed as (

    select
        assignments.*,
        clusters.component_key,
        clusters.part_key,
        clusters.split_rule,
        clusters.is_probabilistic,
        clusters.id_priority

    from assignments
    left join clusters
        on assignments.identifier_key = clusters.identifier_key
    where assignments.last_change in ('merged', 'split', 'unlinked')

),

{#- ---------------------------------------------------------------- merges -#}
merged as (

    select * from changed where last_change = 'merged'

),

survivor_parts as (

    -- the parts that held the surviving contact's identifiers (those that did not arrive by this merge)
    select distinct
        merged_pairs.previous_contact_id as from_contact_id,
        merged_pairs.contact_id as to_contact_id,
        clusters.part_key

    from (select distinct previous_contact_id, contact_id, changed_generation from merged) as merged_pairs
    inner join assignments
        on merged_pairs.contact_id = assignments.contact_id
        and assignments.is_current
        and not (
            assignments.last_change = 'merged'
            and assignments.previous_contact_id = merged_pairs.previous_contact_id
            and assignments.changed_generation = merged_pairs.changed_generation
        )
    inner join clusters
        on assignments.identifier_key = clusters.identifier_key

),

merged_parts_shared as (

    -- a merge inside one deterministic part is deterministic; across parts it took a probabilistic link
    select
        merged.previous_contact_id as from_contact_id,
        merged.contact_id as to_contact_id,
        max(case when survivor_parts.part_key is not null then 1 else 0 end) as shares_a_part

    from merged
    left join survivor_parts
        on merged.previous_contact_id = survivor_parts.from_contact_id
        and merged.contact_id = survivor_parts.to_contact_id
        and merged.part_key = survivor_parts.part_key
    group by merged.previous_contact_id, merged.contact_id

),

bridges as (

    -- identifiers that sit on a record with an identifier of the merged contact without being one of them
    select
        merged.previous_contact_id as from_contact_id,
        merged.contact_id as to_contact_id,
        others.identifier_key as bridge_key,
        others.id_type as bridge_type,
        clusters.id_priority as bridge_priority

    from merged
    inner join edges as merged_edges
        on merged.identifier_key = merged_edges.identifier_key
    inner join edges as other_edges
        on merged_edges.record_id = other_edges.record_id
    inner join assignments as others
        on other_edges.identifier_key = others.identifier_key
        and others.is_current
        and others.contact_id = merged.contact_id
    inner join clusters
        on others.identifier_key = clusters.identifier_key
    where not (
        others.last_change = 'merged'
        and others.previous_contact_id = merged.previous_contact_id
        and others.changed_generation = merged.changed_generation
    )

),

bridges_ranked as (

    select
        from_contact_id,
        to_contact_id,
        bridge_key,
        bridge_type,
        row_number() over (
            partition by from_contact_id, to_contact_id
            order by bridge_priority, {{ binary_collation('bridge_key') }}
        ) as bridge_rank

    from (select distinct * from bridges) as distinct_bridges

),

bridge_evidence as (

    select
        from_contact_id,
        to_contact_id,
        max(case when bridge_rank = 1 then bridge_type end) as strongest_type,
        {{ string_agg_ordered('bridge_key', 'bridge_rank', "', '") }} as bridge_keys

    from bridges_ranked
    where bridge_rank <= 5
    group by from_contact_id, to_contact_id

),

link_probabilities as (

    select
        merged.previous_contact_id as from_contact_id,
        merged.contact_id as to_contact_id,
        max(probabilistic_links.match_probability) as match_probability

    from merged
    inner join probabilistic_links
        on merged.part_key = probabilistic_links.part_key_l
        or merged.part_key = probabilistic_links.part_key_r
    group by merged.previous_contact_id, merged.contact_id

),

merge_events as (

    select
        'merge' as event_type,
        merged.contact_id,
        merged.previous_contact_id as other_contact_id,
        case
            when merged_parts_shared.shares_a_part = 0 and link_probabilities.match_probability is not null
                then 'probabilistic'
            else {{ dbt.concat(["'deterministic'", "coalesce(':' || bridge_evidence.strongest_type, '')"]) }}
        end as rule,
        case when merged_parts_shared.shares_a_part = 0 then link_probabilities.match_probability end
            as match_probability,
        count(*) as n_identifiers,
        {{ dbt.concat([
            "'bridging identifiers: '", "coalesce(bridge_evidence.bridge_keys, 'none on a shared record')"
        ]) }} as evidence,
        merged.changed_generation as generation

    from merged
    inner join merged_parts_shared
        on merged.previous_contact_id = merged_parts_shared.from_contact_id
        and merged.contact_id = merged_parts_shared.to_contact_id
    left join bridge_evidence
        on merged.previous_contact_id = bridge_evidence.from_contact_id
        and merged.contact_id = bridge_evidence.to_contact_id
    left join link_probabilities
        on merged.previous_contact_id = link_probabilities.from_contact_id
        and merged.contact_id = link_probabilities.to_contact_id
    group by
        merged.contact_id, merged.previous_contact_id, merged.changed_generation,
        merged_parts_shared.shares_a_part, link_probabilities.match_probability,
        bridge_evidence.strongest_type, bridge_evidence.bridge_keys

),

{#- ---------------------------------------------------------------- splits -#}
old_homes as (

    -- where each old contact lives on: its identifiers that stayed, or went with it into a merge
    select distinct
        assignments.previous_contact_id as old_contact_id,
        clusters.component_key

    from assignments
    inner join clusters
        on assignments.identifier_key = clusters.identifier_key
    where assignments.is_current and assignments.last_change = 'merged'

    union

    select distinct
        assignments.contact_id as old_contact_id,
        clusters.component_key

    from assignments
    inner join clusters
        on assignments.identifier_key = clusters.identifier_key
    where assignments.is_current

),

unlinked_now as (

    select
        changed.previous_contact_id as old_contact_id,
        changed.changed_generation,
        max(coalesce(screened.screen_status, 'gone')) as screen_status,
        {{ string_agg_ordered('changed.identifier_key', binary_collation('changed.identifier_key'), "', '") }}
            as identifier_keys

    from changed
    left join screened
        on changed.identifier_key = screened.identifier_key
    where changed.last_change = 'unlinked'
    group by changed.previous_contact_id, changed.changed_generation

),

split_rows as (

    select
        changed.*,
        max(case when old_homes.component_key is not null then 1 else 0 end) over (
            partition by changed.previous_contact_id, changed.contact_id
        ) as same_component

    from changed
    left join old_homes
        on changed.previous_contact_id = old_homes.old_contact_id
        and changed.component_key = old_homes.component_key
    where changed.last_change = 'split'

),

split_events as (

    select
        'split' as event_type,
        split_rows.previous_contact_id as contact_id,
        split_rows.contact_id as other_contact_id,
        case
            when max(split_rows.same_component) = 1 then coalesce(max(split_rows.split_rule), 'probabilistic_link_refused')
            when max(unlinked_now.screen_status) is not null
                then {{ dbt.concat(["'unlinked:'", 'max(unlinked_now.screen_status)']) }}
            else 'evidence_changed'
        end as rule,
        cast(null as {{ type_double() }}) as match_probability,
        count(*) as n_identifiers,
        {{ dbt.concat([
            "'identifiers split off: '",
            string_agg_ordered('split_rows.identifier_key', binary_collation('split_rows.identifier_key'), "', '"),
            "coalesce('; stopped linking: ' || max(unlinked_now.identifier_keys), '')"
        ]) }} as evidence,
        split_rows.changed_generation as generation

    from split_rows
    left join unlinked_now
        on split_rows.previous_contact_id = unlinked_now.old_contact_id
        and split_rows.changed_generation = unlinked_now.changed_generation
    group by split_rows.previous_contact_id, split_rows.contact_id, split_rows.changed_generation

),

{#- ---------------------------------------------------------------- unlinks -#}
unlink_events as (

    select
        'unlink' as event_type,
        changed.previous_contact_id as contact_id,
        cast(null as {{ text }}) as other_contact_id,
        {{ dbt.concat(["'unlinked:'", "max(coalesce(screened.screen_status, 'gone'))"]) }} as rule,
        cast(null as {{ type_double() }}) as match_probability,
        count(*) as n_identifiers,
        {{ dbt.concat([
            string_agg_ordered(
                dbt.concat(['changed.identifier_key', "coalesce(' (' || screened.screen_reason || ')', ' (no longer seen)')"]),
                binary_collation('changed.identifier_key'),
                "'; '"
            )
        ]) }} as evidence,
        changed.changed_generation as generation

    from changed
    left join screened
        on changed.identifier_key = screened.identifier_key
    where changed.last_change = 'unlinked'
    group by changed.previous_contact_id, changed.changed_generation

),

{#- ---------------------------------------------------------------- probabilistic links -#}
link_events as (

    select
        'link' as event_type,
        cluster_contacts.contact_id,
        cast(null as {{ text }}) as other_contact_id,
        'probabilistic' as rule,
        probabilistic_links.match_probability,
        cast(2 as {{ dbt.type_bigint() }}) as n_identifiers,
        {{ dbt.concat([
            "'parts '", 'probabilistic_links.part_key_l', "' and '", 'probabilistic_links.part_key_r',
            "': '", 'probabilistic_links.evidence'
        ]) }} as evidence,
        this_run.generation,
        {{ dbt.concat(["'link|'", 'probabilistic_links.part_key_l', "'|'", 'probabilistic_links.part_key_r']) }}
            as link_signature

    from probabilistic_links
    cross join this_run
    inner join (
        select distinct cluster_key, contact_id from assignments where is_current
    ) as cluster_contacts
        on probabilistic_links.cluster_key = cluster_contacts.cluster_key

),

events as (

    select
        *,
        {{ dbt.concat([
            'event_type', "'|'", "coalesce(contact_id, '')", "'|'", "coalesce(other_contact_id, '')", "'|'",
            'cast(generation as ' ~ text ~ ')'
        ]) }} as signature
    from merge_events
    union all
    select
        *,
        {{ dbt.concat([
            'event_type', "'|'", "coalesce(contact_id, '')", "'|'", "coalesce(other_contact_id, '')", "'|'",
            'cast(generation as ' ~ text ~ ')'
        ]) }} as signature
    from split_events
    union all
    select
        *,
        {{ dbt.concat(['event_type', "'|'", "coalesce(contact_id, '')", "'|'", 'cast(generation as ' ~ text ~ ')']) }}
            as signature
    from unlink_events
    union all
    select
        event_type, contact_id, other_contact_id, rule, match_probability, n_identifiers, evidence, generation,
        link_signature as signature
    from link_events

),

final as (

    select
        {{ dbt.hash('events.signature') }} as merge_id,
        events.event_type,
        events.contact_id,
        events.other_contact_id,
        events.rule,
        events.match_probability,
        events.n_identifiers,
        events.evidence,
        events.generation,
        {{ run_at }} as decided_at

    from events
    left join logged
        on {{ dbt.hash('events.signature') }} = logged.merge_id
    where logged.merge_id is null

)

select * from final
