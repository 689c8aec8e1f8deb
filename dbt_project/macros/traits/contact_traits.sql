{#-
    The traits of marts.contact_traits that are aggregates of a contact's behaviour events (marts.fct_behaviors):
    the one place an analyst adds a trait. Each entry:
      name         the column
      aggregate    count (events), sum / max / min (of `column`), count_distinct (of `column`)
      column       what sum, max, min and count_distinct read (an expression over fct_behaviors)
      where        which events count (an expression over fct_behaviors; all when absent)
      window_days  only events in the last N days before the newest event in the data (all time when absent)
      type         bigint (default), double or timestamp
      description  what it means, for the documentation
    Counts and sums are 0, not null, for contacts without such events; max and min are null.
-#}
{% macro contact_trait_definitions() %}
    {{ return([
        {'name': 'n_events', 'aggregate': 'count',
         'description': 'Behaviour events of any kind.'},
        {'name': 'n_form_submits', 'aggregate': 'count', 'where': "event_type = 'form_submitted'",
         'description': 'Forms submitted.'},
        {'name': 'n_demo_requests', 'aggregate': 'count',
         'where': "event_type = 'form_submitted' and event_detail = 'demo_request'",
         'description': 'demo_request forms submitted.'},
        {'name': 'n_whitepaper_downloads', 'aggregate': 'count',
         'where': "event_type = 'form_submitted' and event_detail like 'whitepaper%'",
         'description': 'whitepaper_* forms submitted.'},
        {'name': 'n_webinar_registrations', 'aggregate': 'count', 'where': "event_type = 'webinar_registered'",
         'description': 'Webinar and live-stream registrations.'},
        {'name': 'n_webinars_attended', 'aggregate': 'count', 'where': "event_type = 'webinar_attended'",
         'description': 'Webinar and live-stream attendances.'},
        {'name': 'webinar_minutes', 'aggregate': 'sum', 'column': 'minutes', 'type': 'double',
         'where': "event_type = 'webinar_attended'",
         'description': 'Minutes of webinars watched, all time.'},
        {'name': 'n_wechat_events', 'aggregate': 'count', 'where': "channel = 'wechat'",
         'description': 'WeChat events of any kind.'},
        {'name': 'channels_touched', 'aggregate': 'count_distinct', 'column': 'channel',
         'description': 'Distinct behaviour channels.'},
        {'name': 'first_touch_at', 'aggregate': 'min', 'column': 'occurred_at', 'type': 'timestamp',
         'description': 'First behaviour event.'},
        {'name': 'last_touch_at', 'aggregate': 'max', 'column': 'occurred_at', 'type': 'timestamp',
         'description': 'Last behaviour event (last seen on a marketing channel).'},
        {'name': 'visits_30d', 'aggregate': 'count_distinct', 'column': dbt.date_trunc('day', 'occurred_at'),
         'where': "event_type = 'page_viewed'", 'window_days': 30,
         'description': 'Days with a website visit (page views) in the last 30 days.'},
        {'name': 'page_views_30d', 'aggregate': 'count', 'where': "event_type = 'page_viewed'", 'window_days': 30,
         'description': 'Website page views in the last 30 days.'},
        {'name': 'pricing_page_views_30d', 'aggregate': 'count', 'window_days': 30,
         'where': "event_type = 'page_viewed' and event_detail like '%pricing%'",
         'description': 'Views of a pricing page in the last 30 days.'},
        {'name': 'webinar_minutes_90d', 'aggregate': 'sum', 'column': 'minutes', 'type': 'double',
         'where': "event_type = 'webinar_attended'", 'window_days': 90,
         'description': 'Minutes of webinars watched in the last 90 days.'},
        {'name': 'webinar_questions_90d', 'aggregate': 'count', 'where': "event_type = 'webinar_question_asked'",
         'window_days': 90, 'description': 'Questions asked in webinars in the last 90 days.'},
        {'name': 'email_opens_30d', 'aggregate': 'count', 'where': "event_type = 'email_opened'", 'window_days': 30,
         'description': 'Emails opened in the last 30 days.'},
        {'name': 'email_clicks_30d', 'aggregate': 'count', 'where': "event_type = 'email_clicked'", 'window_days': 30,
         'description': 'Email links clicked in the last 30 days.'},
        {'name': 'sms_clicks_30d', 'aggregate': 'count', 'where': "event_type = 'sms_clicked'", 'window_days': 30,
         'description': 'SMS links clicked in the last 30 days.'},
        {'name': 'wechat_article_views_30d', 'aggregate': 'count', 'where': "event_type = 'wechat_article_viewed'",
         'window_days': 30, 'description': 'WeChat articles opened in the last 30 days.'},
        {'name': 'content_downloads_90d', 'aggregate': 'count', 'where': "event_type = 'content_downloaded'",
         'window_days': 90, 'description': 'Content (whitepapers, reports) downloaded in the last 90 days.'},
        {'name': 'content_shares_90d', 'aggregate': 'count',
         'where': "event_type in ('content_shared', 'wechat_article_shared')", 'window_days': 90,
         'description': 'Content and articles shared in the last 90 days.'},
        {'name': 'offline_checkins_365d', 'aggregate': 'count', 'where': "event_type = 'offline_event_checked_in'",
         'window_days': 365, 'description': 'Conference and event check-ins in the last year.'},
        {'name': 'store_visits_90d', 'aggregate': 'count', 'where': "event_type = 'store_visited'",
         'window_days': 90, 'description': 'Store visits in the last 90 days.'},
        {'name': 'product_scans_90d', 'aggregate': 'count', 'where': "event_type = 'product_qr_scanned'",
         'window_days': 90, 'description': 'One-item-one-code product QR scans in the last 90 days.'},
        {'name': 'active_days_30d', 'aggregate': 'count_distinct', 'column': dbt.date_trunc('day', 'occurred_at'),
         'window_days': 30, 'description': 'Days with any behaviour in the last 30 days.'},
    ]) }}
{% endmacro %}

{#- The SQL aggregate of one trait definition, over fct_behaviors rows joined with the reference time `as_of`. -#}
{% macro contact_trait_aggregate(trait, as_of) -%}
    {%- set conditions = [] -%}
    {%- if trait.get('where') %}{% do conditions.append('(' ~ trait.where ~ ')') %}{% endif -%}
    {%- if trait.get('window_days') -%}
        {%- do conditions.append('occurred_at > ' ~ dbt.dateadd('day', -1 * trait.window_days, as_of)) -%}
    {%- endif -%}
    {%- set condition = conditions | join(' and ') if conditions else 'true' -%}
    {%- set aggregate = trait.aggregate -%}
    {%- if aggregate == 'count' -%}
        sum(case when {{ condition }} then 1 else 0 end)
    {%- elif aggregate == 'count_distinct' and trait.get('window_days') and trait.window_days <= 62
        and (trait.column | trim) == (dbt.date_trunc('day', 'occurred_at') | trim) -%}
        {{ count_days_in_window(condition, as_of) }}
    {%- elif aggregate == 'count_distinct' -%}
        count(distinct case when {{ condition }} then {{ trait.column }} end)
    {%- elif aggregate in ('sum', 'max', 'min') -%}
        {{ aggregate }}(case when {{ condition }} then {{ trait.column }} end)
    {%- else -%}
        {{ exceptions.raise_compiler_error("contact trait " ~ trait.name ~ ": unknown aggregate '" ~ aggregate ~ "' (count, count_distinct, sum, max, min)") }}
    {%- endif -%}
{%- endmacro %}

{#- How many distinct days (date_trunc('day', occurred_at)) have an event meeting `condition`, which keeps the
    events of a window of at most 62 days before `as_of` (the newest event: none is later). Portable: a count of
    distinct days. On DuckDB a bit per day back from `as_of` (calendar days, as date_trunc counts them) OR-ed
    together and counted: no distinct aggregate, which DuckDB plans as a separate grouping of every (contact,
    day) (contact_traits at SF10: 5.5 s instead of 8-10 s, the same rows). -#}
{% macro count_days_in_window(condition, as_of) -%}
    {{ return(adapter.dispatch('count_days_in_window', 'yuchi')(condition, as_of)) }}
{%- endmacro %}

{% macro default__count_days_in_window(condition, as_of) -%}
    count(distinct case when {{ condition }} then {{ dbt.date_trunc('day', 'occurred_at') }} end)
{%- endmacro %}

{% macro duckdb__count_days_in_window(condition, as_of) -%}
    bit_count(bit_or(
        case when {{ condition }} then cast(1 as bigint) << cast(date_diff('day', occurred_at, {{ as_of }}) as integer) end
    ))
{%- endmacro %}

{#- The column type of a trait. -#}
{% macro contact_trait_type(trait) -%}
    {%- set kind = trait.get('type', 'bigint') -%}
    {%- if kind == 'double' -%}{{ type_double() }}
    {%- elif kind == 'timestamp' -%}{{ dbt.type_timestamp() }}
    {%- else -%}{{ dbt.type_bigint() }}
    {%- endif -%}
{%- endmacro %}
