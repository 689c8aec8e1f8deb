{%- set fit_attributes = ['industry', 'company_size', 'title_seniority', 'city'] -%}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

behaviours as (

    select * from {{ ref('fct_behaviors') }}

),

behaviour_rules as (

    select * from {{ ref('scoring_behavior_points') }}

),

fit_rules as (

    select * from {{ ref('scoring_fit_points') }}

),

behaviour_matches as (

    -- one event can count for several rules; minutes bounds apply to webinar attendance
    select
        behaviours.contact_id,
        behaviour_rules.rule_id,
        count(*) as n_events

    from behaviours
    inner join behaviour_rules
        on behaviours.channel = behaviour_rules.channel
        and behaviours.event_type = behaviour_rules.event_type
        and coalesce(behaviours.event_detail, '') like behaviour_rules.detail_like
        and (behaviour_rules.min_minutes is null or behaviours.minutes >= behaviour_rules.min_minutes)
        and (behaviour_rules.max_minutes is null or behaviours.minutes < behaviour_rules.max_minutes)
    group by
        behaviours.contact_id,
        behaviour_rules.rule_id

),

engagement_points as (

    select
        behaviour_matches.contact_id,
        'engagement' as rule_group,
        behaviour_rules.rule_id,
        behaviour_rules.description,
        behaviour_matches.n_events,
        -- the cap bounds a rule in the direction of its points: a ceiling when positive, a floor when negative
        case
            when behaviour_rules.max_points is null
                then behaviour_matches.n_events * behaviour_rules.points_per_event
            when behaviour_rules.points_per_event >= 0
                then least(behaviour_matches.n_events * behaviour_rules.points_per_event, behaviour_rules.max_points)
            else greatest(behaviour_matches.n_events * behaviour_rules.points_per_event, behaviour_rules.max_points)
        end as points

    from behaviour_matches
    inner join behaviour_rules
        on behaviour_matches.rule_id = behaviour_rules.rule_id

),

contact_attributes as (

    {% for attribute in fit_attributes %}
    select
        contact_id,
        '{{ attribute }}' as attribute,
        lower(trim({{ attribute }})) as attribute_value
    from contacts
    where {{ attribute }} is not null
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

fit_points as (

    select
        contact_attributes.contact_id,
        'fit' as rule_group,
        fit_rules.rule_id,
        fit_rules.description,
        cast(null as {{ dbt.type_bigint() }}) as n_events,
        fit_rules.points

    from contact_attributes
    inner join fit_rules
        on contact_attributes.attribute = fit_rules.attribute
        and contact_attributes.attribute_value = lower(trim(fit_rules.value))

),

all_points as (

    select * from fit_points
    union all
    select * from engagement_points

),

final as (

    select
        {{ dbt.concat(['all_points.contact_id', "':'", 'all_points.rule_id']) }} as score_point_id,
        all_points.contact_id,
        all_points.rule_group,
        all_points.rule_id,
        all_points.description,
        all_points.n_events,
        cast(all_points.points as {{ dbt.type_int() }}) as points

    from all_points
    inner join contacts
        on all_points.contact_id = contacts.contact_id
    where all_points.points <> 0

)

select * from final
