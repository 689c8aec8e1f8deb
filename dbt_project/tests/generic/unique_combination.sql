{#- The combination of `columns` is unique: no two rows of the model share all their values (a row with a
    null in any of them counts as its own combination). -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as n_rows

from {{ model }}
where {% for column in columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
