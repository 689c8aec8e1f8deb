{#- True when int_identity_components takes the DuckDB fast path (identity_component_labels(): scipy through
    the yuchi_component_labels function), which gives exactly the components of the portable SQL; var
    identity_fast_path: false forces the portable SQL on DuckDB too. -#}
{% macro identity_fast_path() -%}
    {{ return(target.type == 'duckdb' and var('identity_fast_path', true)) }}
{%- endmacro %}

{#- True when the probabilistic tier can run: Splink on DuckDB, for the sources listed in var
    identity_probabilistic_sources (empty by default: the tier is off). -#}
{% macro identity_probabilistic_tier() -%}
    {{ return(target.type == 'duckdb' and (var('identity_probabilistic_sources', []) | length) > 0) }}
{%- endmacro %}

{#- The part of an identifier value a per-contact limit counts within: the app id of an OpenID ('<app>:<id>'),
    the list of an external id; the whole type otherwise (identifier_types.limit_scope). -#}
{% macro identifier_limit_scope(limit_scope, id_value) -%}
    case when {{ limit_scope }} = 'prefix' then {{ dbt.split_part(id_value, "':'", 1) }} else '' end
{%- endmacro %}
