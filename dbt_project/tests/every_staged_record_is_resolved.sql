{{ config(meta={'dagster': {'asset_key': ['intermediate', 'int_records_resolved']}}) }}
-- Nothing is dropped on the way to a contact: every staged record has exactly one resolved row with a contact.

with

staged as (

    {% for source in staged_sources() %}
    select record_id from {{ ref(source.model) }}
    {% if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}

),

resolved as (

    select * from {{ ref('int_records_resolved') }}

),

final as (

    select staged.record_id
    from staged
    left join resolved
        on staged.record_id = resolved.record_id
    where resolved.contact_id is null

)

select * from final
