"""Every registered model keeps the contract, checked on the real data of ``full_run``."""

import json
from xml.dom import minidom

import duckdb
import pytest

from idgb_pipeline.definitions import defs
from idgb_pipeline.models.assets import ADEQUACY_CHECK, COMPLETENESS_CHECK, model_asset_key
from idgb_pipeline.models.model_asset import GROUP
from idgb_pipeline.models.contract import RUN_COLUMNS
from idgb_pipeline.models.questions import load_questions, questions_path
from idgb_pipeline.models import svg
from idgb_pipeline.models.registry import GEOMETRY_SQL, MODEL_SPECS, MODELS

# Per result table, the columns that state how good its numbers are.
QUALITY_COLUMNS = {
    "model_factor_influence": ["n", "r2", "vif", "ci_low", "ci_high"],
    "model_factor_fit": ["n", "r2", "adj_r2", "gbm_cv_r2_mean", "gbm_cv_r2_std", "baseline_cv_r2_mean"],
    "model_factor_loadings": ["n", "communality"],
    "model_cluster_assignment": ["n", "silhouette", "stability_ari"],
    "model_cluster_profile": ["n", "silhouette", "region_count"],
    "model_cluster_quality": ["n", "silhouette", "stability_ari", "gmm_bic"],
    "model_cluster_peers": ["n", "distance"],
}


@pytest.fixture(scope="module")
def warehouse(full_run):
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def questions():
    return load_questions(questions_path(), MODELS)


def _latest_run(connection, question_id):
    return connection.execute(
        "select model_run_id from analysis.model_runs where question_id = ? order by run_at desc limit 1", [question_id]
    ).fetchone()[0]


@pytest.mark.parametrize("spec", MODEL_SPECS, ids=lambda spec: spec.model)
def test_registered_model_has_asset_and_checks(spec):
    graph = defs().resolve_asset_graph()
    node = graph.get(model_asset_key(spec))
    assert node.group_name == GROUP
    assert "geen oorzakelijke effecten" in node.description
    checks = {key.name for key in graph.asset_check_keys if key.asset_key == model_asset_key(spec)}
    assert checks == {ADEQUACY_CHECK, COMPLETENESS_CHECK}


@pytest.mark.parametrize("spec", MODEL_SPECS, ids=lambda spec: spec.model)
def test_registered_model_has_configured_question(spec, questions):
    assert questions.for_model(spec.model)


@pytest.mark.parametrize("spec", MODEL_SPECS, ids=lambda spec: spec.model)
def test_every_table_has_quality_columns(spec):
    assert set(spec.tables) <= set(QUALITY_COLUMNS)


def test_every_question_answered_completely(warehouse, questions):
    for question in questions.questions:
        spec = next(spec for spec in MODEL_SPECS if spec.model == question.model)
        run_id = _latest_run(warehouse, question.question_id)
        for table in spec.tables:
            count = warehouse.execute(f"select count(*) from analysis.{table} where model_run_id = ?", [run_id]).fetchone()[0]
            assert count > 0, f"{question.question_id}: {table} is empty"
            for column in (*RUN_COLUMNS, *QUALITY_COLUMNS[table]):
                nulls = warehouse.execute(
                    f"select count(*) from analysis.{table} where model_run_id = ? and {column} is null", [run_id]
                ).fetchone()[0]
                assert nulls == 0, f"{question.question_id}: {table}.{column} has {nulls} empty values"


def test_run_records_code_parameters_and_input_hash(warehouse, questions):
    for question in questions.questions:
        row = warehouse.execute(
            "select code_version, parameters_json, input_hash from analysis.model_runs where model_run_id = ?",
            [_latest_run(warehouse, question.question_id)],
        ).fetchone()
        assert row[0].startswith("0.1.0")
        assert json.loads(row[1])["question"] == question.question_id
        assert len(row[2]) == 64


def test_metrics_carry_sample_size(warehouse, questions):
    for question in questions.questions:
        metrics = warehouse.execute(
            "select metric, value, n from analysis.model_metrics where model_run_id = ?",
            [_latest_run(warehouse, question.question_id)],
        ).df().set_index("metric")
        assert (metrics["n"] > 300).all(), question.question_id
        expected = {"r2", "adj_r2", "gbm_cv_r2_mean", "baseline_cv_r2_mean"} if question.model == "factorinvloed" else {"k", "silhouette", "stability_ari"}
        assert expected <= set(metrics.index)


def test_factor_influence_covers_every_factor(warehouse, questions):
    for question in questions.for_model("factorinvloed"):
        rows = warehouse.execute(
            "select factor, coefficient_std, ci_low, ci_high, is_steerable, steerable_source "
            "from analysis.model_factor_influence where model_run_id = ?",
            [_latest_run(warehouse, question.question_id)],
        ).df()
        assert sorted(rows["factor"]) == sorted(factor.column for factor in question.factors)
        assert ((rows["ci_low"] <= rows["coefficient_std"]) & (rows["coefficient_std"] <= rows["ci_high"])).all()
        # The KRB marts exist in the full run, so steerability comes from the KRB.
        assert rows["steerable_source"].str.startswith("krb").all()


def test_every_current_gemeente_is_clustered(warehouse):
    regions = warehouse.execute(
        "select count(*) from marts.dim_region where region_level = 'gemeente' and is_current_layout"
    ).fetchone()[0]
    run_id = _latest_run(warehouse, "misdrijfprofielen")
    assigned = warehouse.execute(
        "select count(*), count(distinct cluster_description) from analysis.model_cluster_assignment where model_run_id = ?",
        [run_id],
    ).fetchone()
    assert assigned[0] == regions
    assert assigned[1] >= 2


def test_peer_gemeenten_lists_peers_per_gemeente(warehouse):
    rows = warehouse.execute(
        "select region_code, count(*) as indicators, min(peer_count) as peers, "
        "count(peer_median_value) as with_median from marts.peer_gemeenten group by 1"
    ).df()
    assert len(rows) == 342
    assert (rows["indicators"] == 13).all()
    assert (rows["peers"] == 10).all()
    assert (rows["with_median"] == 13).all()


def test_model_checks_pass_in_full_run(full_run):
    passed = set(full_run["report"].checks_passed)
    for spec in MODEL_SPECS:
        for check in (ADEQUACY_CHECK, COMPLETENESS_CHECK):
            assert f"{model_asset_key(spec).to_user_string()}:{check}" in passed


def test_cluster_map_is_valid_small_svg(warehouse):
    geometries = warehouse.execute(GEOMETRY_SQL).df()
    assignment = warehouse.execute(
        "select region_code, cluster, cluster_description from analysis.model_cluster_assignment where model_run_id = ?",
        [_latest_run(warehouse, "misdrijfprofielen")],
    ).df()
    clusters = dict(zip(assignment["region_code"], assignment["cluster"], strict=True))
    descriptions = dict(zip(assignment["cluster"], assignment["cluster_description"], strict=False))
    drawing = svg.cluster_map(geometries, clusters, descriptions, "Clusters")
    document = minidom.parseString(drawing)
    assert len(document.getElementsByTagName("path")) == 342
    assert len(svg.as_markdown_image(drawing, "kaart")) < 200_000
