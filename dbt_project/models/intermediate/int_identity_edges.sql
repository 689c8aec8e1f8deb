{#-
    The identity graph's raw material: one row per (staged record, identifier on it), for every identifier
    column of every source in staged_sources(). Nothing is filtered here: int_identity_identifiers_screened
    decides which identifiers may link records (blocked values, shared values).

    Incremental (append; a table on Spark): a run adds the records each staging model appended since (its
    loaded_at is later than the newest of that source here), and `edged_at` says which run added them, so
    int_identity_scope knows what is new to the graph. A record already here is never added twice (a deleted
    person's newest records can lower that watermark): a record holds one value of each identifier type.
    Warehouses built before 2026-12-07 carry an `edge_key` column (the record id and identifier key again,
    read by nothing but its uniqueness test); the next run drops it.
-#}
{{ config(
    materialized=identity_scoped_materialization(),
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ drop_retired_column('edge_key') }}",
) }}
{%- set sources = staged_sources() | selectattr('identifiers') | list -%}
{%- if is_incremental() and not relation_has_column(this, 'edged_at') -%}
    {{ exceptions.raise_compiler_error(
        this ~ ' was built by a Yuchi without scoped identity runs (it has no edged_at column): rebuild the '
        ~ 'identity graph once with `dbt build --full-refresh --select int_identity_edges+`'
    ) }}
{%- endif -%}
{%- set edged_at = "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}

with

{{ import_staged_sources(sources) }}

observed as (

    {% for source in sources %}
    {%- set outer_loop = loop %}
    {%- for column in source.identifiers %}
    select
        record_id,
        '{{ source.name }}' as source,
        occurred_at,
        loaded_at,
        '{{ column }}' as id_type,
        {{ column }} as id_value
    from {{ source.name }}
    where {{ column }} is not null
    {%- if is_incremental() %}
        and loaded_at > (
            select coalesce(max(loaded_at), cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }}))
            from {{ this }}
            where source = '{{ source.name }}'
        )
        and record_id not in (select record_id from {{ this }} where source = '{{ source.name }}')
    {%- endif %}
    {% if not (outer_loop.last and loop.last) %}
    union all
    {% endif %}
    {%- endfor %}
    {%- endfor %}

),

final as (

    select
        record_id,
        source,
        occurred_at,
        id_type,
        id_value,
        {{ dbt.concat(['id_type', "':'", 'id_value']) }} as identifier_key,
        loaded_at,
        {{ edged_at }} as edged_at

    from observed

)

select * from final
