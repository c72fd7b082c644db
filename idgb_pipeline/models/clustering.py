"""Clusters of regions with a similar indicator profile, and their Dutch descriptions."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_samples, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import RobustScaler
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_array, check_is_fitted, check_random_state

# Robust z-scores (difference from the median in interquartile ranges) that make an
# indicator distinctive for a cluster. Half an IQR is "hoog"/"laag". A fifth of an IQR
# is "iets hoger"/"iets lager", used only when nothing in that direction reaches half.
DISTINCTIVE_THRESHOLD = 0.5
SLIGHT_THRESHOLD = 0.2


class RegionClusterer(ClusterMixin, BaseEstimator):
    """K-means on robustly scaled indicators with k chosen by silhouette.

    Parameters
    ----------
    k_min : int, default=2
        Smallest number of clusters to try.
    k_max : int, default=6
        Largest number of clusters to try.
    n_bootstrap : int, default=30
        Bootstrap resamples for the stability of each k.
    n_init : int, default=10
        K-means restarts per fit.
    clip : float or None, default=None
        Scaled values beyond ``±clip`` are set to ``±clip``, so that a few extreme
        regions do not each claim a cluster. ``None`` keeps the scaled values.
    min_cluster_size : int, default=1
        A candidate k whose k-means solution has a smaller cluster is not chosen,
        because a cluster of one or two outliers is no peer group.
    random_state : int, RandomState instance or None, default=None
        Seed for k-means, the Gaussian mixtures and the bootstrap.

    Attributes
    ----------
    scaler_ : RobustScaler
        Median/IQR scaling fitted on the training data.
    n_clusters_ : int
        Chosen k: the highest mean silhouette within ``[k_min, k_max]`` among the
        candidates whose smallest cluster has at least ``min_cluster_size`` samples.
    kmeans_ : KMeans
        The fitted model for ``n_clusters_``.
    labels_ : ndarray of shape (n_samples,)
        Cluster of each sample.
    quality_ : DataFrame
        One row per candidate k: ``silhouette``, ``gmm_bic`` (diagonal-covariance
        Gaussian mixture) and ``stability_ari`` (mean adjusted Rand index between the
        full-data labels and labels from models fitted on bootstrap resamples),
        ``smallest_cluster`` and ``is_eligible``.
    """

    _parameter_constraints: dict = {
        "k_min": [Interval(Integral, 2, None, closed="left")],
        "k_max": [Interval(Integral, 2, None, closed="left")],
        "n_bootstrap": [Interval(Integral, 1, None, closed="left")],
        "n_init": [Interval(Integral, 1, None, closed="left")],
        "min_cluster_size": [Interval(Integral, 1, None, closed="left")],
        "clip": [Interval(Real, 0, None, closed="neither"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, *, k_min=2, k_max=6, n_bootstrap=30, n_init=10, min_cluster_size=1, clip=None, random_state=None):
        self.k_min = k_min
        self.clip = clip
        self.min_cluster_size = min_cluster_size
        self.k_max = k_max
        self.n_bootstrap = n_bootstrap
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, X, y=None):
        """Scale ``X``, try every k and keep the one with the best silhouette."""
        self._validate_params()
        X = check_array(X, dtype=float)
        if self.k_max < self.k_min:
            raise ValueError(f"k_max={self.k_max} should be >= k_min={self.k_min}.")
        if X.shape[0] <= self.k_max:
            raise ValueError(f"n_samples={X.shape[0]} should be > k_max={self.k_max}.")
        seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self.scaler_ = RobustScaler().fit(X)
        scaled = self._scale(X)
        self.quality_, models = self._evaluate_candidates(scaled, seed)
        eligible = self.quality_[self.quality_["is_eligible"]]
        if eligible.empty:
            raise ValueError(
                f"No k in [{self.k_min}, {self.k_max}] gives clusters of at least "
                f"min_cluster_size={self.min_cluster_size} samples."
            )
        best = eligible.loc[eligible["silhouette"].idxmax()]
        self.n_clusters_ = int(best["k"])
        self.kmeans_ = models[self.n_clusters_]
        self.labels_ = self.kmeans_.labels_
        self.quality_["is_chosen"] = self.quality_["k"] == self.n_clusters_
        return self

    def _scale(self, X: np.ndarray) -> np.ndarray:
        scaled = self.scaler_.transform(X)
        return scaled if self.clip is None else np.clip(scaled, -self.clip, self.clip)

    def _kmeans(self, k: int, seed: int) -> KMeans:
        return KMeans(n_clusters=k, n_init=self.n_init, random_state=seed)

    def _evaluate_candidates(self, scaled: np.ndarray, seed: int) -> tuple[pd.DataFrame, dict[int, KMeans]]:
        rng = np.random.default_rng(seed)
        rows, models = [], {}
        for k in range(self.k_min, self.k_max + 1):
            model = self._kmeans(k, seed).fit(scaled)
            models[k] = model
            mixture = GaussianMixture(n_components=k, covariance_type="diag", random_state=seed, n_init=2).fit(scaled)
            rows.append(
                {
                    "k": k,
                    "silhouette": float(silhouette_score(scaled, model.labels_)),
                    "gmm_bic": float(mixture.bic(scaled)),
                    "stability_ari": self._stability(scaled, model.labels_, k, rng),
                    "smallest_cluster": int(np.bincount(model.labels_).min()),
                }
            )
        quality = pd.DataFrame(rows)
        quality["is_eligible"] = quality["smallest_cluster"] >= self.min_cluster_size
        return quality, models

    def _stability(self, scaled: np.ndarray, reference: np.ndarray, k: int, rng: np.random.Generator) -> float:
        scores = []
        for _ in range(self.n_bootstrap):
            sample = rng.integers(0, len(scaled), len(scaled))
            resampled = self._kmeans(k, int(rng.integers(np.iinfo(np.int32).max))).fit(scaled[sample])
            scores.append(adjusted_rand_score(reference, resampled.predict(scaled)))
        return float(np.mean(scores))

    def predict(self, X):
        """Return the nearest cluster of each sample."""
        check_is_fitted(self)
        return self.kmeans_.predict(self._scale(check_array(X, dtype=float)))

    def distances(self, X) -> np.ndarray:
        """Return each sample's distance to its own cluster centre, in scaled units."""
        check_is_fitted(self)
        scaled = self._scale(check_array(X, dtype=float))
        labels = self.kmeans_.predict(scaled)
        return np.linalg.norm(scaled - self.kmeans_.cluster_centers_[labels], axis=1)

    def nearest_peers(self, X, n_peers: int) -> pd.DataFrame:
        """Return, per sample, the ``n_peers`` nearest other samples in its own cluster.

        Columns ``sample``, ``peer``, ``peer_rank`` (1 = nearest) and ``distance`` in
        scaled units; a cluster smaller than ``n_peers + 1`` yields fewer peers.
        """
        check_is_fitted(self)
        scaled = self._scale(check_array(X, dtype=float))
        labels = self.kmeans_.predict(scaled)
        rows = []
        for i in range(len(scaled)):
            members = np.flatnonzero((labels == labels[i]) & (np.arange(len(scaled)) != i))
            distances = np.linalg.norm(scaled[members] - scaled[i], axis=1)
            order = np.argsort(distances, kind="stable")[:n_peers]
            rows += [
                {"sample": i, "peer": int(members[j]), "peer_rank": rank + 1, "distance": float(distances[j])}
                for rank, j in enumerate(order)
            ]
        return pd.DataFrame(rows, columns=["sample", "peer", "peer_rank", "distance"])

    def silhouettes(self, X) -> np.ndarray:
        """Return the silhouette of each sample under the fitted clusters."""
        check_is_fitted(self)
        scaled = self._scale(check_array(X, dtype=float))
        return silhouette_samples(scaled, self.kmeans_.predict(scaled))


def cluster_profile(values: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Summarise each indicator per cluster against all regions.

    Returns one row per cluster × indicator with ``region_count``, ``mean``,
    ``median``, ``all_regions_median`` (unweighted median over all gemeenten, not a
    national rate), ``difference_from_all_median`` and ``robust_z`` (that difference
    divided by the interquartile range over all regions).
    """
    overall_median = values.median()
    iqr = values.quantile(0.75) - values.quantile(0.25)
    rows = []
    for cluster in sorted(np.unique(labels)):
        members = values[labels == cluster]
        for column in values.columns:
            median = float(members[column].median())
            spread = float(iqr[column]) or float("nan")
            rows.append(
                {
                    "cluster": int(cluster),
                    "indicator": column,
                    "region_count": len(members),
                    "mean": float(members[column].mean()),
                    "median": median,
                    "all_regions_median": float(overall_median[column]),
                    "difference_from_all_median": median - float(overall_median[column]),
                    "robust_z": (median - float(overall_median[column])) / spread,
                }
            )
    return pd.DataFrame(rows)


def _names(rows: pd.DataFrame, labels: dict[str, str]) -> str:
    return ", ".join(labels.get(code, code) for code in rows["indicator"])


def describe_clusters(profile: pd.DataFrame, labels: dict[str, str], *, top: int = 3) -> dict[int, str]:
    """Write a Dutch description per cluster from its most distinctive indicators.

    For example ``"hoog: fietsdiefstal, vernieling; laag: woninginbraak"``. Per
    direction, at most ``top`` indicators at or beyond ``DISTINCTIVE_THRESHOLD`` are
    named, or else those at or beyond ``SLIGHT_THRESHOLD`` as "iets hoger"/"iets lager".
    """
    descriptions = {}
    for cluster, rows in profile.groupby("cluster"):
        ranked = rows.dropna(subset=["robust_z"]).sort_values("robust_z")
        parts = []
        for word, slight_word, sign in (("hoog", "iets hoger", 1), ("laag", "iets lager", -1)):
            directed = ranked.assign(score=sign * ranked["robust_z"]).sort_values("score", ascending=False)
            strong = directed[directed["score"] >= DISTINCTIVE_THRESHOLD].head(top)
            slight = directed[directed["score"] >= SLIGHT_THRESHOLD].head(top)
            if len(strong):
                parts.append(f"{word}: {_names(strong, labels)}")
            elif len(slight):
                parts.append(f"{slight_word}: {_names(slight, labels)}")
        descriptions[int(cluster)] = "; ".join(parts) or "dicht bij de mediaan van alle gemeenten"
    return descriptions
