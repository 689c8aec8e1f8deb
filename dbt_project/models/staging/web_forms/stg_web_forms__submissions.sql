with

deduplicated as (

    {{ first_landing('web_forms_submissions') }}

),

renamed as (

    select
        {{ staged_record_id('web_forms_submissions') }} as record_id,
        submission_id,
        form_id,
        submitted_at as occurred_at,
        'form_submitted' as event_type,
        form_id as event_detail,

        phone_normalized as phone,
        email_normalized as email,

        {{ clean_text('name') }} as full_name,
        {{ clean_text('company') }} as company,
        {{ clean_text('title') }} as title,
        lower({{ clean_text('industry') }}) as industry,
        {{ clean_text('company_size') }} as company_size,
        {{ clean_text('city') }} as city,

        page_url,
        {{ clean_text('utm_source') }} as utm_source,
        {{ clean_text('utm_medium') }} as utm_medium,
        {{ clean_text('utm_campaign') }} as utm_campaign,
        {{ clean_text('utm_term') }} as utm_term,

        phone_problem,
        email_problem,
        {{ staged_lineage() }}

    from deduplicated

),

final as (

    select * from renamed

)

select * from final
