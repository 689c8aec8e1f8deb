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
        ] -%}
        {%- for node in graph['nodes'].values() | sort(attribute='unique_id') -%}
            {%- if node.resource_type in ['seed', 'model'] and node.name in inputs -%}
                {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(local_md5(parts | join('\n'))) -}}
{%- endmacro %}
