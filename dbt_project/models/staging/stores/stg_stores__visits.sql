with

deduplicated as (

    {{ first_landing('stores_visits') }}

),

renamed as (

    select
        {{ staged_record_id('stores_visits') }} as record_id,
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
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
