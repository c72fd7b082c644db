"""Model assets on small warehouses built here: results, Dutch refusals, no tables on refusal."""

import duckdb
import dagster as dg
import numpy as np
import pytest
import yaml

from idgb_pipeline.models.assets import ADEQUACY_CHECK, COMPLETENESS_CHECK, build_model_asset
from idgb_pipeline.models.questions import QUESTIONS_ENV
from idgb_pipeline.models.registry import MODEL_SPECS
from idgb_pipeline.resources import WarehouseResource

FACTOR_SPEC = next(spec for spec in MODEL_SPECS if spec.model == "factorinvloed")
CLUSTER_SPEC = next(spec for spec in MODEL_SPECS if spec.model == "regioclusters")


def _warehouse(path, n_regions, *, constant_factor=False, missing_factor=False, seed=0):
    """Write the marts and herindeling tables the models read, for ``n_regions`` gemeenten."""
    rng = np.random.default_rng(seed)
    codes = [f"GM{i:04d}" for i in range(1, n_regions + 1)]
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts; create schema prep")
        connection.execute(
            "create table marts.dim_region (region_code varchar, region_name varchar, region_level varchar, "
            "is_current_layout boolean, stedelijkheid_code integer, gemeentegrootte_code integer)"
        )
        connection.execute("create table marts.fct_indicator_value (indicator_code varchar, region_code varchar, period_year integer, value double)")
        connection.execute("create table marts.dim_indicator (indicator_code varchar, domain varchar)")
        connection.execute("create table prep.gemeente_herindeling (period_year integer, gemeente_code_from varchar, gemeente_code_to varchar, share double)")
        connection.executemany(
            "insert into marts.dim_indicator values (?, 'proef')", [["doel"], ["factor_a"], ["factor_b"], ["inwoners"]]
        )
        for code in codes:
            connection.execute("insert into marts.dim_region values (?, ?, 'gemeente', true, ?, ?)", [code, f"Gemeente {code}", int(rng.integers(1, 6)), 3])
            a = rng.standard_normal()
            b = rng.standard_normal()
            if constant_factor:
                b = 1.0
            if missing_factor:
                b = None
            target = 0.5 * a + rng.standard_normal() * 0.5
            connection.executemany(
                "insert into marts.fct_indicator_value values (?, ?, 2023, ?)",
                [["doel", code, target], ["factor_a", code, a], ["factor_b", code, b], ["inwoners", code, 1000.0]],
            )
            connection.execute("insert into prep.gemeente_herindeling values (2023, ?, ?, 1.0)", [code, code])


def _questions(path, model):
    question = {"id": "proef", "model": model, "titel": "Proefvraag", "jaar": 2023,
                "instellingen": {"bootstrap_herhalingen": 2, "gbm_bomen": 10, "cv_folds": 2, "minimum_regios": 20, "minimum_clustergrootte": 2}}
    if model == "factorinvloed":
        question |= {"doel": "doel", "factoren": ["factor_a", "factor_b", {"regiokenmerk": "stedelijkheid_code"}]}
    else:
        question |= {"indicatoren": ["doel", "factor_a", "factor_b"], "k_min": 2, "k_max": 3}
    path.write_text(yaml.safe_dump({"vragen": [question]}), encoding="utf-8")


def _materialise(spec, warehouse_path, questions_path, monkeypatch):
    monkeypatch.setenv(QUESTIONS_ENV, str(questions_path))
    result = dg.materialize(
        [build_model_asset(spec)],
        resources={"warehouse": WarehouseResource(path=str(warehouse_path))},
        raise_on_error=False,
    )
    checks = {evaluation.check_name: evaluation for evaluation in result.get_asset_check_evaluations()}
    return result, checks


def _analysis_tables(warehouse_path):
    with duckdb.connect(str(warehouse_path), read_only=True) as connection:
        return {row[0] for row in connection.execute("select table_name from information_schema.tables where table_schema = 'analysis'").fetchall()}


@pytest.mark.parametrize("spec", [FACTOR_SPEC, CLUSTER_SPEC], ids=lambda spec: spec.model)
def test_model_answers_on_enough_regions(spec, tmp_path, monkeypatch):
    _warehouse(tmp_path / "w.duckdb", 60)
    _questions(tmp_path / "vragen.yaml", spec.model)
    result, checks = _materialise(spec, tmp_path / "w.duckdb", tmp_path / "vragen.yaml", monkeypatch)
    assert result.success
    assert checks[ADEQUACY_CHECK].passed
    assert checks[COMPLETENESS_CHECK].passed
    # The synthetic factor question configures no latent indicators, so no loadings.
    expected = set(spec.tables) - {"model_factor_loadings"}
    assert expected | {"model_metrics", "model_input_values", "model_runs"} <= _analysis_tables(tmp_path / "w.duckdb")


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ({"n_regions": 8}, "maar 8 regio's hebben alle waarden"),
        ({"n_regions": 60, "constant_factor": True}, "in alle 60 regio's gelijk"),
        ({"n_regions": 60, "missing_factor": True}, "heeft geen enkele waarde"),
    ],
    ids=["te_weinig_regios", "constante_kolom", "alles_ontbreekt"],
)
@pytest.mark.parametrize("spec", [FACTOR_SPEC, CLUSTER_SPEC], ids=lambda spec: spec.model)
def test_model_refuses_in_dutch(spec, case, expected, tmp_path, monkeypatch):
    _warehouse(tmp_path / "w.duckdb", **case)
    _questions(tmp_path / "vragen.yaml", spec.model)
    result, checks = _materialise(spec, tmp_path / "w.duckdb", tmp_path / "vragen.yaml", monkeypatch)
    assert result.success
    refusal = checks[ADEQUACY_CHECK]
    assert not refusal.passed
    assert expected in refusal.description
    assert refusal.description.startswith("Vraag 'proef': Geen antwoord:")
    assert _analysis_tables(tmp_path / "w.duckdb") == set()


def test_unknown_indicator_fails_with_dutch_error(tmp_path, monkeypatch):
    _warehouse(tmp_path / "w.duckdb", 40)
    path = tmp_path / "vragen.yaml"
    path.write_text(yaml.safe_dump({"vragen": [{"id": "proef", "model": "factorinvloed", "titel": "t", "jaar": 2023, "doel": "bestaat_niet", "factoren": ["factor_a"]}]}), encoding="utf-8")
    result, _ = _materialise(FACTOR_SPEC, tmp_path / "w.duckdb", path, monkeypatch)
    assert not result.success
    error = result.get_step_failure_events()[0].event_specific_data.error
    failure = error.message + (error.cause.message if error.cause else "")
    assert "['bestaat_niet'] staan niet in marts.dim_indicator" in failure


def test_new_result_column_added_to_old_table(tmp_path, monkeypatch):
    # Regression: a warehouse written by an older model version lacked a new column,
    # and the insert by name failed.
    _warehouse(tmp_path / "w.duckdb", 60)
    _questions(tmp_path / "vragen.yaml", "factorinvloed")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        connection.execute("create schema analysis")
        connection.execute("create table analysis.model_factor_fit (model_run_id varchar, r2 double)")
        connection.execute("insert into analysis.model_factor_fit values ('oud', 0.5)")
    result, checks = _materialise(FACTOR_SPEC, tmp_path / "w.duckdb", tmp_path / "vragen.yaml", monkeypatch)
    assert result.success
    assert checks[COMPLETENESS_CHECK].passed
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as connection:
        rows = connection.execute("select model_run_id, adj_r2 is null from analysis.model_factor_fit order by run_at nulls first").fetchall()
    assert rows[0] == ("oud", True)
    assert rows[1][1] is False
