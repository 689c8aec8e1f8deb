with

deduplicated as (

    {{ first_landing('wechat_events') }}

),

renamed as (

    select
        {{ staged_record_id('wechat_events') }} as record_id,
        app_id,
        event,
        {{ clean_text('event_key') }} as event_key,
        create_time as occurred_at,
        case event
            when 'subscribe' then 'wechat_subscribed'
            when 'unsubscribe' then 'wechat_unsubscribed'
            when 'SCAN' then 'wechat_qr_scanned'
            when 'CLICK' then 'wechat_menu_clicked'
            when 'VIEW' then 'wechat_article_viewed'
            when 'bind_phone' then 'wechat_phone_bound'
            when 'share' then 'wechat_article_shared'
        end as event_type,
        -- the scene (qrscene_...), menu key or article URL; unsubscribe and phone binding carry none.
        -- Other pushes (LOCATION, TEMPLATESENDJOBFINISH, ...) keep a null event_type: not behaviour.
        case when event in ('subscribe', 'SCAN', 'CLICK', 'VIEW', 'share') then {{ clean_text('event_key') }} end
            as event_detail,
        ticket,
        to_user_name,

        -- already '<app_id>:<openid>': an OpenID only means something within one official account
        openid_normalized as wechat_openid,
        unionid_normalized as wechat_unionid,
        phone_normalized as phone,

        openid_problem,
        unionid_problem,
        phone_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
