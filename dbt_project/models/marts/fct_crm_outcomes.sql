with

outcomes as (

    select * from {{ ref('stg_crm__outcomes') }}

),

records as (

    select * from {{ ref('int_records_resolved') }}

),

latest_per_lead as (

    -- a later export of the same CRM lead carries its newer status: keep the most recently loaded record
    select
        *,
        row_number() over (
            partition by crm_id
            order by loaded_at desc, source_file desc, source_line desc, record_id desc
        ) as recency_rank

    from outcomes

),

final as (

    select
        latest_per_lead.crm_id,
        records.contact_id,
        latest_per_lead.status,
        latest_per_lead.lead_created_at,
        latest_per_lead.opportunity_created_at,
        latest_per_lead.closed_at,
        latest_per_lead.amount,
        case
            when latest_per_lead.status in ('opportunity', 'won', 'lost')
                or latest_per_lead.opportunity_created_at is not null
                then true
            else false
        end as has_opportunity,
        case when latest_per_lead.status = 'won' then true else false end as is_won

    from latest_per_lead
    inner join records
        on latest_per_lead.record_id = records.record_id
    where latest_per_lead.recency_rank = 1

)

select * from final
