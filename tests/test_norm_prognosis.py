"""Norm prognosis: P(norm met) against hand-computed normal cases, the first-year rule,
the ``analysis/norm_prognose`` asset and the mart ``fct_norm_prognosis``.

The asset tests write into a copy of the ``full_run`` warehouse. The mart test reads
the ``full_run`` warehouse, so it needs the asset in the definitions.
"""

import base64
import shutil

import dagster as dg
import duckdb
import numpy as np
import pytest

from idgb_pipeline.models.forecast.norm_asset import build_norm_prognosis_assets
from idgb_pipeline.models.forecast.intervals import normal_multipliers
from idgb_pipeline.models.forecast.norm_probability import first_year_met, predictive_scale, probability_met
from idgb_pipeline.resources import WarehouseResource

# Φ(-1), Φ(0) - Φ(-2) and Φ(-0.4) from a normal table, to 10 decimals.
PHI_MINUS_1 = 0.1586552539
PHI_0_MINUS_PHI_MINUS_2 = 0.4772498681
PHI_MINUS_0_4 = 0.3445782584


@pytest.mark.parametrize(
    ("comparator", "margin", "expected"),
    [("<=", 0.0, PHI_MINUS_1), (">=", 0.0, 1 - PHI_MINUS_1), ("=", 0.05, PHI_0_MINUS_PHI_MINUS_2)],
)
def test_probability_hand_computed_normal(comparator, margin, expected):
    # Point 0.95, scale 0.05, target 0.9: the target is one scale below the point.
    probability = probability_met(np.array([0.95]), np.array([0.05]), comparator, 0.9, margin)
    assert probability[0] == pytest.approx(expected, abs=1e-9)


def test_probability_censored_at_zero():
    mean, scale = np.array([0.02]), np.array([0.05])
    # P(Y <= 0) is the mass that censoring puts at 0: Φ(-0.02 / 0.05).
    assert probability_met(mean, scale, "<=", 0.0, non_negative=True)[0] == pytest.approx(PHI_MINUS_0_4, abs=1e-9)
    assert probability_met(mean, scale, ">=", 0.0, non_negative=True)[0] == 1.0
    assert probability_met(mean, scale, "<=", -0.1, non_negative=True)[0] == 0.0
    assert probability_met(mean, scale, ">=", 0.0, non_negative=False)[0] == pytest.approx(1 - PHI_MINUS_0_4, abs=1e-9)


def test_probability_unknown_comparator_rejected():
    with pytest.raises(ValueError, match="Unknown comparator"):
        probability_met(np.array([1.0]), np.array([1.0]), "<", 1.0)


def test_scale_matches_calibrated_80_interval():
    z80 = normal_multipliers()[80]
    np.testing.assert_allclose(predictive_scale(np.array([2.0]), z80), [2.0])
    # A calibrated multiplier 1.5 times the normal one widens the scale by 1.5.
    np.testing.assert_allclose(predictive_scale(np.array([2.0]), 1.5 * z80), [3.0])


def test_first_year_rule():
    years = np.arange(2024, 2029)
    assert first_year_met(years, np.array([0.2, 0.49, 0.5, 0.3, 0.7])) == 2026
    assert first_year_met(years, np.array([0.1, 0.2, 0.3, 0.4, 0.49])) is None
    assert first_year_met(years, np.array([0.9, 0.1, 0.1, 0.1, 0.1])) == 2024


def _materialize(warehouse):
    return dg.materialize(list(build_norm_prognosis_assets()), resources={"warehouse": WarehouseResource(path=str(warehouse))})


def test_asset_writes_reason_for_unforecastable_norm(full_run, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_run["warehouse"], warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        # NL00 has no crime counts in fct_indicator_value, so this norm cannot be forecast.
        connection.execute(
            "insert into krb.norm select * replace ('test-nederland' as norm_id, 'misdrijven_geweld' as indicator_code) "
            "from krb.norm where norm_id = 'zwolle-geweld-2026'"
        )
        connection.execute("insert into krb.norm_region values ('test-nederland', 'NL00')")
    result = _materialize(warehouse)
    assert result.success
    checks = {check.check_name: check for check in result.get_asset_check_evaluations()}
    assert not checks["voldoende_gegevens"].passed
    assert "test-nederland" in checks["voldoende_gegevens"].description
    assert checks["resultaat_volledig"].passed
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    image = metadata["waaiergrafiek_zwolle-geweld-2026_GM0193"].value
    prefix = "![zwolle-geweld-2026](data:image/svg+xml;base64,"
    assert image.startswith(prefix)
    chart = base64.b64decode(image[len(prefix) : -1]).decode("utf-8")
    assert chart.count("<polygon") == 2
    assert "norm 4 in 2026" in chart
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        reason, probability = connection.execute(
            "select reason, probability_met from analysis.model_norm_prognosis where norm_id = 'test-nederland'"
        ).fetchone()
    assert "geen cijfers" in reason
    assert probability is None


def test_asset_without_norms_writes_empty_tables(full_run, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(full_run["warehouse"], warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("delete from krb.norm_region")
    result = _materialize(warehouse)
    assert result.success
    assert all(check.passed for check in result.get_asset_check_evaluations())
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        run_id = connection.execute(
            "select model_run_id from analysis.model_runs where model = 'norm_prognose' order by run_at desc limit 1"
        ).fetchone()[0]
        rows = connection.execute("select count(*) from analysis.model_norm_prognosis where model_run_id = ?", [run_id]).fetchone()[0]
    assert rows == 0


def test_mart_one_row_per_norm_region(full_run):
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        expected = set(connection.execute("select norm_id, region_code from krb.norm_region").fetchall())
        rows = connection.execute(
            "select norm_id, region_code, probability_met, forecast_value, lo80, hi80, first_year_met, "
            "expected_first_year_met, horizon_year, target_year, mase, coverage80, n_series, no_forecast_reason "
            "from marts.fct_norm_prognosis"
        ).fetchall()
    assert len(rows) == len(expected) == 3
    assert {(row[0], row[1]) for row in rows} == expected
    for (norm_id, _, probability, value, low, high, first, first_text, horizon, target, mase, coverage, n, reason) in rows:
        assert reason is None, norm_id
        assert 0.0 <= probability <= 1.0, norm_id
        assert low <= value <= high, norm_id
        assert horizon >= target
        assert first_text == (str(first) if first is not None else f"niet voor {horizon}")
        assert mase > 0, norm_id
        assert 0 <= coverage <= 1, norm_id
        assert n == 342, norm_id


def test_mart_reads_latest_run(full_run):
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        latest = connection.execute(
            "select model_run_id from analysis.model_runs where model = 'norm_prognose' order by run_at desc limit 1"
        ).fetchone()[0]
        runs = {row[0] for row in connection.execute("select distinct model_run_id from marts.fct_norm_prognosis").fetchall()}
    assert runs == {latest}
