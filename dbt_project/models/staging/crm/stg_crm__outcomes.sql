with

deduplicated as (

    {{ first_landing('crm_outcomes') }}

),

renamed as (

    select
        {{ staged_record_id('crm_outcomes') }} as record_id,
        crm_id_normalized as crm_id,
        lower(status) as status,
        lead_created_at as occurred_at,
        lead_created_at,
        opportunity_created_at,
        closed_at,
        cast(amount as {{ type_double() }}) as amount,

        email_normalized as email,
        phone_normalized as phone,

        crm_id_problem,
        email_problem,
        phone_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
