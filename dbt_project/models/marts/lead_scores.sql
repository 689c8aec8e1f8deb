with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

score_points as (

    select * from {{ ref('lead_score_points') }}

),

traits as (

    select * from {{ ref('contact_traits') }}

),

crm_outcomes as (

    select * from {{ ref('fct_crm_outcomes') }}

),

point_totals as (

    select
        contact_id,
        sum(case when rule_group = 'fit' then points else 0 end) as fit_points,
        sum(case when rule_group = 'engagement' then points else 0 end) as engagement_points

    from score_points
    group by contact_id

),

top_rules as (

    select
        contact_id,
        {{ dbt.concat([
            'description',
            "' ('",
            "case when points >= 0 then '+' else '' end",
            'cast(points as ' ~ dbt.type_string() ~ ')',
            "')'"
        ]) }} as rule_text,
        row_number() over (
            partition by contact_id
            order by points desc, rule_id
        ) as points_rank

    from score_points

),

explanations as (

    select
        contact_id,
        {{ string_agg_ordered('rule_text', 'points_rank', "'; '") }} as score_explanation

    from top_rules
    where points_rank <= 3
    group by contact_id

),

crm_stages as (

    -- a person can have several CRM leads: the furthest one decides
    select
        contact_id,
        max(case when is_won then 1 else 0 end) as has_won,
        max(case when has_opportunity then 1 else 0 end) as has_opportunity,
        max(case when status = 'disqualified' then 1 else 0 end) as has_disqualified

    from crm_outcomes
    group by contact_id

),

scored as (

    select
        contacts.contact_id,
        cast(coalesce(point_totals.fit_points, 0) as {{ dbt.type_int() }}) as fit_points,
        cast(coalesce(point_totals.engagement_points, 0) as {{ dbt.type_int() }}) as engagement_points,
        cast(
            coalesce(point_totals.fit_points, 0) + coalesce(point_totals.engagement_points, 0)
            as {{ dbt.type_int() }}
        ) as total_score,
        coalesce(crm_stages.has_won, 0) as has_won,
        coalesce(crm_stages.has_opportunity, 0) as has_opportunity,
        coalesce(crm_stages.has_disqualified, 0) as has_disqualified,
        coalesce(traits.n_form_submits, 0) + coalesce(traits.n_webinar_registrations, 0) as n_hand_raises,
        explanations.score_explanation

    from contacts
    left join point_totals
        on contacts.contact_id = point_totals.contact_id
    left join traits
        on contacts.contact_id = traits.contact_id
    left join crm_stages
        on contacts.contact_id = crm_stages.contact_id
    left join explanations
        on contacts.contact_id = explanations.contact_id

),

qualified as (

    select
        *,
        case
            when total_score >= {{ var('mql_threshold') }} and fit_points > 0 then true
            else false
        end as is_mql

    from scored

),

final as (

    select
        contact_id,
        fit_points,
        engagement_points,
        total_score,
        is_mql,
        case
            when has_won = 1 then 'customer'
            when has_opportunity = 1 then 'opportunity'
            when has_disqualified = 1 then 'disqualified'
            when is_mql then 'mql'
            when n_hand_raises > 0 then 'lead'
            else 'subscriber'
        end as lifecycle_stage,
        coalesce(score_explanation, 'no scoring points yet') as score_explanation,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as scored_at

    from qualified

)

select * from final
