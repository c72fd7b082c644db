"""Backtest accuracy per region level, before and after reconciliation.

The base backtest runs every method on every series of the stacked panel (gemeenten,
provinces, land). The reconciled backtest takes, per series, the base forecasts of the
method chosen for its indicator and level, reconciles them per origin and horizon, and
scores them on the same held-out values. Both use the method choice made on all
origins, so the comparison isolates the effect of reconciliation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from idgb_pipeline.models.forecast import backtest
from idgb_pipeline.models.forecast.hierarchy import LEVELS, Hierarchy
from idgb_pipeline.models.forecast.reconcile import NO_RECONCILIATION, RECONCILIATION, reconcile

Selection = dict[tuple[str, str], str]


def accuracy_per_level(errors: pd.DataFrame, calibration_last_origin: int, reconciliation: str) -> pd.DataFrame:
    """Return ``backtest.accuracy`` for each region level, labelled by level and reconciliation."""
    tables = []
    for level in LEVELS:
        frame = errors[errors["region_level"] == level]
        if frame.empty:
            continue
        table = backtest.accuracy(frame, calibration_last_origin)
        table.insert(1, "region_level", level)
        table.insert(3, "reconciliation", reconciliation)
        tables.append(table)
    return pd.concat(tables, ignore_index=True)


def selection(accuracy: pd.DataFrame) -> Selection:
    """Return the chosen method per (indicator, level) from a base accuracy table."""
    chosen = accuracy.loc[accuracy["is_selected"], ["indicator_code", "region_level", "method"]]
    return {(indicator, level): method for indicator, level, method in chosen.itertuples(index=False)}


def reconciled_errors(errors: pd.DataFrame, keys: pd.DataFrame, hierarchies: dict[str, Hierarchy], chosen: Selection) -> pd.DataFrame:
    """Return the backtest rows of the chosen methods with reconciled points.

    ``errors`` carries ``series`` (row of the stacked panel) and ``region_level``.
    Only indicators with a hierarchy are reconciled. The interval spread ``sigma`` is
    the base one, so the reconciled interval is the base interval moved to the
    reconciled point.
    """
    method_of_row = pd.Series(
        [chosen[(indicator, level)] for indicator, level in keys[["indicator_code", "region_level"]].itertuples(index=False)]
    )
    chosen_rows = errors[errors["method"].to_numpy() == method_of_row.to_numpy()[errors["series"].to_numpy()]]
    frames = []
    for indicator, hierarchy in hierarchies.items():
        series = np.flatnonzero(keys["indicator_code"].to_numpy() == indicator)
        rows = chosen_rows[chosen_rows["series"].isin(series)]
        points = rows.pivot(index="series", columns=["origin", "horizon"], values="point").reindex(series)
        coherent, _ = reconcile(points.to_numpy(), hierarchy.summing)
        reconciled = pd.DataFrame(coherent, index=points.index, columns=points.columns).stack(["origin", "horizon"], future_stack=True)
        frames.append(rows.drop(columns="point").merge(reconciled.rename("point").reset_index(), on=["series", "origin", "horizon"]))
    if not frames:
        return chosen_rows.iloc[0:0]
    return backtest.add_error_columns(pd.concat(frames, ignore_index=True))


def with_base_baselines(reconciled: pd.DataFrame, base: pd.DataFrame) -> pd.DataFrame:
    """Set relative MASE of the reconciled rows against the base naive and drift MASE.

    The reconciled backtest contains only the chosen method, so ``backtest.accuracy`` finds
    no baseline rows of its own. ``mase_base`` is the base MASE of the same method,
    and ``relative_mase_base`` below 1 means reconciliation improved that level.
    """
    reconciled = reconciled.copy()
    index = ["indicator_code", "region_level"]
    for baseline in ("naive", "drift"):
        reference = base[base["method"] == baseline].set_index(index)["mase"]
        reconciled[f"relative_mase_{baseline}"] = reconciled["mase"].to_numpy() / reference.reindex(pd.MultiIndex.from_frame(reconciled[index])).to_numpy()
    same_method = base.set_index([*index, "method"])["mase"]
    reconciled["mase_base"] = same_method.reindex(pd.MultiIndex.from_frame(reconciled[[*index, "method"]])).to_numpy()
    reconciled["relative_mase_base"] = reconciled["mase"] / reconciled["mase_base"]
    return reconciled


def level_comparison(accuracy: pd.DataFrame) -> pd.DataFrame:
    """Return base and reconciled MASE of the chosen methods per level, averaged over indicators."""
    chosen = accuracy[accuracy["is_selected"] & accuracy["indicator_code"].isin(accuracy.loc[accuracy["reconciliation"] == RECONCILIATION, "indicator_code"])]
    table = chosen.pivot_table(index="region_level", columns="reconciliation", values="mase", aggfunc="mean")
    counts = chosen[chosen["reconciliation"] == NO_RECONCILIATION].groupby("region_level")["n_points_mase"].sum()
    table = table.rename(columns={NO_RECONCILIATION: "mase_base", RECONCILIATION: "mase_reconciled"})
    table["relative_mase_reconciled"] = table["mase_reconciled"] / table["mase_base"]
    table["n_points"] = counts
    return table.reindex([level for level in LEVELS if level in table.index]).reset_index()
