with

deduplicated as (

    {{ first_landing('wechat_events') }}

),

renamed as (

    select
        {{ dbt.concat(["'wechat_events:'", '_record_hash']) }} as record_id,
        app_id,
        event,
        {{ clean_text('event_key') }} as event_key,
        create_time as occurred_at,

        -- already '<app_id>:<openid>': an OpenID only means something within one official account
        openid_normalized as wechat_openid,
        unionid_normalized as wechat_unionid,
        phone_normalized as phone,

        openid_problem,
        unionid_problem,
        phone_problem,
        _record_hash as record_hash,
        _source_file as source_file,
        _source_line as source_line,
        _loaded_at as loaded_at

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
