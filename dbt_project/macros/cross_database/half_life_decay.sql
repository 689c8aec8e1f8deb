{#- Gives the weight of something `age_days` old that halves every `half_life_days`: 2^(-age / half-life),
    written as exp(-ln 2 * age / half-life). A null half-life means no decay (weight 1). -#}
{% macro half_life_decay(age_days, half_life_days) -%}
    {{ return(adapter.dispatch('half_life_decay', 'yuchi')(age_days, half_life_days)) }}
{%- endmacro %}

{% macro default__half_life_decay(age_days, half_life_days) -%}
    case
        when {{ half_life_days }} is null then 1.0
        else exp(-0.6931471805599453 * cast({{ age_days }} as {{ type_double() }}) / {{ half_life_days }})
    end
{%- endmacro %}
