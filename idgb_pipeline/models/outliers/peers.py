"""Outliers against peers: a gemeente's rate per 1,000 against the other members of its cluster.

The reference is the median of the other gemeenten in the same cluster of the latest
``regioclusters`` run, in the same year, and the spread is their MAD-based standard
deviation. The gemeente itself is left out of its own reference, so that an extreme
value does not pull the median and spread towards itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from idgb_pipeline.models.outliers.robust import robust_scale, robust_z

# A reference of fewer other gemeenten gives too rough a median and MAD to judge by.
MIN_PEERS = 4


def leave_one_out_reference(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return, per value, the median and robust scale of all other values (NaN ignored)."""
    n = len(values)
    others = np.broadcast_to(values, (n, n)).copy()
    np.fill_diagonal(others, np.nan)
    return np.nanmedian(others, axis=1), robust_scale(others, axis=1)


def peer_scores(rates: pd.DataFrame, clusters: pd.DataFrame) -> pd.DataFrame:
    """Score every gemeente × rate indicator × year against its cluster peers.

    ``rates`` has ``region_code``, ``indicator_code``, ``period_year`` and ``value``, and
    ``clusters`` has ``region_code`` and ``cluster``. Gemeenten without a cluster are
    not scored. Returns the rows of ``rates`` that have a cluster, with
    ``peer_median``, ``peer_scale``, ``peer_count`` and ``score`` (the robust z),
    NaN where fewer than ``MIN_PEERS`` peers have a value or their spread is 0.
    """
    frame = rates.merge(clusters[["region_code", "cluster"]], on="region_code", how="inner")
    frame = frame.sort_values(["indicator_code", "period_year", "cluster", "region_code"]).reset_index(drop=True)
    median = np.full(len(frame), np.nan)
    scale = np.full(len(frame), np.nan)
    count = np.zeros(len(frame), dtype=int)
    for _, group in frame.groupby(["indicator_code", "period_year", "cluster"], sort=False):
        positions = group.index.to_numpy()
        values = group["value"].to_numpy(dtype=float)
        median[positions], scale[positions] = leave_one_out_reference(values)
        count[positions] = np.isfinite(values).sum() - np.isfinite(values).astype(int)
    frame["peer_median"] = median
    frame["peer_scale"] = scale
    frame["peer_count"] = count
    score = robust_z(frame["value"].to_numpy(dtype=float), median, scale)
    frame["score"] = np.where(count >= MIN_PEERS, score, np.nan)
    return frame
