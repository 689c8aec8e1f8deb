with

deduplicated as (

    {{ first_landing('contact_lists_contacts') }}

),

renamed as (

    select
        {{ staged_record_id('contact_lists_contacts') }} as record_id,
        list_id,
        -- a list row is true as of when it was collected; lists without that column date from their load
        coalesce(collected_at, _loaded_at) as occurred_at,
        collected_at,
        'list_imported' as event_type,
        list_id as event_detail,

        phone_normalized as phone,
        email_normalized as email,
        external_id_normalized as external_id,

        {{ clean_text('name') }} as full_name,
        {{ clean_text('company') }} as company,
        {{ clean_text('title') }} as title,
        {{ clean_text('department') }} as department,
        lower({{ clean_text('industry') }}) as industry,
        {{ clean_text('city') }} as city,
        {{ clean_text('province') }} as province,
        {{ clean_text('wechat_handle') }} as wechat_handle,
        {{ clean_text('source') }} as list_source,
        {{ clean_text('consent') }} as consent,
        {{ clean_text('notes') }} as notes,

        phone_problem,
        email_problem,
        external_id_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
