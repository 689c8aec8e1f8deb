{#- Gives whether the contact refused automated decision-making (PIPL art. 24): dim_contacts'
    refused_automated_decisions once the identity models provide it, else false for everyone. -#}
{% macro refused_automated_decisions(contacts) -%}
    {%- if relation_has_column(ref('dim_contacts'), 'refused_automated_decisions') -%}
        coalesce({{ contacts }}.refused_automated_decisions, false)
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}
