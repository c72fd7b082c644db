"""Multivariate outliers: gemeente-years whose crime profile as a whole is unusual.

An isolation forest runs on the rates per 1,000 of every complete gemeente-year,
after robust scaling (median and interquartile range over all gemeente-years). The
contributing indicators of a profile are those with the largest scaled deviation, in
interquartile ranges from the median, as in the cluster profiles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class ProfileScores:
    """Isolation-forest scores of the gemeente-year profiles.

    ``scores`` has one row per complete gemeente-year (``region_code``,
    ``period_year``, ``score``, ``is_outlier``). ``deviations`` has the scaled value of
    each indicator in the same row order. ``threshold`` is the score above which a
    profile is an outlier, and ``n_incomplete`` counts gemeente-years left out because
    a rate was missing.
    """

    scores: pd.DataFrame
    deviations: pd.DataFrame
    threshold: float
    n_incomplete: int


def profile_scores(rates: pd.DataFrame, *, contamination: float, n_estimators: int, random_state: int) -> ProfileScores:
    """Fit the isolation forest on all complete profiles and score each of them.

    The score is the negated ``score_samples`` of scikit-learn, so that higher means
    more isolated (about 0.5 for an ordinary point, towards 1 for a clear outlier).
    ``contamination`` is the share of profiles above the threshold.
    """
    # scikit-learn is slow to import, so it is imported when the asset runs rather than when
    # Dagster loads the code location.
    from sklearn.ensemble import IsolationForest
    from sklearn.preprocessing import RobustScaler

    wide = rates.pivot_table(index=["region_code", "period_year"], columns="indicator_code", values="value", aggfunc="first")
    complete = wide.dropna()
    scaled = RobustScaler().fit_transform(complete.to_numpy())
    forest = IsolationForest(n_estimators=n_estimators, contamination=contamination, random_state=random_state).fit(scaled)
    score = -forest.score_samples(scaled)
    threshold = float(-forest.offset_)
    scores = complete.index.to_frame(index=False)
    scores["score"] = score
    scores["is_outlier"] = score > threshold
    deviations = pd.DataFrame(scaled, columns=complete.columns)
    return ProfileScores(scores=scores, deviations=deviations, threshold=threshold, n_incomplete=len(wide) - len(complete))


def top_contributions(deviations: pd.DataFrame, top: int) -> list[list[tuple[str, float]]]:
    """Return, per row, the ``top`` indicators with the largest absolute scaled deviation."""
    values = deviations.to_numpy()
    order = np.argsort(-np.abs(values), axis=1, kind="stable")[:, :top]
    columns = deviations.columns.to_numpy()
    return [[(str(columns[j]), float(values[i, j])) for j in row] for i, row in enumerate(order)]
