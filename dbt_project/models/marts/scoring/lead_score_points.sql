with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

scoring_time as (

    {{ scoring_as_of_sql() }}

),

evaluations as (

    select
        contacts.contact_id,
        scoring_time.evaluated_at

    from contacts
    cross join scoring_time

),

{{ lead_score_inputs() }},

{{ lead_score_breakdown('evaluations') }},

final as (

    select
        {{ dbt.concat(['contact_id', "':'", 'rule_id']) }} as score_point_id,
        contact_id,
        score_kind,
        group_id,
        rule_id,
        description,
        n_events,
        n_counted,
        points_before_cap,
        points,
        disqualifies,
        last_event_at,
        evaluated_at as scored_as_of

    from score_breakdown

)

select * from final
