{#-
    Scoped stage entries (int_lead_stage_scope, int_lead_stage_entries): a daily build evaluates the
    score-driven stage entries only for the contacts whose entries can have changed.
-#}

{#- pre_hook of int_lead_stage_entries: removes the rows of the contacts in scope, and of contacts no record
    resolves to any more (merged away, erased). No-op when not incremental. -#}
{% macro delete_lead_stage_scope() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where contact_id in (select contact_id from {{ ref('int_lead_stage_scope') }})
        or contact_id not in (select contact_id from {{ ref('dim_contacts') }})
    {%- endif -%}
{%- endmacro %}

{#- post_hook of int_lead_stage_entries: the rows kept from earlier runs hold as of this run's scoring time
    (int_lead_stage_scope), so they carry it; the table then equals a full rebuild's. -#}
{% macro restamp_lead_stage_entries() -%}
    {%- if is_incremental() -%}
    update {{ this }}
    set scored_as_of = (select scoring_time.evaluated_at from ({{ scoring_as_of_sql() }}) as scoring_time)
    where scored_as_of <> (select scoring_time.evaluated_at from ({{ scoring_as_of_sql() }}) as scoring_time)
    {%- endif -%}
{%- endmacro %}

{#- A fingerprint of the score definition: dbt's checksums of the seeds and models lead scores are computed
    from. A stage entry computed under another fingerprint is recomputed (int_lead_stage_scope), so editing a
    rule, a threshold or one of these models needs no --full-refresh. The scoring macros are not in it (dbt
    gives a model no macro's text): after editing one, rebuild with
    `dbt build --full-refresh --select int_lead_stage_entries+`. -#}
{% macro lead_scoring_version() -%}
    {%- set parts = [] -%}
    {%- if execute and graph.get('nodes') -%}
        {#- (a unit test's context has no graph) -#}
        {%- set inputs = [
            'scoring_behavior_points', 'scoring_fit_points', 'scoring_groups', 'scoring_lifecycle_stages',
            'scoring_regions', 'scoring_email_domains', 'title_seniority',
            'lead_score_events', 'lead_fit_observations', 'lead_score_points', 'int_lead_stage_entries',
            'int_lead_engagement_totals', 'int_lead_fit_current',
        ] -%}
        {%- for node in graph['nodes'].values() | sort(attribute='unique_id') -%}
            {%- if node.resource_type in ['seed', 'model'] and node.name in inputs -%}
                {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(local_md5(parts | join('\n'))) -}}
{%- endmacro %}

{#- Scoped scoring inputs (lead_score_events, lead_fit_observations): per-record derivations of fct_behaviors
    and int_contact_attributes_unioned under the scoring seeds. A daily build recomputes the rows of the
    records of int_records_scope, like their inputs; all of them when a row carries another
    lead_scoring_version() (a rule or a classification seed changed) or the table predates the column. -#}
{% macro scoring_rows_stale() -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- if not relation_has_column(this, 'scoring_version') -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set stale = run_query(
        "select count(*) from " ~ this ~ " where scoring_version <> '" ~ lead_scoring_version() ~ "'"
        ~ " or scoring_version is null"
    ) -%}
    {{ return(stale.columns[0].values()[0] > 0) }}
{%- endmacro %}

{#- A condition on `column` (a staged record id) for a scoped scoring input: in int_records_scope on an
    incremental run whose rows are current, always true otherwise. -#}
{% macro in_scoring_scope(column) -%}
    {%- if is_incremental() and not scoring_rows_stale() -%}
    {{ in_records_scope(column) }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of a scoped scoring input: removes the rows about to be recomputed (every row when stale). -#}
{% macro delete_scoring_scope(column) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ in_scoring_scope(column) }}
    {%- endif -%}
{%- endmacro %}

{#- A condition on `column` (a contact id) for a scoring input kept per contact (int_lead_engagement_totals,
    int_lead_fit_current): a contact of int_records_scope's records on an incremental run whose rows are
    current, always true otherwise. -#}
{% macro in_scoring_contacts_scope(column) -%}
    {%- if is_incremental() and not scoring_rows_stale() -%}
    {{ in_contacts_scope(column) }}
    {%- else -%}
    1 = 1
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of a scoring input kept per contact: removes the rows about to be recomputed, and those of
    contacts no record resolves to any more (merged away, erased). -#}
{% macro delete_scoring_contacts_scope(column) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ in_scoring_contacts_scope(column) }}
        or {{ column }} not in (select contact_id from {{ ref('int_records_resolved') }})
    {%- endif -%}
{%- endmacro %}
