with

deduplicated as (

    -- the source's own id: a webhook retried with another body is still one event
    {{ first_landing('consent_changes', key='change_id') }}

),

renamed as (

    select
        {{ staged_record_id('consent_changes') }} as record_id,
        change_id,
        changed_at as occurred_at,
        purpose,
        status,
        case when status = 'granted' then true else false end as is_granted,
        {{ clean_text('source') }} as source,

        email_normalized as email,
        phone_normalized as phone,
        openid_normalized as wechat_openid,
        unionid_normalized as wechat_unionid,
        crm_id_normalized as crm_id,

        email_problem,
        phone_problem,
        openid_problem,
        unionid_problem,
        crm_id_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
