with

deduplicated as (

    {{ first_landing('wechat_users') }}

),

renamed as (

    select
        {{ staged_record_id('wechat_users') }} as record_id,
        app_id,
        case when subscribe = 1 then true else false end as is_subscribed,
        subscribe_time as subscribed_at,
        -- a user-info record is true as of when it was fetched; unfollowed users carry no subscribe_time
        coalesce(fetched_at, subscribe_time, _loaded_at) as occurred_at,
        fetched_at,
        {{ clean_text('subscribe_scene') }} as subscribe_scene,
        qr_scene,
        {{ clean_text('qr_scene_str') }} as qr_scene_str,
        {{ clean_text('language') }} as language,
        {{ clean_text('remark') }} as remark,
        tagid_list as tag_ids,
        {{ clean_text('nickname') }} as nickname,

        -- already '<app_id>:<openid>': an OpenID only means something within one official account
        openid_normalized as wechat_openid,
        unionid_normalized as wechat_unionid,

        openid_problem,
        unionid_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
