{#
    The lineage every staging model carries, so a row traces back to the landed record it came from.
    `staged_record_id('web_forms_submissions')` is the record's id across all sources (source table and content
    hash); `staged_lineage()` gives record_hash, source_file, source_line and loaded_at. `relation` qualifies the
    raw columns when the model joins another relation that has columns of the same names.
#}
{% macro staged_record_id(raw_table, relation=none) %}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ dbt.concat(["'" ~ raw_table ~ ":'", prefix ~ '_record_hash']) }}
{%- endmacro %}

{% macro staged_lineage(relation=none) %}
    {%- set prefix = relation ~ '.' if relation else '' -%}
    {{ prefix }}_record_hash as record_hash,
        {{ prefix }}_source_file as source_file,
        {{ prefix }}_source_line as source_line,
        {{ prefix }}_loaded_at as loaded_at
{%- endmacro %}
