"""Forecast core (methods, intervals, backtest) and the ``analysis/prognose`` asset.

Unit tests use small synthetic series. The accuracy tests read the crime panel of the
``full_run`` warehouse read-only, and the asset test writes into a copy of that file.
"""

import shutil

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from idgb_pipeline.errors import ModelConfigError
from idgb_pipeline.models.forecast import intervals
from idgb_pipeline.models.forecast.asset import ASSET_KEY, build_forecast_assets
from idgb_pipeline.models.forecast.methods import ALPHA_GRID, BETA_GRID, PHI_GRID, drift, holt_damped, naive
from idgb_pipeline.models.forecast.hierarchy import load_provinces
from idgb_pipeline.models.forecast.model import ACCURACY_TABLE, FORECAST_TABLE, answer_forecast
from idgb_pipeline.models.forecast.panel import ForecastSettings, build_panel, load_long
from idgb_pipeline.models.contract import RUN_COLUMNS
from idgb_pipeline.resources import WarehouseResource


def _reference_holt_damped(series: list[float], horizon: int) -> tuple[tuple[float, float, float], list[float], float]:
    """Fit one series with plain Python loops over the same grid, start values and SSE."""
    best = None
    for alpha in ALPHA_GRID:
        for beta in BETA_GRID:
            for phi in PHI_GRID:
                level, trend, sse = series[0], series[1] - series[0], 0.0
                for t in range(1, len(series)):
                    error = series[t] - (level + phi * trend)
                    if t >= 2:
                        sse += error * error
                    level = level + phi * trend + alpha * error
                    trend = phi * trend + alpha * beta * error
                if best is None or sse < best[0]:
                    best = (sse, (alpha, beta, phi), level, trend)
    sse, (alpha, beta, phi), level, trend = best
    points = [level + sum(phi**j for j in range(1, h + 1)) * trend for h in range(1, horizon + 1)]
    return (alpha, beta, phi), points, (sse / (len(series) - 2)) ** 0.5


def _long_panel(years, provisional_from, regions=40, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for region in range(regions):
        base = rng.uniform(20, 200)
        for year in years:
            rows.append(
                {
                    "indicator_code": "misdrijven_test",
                    "region_code": f"GM{region:04d}",
                    "region_name": f"Gemeente {region}",
                    "period_year": year,
                    "value": max(base - 3 * (year - years[0]) + rng.normal(0, 5), 0),
                    "is_provisional": year >= provisional_from,
                }
            )
    return pd.DataFrame(rows)


def test_damped_fit_matches_reference():
    rng = np.random.default_rng(7)
    steps = np.arange(12)
    series = np.vstack(
        [
            100 + 5 * steps + rng.normal(0, 3, 12),
            400 - 12 * steps + rng.normal(0, 20, 12),
            50 + rng.normal(0, 8, 12),
            np.array([10, 12, 9, 15, 14, 20, 18, 25, 22, 19, 17, 16], dtype=float),
        ]
    )
    result = holt_damped(series, 5)
    for row in range(len(series)):
        parameters, points, sigma = _reference_holt_damped(list(series[row]), 5)
        assert (result.parameters["alpha"][row], result.parameters["beta"][row], result.parameters["phi"][row]) == parameters
        np.testing.assert_allclose(result.point[row], points, rtol=1e-10)
        assert result.sigma[row, 0] == pytest.approx(sigma, rel=1e-10)


def test_naive_and_drift_point_and_sigma():
    series = np.array([[1.0, 3.0, 2.0, 6.0, 5.0]])
    naive_result = naive(series, 3)
    drift_result = drift(series, 3)
    differences = np.diff(series[0])
    np.testing.assert_allclose(naive_result.point[0], [5.0, 5.0, 5.0])
    np.testing.assert_allclose(naive_result.sigma[0], np.sqrt(np.mean(differences**2)) * np.sqrt([1, 2, 3]))
    np.testing.assert_allclose(drift_result.point[0], 5.0 + 1.0 * np.array([1, 2, 3]))
    sigma = np.std(differences, ddof=1)
    np.testing.assert_allclose(drift_result.sigma[0], sigma * np.sqrt(np.array([1, 2, 3]) * (1 + np.array([1, 2, 3]) / 4)))


def test_bounds_clip_counts_at_zero():
    point = np.array([[2.0, -1.0]])
    sigma = np.array([[3.0, 3.0]])
    band = intervals.bounds(point, sigma, intervals.normal_multipliers(), non_negative=True)
    for name, values in band.items():
        assert (values >= 0).all(), name
    unclipped = intervals.bounds(point, sigma, intervals.normal_multipliers(), non_negative=False)
    assert unclipped["lo95"].min() < 0


def test_forecast_of_falling_counts_stays_non_negative():
    long = _long_panel(range(2012, 2026), provisional_from=2024)
    answer = answer_forecast(long, ForecastSettings(horizon_year=2040))
    forecasts = answer.tables[FORECAST_TABLE]
    for column in ("point", "lo80", "hi80", "lo95", "hi95"):
        assert (forecasts[column] >= 0).all(), column
    assert forecasts["year"].max() == 2040


def test_provisional_exclusion_moves_last_year():
    long = _long_panel(range(2012, 2026), provisional_from=2024)
    excluded = build_panel(long, ForecastSettings(exclude_provisional=True))
    included = build_panel(long, ForecastSettings(exclude_provisional=False))
    assert excluded.years[-1] == 2023
    assert included.years[-1] == 2025
    assert excluded.provisional_years == (2024, 2025)
    first_year = answer_forecast(long, ForecastSettings(exclude_provisional=True)).tables[FORECAST_TABLE]["year"].min()
    assert first_year == 2024


@pytest.mark.parametrize(
    ("horizon_year", "expected"),
    [(2041, "hoogstens 2040|tot en met 2040"), (2023, "moet na het laatste gebruikte jaar 2023 liggen")],
)
def test_horizon_validation_dutch_error(horizon_year, expected):
    long = _long_panel(range(2012, 2026), provisional_from=2024)
    with pytest.raises(ModelConfigError, match=expected):
        answer_forecast(long, ForecastSettings(horizon_year=horizon_year))


@pytest.fixture(scope="module")
def real_answer(full_run):
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        long = load_long(connection)
        provinces = load_provinces(connection)
    return answer_forecast(long, ForecastSettings(), provinces)


def _gemeente_base(accuracy: pd.DataFrame) -> pd.DataFrame:
    """Return the accuracy rows of the gemeente series before reconciliation."""
    return accuracy[(accuracy["region_level"] == "gemeente") & (accuracy["reconciliation"] == "geen")]


def _report(accuracy: pd.DataFrame) -> str:
    columns = ["indicator_code", "method", "mase", "smape", "coverage80", "coverage95", "relative_mase_naive", "relative_mase_drift", "n_series"]
    return "\n" + accuracy[columns].round(3).to_string(index=False)


def test_selected_method_beats_baselines(real_answer):
    accuracy = _gemeente_base(real_answer.tables[ACCURACY_TABLE])
    selected = accuracy[accuracy["is_selected"]]
    print(_report(accuracy))
    assert selected["indicator_code"].nunique() == 13
    assert (selected["relative_mase_drift"] < 1).all(), _report(selected)
    assert (selected["relative_mase_naive"] <= 1).all(), _report(selected)
    # Held-out check: choose on the calibration origins and score on the later ones.
    early = accuracy.loc[accuracy.groupby("indicator_code")["mase_calibration_origins"].idxmin()].set_index("indicator_code")
    late = accuracy.pivot(index="indicator_code", columns="method", values="mase_holdout_origins")
    chosen = pd.Series([late.loc[code, method] for code, method in early["method"].items()], index=early.index)
    relative_naive = (chosen / late["naive"]).mean()
    relative_drift = (chosen / late["drift"]).mean()
    print(f"held-out relative MASE of the method chosen on 2016-2019: vs naive {relative_naive:.3f}, vs drift {relative_drift:.3f}")
    assert relative_naive < 1
    assert relative_drift < 1


def test_selected_coverage80_in_range(real_answer):
    accuracy = _gemeente_base(real_answer.tables[ACCURACY_TABLE])
    selected = accuracy[accuracy["is_selected"]]
    # Every indicator has the same held-out points, so the plain mean is the pooled coverage.
    coverage80 = selected["coverage80"].mean()
    coverage95 = selected["coverage95"].mean()
    outside = selected.loc[~selected["coverage80"].between(0.70, 0.90), ["indicator_code", "coverage80"]]
    print(f"held-out coverage of the selected methods: 80% interval {coverage80:.3f}, 95% interval {coverage95:.3f}")
    print(f"indicators with 80% coverage outside 0.70-0.90: {outside.round(3).to_dict('records')}")
    assert 0.70 <= coverage80 <= 0.90, _report(selected)
    assert 0.90 <= coverage95 <= 0.99, _report(selected)


def test_real_forecast_non_negative(real_answer):
    forecasts = real_answer.tables[FORECAST_TABLE]
    assert forecasts.loc[forecasts["region_level"] == "gemeente", "region_code"].nunique() == 342
    # 342 gemeenten, 12 provinces and NL00.
    assert forecasts["region_code"].nunique() == 355
    for column in ("point", "lo80", "hi80", "lo95", "hi95"):
        assert (forecasts[column] >= 0).all(), column
    assert (forecasts["lo95"] <= forecasts["lo80"]).all()
    assert (forecasts["hi80"] <= forecasts["hi95"]).all()


def test_asset_writes_contract_tables(full_run, tmp_path):
    warehouse_copy = tmp_path / "warehouse.duckdb"
    shutil.copy(full_run["warehouse"], warehouse_copy)
    result = dg.materialize(
        list(build_forecast_assets()),
        resources={"warehouse": WarehouseResource(path=str(warehouse_copy))},
        run_config={"ops": {"analysis__prognose": {"config": {"horizon_year": 2035}}}},
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert all(check.passed for check in checks), [check.description for check in checks]
    assert {check.asset_key for check in checks} == {ASSET_KEY}
    metadata = result.get_asset_materialization_events()[0].materialization.metadata
    table = metadata["nauwkeurigheid_backtest"].value.splitlines()
    assert table[0].startswith("| indicator | methode | MASE | rel. MASE naïef | rel. MASE drift | sMAPE |")
    assert len(table) == 2 + 13
    assert metadata["verzoening_per_niveau"].value.count("\n") == 4
    assert metadata["waaiergrafiek_nederland"].value.count("data:image/svg+xml;base64,") == 13
    with duckdb.connect(str(warehouse_copy), read_only=True) as connection:
        forecast_columns = {row[0] for row in connection.execute("describe analysis.model_forecast").fetchall()}
        assert set(RUN_COLUMNS) | {"region_code", "indicator_code", "year", "point", "lo80", "hi80", "lo95", "hi95", "method", "region_level", "reconciliation"} <= forecast_columns
        assert connection.execute("select max(year) from analysis.model_forecast").fetchone()[0] == 2035
        accuracy_columns = {row[0] for row in connection.execute("describe analysis.model_forecast_accuracy").fetchall()}
        assert {"mase", "smape", "coverage80", "coverage95", "n_series", "relative_mase_naive", "relative_mase_drift"} <= accuracy_columns
        metrics = connection.execute("select count(*), min(n) from analysis.model_metrics where model = 'prognose'").fetchone()
        assert metrics[0] > 0
        assert metrics[1] > 0
