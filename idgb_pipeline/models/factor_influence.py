"""Associations between a target indicator and candidate factors across regions.

Three views of the same cross-section. A standardised OLS with HC3 standard errors
gives linear associations with intervals. Gradient boosting with cross-validated R²
and permutation importance shows non-linear signal beyond the linear fit. A
varimax-rotated factor analysis of a wider indicator set shows which indicators move
together. None of these estimates a causal effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.decomposition import FactorAnalysis
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from statsmodels.stats.outliers_influence import variance_inflation_factor


@dataclass(frozen=True)
class LinearFit:
    """Standardised OLS result: one row per factor plus the fit statistics."""

    coefficients: pd.DataFrame
    r2: float
    adj_r2: float
    n: int


@dataclass(frozen=True)
class NonlinearCheck:
    """Cross-validated gradient boosting against a mean baseline."""

    importance: pd.DataFrame
    fold_r2: np.ndarray
    baseline_fold_r2: np.ndarray


def _standardise(frame: pd.DataFrame) -> pd.DataFrame:
    return (frame - frame.mean()) / frame.std(ddof=0)


def variance_inflation(factors: pd.DataFrame) -> pd.Series:
    """Compute the variance inflation factor of each column.

    Parameters
    ----------
    factors : DataFrame of shape (n_samples, n_factors)
        Factor values without missing values.

    Returns
    -------
    Series
        VIF per column; ``inf`` for an exact linear combination of the others.
    """
    design = sm.add_constant(factors.to_numpy(dtype=float), has_constant="add")
    with np.errstate(divide="ignore"):
        values = [variance_inflation_factor(design, i + 1) for i in range(factors.shape[1])]
    return pd.Series(values, index=factors.columns, name="vif")


def fit_standardised_ols(target: pd.Series, factors: pd.DataFrame, *, alpha: float = 0.05) -> LinearFit:
    """Fit OLS on z-scored target and factors with HC3 robust standard errors.

    Parameters
    ----------
    target : Series of shape (n_samples,)
        Target values, no missing values.
    factors : DataFrame of shape (n_samples, n_factors)
        Factor values, no missing values and no constant column.
    alpha : float, default=0.05
        One minus the confidence level of the intervals.

    Returns
    -------
    LinearFit
        Coefficients are changes in standard deviations of the target per standard
        deviation of the factor, with the others held fixed.
    """
    y = _standardise(target.to_frame()).iloc[:, 0]
    x = sm.add_constant(_standardise(factors), has_constant="add")
    result = sm.OLS(y.to_numpy(), x.to_numpy()).fit(cov_type="HC3")
    intervals = result.conf_int(alpha=alpha)
    table = pd.DataFrame(
        {
            "factor": factors.columns,
            "coefficient_std": result.params[1:],
            "std_error_hc3": result.bse[1:],
            "ci_low": intervals[1:, 0],
            "ci_high": intervals[1:, 1],
            "p_value": result.pvalues[1:],
        }
    )
    table["vif"] = variance_inflation(factors).to_numpy()
    return LinearFit(table, float(result.rsquared), float(result.rsquared_adj), int(result.nobs))


def check_nonlinear(
    target: pd.Series,
    factors: pd.DataFrame,
    *,
    n_trees: int = 150,
    cv_folds: int = 5,
    permutation_repeats: int = 5,
    random_state: int = 0,
) -> NonlinearCheck:
    """Cross-validate gradient boosting and measure permutation importance on held-out folds.

    Parameters
    ----------
    target, factors
        As for :func:`fit_standardised_ols`.
    n_trees : int, default=150
        Boosting stages; shallow trees (depth 3) with learning rate 0.05.
    cv_folds : int, default=5
        Folds of the shuffled K-fold split.
    permutation_repeats : int, default=5
        Shuffles per factor and fold.
    random_state : int, default=0
        Seed of the split, the boosting and the permutations.

    Returns
    -------
    NonlinearCheck
        ``fold_r2`` and ``baseline_fold_r2`` (predicting the training mean) per fold;
        ``importance`` has the mean and standard deviation of the drop in R² per factor.
    """
    x = factors.to_numpy(dtype=float)
    y = target.to_numpy(dtype=float)
    folds = KFold(n_splits=cv_folds, shuffle=True, random_state=random_state)
    fold_r2, baseline_r2, drops = [], [], []
    for train, test in folds.split(x):
        model = GradientBoostingRegressor(
            n_estimators=n_trees, max_depth=3, learning_rate=0.05, subsample=0.8, random_state=random_state
        ).fit(x[train], y[train])
        fold_r2.append(r2_score(y[test], model.predict(x[test])))
        baseline = DummyRegressor(strategy="mean").fit(x[train], y[train])
        baseline_r2.append(r2_score(y[test], baseline.predict(x[test])))
        importance = permutation_importance(
            model, x[test], y[test], n_repeats=permutation_repeats, random_state=random_state, scoring="r2"
        )
        drops.append(importance.importances)
    stacked = np.concatenate(drops, axis=1)
    table = pd.DataFrame(
        {
            "factor": factors.columns,
            "permutation_importance_mean": stacked.mean(axis=1),
            "permutation_importance_std": stacked.std(axis=1),
        }
    )
    return NonlinearCheck(table, np.asarray(fold_r2), np.asarray(baseline_r2))


def latent_loadings(indicators: pd.DataFrame, *, n_factors: int, random_state: int = 0) -> pd.DataFrame:
    """Fit a varimax-rotated factor analysis on z-scored indicators.

    Parameters
    ----------
    indicators : DataFrame of shape (n_samples, n_indicators)
        Indicator values without missing values or constant columns.
    n_factors : int
        Number of latent factors, smaller than the number of indicators.
    random_state : int, default=0
        Seed of the randomised SVD.

    Returns
    -------
    DataFrame
        One row per indicator × latent factor with ``loading`` and the indicator's
        ``communality`` (share of its variance explained by all latent factors).
    """
    z = _standardise(indicators)
    model = FactorAnalysis(n_components=n_factors, rotation="varimax", random_state=random_state).fit(z.to_numpy())
    loadings = model.components_.T
    communality = (loadings**2).sum(axis=1)
    rows = []
    for i, column in enumerate(indicators.columns):
        for j in range(n_factors):
            rows.append(
                {
                    "indicator": column,
                    "latent_factor": f"F{j + 1}",
                    "loading": float(loadings[i, j]),
                    "communality": float(communality[i]),
                }
            )
    return pd.DataFrame(rows)
