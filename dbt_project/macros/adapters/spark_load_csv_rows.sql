{#-
    Seeds on Spark: dbt-spark's session method wraps every seed value in quotes without escaping the quotes
    inside it ("Bound a mobile number to the follower's profile" fails with PARSE_SYNTAX_ERROR). This override
    of dbt-spark's spark__load_csv_rows writes each value as an escaped SQL literal instead of a binding, which
    works for every Spark connection method. Seeds are small analyst-edited tables, so literals cost nothing.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}

    {% set column_override = model['config'].get('column_types', {}) %}
    {% set statements = [] %}

    {% for chunk in agate_table.rows | batch(get_batch_size()) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ type }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}

    {{ return(statements[0] if statements else '') }}

{% endmacro %}

{#- A Python value from a seed as a Spark SQL literal (backslashes and quotes escaped, null as null). -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ (value | string) | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
