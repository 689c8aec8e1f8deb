{#- Which identifier columns of which staged records link records into one person. -#}
{%- set identifier_columns = [
    ('web_forms_submissions', 'stg_web_forms__submissions', ['phone', 'email']),
    ('wechat_events', 'stg_wechat__events', ['wechat_openid', 'wechat_unionid', 'phone']),
    ('webinars_registrations', 'stg_webinars__registrations', ['email', 'phone']),
    ('webinars_attendance', 'stg_webinars__attendance', ['email']),
    ('crm_outcomes', 'stg_crm__outcomes', ['crm_id', 'email', 'phone']),
] -%}

with

{% for source_name, model_name, _ in identifier_columns %}
{{ source_name }} as (

    select * from {{ ref(model_name) }}

),

{% endfor %}
blocked_identifiers as (

    select * from {{ ref('blocked_identifiers') }}

),

identifiers as (

    {% for source_name, _, columns in identifier_columns %}
    {%- set outer_loop = loop %}
    {%- for column in columns %}
    select
        record_id,
        '{{ source_name }}' as source,
        occurred_at,
        '{{ column }}' as id_type,
        {{ column }} as id_value
    from {{ source_name }}
    where {{ column }} is not null
    {% if not (outer_loop.last and loop.last) %}
    union all
    {% endif %}
    {%- endfor %}
    {%- endfor %}

),

unblocked as (

    -- a value many people type (13800138000, test@test.com) would merge strangers into one contact
    select identifiers.*
    from identifiers
    left join blocked_identifiers
        on identifiers.id_type = blocked_identifiers.id_type
        and identifiers.id_value = blocked_identifiers.id_value
    where blocked_identifiers.id_value is null

),

final as (

    select
        {{ dbt.concat(['record_id', "'|'", 'id_type', "':'", 'id_value']) }} as edge_key,
        record_id,
        source,
        occurred_at,
        id_type,
        id_value,
        {{ dbt.concat(['id_type', "':'", 'id_value']) }} as identifier_key

    from unblocked

)

select * from final
