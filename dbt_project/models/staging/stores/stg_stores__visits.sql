with

deduplicated as (

    {{ first_landing('stores_visits') }}

),

renamed as (

    select
        {{ dbt.concat(["'stores_visits:'", '_record_hash']) }} as record_id,
        visit_id,
        store_id,
        {{ clean_text('store_name') }} as store_name,
        visited_at as occurred_at,
        {{ clean_text('purpose') }} as purpose,
        staff_id,
        'store_visited' as event_type,
        store_id as event_detail,

        phone_normalized as phone,
        email_normalized as email,

        {{ clean_text('name') }} as full_name,
        {{ clean_text('city') }} as city,

        phone_problem,
        email_problem,
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
