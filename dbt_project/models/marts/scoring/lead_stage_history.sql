{#-
    When each contact first reached each lifecycle stage. lead and mql date from the first moment the score
    met the stage's minimums, and a disqualifying fit rule from when it first applied (int_lead_stage_entries,
    where the score is evaluated); subscriber from the first record; sql, opportunity, customer and
    disqualified from the CRM. Nothing after the scoring time counts.
-#}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

score_stage_entries as (

    select * from {{ ref('int_lead_stage_entries') }}

),

stages as (

    select * from {{ ref('scoring_lifecycle_stages') }}

),

scoring_time as (

    {{ scoring_as_of_sql() }}

),

{{ stage_history_entries() }}

select * from final
