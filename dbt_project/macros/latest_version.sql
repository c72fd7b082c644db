{#- Select the rows of the most recent load of each file of a raw source.
    Raw tables keep every accepted file version (one sha256 per load), so
    staging must pick the newest one per file name. -#}
{% macro latest_version(relation) %}
    select *
    from {{ relation }}
    qualify _loaded_at = max(_loaded_at) over (partition by _file_name)
{% endmacro %}
