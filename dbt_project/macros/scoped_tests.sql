{#-
    Data tests of the scoped identity and scoring models check, on an incremental run, the rows that run wrote.

    A test opts in with a placeholder as its `where` config (dbt renders configs when it parses, so the
    placeholder is resolved here, when the test runs):
      __identity_scope__          identifier_key in int_identity_scope (screening, components, parts,
                                  clusters);
      __identity_scope_records__  record_id of a record carrying an identifier of int_identity_scope that may
                                  link differently (record parts; the records the convergence test reads);
      __records_scope__           record_id in int_records_scope (records resolved, behaviours, scoring
                                  events and fit observations; append `:column` when the model calls the
                                  record id otherwise);
      __contacts_scope__          contact_id of a record in int_records_scope (the scoring inputs kept per
                                  contact: engagement totals, fit current);
      __edges_this_run__          every edge of the records int_identity_edges appended in its latest run.
    A scope is read by name, not ref(): it must be built before the model it tests (upstream of it).
    Rows outside are as the run that wrote them left them, and were checked then. A test of uniqueness stays
    exact: it filters on the key itself, or on the column the key begins with (observation_id is record_id ||
    ':' || attribute), so a new row and an old row sharing a key are both kept. A scoring input recomputed in
    full because its scoring version changed is still checked on the rows in scope only. Tests that
    catch rows lost outside the scope (relationships, every_staged_record_is_resolved, every linking identifier
    has a component) check every row, every time. On a full refresh (`--full-refresh`), and with
    `--vars '{test_every_row: true}'`, the opted-in tests check every row too.
-#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and where.startswith('__') -%}
        {%- set where = scoped_test_condition(where) -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The condition a placeholder of the `where` config stands for, or none when every row is checked. -#}
{% macro scoped_test_condition(placeholder) -%}
    {%- set name, _, column = placeholder.partition(':') -%}
    {%- if not execute or flags.FULL_REFRESH or var('test_every_row', false) or target.type == 'spark' -%}
        {{ return(none) }}
    {%- elif name == '__identity_scope__' -%}
        {{ return((column or 'identifier_key') ~ ' in (select identifier_key from '
            ~ model_relation('int_identity_scope') ~ ')') }}
    {%- elif name == '__identity_scope_records__' -%}
        {{ return(record_of_scope(column or 'record_id', model_relation('int_identity_edges'),
            model_relation('int_identity_scope'))) }}
    {%- elif name == '__records_scope__' -%}
        {{ return(record_in(column or 'record_id', model_relation('int_records_scope'))) }}
    {%- elif name == '__contacts_scope__' -%}
        {{ return(contact_of_records(column or 'contact_id', model_relation('int_records_resolved'),
            model_relation('int_records_scope'))) }}
    {%- elif name == '__edges_this_run__' -%}
        {%- set edges = model_relation('int_identity_edges') -%}
        {{ return('record_id in (select record_id from ' ~ edges ~ ' where edged_at = (select max(edged_at) from '
            ~ edges ~ '))') }}
    {%- else -%}
        {{ exceptions.raise_compiler_error('unknown test scope ' ~ placeholder ~ ' (macros/scoped_tests.sql)') }}
    {%- endif -%}
{%- endmacro %}

{#- The relation a model of this project builds, by name (a test's scope is read without a ref: the test
    depends on the model it tests only). -#}
{% macro model_relation(name) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == name -%}
        {{ return(node.relation_name) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('no model named ' ~ name) }}
{%- endmacro %}
