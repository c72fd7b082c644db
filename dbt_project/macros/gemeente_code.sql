{#- Turn a numeric or 4-digit gemeente code ("14", "0014") into the CBS form GM0014. -#}
{% macro gemeente_code(column) -%}
    'GM' || lpad(trim(cast({{ column }} as varchar)), 4, '0')
{%- endmacro %}
