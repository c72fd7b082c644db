"""Soundness of the model estimators on synthetic data with known answers."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from idgb_pipeline.models.clustering import RegionClusterer, cluster_profile, describe_clusters
from idgb_pipeline.models.factor_influence import (
    check_nonlinear,
    fit_standardised_ols,
    latent_loadings,
    variance_inflation,
)

PLANTED = {"a": 0.6, "b": -0.4, "c": 0.0}


def _planted_regression(n=400, seed=7):
    rng = np.random.default_rng(seed)
    factors = pd.DataFrame(rng.standard_normal((n, 3)), columns=list(PLANTED))
    noise = rng.standard_normal(n) * 0.6
    target = pd.Series(sum(weight * factors[name] for name, weight in PLANTED.items()) + noise)
    return target, factors


def test_ols_recovers_planted_coefficients():
    target, factors = _planted_regression()
    fit = fit_standardised_ols(target, factors)
    # The fit is on z-scores, so the planted slope is rescaled by sd(x) / sd(y).
    scale = factors.std(ddof=0) / target.std(ddof=0)
    for row in fit.coefficients.itertuples():
        planted = PLANTED[row.factor] * scale[row.factor]
        assert row.ci_low <= planted <= row.ci_high, row.factor
    assert fit.n == 400
    assert 0 < fit.adj_r2 <= fit.r2 < 1


def test_ols_null_factor_interval_covers_zero():
    target, factors = _planted_regression()
    row = fit_standardised_ols(target, factors).coefficients.set_index("factor").loc["c"]
    assert row.ci_low < 0 < row.ci_high
    assert row.p_value > 0.05


def test_vif_flags_collinear_factors():
    rng = np.random.default_rng(3)
    base = rng.standard_normal(300)
    factors = pd.DataFrame(
        {
            "x": base,
            "x_near_copy": base + rng.standard_normal(300) * 0.1,
            "independent": rng.standard_normal(300),
        }
    )
    vif = variance_inflation(factors)
    assert vif["x"] > 10
    assert vif["x_near_copy"] > 10
    assert vif["independent"] < 2


def test_nonlinear_check_beats_baseline_on_signal():
    rng = np.random.default_rng(5)
    factors = pd.DataFrame(rng.uniform(-2, 2, (300, 2)), columns=["curved", "noise"])
    target = pd.Series(factors["curved"] ** 2 + rng.standard_normal(300) * 0.3)
    check = check_nonlinear(target, factors, n_trees=80, cv_folds=4, permutation_repeats=3, random_state=0)
    assert len(check.fold_r2) == 4
    assert check.fold_r2.mean() > 0.6
    assert check.baseline_fold_r2.mean() < 0.05
    importance = check.importance.set_index("factor")["permutation_importance_mean"]
    assert importance["curved"] > 10 * max(importance["noise"], 0.01)


def test_latent_loadings_group_related_indicators():
    rng = np.random.default_rng(11)
    first, second = rng.standard_normal(500), rng.standard_normal(500)
    indicators = pd.DataFrame(
        {
            "a1": first + rng.standard_normal(500) * 0.3,
            "a2": first + rng.standard_normal(500) * 0.3,
            "b1": second + rng.standard_normal(500) * 0.3,
            "b2": second + rng.standard_normal(500) * 0.3,
        }
    )
    loadings = latent_loadings(indicators, n_factors=2, random_state=0)
    strongest = loadings.loc[loadings["loading"].abs().groupby(loadings["indicator"]).idxmax()].set_index("indicator")
    assert strongest.at["a1", "latent_factor"] == strongest.at["a2", "latent_factor"]
    assert strongest.at["b1", "latent_factor"] == strongest.at["b2", "latent_factor"]
    assert strongest.at["a1", "latent_factor"] != strongest.at["b1", "latent_factor"]
    assert (loadings["communality"] > 0.7).all()


def test_clusterer_recovers_planted_clusters():
    X, planted = make_blobs(n_samples=300, centers=4, n_features=6, cluster_std=1.0, random_state=2)
    model = RegionClusterer(k_min=2, k_max=7, n_bootstrap=10, random_state=0).fit(X)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(planted, model.labels_) >= 0.9
    chosen = model.quality_.loc[model.quality_["is_chosen"]].iloc[0]
    assert chosen["stability_ari"] >= 0.9


def test_clusterer_is_reproducible_with_random_state():
    X, _ = make_blobs(n_samples=200, centers=3, n_features=4, random_state=4)
    first = RegionClusterer(k_min=2, k_max=5, n_bootstrap=5, random_state=1).fit(X)
    second = RegionClusterer(k_min=2, k_max=5, n_bootstrap=5, random_state=1).fit(X)
    assert np.array_equal(first.labels_, second.labels_)
    pd.testing.assert_frame_equal(first.quality_, second.quality_)


def test_clusterer_rejects_outlier_cluster_without_clip():
    X, _ = make_blobs(n_samples=200, centers=3, n_features=4, random_state=4)
    with_outlier = np.vstack([X, np.full((1, 4), 500.0)])
    with pytest.raises(ValueError, match="min_cluster_size=5"):
        RegionClusterer(k_min=2, k_max=5, n_bootstrap=3, min_cluster_size=5, random_state=0).fit(with_outlier)


def test_clusterer_clip_absorbs_outlier():
    X, planted = make_blobs(n_samples=200, centers=3, n_features=4, random_state=4)
    with_outlier = np.vstack([X, np.full((1, 4), 500.0)])
    model = RegionClusterer(k_min=2, k_max=5, n_bootstrap=3, min_cluster_size=5, clip=3.0, random_state=0).fit(with_outlier)
    assert np.bincount(model.labels_).min() >= 5
    assert not model.quality_.loc[~model.quality_["is_eligible"], "is_chosen"].any()
    assert adjusted_rand_score(planted, model.labels_[:200]) >= 0.9


def test_clusterer_rejects_too_few_samples():
    with pytest.raises(ValueError, match="n_samples=4 should be > k_max=5"):
        RegionClusterer(k_min=2, k_max=5).fit(np.arange(8.0).reshape(4, 2))


def test_nearest_peers_stay_in_cluster():
    X, _ = make_blobs(n_samples=90, centers=3, n_features=3, random_state=8)
    model = RegionClusterer(k_min=3, k_max=3, n_bootstrap=2, random_state=0).fit(X)
    peers = model.nearest_peers(X, 5)
    assert (peers.groupby("sample").size() == 5).all()
    assert (model.labels_[peers["sample"]] == model.labels_[peers["peer"]]).all()
    assert (peers["sample"] != peers["peer"]).all()


def test_cluster_description_names_distinctive_indicators():
    values = pd.DataFrame(
        {
            "fiets": [1, 1, 1, 1, 9, 9, 9, 9],
            "inbraak": [5, 5, 5, 5, 1, 1, 1, 1],
            "vlak": [2, 3, 2, 3, 2, 3, 2, 3],
        },
        dtype=float,
    )
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    descriptions = describe_clusters(cluster_profile(values, labels), {"fiets": "fietsdiefstal", "inbraak": "woninginbraak"})
    assert descriptions[1] == "hoog: fietsdiefstal; laag: woninginbraak"
    assert descriptions[0] == "hoog: woninginbraak; laag: fietsdiefstal"
