"""Settings of the outlier model, with the defaults of the asset."""

from __future__ import annotations

from dataclasses import dataclass

from idgb_pipeline.models.outliers.robust import CONVENTIONAL_THRESHOLD

KIND_OVER_TIME = "over_time"
KIND_PEER = "peer"
KIND_MULTIVARIATE = "multivariate"
KINDS = (KIND_OVER_TIME, KIND_PEER, KIND_MULTIVARIATE)


@dataclass(frozen=True)
class OutlierSettings:
    """Thresholds and isolation-forest settings.

    The over-time and peer thresholds are the ``threshold_quantile`` of the pooled
    absolute scores of the final years, but at least ``threshold_floor``. So at most
    2% of the final points of each kind are flagged, and only those beyond the
    conventional robust-z cut-off. On the bundled data the floor decides.
    ``contamination`` is the share of gemeente-year profiles the isolation forest
    flags.
    """

    threshold_quantile: float = 0.98
    threshold_floor: float = CONVENTIONAL_THRESHOLD
    contamination: float = 0.01
    n_estimators: int = 200
    random_state: int = 20240101
    top_contributions: int = 3
