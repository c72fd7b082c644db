"""The result of one model for one research question, before it is written."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class ModelAnswer:
    """Result tables (by table name), quality metrics, UI plots and a short summary."""

    tables: dict[str, pd.DataFrame]
    metrics: pd.DataFrame
    plots: dict[str, str] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
