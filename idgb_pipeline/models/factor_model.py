"""Factor-influence model: answer one ``factorinvloed`` question from its input frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models import svg
from idgb_pipeline.models.adequacy import complete_rows
from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import metric
from idgb_pipeline.models.questions import Question, QuestionFile, Variable

MODEL = "factorinvloed"
INFLUENCE_TABLE = "model_factor_influence"
FIT_TABLE = "model_factor_fit"
LOADINGS_TABLE = "model_factor_loadings"
TABLES = (INFLUENCE_TABLE, FIT_TABLE, LOADINGS_TABLE)


def latent_variables(question: Question) -> list[Variable]:
    """Return the variables of the factor analysis.

    An indicator that is also a factor keeps that factor's year and transform; any
    other indicator is read for the question year.
    """
    by_code = {factor.code: factor for factor in question.factors}
    if question.target is not None:
        by_code.setdefault(question.target.code, question.target)
    return [by_code.get(code, Variable(code, "indicator", question.year)) for code in question.latent_indicators]


def input_variables(question: Question) -> list[Variable]:
    """Return every variable the question reads, without duplicates."""
    variables = {variable.column: variable for variable in [question.target, *question.factors, *latent_variables(question)]}
    return list(variables.values())


def _steerability(factor: Variable, krb_indicators: set[str] | None) -> tuple[bool, str]:
    if krb_indicators is not None and factor.code in krb_indicators:
        return True, "krb: beoogd effect van een maatregel"
    if factor.is_steerable_configured is not None:
        return factor.is_steerable_configured, "configuratie"
    if krb_indicators is not None:
        return False, "krb: geen maatregel met dit beoogd effect"
    return False, "standaard: context (KRB niet beschikbaar)"


def answer_factor_question(
    frame: pd.DataFrame,
    question: Question,
    question_file: QuestionFile,
    krb_indicators: set[str] | None,
    domains: dict[str, str] | None = None,
) -> ModelAnswer:
    """Fit the linear, non-linear and latent views and return the tables to write.

    Raises InsufficientDataError when the complete rows cannot support the fit.
    """
    # factor_influence imports statsmodels and scikit-learn, which are slow to import, so it is
    # imported when the asset runs rather than when Dagster loads the code location.
    from idgb_pipeline.models.factor_influence import check_nonlinear, fit_standardised_ols, latent_loadings

    settings = question.settings
    labels = {variable.column: question_file.label(variable.code) for variable in input_variables(question)}
    target_column = question.target.column
    factor_columns = [factor.column for factor in question.factors]
    min_regions = max(settings.min_regions, len(factor_columns) + 10, settings.cv_folds * 2)
    data = complete_rows(frame, [target_column, *factor_columns], min_regions=min_regions, labels=labels)
    latent_columns = [variable.column for variable in latent_variables(question)]
    latent_data = (
        complete_rows(frame, latent_columns, min_regions=max(settings.min_regions, len(latent_columns) + 10), labels=labels)
        if latent_columns else None
    )
    n, excluded = len(data), len(frame) - len(data)

    linear = fit_standardised_ols(data[target_column], data[factor_columns])
    if not np.isfinite(linear.coefficients[["coefficient_std", "ci_low", "ci_high"]].to_numpy()).all():
        raise InsufficientDataError(
            "Geen antwoord: de regressie is niet te schatten, omdat factoren exact lineair afhankelijk zijn. "
            "Laat een van de samenhangende factoren weg (zie VIF)."
        )
    nonlinear = check_nonlinear(
        data[target_column], data[factor_columns], n_trees=settings.gbm_trees, cv_folds=settings.cv_folds,
        permutation_repeats=settings.permutation_repeats, random_state=settings.random_state,
    )

    influence = linear.coefficients.merge(nonlinear.importance, on="factor")
    by_column = {factor.column: factor for factor in question.factors}
    steerable = [_steerability(by_column[column], krb_indicators) for column in influence["factor"]]
    influence = influence.assign(
        target=question.target.code,
        factor_code=[by_column[column].code for column in influence["factor"]],
        factor_year=[by_column[column].year for column in influence["factor"]],
        transform=[by_column[column].transform for column in influence["factor"]],
        label=[labels[column] for column in influence["factor"]],
        is_steerable=[flag for flag, _ in steerable],
        steerable_source=[source for _, source in steerable],
        is_collinear=influence["vif"] > settings.vif_threshold,
        n=n,
        r2=linear.r2,
    )

    fit = pd.DataFrame(
        [
            {
                "target": question.target.code,
                "period_year": question.year,
                "n": n,
                "n_excluded": excluded,
                "r2": linear.r2,
                "adj_r2": linear.adj_r2,
                "gbm_cv_r2_mean": float(nonlinear.fold_r2.mean()),
                "gbm_cv_r2_std": float(nonlinear.fold_r2.std()),
                "baseline_cv_r2_mean": float(nonlinear.baseline_fold_r2.mean()),
                "baseline_cv_r2_std": float(nonlinear.baseline_fold_r2.std()),
                "cv_folds": settings.cv_folds,
                "max_vif": float(influence["vif"].max()),
                "collinear_factors": ", ".join(influence.loc[influence["is_collinear"], "label"]),
            }
        ]
    )

    metrics = [
        metric(MODEL, question.question_id, question.target.code, "r2", linear.r2, n, "R² van de gestandaardiseerde OLS"),
        metric(MODEL, question.question_id, question.target.code, "adj_r2", linear.adj_r2, n, "Gecorrigeerde R² van de OLS"),
        metric(MODEL, question.question_id, question.target.code, "gbm_cv_r2_mean", fit.at[0, "gbm_cv_r2_mean"], n, f"Gemiddelde R² van gradient boosting over {settings.cv_folds} folds"),
        metric(MODEL, question.question_id, question.target.code, "gbm_cv_r2_std", fit.at[0, "gbm_cv_r2_std"], n, "Spreiding (sd) van de R² over de folds"),
        metric(MODEL, question.question_id, question.target.code, "baseline_cv_r2_mean", fit.at[0, "baseline_cv_r2_mean"], n, "R² van het voorspellen van het gemiddelde (basislijn)"),
        metric(MODEL, question.question_id, question.target.code, "max_vif", fit.at[0, "max_vif"], n, "Hoogste VIF van de factoren"),
    ]

    loadings = None
    if latent_data is not None:
        loadings = latent_loadings(latent_data[latent_columns], n_factors=question.n_latent_factors, random_state=settings.random_state)
        codes = {variable.column: variable.code for variable in latent_variables(question)}
        loadings = loadings.assign(
            indicator_code=loadings["indicator"].map(codes),
            domain=loadings["indicator"].map(codes).map(domains or {}),
            label=loadings["indicator"].map(labels),
            n=len(latent_data),
        )
        explained = float(loadings.drop_duplicates("indicator")["communality"].mean())
        metrics.append(
            metric(MODEL, question.question_id, "latente_factoren", "mean_communality", explained, len(latent_data),
                   f"Gemiddeld aandeel verklaarde variantie per indicator door {question.n_latent_factors} latente factoren")
        )

    ordered = influence.sort_values("coefficient_std")
    title = f"{labels[target_column]} {question.year}: R²={linear.r2:.2f}, n={n}"
    plots = {"coefficientenplot": svg.as_markdown_image(svg.coefficient_plot(ordered, title), "Coëfficiëntenplot")}
    summary = {
        "n": n, "r2": round(linear.r2, 3), "adj_r2": round(linear.adj_r2, 3),
        "gbm_cv_r2": f"{fit.at[0, 'gbm_cv_r2_mean']:.3f} ± {fit.at[0, 'gbm_cv_r2_std']:.3f}",
        "baseline_cv_r2": round(fit.at[0, "baseline_cv_r2_mean"], 3),
    }
    tables = {INFLUENCE_TABLE: influence, FIT_TABLE: fit}
    if latent_data is not None:
        tables[LOADINGS_TABLE] = loadings
    return ModelAnswer(
        tables=tables,
        metrics=pd.DataFrame(metrics),
        plots=plots,
        summary=summary,
    )
