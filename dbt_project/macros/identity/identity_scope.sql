{#-
    Scoped identity runs (int_identity_scope): a daily build recomputes the identity graph only around what is
    new. The models int_identity_identifiers_screened, _components, _parts, _record_parts and _clusters are
    incremental on DuckDB and PostgreSQL: each run deletes the rows of the identifiers (or records) in scope and
    appends them recomputed from the complete rows of those identifiers' records. The scope is closed (it holds
    whole components, old and new), so the tables end as a full rebuild would. On Spark (parquet cannot delete)
    they stay tables rebuilt in full.

    Each scoped model has `-- depends_on: {{ ref('int_identity_scope') }}`: dbt parses models with
    is_incremental() false, so the scope's ref inside these macros would be missed otherwise.
-#}

{#- A condition on int_identity_scope's `reason` column: the identifier may link differently after this run
    (every reason but rescreened), so the records carrying it are recomputed. -#}
{% macro graph_scope(reason) -%}
    {{ reason }} <> 'rescreened'
{%- endmacro %}

{#- materialized= of the scoped identity models: incremental where rows can be deleted, table on Spark. -#}
{% macro identity_scoped_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{#- A condition on `column` (an identifier key): in scope on an incremental run, always true otherwise. -#}
{% macro in_identity_scope(column) -%}
    {%- if is_incremental() -%}
    {{ column }} in (select identifier_key from {{ ref('int_identity_scope') }})
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The same for a record id: records carrying an identifier in scope (they carry no identifier of another
    component, so their whole rows can be recomputed). Identifiers only screened again (reason rescreened:
    blocked or shared, they link nothing) put their records in scope only for the screening, which counts
    them (rescreened=true). -#}
{% macro record_in_identity_scope(column, rescreened=false) -%}
    {%- if is_incremental() -%}
    {{ record_of_scope(column, ref('int_identity_edges'), ref('int_identity_scope'), rescreened) }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The condition itself, on the relations given: the models' (ref) or a test's (macros/scoped_tests.sql). -#}
{% macro record_of_scope(column, edges, scope, rescreened=false) -%}
    {{ column }} in (
        select scoped_edges.record_id
        from {{ edges }} as scoped_edges
        inner join {{ scope }} as scope
            on scoped_edges.identifier_key = scope.identifier_key
        {%- if not rescreened %}
        where {{ graph_scope('scope.reason') }}
        {%- endif %}
    )
{%- endmacro %}

{#- The import CTE `edges`: int_identity_edges, on an incremental run only the records in scope (whole).
    A full build reads the table where the CTE is used (cte_inlined: a model reading edges twice would copy all
    of them otherwise); an incremental one computes its few records in scope once. -#}
{% macro import_scoped_identity_edges(rescreened=false) -%}
edges as {{ cte_inlined() if not is_incremental() }} (

    select * from {{ ref('int_identity_edges') }}
    where {{ record_in_identity_scope('record_id', rescreened) }}

),
{%- endmacro %}

{#- A condition on `column` (a staged record id): in int_records_scope on an incremental run. -#}
{% macro in_records_scope(column) -%}
    {%- if is_incremental() -%}
    {{ record_in(column, ref('int_records_scope')) }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- `column` among the record ids of `records` (int_records_scope: a ref, or a test's relation by name). -#}
{% macro record_in(column, records) -%}
    {{ column }} in (select record_id from {{ records }})
{%- endmacro %}

{#- A condition on `column` (a contact id): a contact one of the records in int_records_scope now resolves
    to (read after int_records_resolved was rebuilt), on an incremental run. -#}
{% macro in_contacts_scope(column) -%}
    {%- if is_incremental() -%}
    {{ contact_of_records(column, ref('int_records_resolved'), ref('int_records_scope')) }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The condition itself, on the relations given: the models' (ref) or a test's (macros/scoped_tests.sql). -#}
{% macro contact_of_records(column, resolved, records) -%}
    {{ column }} in (
        select contact_id from {{ resolved }}
        where {{ record_in('record_id', records) }}
    )
{%- endmacro %}

{#- pre_hook of a scoped model: removes the rows about to be recomputed (no-op when not incremental).
    kind: identifier (int_identity_scope), record (records carrying one), resolved_record (int_records_scope),
    contact (contacts of those records, and contacts no record resolves to any more). -#}
{% macro delete_identity_scope(column, kind='identifier') -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where
    {%- if kind == 'record' %} {{ record_in_identity_scope(column) }}
    {%- elif kind == 'resolved_record' %} {{ in_records_scope(column) }}
    {%- elif kind == 'contact' %} {{ in_contacts_scope(column) }}
        or {{ column }} not in (select contact_id from {{ ref('int_records_resolved') }})
    {%- else %} {{ in_identity_scope(column) }}
    {%- endif %}
    {%- endif -%}
{%- endmacro %}
