"""Model input: one row per gemeente of the 2024 layout, one column per configured variable.

The crime panel is on the 2024 layout for every year, but the attributes of 2019 (KWB
age shares) and 2022 (address density) are on the layout of their own year. Such
values are carried onto the 2024 layout as a weighted mean over the old gemeenten
that make up each new one. The weight is ``share × inhabitants of the old gemeente in
that year``, where ``share`` is the fraction of the old gemeente's addresses that goes
to the new one (prep.gemeente_herindeling). For percentages this is the exact
population mean. For address density it is an approximation, because CBS averages
over addresses.
"""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pandas as pd

from idgb_pipeline.models.questions import REGION_ATTRIBUTES, Variable

logger = logging.getLogger("idgb_pipeline.models.panel")

REGIONS_SQL = """
    select region_code, region_name
    from marts.dim_region
    where region_level = 'gemeente' and is_current_layout and region_code <> 'GM0000'
    order by region_code
"""

# Values of one indicator and year, carried onto the 2024 layout. Codes that are
# already on that layout map to themselves, because the herindeling table contains an
# identity row for every unchanged gemeente.
MAPPED_VALUES_SQL = """
    with

    source_values as (

        select region_code, value
        from marts.fct_indicator_value
        where indicator_code = $indicator and period_year = $year and value is not null

    ),

    weights as (

        select region_code, value as inhabitants
        from marts.fct_indicator_value
        where indicator_code = 'inwoners' and period_year = $year

    ),

    mapping as (

        select gemeente_code_from, gemeente_code_to, share
        from prep.gemeente_herindeling
        where period_year = $year

    ),

    weighted as (

        select
            mapping.gemeente_code_to as region_code,
            sum(mapping.share * weights.inhabitants * source_values.value)
                / sum(mapping.share * weights.inhabitants) as value,
            count(*) as source_count

        from source_values
        inner join mapping
            on mapping.gemeente_code_from = source_values.region_code
        inner join weights
            on weights.region_code = source_values.region_code
        where mapping.share * weights.inhabitants > 0
        group by 1

    )

    select * from weighted
"""

DIRECT_VALUES_SQL = """
    select region_code, value, 1 as source_count
    from marts.fct_indicator_value
    where indicator_code = $indicator and period_year = $year and value is not null
"""

IS_CURRENT_LAYOUT_SQL = """
    select coalesce(bool_and(dim_region.is_current_layout), false)
    from marts.fct_indicator_value as fact
    inner join marts.dim_region as dim_region
        on dim_region.region_code = fact.region_code
    where fact.indicator_code = $indicator and fact.period_year = $year
"""

HAS_MAPPING_SQL = "select count(*) > 0 from prep.gemeente_herindeling where period_year = $year"


def load_regions(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the gemeenten of the 2024 layout with their names, indexed by code."""
    return connection.execute(REGIONS_SQL).df().set_index("region_code")


def _indicator_values(connection: duckdb.DuckDBPyConnection, variable: Variable) -> tuple[pd.Series, bool]:
    """Return the values of one indicator on the 2024 layout and whether they were mapped."""
    parameters = {"indicator": variable.code, "year": variable.year}
    on_current_layout = connection.execute(IS_CURRENT_LAYOUT_SQL, parameters).fetchone()[0]
    has_mapping = connection.execute(HAS_MAPPING_SQL, {"year": variable.year}).fetchone()[0]
    # Values on their own year's layout are mapped; values already on the 2024 layout
    # (crime, inhabitants of the 2024 layout) are taken as they are.
    is_mapped = bool(has_mapping and not on_current_layout)
    frame = connection.execute(MAPPED_VALUES_SQL if is_mapped else DIRECT_VALUES_SQL, parameters).df()
    return frame.set_index("region_code")["value"].astype(float), is_mapped


def _attribute_values(connection: duckdb.DuckDBPyConnection, variable: Variable) -> pd.Series:
    if variable.code not in REGION_ATTRIBUTES:
        raise ValueError(f"Region attribute {variable.code!r} is not in the vetted list.")
    frame = connection.execute(
        f"select region_code, cast({variable.code} as double) as value from marts.dim_region "
        "where region_level = 'gemeente' and is_current_layout"
    ).df()
    return frame.set_index("region_code")["value"]


def load_variables(
    connection: duckdb.DuckDBPyConnection, variables: list[Variable]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the model input frame and a long record of the values used.

    The frame has one row per gemeente of the 2024 layout and one column per variable
    (after its transform); missing values stay NaN. The record has one row per
    gemeente × variable with ``indicator_code``, ``period_year``, ``value`` (before the
    transform) and ``is_mapped`` (carried over from an older layout).
    """
    regions = load_regions(connection)
    columns: dict[str, pd.Series] = {}
    records = []
    for variable in variables:
        if variable.source == "regiokenmerk":
            values, is_mapped = _attribute_values(connection, variable), False
        else:
            values, is_mapped = _indicator_values(connection, variable)
        values = values.reindex(regions.index)
        transformed = np.log(values.where(values > 0)) if variable.transform == "log" else values
        columns[variable.column] = transformed
        records.append(
            pd.DataFrame(
                {
                    "region_code": values.index,
                    "indicator_code": variable.code,
                    "period_year": variable.year,
                    "value": values.to_numpy(),
                    "is_mapped": is_mapped,
                }
            )
        )
        logger.info("Loaded %s (%s): %d of %d gemeenten, mapped=%s", variable.code, variable.year, values.notna().sum(), len(regions), is_mapped)
    frame = pd.DataFrame(columns, index=regions.index)
    frame.insert(0, "region_name", regions["region_name"])
    return frame, pd.concat(records, ignore_index=True)
