with

deduplicated as (

    {{ first_landing('webinars_questions') }}

),

renamed as (

    select
        {{ staged_record_id('webinars_questions') }} as record_id,
        question_id,
        webinar_id,
        asked_at as occurred_at,
        {{ clean_text('question') }} as question,
        answered_at,
        'webinar_question_asked' as event_type,
        webinar_id as event_detail,

        email_normalized as email,
        phone_normalized as phone,

        {{ clean_text('name') }} as full_name,

        email_problem,
        phone_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
