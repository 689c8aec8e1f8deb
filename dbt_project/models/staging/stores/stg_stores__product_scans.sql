with

deduplicated as (

    {{ first_landing('stores_product_scans') }}

),

renamed as (

    select
        {{ staged_record_id('stores_product_scans') }} as record_id,
        scan_id,
        code,
        sku,
        {{ clean_text('product_name') }} as product_name,
        scanned_at as occurred_at,
        scan_number,
        store_id,
        'product_qr_scanned' as event_type,
        sku as event_detail,
        {{ json_object_text([('code', 'code'), ('scan_number', 'scan_number'), ('store_id', 'store_id')]) }} as properties,

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
