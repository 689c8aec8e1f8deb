with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

score_points as (

    select * from {{ ref('lead_score_points') }}

),

stage_history as (

    select * from {{ ref('lead_stage_history') }}

),

stages as (

    select * from {{ ref('scoring_lifecycle_stages') }}

),

scoring_time as (

    {{ scoring_as_of_sql() }}

),

crm_outcomes as (

    select * from {{ ref('fct_crm_outcomes') }}

),

thresholds as (

    {{ stage_thresholds_sql('stages') }}

),

point_totals as (

    select
        contact_id,
        sum(case when score_kind = 'fit' then points else 0 end) as fit_points,
        sum(case when score_kind = 'engagement' then points else 0 end) as engagement_points,
        max(case when disqualifies then 1 else 0 end) as has_disqualifying_rule

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
            'cast(cast(round(points, 0) as ' ~ dbt.type_bigint() ~ ') as ' ~ dbt.type_string() ~ ')',
            "')'"
        ]) }} as rule_text,
        row_number() over (
            partition by contact_id
            order by points desc, rule_id
        ) as points_rank

    from score_points
    where rule_id not like 'cap:%'

),

explanations as (

    select
        contact_id,
        {{ string_agg_ordered('rule_text', 'points_rank', "'; '") }} as score_explanation

    from top_rules
    where points_rank <= 3
    group by contact_id

),

stages_reached as (

    select
        contact_id,
        max(case when stage = 'lead' then 1 else 0 end) as reached_lead,
        min(case when stage = 'mql' then entered_at end) as first_mql_at,
        max(case when stage = 'sql' then 1 else 0 end) as reached_sql,
        max(case when stage = 'opportunity' then 1 else 0 end) as reached_opportunity,
        max(case when stage = 'customer' then 1 else 0 end) as reached_customer

    from stage_history
    group by contact_id

),

crm_disqualified as (

    -- sales' latest word on each CRM lead: disqualified unless another lead of the person is still alive
    select
        contact_id,
        min(case when status = 'disqualified' then 1 else 0 end) as all_leads_disqualified

    from crm_outcomes
    cross join scoring_time
    where lead_created_at <= scoring_time.evaluated_at
    group by contact_id

),

scored as (

    select
        contacts.contact_id,
        cast(coalesce(point_totals.fit_points, 0) as {{ score_points_type() }}) as fit_points,
        cast(coalesce(point_totals.engagement_points, 0) as {{ score_points_type() }}) as engagement_points,
        cast(
            coalesce(point_totals.fit_points, 0) + coalesce(point_totals.engagement_points, 0)
            as {{ score_points_type() }}
        ) as total_score,
        case
            when coalesce(point_totals.has_disqualifying_rule, 0) = 1 then true
            when coalesce(crm_disqualified.all_leads_disqualified, 0) = 1 then true
            else false
        end as is_disqualified,
        {{ refused_automated_decisions('contacts') }} as refused_automated_decisions,
        coalesce(stages_reached.reached_lead, 0) as reached_lead,
        stages_reached.first_mql_at,
        coalesce(stages_reached.reached_sql, 0) as reached_sql,
        coalesce(stages_reached.reached_opportunity, 0) as reached_opportunity,
        coalesce(stages_reached.reached_customer, 0) as reached_customer,
        explanations.score_explanation

    from contacts
    left join point_totals
        on contacts.contact_id = point_totals.contact_id
    left join stages_reached
        on contacts.contact_id = stages_reached.contact_id
    left join crm_disqualified
        on contacts.contact_id = crm_disqualified.contact_id
    left join explanations
        on contacts.contact_id = explanations.contact_id

),

qualified as (

    select
        scored.*,
        case
            when {{ meets_stage_thresholds('scored', 'thresholds', 'mql') }}
                and not scored.is_disqualified
                and not scored.refused_automated_decisions
                then true
            else false
        end as is_mql

    from scored
    cross join thresholds

),

staged as (

    -- the furthest stage wins; sales' stages outrank the score; an mql whose score decayed is a lead again
    select
        qualified.*,
        case
            when reached_customer = 1 then 'customer'
            when reached_opportunity = 1 then 'opportunity'
            when is_disqualified then 'disqualified'
            when reached_sql = 1 then 'sql'
            when is_mql then 'mql'
            when reached_lead = 1 then 'lead'
            else 'subscriber'
        end as lifecycle_stage

    from qualified

),

final as (

    select
        staged.contact_id,
        staged.fit_points,
        staged.engagement_points,
        staged.total_score,
        staged.is_mql,
        staged.is_disqualified,
        staged.refused_automated_decisions,
        not staged.refused_automated_decisions as score_activation_allowed,
        staged.lifecycle_stage,
        stage_history.entered_at as lifecycle_stage_entered_at,
        staged.first_mql_at,
        coalesce(staged.score_explanation, 'no scoring points yet') as score_explanation,
        scoring_time.evaluated_at as scored_as_of,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as scored_at

    from staged
    cross join scoring_time
    left join stage_history
        on staged.contact_id = stage_history.contact_id
        and staged.lifecycle_stage = stage_history.stage

)

select * from final
