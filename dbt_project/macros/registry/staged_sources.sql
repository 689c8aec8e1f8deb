{#-
    The registry of staged sources: the one place a channel's staging model is wired into the rest of the
    project. Identity stitching, record resolution, golden-record attributes and the behaviour stream all loop
    over this list, so adding a channel means writing its staging model and adding one entry here.

    Each entry:
      name         the raw table the staging model reads (raw.<channel>_<entity>); also the record's source
      model        the staging model
      channel      the channel folder under landing/
      identifiers  identifier columns (id types of connectors/identifiers.py: phone, email, wechat_openid,
                   wechat_unionid, anonymous_id, crm_id, external_id) that link records into one person
      attributes   golden-record columns the person typed in (full_name, company, title, industry,
                   company_size, city, ...), observed by int_contact_attributes_unioned
      behaviors    the behaviour columns (behavior_columns()) the model provides; absent columns are null.
                   A source without this key is not behaviour (CRM outcomes are results, not behaviour).

    Every staging model exposes record_id (unique across sources: '<name>:<record hash>') and occurred_at.
-#}
{% macro staged_sources() %}
    {{ return([
        {
            'name': 'web_forms_submissions',
            'model': 'stg_web_forms__submissions',
            'channel': 'web_forms',
            'identifiers': ['phone', 'email'],
            'attributes': ['full_name', 'company', 'title', 'industry', 'company_size', 'city'],
            'behaviors': ['event_type', 'event_detail', 'utm_source', 'utm_campaign'],
        },
        {
            'name': 'wechat_events',
            'model': 'stg_wechat__events',
            'channel': 'wechat',
            'identifiers': ['wechat_openid', 'wechat_unionid', 'phone'],
            'attributes': [],
            'behaviors': ['event_type', 'event_detail'],
        },
        {
            'name': 'webinars_registrations',
            'model': 'stg_webinars__registrations',
            'channel': 'webinars',
            'identifiers': ['email', 'phone'],
            'attributes': ['full_name', 'company', 'title'],
            'behaviors': ['event_type', 'event_detail'],
        },
        {
            'name': 'webinars_attendance',
            'model': 'stg_webinars__attendance',
            'channel': 'webinars',
            'identifiers': ['email'],
            'attributes': [],
            'behaviors': ['event_type', 'event_detail', 'minutes'],
        },
        {
            'name': 'crm_outcomes',
            'model': 'stg_crm__outcomes',
            'channel': 'crm',
            'identifiers': ['crm_id', 'email', 'phone'],
            'attributes': [],
        },
    ]) }}
{% endmacro %}

{#- The staged sources that carry behaviour events (those with a `behaviors` key). -#}
{% macro behavior_sources() %}
    {{ return(staged_sources() | selectattr('behaviors', 'defined') | list) }}
{% endmacro %}

{#-
    The columns of the unified behaviour stream (marts.fct_behaviors) that staging models provide, with their
    types. event_type must be one of seeds/event_types.csv.
-#}
{% macro behavior_columns() %}
    {{ return([
        ('event_type', dbt.type_string()),
        ('event_detail', dbt.type_string()),
        ('minutes', type_double()),
        ('utm_source', dbt.type_string()),
        ('utm_campaign', dbt.type_string()),
    ]) }}
{% endmacro %}
