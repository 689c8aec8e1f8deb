{#-
    The identifiers a build must recompute in the identity graph (macros/identity/identity_scope.sql): what the
    records added since the last finished identity run can change, closed so that every component is whole.

      new           identifiers on edges added after the last run of int_identity_assignments (its newest
                    assigned_at; edges carry the run that added them, edged_at): their screening may change;
      rescreened    of the new and the touched (below), the identifiers the previous run screened as blocked
                    or shared: records added cannot make them link (a shared identifier's evidence only grows,
                    blocked values are the seed's; an erasure deletes their screening, which makes them
                    orphaned), so they are screened again and nothing else. Their other records are not
                    touched, and the records carrying them are not recomputed for them (graph_scope()): a CRM
                    id or a switchboard number shared by hundreds would otherwise put the components of all
                    those people in scope;
      orphaned      identifiers without a screening, or linking without a component: an erasure deletes the
                    screening and the whole component of every identifier on an erased record
                    (connectors/destinations/erasure.py), and they are screened and linked again here from the
                    records that remain;
      touched       every identifier on a record that carries a new (not rescreened) or an orphaned one: new
                    links start from these;
      components    the previous components (int_identity_components as it stands before this run) of the
                    touched identifiers: all of them may merge, split or change part;
      contacts      the previous components of the identifiers holding a contact id that one of the above
                    holds (an identifier unlinked earlier keeps its contact, and may now take it back).

    A new component only holds identifiers of these: a record outside them carries no new identifier, so
    its identifiers link as before. When a run failed midway, the next one starts from the same last run and
    recomputes the union (recomputing a row twice gives the same row). Changing the blocked_identifiers
    seeds or var identity_shared_min_people takes a full refresh.

    Everything is in scope on a full refresh, on the first build, on Spark, and when the probabilistic tier is
    on (its links are trained on the whole graph). This model reads the two tables as the previous run left
    them, by name rather than ref(): they are built after it.
-#}
{%- set previous_components, previous_assignments, previous_screened = none, none, none -%}
{%- if execute -%}
    {%- set previous_components = adapter.get_relation(this.database, this.schema, 'int_identity_components') -%}
    {%- set previous_assignments = adapter.get_relation(this.database, this.schema, 'int_identity_assignments') -%}
    {%- set previous_screened = adapter.get_relation(
        this.database, this.schema, 'int_identity_identifiers_screened'
    ) -%}
{%- endif -%}
{%- set everything = flags.FULL_REFRESH or target.type == 'spark' or identity_probabilistic_tier()
    or previous_components is none or previous_assignments is none or previous_screened is none -%}

with

-- read where used (4 scans of 21.5M edges at SF10) rather than copied once: for a daily run's scope on the
-- SF10 warehouse the copy held 6.0 GB of buffers against 2.5 inlined, and took 4.9-5.1 s against 4.1-4.2
edges as {{ cte_inlined() }} (

    select * from {{ ref('int_identity_edges') }}

),

{% if everything %}
final as (

    select distinct identifier_key, 'everything' as reason
    from edges

)
{% else %}
-- read where used, each use a few rows (SF10: 2.1 s for the model instead of 2.4-3.4)
previous_components as {{ cte_inlined() }} (

    select * from {{ previous_components }}

),

previous_assignments as {{ cte_inlined() }} (

    select * from {{ previous_assignments }}

),

previous_nonlinking as (

    select identifier_key
    from {{ previous_screened }}
    where screen_status <> 'linking'

),

new_identifiers as (

    select distinct identifier_key
    from edges
    where edged_at > (
        select coalesce(max(assigned_at), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }}))
        from previous_assignments
    )

),

orphaned_identifiers as (

    -- linking without a component, or not screened at all (an erasure released them)
    select identifier_key
    from {{ previous_screened }}
    where screen_status = 'linking'
        and identifier_key not in (select identifier_key from previous_components)

    union

    select identifier_key
    from edges
    where identifier_key not in (select identifier_key from {{ previous_screened }})

),

changed_identifiers as (

    select identifier_key from new_identifiers
    where identifier_key not in (select identifier_key from previous_nonlinking)
    union
    select identifier_key from orphaned_identifiers

),

touched_records as (

    select distinct edges.record_id
    from edges
    inner join changed_identifiers
        on edges.identifier_key = changed_identifiers.identifier_key

),

touched_identifiers as (

    select distinct edges.identifier_key
    from edges
    inner join touched_records
        on edges.record_id = touched_records.record_id

),

touched_linking as (

    select identifier_key from touched_identifiers
    where identifier_key not in (select identifier_key from previous_nonlinking)

),

touched_components as (

    select distinct previous_components.component_key
    from previous_components
    inner join touched_linking
        on previous_components.identifier_key = touched_linking.identifier_key

),

held_contacts as (

    -- an identifier unlinked earlier may take its contact back; a rescreened one cannot
    select distinct previous_assignments.contact_id
    from previous_assignments
    where previous_assignments.identifier_key in (select identifier_key from touched_linking)
        or previous_assignments.identifier_key in (
            select previous_components.identifier_key
            from previous_components
            inner join touched_components
                on previous_components.component_key = touched_components.component_key
        )

),

holder_components as (

    select distinct previous_components.component_key
    from previous_assignments
    inner join held_contacts
        on previous_assignments.contact_id = held_contacts.contact_id
    inner join previous_components
        on previous_assignments.identifier_key = previous_components.identifier_key
    where previous_assignments.is_current

),

scoped as (

    select identifier_key, 1 as reason_rank from new_identifiers

    union all

    select identifier_key, 2 as reason_rank from orphaned_identifiers

    union all

    select identifier_key, 3 as reason_rank from touched_identifiers

    union all

    select previous_components.identifier_key, scoped_components.reason_rank
    from previous_components
    inner join (
        select component_key, 4 as reason_rank from touched_components
        union all
        select component_key, 5 as reason_rank from holder_components
    ) as scoped_components
        on previous_components.component_key = scoped_components.component_key

),

final as (

    -- each identifier once, with the first reason in the order above (rescreened ones are new or touched)
    select
        identifier_key,
        case
            when identifier_key in (select identifier_key from previous_nonlinking) then 'rescreened'
            when min(reason_rank) = 1 then 'new'
            when min(reason_rank) = 2 then 'orphaned'
            when min(reason_rank) = 3 then 'touched'
            when min(reason_rank) = 4 then 'components'
            else 'contacts'
        end as reason

    from scoped
    group by identifier_key

)
{% endif %}

select * from final
