"""Region hierarchy gemeente → provincie → land for the count forecasts.

The aggregate series are sums of the complete gemeente series of the same indicator,
so every hierarchy is coherent in its history by construction. Gemeente ``GM0000``
("onbekend": crimes that the police could not place in a gemeente) has no province and
is not a child. ``NL00`` is therefore the sum of the gemeenten of the 2024 layout, which
is lower than the CBS national total by the crimes of ``GM0000``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from idgb_pipeline.models.forecast.panel import Panel, is_rate

GEMEENTE = "gemeente"
PROVINCIE = "provincie"
LAND = "land"
LEVELS = (GEMEENTE, PROVINCIE, LAND)
NATIONAL_CODE = "NL00"
NATIONAL_NAME = "Nederland"

PROVINCE_SQL = """
    select region_code, province_code, province_name
    from marts.dim_region
    where region_level = 'gemeente' and is_current_layout and region_code <> 'GM0000'
"""


@dataclass
class Hierarchy:
    """Summing matrix of one indicator's series, with one label row per node.

    ``summing`` has shape ``(n_nodes, n_gemeenten)``: row ``i`` marks the gemeenten
    that add up to node ``i``. The gemeenten come first, in panel order, so the lower
    block of ``summing`` is the identity.
    """

    keys: pd.DataFrame
    summing: np.ndarray

    @property
    def n_bottom(self) -> int:
        """Number of gemeenten (bottom-level series)."""
        return self.summing.shape[1]


def load_provinces(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the province of every 2024-layout gemeente from ``marts.dim_region``."""
    return connection.execute(PROVINCE_SQL).df()


def build_hierarchy(gemeenten: pd.DataFrame, provinces: pd.DataFrame) -> Hierarchy:
    """Build the summing matrix over the given gemeenten (one indicator).

    A gemeente without a province counts towards ``NL00`` only, so the national node
    still adds up to all gemeenten.
    """
    province_of = provinces.set_index("region_code")
    codes = gemeenten["region_code"].to_numpy()
    province_codes = province_of["province_code"].reindex(codes).to_numpy()
    province_names = province_of["province_name"].reindex(codes).to_numpy()
    known = pd.notna(province_codes)
    province_list = sorted(set(province_codes[known]))

    rows = [np.eye(len(codes))]
    labels = [pd.DataFrame({"region_code": codes, "region_name": gemeenten["region_name"].to_numpy(), "region_level": GEMEENTE})]
    if province_list:
        rows.append(np.vstack([province_codes == code for code in province_list]).astype(float))
        names = [province_names[province_codes == code][0] for code in province_list]
        labels.append(pd.DataFrame({"region_code": province_list, "region_name": names, "region_level": PROVINCIE}))
    rows.append(np.ones((1, len(codes))))
    labels.append(pd.DataFrame({"region_code": [NATIONAL_CODE], "region_name": [NATIONAL_NAME], "region_level": [LAND]}))
    return Hierarchy(keys=pd.concat(labels, ignore_index=True), summing=np.vstack(rows))


def hierarchical_panel(panel: Panel, provinces: pd.DataFrame) -> tuple[Panel, dict[str, Hierarchy]]:
    """Add province and national sums of every count indicator to the gemeente panel.

    Returns the stacked panel, with a ``region_level`` key column, and the hierarchy of
    each count indicator. Rates are not additive, so their series stay at the gemeente
    level and get no hierarchy. The rows of one indicator are contiguous and in
    hierarchy order, which the reconciliation relies on.
    """
    values, keys, hierarchies = [], [], {}
    indicators = panel.keys["indicator_code"].to_numpy()
    for indicator in dict.fromkeys(indicators):
        rows = indicators == indicator
        bottom = panel.values[rows]
        gemeenten = panel.keys[rows].reset_index(drop=True)
        if is_rate(indicator):
            values.append(bottom)
            keys.append(gemeenten.assign(region_level=GEMEENTE))
            continue
        hierarchy = build_hierarchy(gemeenten, provinces)
        hierarchy.keys.insert(0, "indicator_code", indicator)
        hierarchies[indicator] = hierarchy
        values.append(hierarchy.summing @ bottom)
        keys.append(hierarchy.keys)
    stacked = Panel(
        values=np.vstack(values),
        years=panel.years,
        keys=pd.concat(keys, ignore_index=True),
        provisional_years=panel.provisional_years,
        excluded=panel.excluded,
    )
    return stacked, hierarchies
