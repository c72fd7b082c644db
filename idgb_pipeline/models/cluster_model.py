"""Region-cluster model: answer one ``regioclusters`` question from its input frame."""

from __future__ import annotations

import pandas as pd

from idgb_pipeline.errors import InsufficientDataError
from idgb_pipeline.models import svg
from idgb_pipeline.models.adequacy import complete_rows
from idgb_pipeline.models.answer import ModelAnswer
from idgb_pipeline.models.contract import metric
from idgb_pipeline.models.questions import Question, QuestionFile, Variable

MODEL = "regioclusters"
ASSIGNMENT_TABLE = "model_cluster_assignment"
PROFILE_TABLE = "model_cluster_profile"
QUALITY_TABLE = "model_cluster_quality"
PEERS_TABLE = "model_cluster_peers"
TABLES = (ASSIGNMENT_TABLE, PROFILE_TABLE, QUALITY_TABLE, PEERS_TABLE)


# A common rule of thumb for the average silhouette: at most 0.25 means no substantial
# cluster structure, and up to 0.50 a weak one.
WEAK_SILHOUETTE = 0.25
REASONABLE_SILHOUETTE = 0.50


def _silhouette_reading(silhouette: float) -> str:
    if silhouette <= WEAK_SILHOUETTE:
        return (
            "Geen duidelijke clusterstructuur (silhouet ≤ 0,25): de gemeenten lopen geleidelijk in elkaar "
            "over. Gebruik de clusters als grove indeling en de vergelijkbare gemeenten als buren, niet als "
            "scherp afgebakende groepen."
        )
    if silhouette <= REASONABLE_SILHOUETTE:
        return "Zwakke clusterstructuur (silhouet 0,26–0,50): clusters overlappen."
    return "Duidelijke clusterstructuur (silhouet > 0,50)."


def input_variables(question: Question) -> list[Variable]:
    """Return the clustering variables."""
    return list(question.variables)


def answer_cluster_question(
    frame: pd.DataFrame,
    record: pd.DataFrame,
    question: Question,
    question_file: QuestionFile,
    geometries: pd.DataFrame | None = None,
) -> ModelAnswer:
    """Cluster the complete regions and return assignment, profile and quality tables.

    ``frame`` contains the transformed model columns and ``record`` the untransformed
    values. The profile is computed from the record, so it reads in indicator units.
    """
    # clustering imports scikit-learn, which is slow to import, so it is imported when the
    # asset runs rather than when Dagster loads the code location.
    from idgb_pipeline.models.clustering import RegionClusterer, cluster_profile, describe_clusters

    settings = question.settings
    columns = [variable.column for variable in question.variables]
    labels = {variable.column: question_file.label(variable.code) for variable in question.variables}
    data = complete_rows(frame, columns, min_regions=max(settings.min_regions, question.k_max * 5), labels=labels)
    n = len(data)

    model = RegionClusterer(
        k_min=question.k_min, k_max=question.k_max, n_bootstrap=settings.n_bootstrap,
        min_cluster_size=settings.min_cluster_size, clip=settings.clip, random_state=settings.random_state,
    )
    try:
        model.fit(data[columns].to_numpy())
    except ValueError as error:
        raise InsufficientDataError(
            f"Geen antwoord: geen aantal clusters tussen {question.k_min} en {question.k_max} geeft clusters van "
            f"minstens {settings.min_cluster_size} gemeenten. Verklein het bereik of de minimale clustergrootte."
        ) from error
    chosen = model.quality_.loc[model.quality_["is_chosen"]].iloc[0]

    raw = record.pivot(index="region_code", columns="indicator_code", values="value").loc[data.index]
    codes = [variable.code for variable in question.variables]
    profile = cluster_profile(raw[codes], model.labels_)
    code_labels = {variable.code: question_file.label(variable.code) for variable in question.variables}
    descriptions = describe_clusters(profile, code_labels)
    profile = profile.assign(label=profile["indicator"].map(code_labels), n=n, silhouette=chosen["silhouette"])

    assignment = pd.DataFrame(
        {
            "region_code": data.index,
            "region_name": data["region_name"].to_numpy(),
            "period_year": question.year,
            "cluster": model.labels_,
            "cluster_description": [descriptions[label] for label in model.labels_],
            "distance_to_centre": model.distances(data[columns].to_numpy()),
            "silhouette_sample": model.silhouettes(data[columns].to_numpy()),
            "n": n,
            "silhouette": chosen["silhouette"],
            "stability_ari": chosen["stability_ari"],
        }
    )
    nearest = model.nearest_peers(data[columns].to_numpy(), settings.n_peers)
    codes_by_position = data.index.to_numpy()
    peers = pd.DataFrame(
        {
            "region_code": codes_by_position[nearest["sample"]],
            "peer_region_code": codes_by_position[nearest["peer"]],
            "peer_rank": nearest["peer_rank"],
            "distance": nearest["distance"],
            "cluster": model.labels_[nearest["sample"]],
            "n": n,
        }
    )
    quality = model.quality_.assign(n=n, n_bootstrap=settings.n_bootstrap, n_excluded=len(frame) - n)

    metrics = pd.DataFrame(
        [
            metric(MODEL, question.question_id, "k", "k", model.n_clusters_, n, f"Gekozen aantal clusters (hoogste silhouet binnen {question.k_min}–{question.k_max}, clusters van minstens {settings.min_cluster_size} gemeenten)"),
            metric(MODEL, question.question_id, "k", "silhouette", chosen["silhouette"], n, "Gemiddeld silhouet van de gekozen indeling"),
            metric(MODEL, question.question_id, "k", "stability_ari", chosen["stability_ari"], n, f"Gemiddelde adjusted Rand index over {settings.n_bootstrap} bootstrapsteekproeven"),
            metric(MODEL, question.question_id, "k", "gmm_bic", chosen["gmm_bic"], n, "BIC van een Gaussisch mengmodel met hetzelfde k (lager is beter)"),
        ]
    )

    title = f"Clusters {question.year}: k={model.n_clusters_}, silhouet={chosen['silhouette']:.2f}, stabiliteit={chosen['stability_ari']:.2f}, n={n}"
    plots = {"profiel_heatmap": svg.as_markdown_image(svg.heatmap(profile, code_labels, title), "Clusterprofielen")}
    if geometries is not None and len(geometries):
        clusters = dict(zip(assignment["region_code"], assignment["cluster"].astype(int), strict=True))
        plots["kaart"] = svg.as_markdown_image(svg.cluster_map(geometries, clusters, descriptions, title), "Kaart van de clusters")
    summary = {
        "interpretatie": _silhouette_reading(float(chosen["silhouette"])),
        "k": model.n_clusters_, "n": n, "silhouette": round(float(chosen["silhouette"]), 3),
        "stability_ari": round(float(chosen["stability_ari"]), 3),
        "beschrijvingen": {str(key): value for key, value in descriptions.items()},
    }
    return ModelAnswer(
        tables={ASSIGNMENT_TABLE: assignment, PROFILE_TABLE: profile, QUALITY_TABLE: quality, PEERS_TABLE: peers},
        metrics=metrics,
        plots=plots,
        summary=summary,
    )
