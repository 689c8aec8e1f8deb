{#-
    One row per contact: traits over time windows, the features of the scoring model. The aggregate traits
    come from contact_trait_definitions() (macros/traits/contact_traits.sql): add a trait there. Recency is
    measured against the newest behaviour in the data, so rebuilding old data gives the same traits.
-#}
{%- set traits = contact_trait_definitions() -%}
{%- set behavior_column_names = behavior_columns() | map(attribute=0) | list -%}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

behaviours as {{ cte_inlined() }} (

    -- read where used: each reads its few columns of 12.5M rows (SF10) instead of one copy of them all
    select * from {{ ref('fct_behaviors') }}

),

identifiers as (

    select * from {{ ref('contact_identifiers') }}

),

reference_time as (

    select max(occurred_at) as as_of from behaviours

),

behaviour_traits as (

    select
        behaviours.contact_id,
        {% for trait in traits %}
        {{ contact_trait_aggregate(trait, 'reference_time.as_of') }} as {{ trait.name }}
        {{- "," if not loop.last }}
        {% endfor %}

    from behaviours
    cross join reference_time
    group by behaviours.contact_id

),

referrals as (

    -- other people who came through the contact's shares (fct_behaviors.referrer_key is an identifier key)
    {% if 'referrer_key' in behavior_column_names %}
    select
        identifiers.contact_id,
        count(distinct behaviours.contact_id) as referral_count

    from behaviours
    inner join identifiers
        on behaviours.referrer_key = identifiers.identifier_key
    where behaviours.contact_id <> identifiers.contact_id
    group by identifiers.contact_id
    {% else %}
    select
        cast(null as {{ dbt.type_string() }}) as contact_id,
        cast(0 as {{ dbt.type_bigint() }}) as referral_count
    where 1 = 0
    {% endif %}

),

final as (

    select
        contacts.contact_id,
        {% for trait in traits %}
        {%- if trait.aggregate in ('count', 'count_distinct', 'sum') %}
        cast(coalesce(behaviour_traits.{{ trait.name }}, 0) as {{ contact_trait_type(trait) }}) as {{ trait.name }},
        {%- else %}
        cast(behaviour_traits.{{ trait.name }} as {{ contact_trait_type(trait) }}) as {{ trait.name }},
        {%- endif %}
        {%- endfor %}
        cast(coalesce(referrals.referral_count, 0) as {{ dbt.type_bigint() }}) as referral_count,
        contacts.first_seen_at,
        contacts.last_seen_at,
        -- a contact known only from the CRM has no touch: its records' times stand in
        greatest(
            0,
            coalesce(
                {{ dbt.datediff(
                    'coalesce(behaviour_traits.last_touch_at, contacts.last_seen_at)',
                    'reference_time.as_of',
                    'day'
                ) }},
                0
            )
        ) as days_since_last_touch,
        coalesce(
            {{ dbt.datediff(
                'coalesce(behaviour_traits.first_touch_at, contacts.first_seen_at)',
                'coalesce(behaviour_traits.last_touch_at, contacts.last_seen_at)',
                'day'
            ) }},
            0
        ) as active_days_span

    from contacts
    cross join reference_time
    left join behaviour_traits
        on contacts.contact_id = behaviour_traits.contact_id
    left join referrals
        on contacts.contact_id = referrals.contact_id

)

select * from final
