{#- pre_hook of an incremental model that stopped writing a column: drops it from the table a previous version
    built, so that on_schema_change='fail' compares the same columns and the next run appends (no-op on a full
    refresh, on a first build, and once the column is gone). -#}
{% macro drop_retired_column(column_name) -%}
    {%- if is_incremental() and relation_has_column(this, column_name) -%}
    alter table {{ this }} drop column {{ column_name }}
    {%- endif -%}
{%- endmacro %}
