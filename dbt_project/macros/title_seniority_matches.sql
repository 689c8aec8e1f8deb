{#- Every title of `relation` against every title_seniority keyword, as a query of (`key`, seniority,
    match_rank): match_rank 1 is the title's seniority (the highest-priority keyword, then the keyword).
    Whole-word keywords match only between separators, so 'cto' does not match 'director'. The join compares
    every pair (35 keywords x 2.1M titles at SF10), so titles are lowered and split once and each keyword's
    pattern is built once. Used by dim_contacts (per contact) and lead_fit_observations (per record). -#}
{% macro title_seniority_matches(relation, key, title) -%}
    select
        titles.{{ key }},
        seniority_patterns.seniority,
        row_number() over (
            partition by titles.{{ key }}
            order by seniority_patterns.priority desc, seniority_patterns.keyword
        ) as match_rank

    from (
        select
            {{ key }},
            lower({{ title }}) as title_lower,
            {{ dbt.concat(["' '", "translate(lower(" ~ title ~ "), '-/,&()|.', '        ')", "' '"]) }} as title_words

        from {{ relation }}
        where {{ title }} is not null
    ) as titles
    inner join (
        select
            seniority,
            priority,
            keyword,
            case
                when whole_word then {{ dbt.concat(["'% '", 'lower(keyword)', "' %'"]) }}
                else {{ dbt.concat(["'%'", 'lower(keyword)', "'%'"]) }}
            end as title_pattern,
            whole_word

        from {{ ref('title_seniority') }}
    ) as seniority_patterns
        on case when seniority_patterns.whole_word then titles.title_words else titles.title_lower end
            like seniority_patterns.title_pattern
{%- endmacro %}
