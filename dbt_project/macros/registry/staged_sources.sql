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
                   Rows with a null event_type (identify calls, LOCATION pushes, SMS replies that are not an
                   opt-out) tie identifiers together but are not behaviour events.

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
            'behaviors': ['event_type', 'event_detail', 'utm_source', 'utm_campaign'],
        },
        {
            'name': 'webinars_attendance',
            'model': 'stg_webinars__attendance',
            'channel': 'webinars',
            'identifiers': ['email', 'phone'],
            'attributes': ['full_name'],
            'behaviors': ['event_type', 'event_detail', 'minutes'],
        },
        {
            'name': 'web_tracking_events',
            'model': 'stg_web_tracking__events',
            'channel': 'web_tracking',
            'identifiers': ['anonymous_id', 'external_id', 'email', 'phone'],
            'attributes': ['full_name', 'company', 'title'],
            'behaviors': ['event_type', 'event_detail', 'utm_source', 'utm_campaign', 'properties'],
        },
        {
            'name': 'wechat_users',
            'model': 'stg_wechat__users',
            'channel': 'wechat',
            'identifiers': ['wechat_openid', 'wechat_unionid'],
            'attributes': [],
        },
        {
            'name': 'webinars_questions',
            'model': 'stg_webinars__questions',
            'channel': 'webinars',
            'identifiers': ['email', 'phone'],
            'attributes': ['full_name'],
            'behaviors': ['event_type', 'event_detail'],
        },
        {
            'name': 'offline_events_registrations',
            'model': 'stg_offline_events__registrations',
            'channel': 'offline_events',
            'identifiers': ['phone', 'email'],
            'attributes': ['full_name', 'company', 'title', 'city'],
            'behaviors': ['event_type', 'event_detail', 'utm_source', 'utm_campaign'],
        },
        {
            'name': 'offline_events_checkins',
            'model': 'stg_offline_events__checkins',
            'channel': 'offline_events',
            'identifiers': ['phone', 'email'],
            'attributes': ['full_name', 'company', 'title'],
            'behaviors': ['event_type', 'event_detail', 'properties'],
        },
        {
            'name': 'offline_events_session_attendance',
            'model': 'stg_offline_events__session_attendance',
            'channel': 'offline_events',
            'identifiers': ['phone', 'email'],
            'attributes': [],
            'behaviors': ['event_type', 'event_detail', 'minutes'],
        },
        {
            'name': 'stores_visits',
            'model': 'stg_stores__visits',
            'channel': 'stores',
            'identifiers': ['phone', 'email'],
            'attributes': ['full_name', 'city'],
            'behaviors': ['event_type', 'event_detail'],
        },
        {
            'name': 'stores_product_scans',
            'model': 'stg_stores__product_scans',
            'channel': 'stores',
            'identifiers': ['wechat_openid', 'wechat_unionid', 'phone'],
            'attributes': [],
            'behaviors': ['event_type', 'event_detail', 'properties'],
        },
        {
            'name': 'content_events',
            'model': 'stg_content__events',
            'channel': 'content',
            'identifiers': ['anonymous_id', 'email', 'phone', 'wechat_openid', 'wechat_unionid'],
            'attributes': [],
            'behaviors': ['event_type', 'event_detail', 'utm_source', 'utm_campaign', 'referrer_key'],
        },
        {
            'name': 'email_events',
            'model': 'stg_email__events',
            'channel': 'email',
            'identifiers': ['email'],
            'attributes': [],
            'behaviors': ['event_type', 'event_detail'],
        },
        {
            'name': 'sms_events',
            'model': 'stg_sms__events',
            'channel': 'sms',
            'identifiers': ['phone'],
            'attributes': [],
            'behaviors': ['event_type', 'event_detail'],
        },
        {
            'name': 'contact_lists_contacts',
            'model': 'stg_contact_lists__contacts',
            'channel': 'contact_lists',
            'identifiers': ['phone', 'email', 'external_id'],
            'attributes': ['full_name', 'company', 'title', 'industry', 'city'],
            'behaviors': ['event_type', 'event_detail'],
        },
        {
            'name': 'consent_changes',
            'model': 'stg_consent__changes',
            'channel': 'consent',
            'identifiers': ['email', 'phone', 'wechat_openid', 'wechat_unionid', 'crm_id'],
            'attributes': [],
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
        ('referrer_key', dbt.type_string()),
        ('properties', dbt.type_string()),
    ]) }}
{% endmacro %}
