"""Coherent forecasts: MinT reconciliation with WLS structural scaling, kept non-negative.

Base forecasts ``y_hat`` of all nodes of a hierarchy rarely add up. MinT (minimum trace)
reconciliation maps them to coherent forecasts ``y_tilde = S G y_hat`` with
``G = (S' W^-1 S)^-1 S' W^-1``. With structural scaling
``W`` is diagonal and contains the number of gemeenten under each node, so it needs no
estimate of the forecast error covariance. A gemeente then absorbs less of the
incoherence than a province, and a province less than the nation.

MinT can make a small gemeente forecast negative. Such bottom values are set to 0 and
every node is summed again from the gemeenten, so the result stays coherent to
floating-point precision. That step moves the result away from the MinT solution only
where a count would otherwise be negative.
"""

from __future__ import annotations

import numpy as np

RECONCILIATION = "mint_wls_structureel"
NO_RECONCILIATION = "geen"


def structural_weights(summing: np.ndarray) -> np.ndarray:
    """Return the WLS structural variances: the number of bottom series under each node."""
    return summing.sum(axis=1)


def mint_mapping(summing: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Return ``G = (S' W^-1 S)^-1 S' W^-1``, which maps base forecasts to bottom forecasts.

    ``weights`` is the diagonal of ``W``. Structural scaling is the default, and a vector
    of ones gives OLS reconciliation.
    """
    weights = structural_weights(summing) if weights is None else np.asarray(weights, dtype=float)
    scaled = summing.T / weights[None, :]
    return np.linalg.solve(scaled @ summing, scaled)


def reconcile(base: np.ndarray, summing: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Reconcile base forecasts and keep the gemeente forecasts non-negative.

    ``base`` has one row per node in the order of ``summing`` and any number of columns
    (horizons, origins), which are reconciled in one matrix product. Returns the
    coherent forecasts and the number of bottom values that were raised to 0.
    """
    bottom = mint_mapping(summing, weights) @ base
    negative = bottom < 0
    return summing @ np.where(negative, 0.0, bottom), int(negative.sum())
