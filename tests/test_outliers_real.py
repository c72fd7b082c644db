"""Outlier model on the real crime panel of the ``full_run`` warehouse.

The soundness tests plant anomalies into real series (seeded) and require the
detectors to find them: recall at least 0.9 on the planted points and at most 5%
flagged among the untouched final points. The asset test writes into a copy of the
warehouse and builds ``marts.fct_forecast`` on it with dbt.
"""

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pytest

from idgb_pipeline import settings
from idgb_pipeline.models.contract import RUN_COLUMNS
from idgb_pipeline.models.outliers import over_time
from idgb_pipeline.models.outliers.asset import ASSET_KEY, build_outlier_assets
from idgb_pipeline.models.outliers.inputs import load_inputs
from idgb_pipeline.models.forecast.panel import is_rate
from idgb_pipeline.models.outliers.kinds import score_over_time, score_peers
from idgb_pipeline.models.outliers.peers import peer_scores
from idgb_pipeline.models.outliers.robust import robust_scale
from idgb_pipeline.models.outliers.settings import OutlierSettings
from idgb_pipeline.resources import WarehouseResource
from idgb_pipeline.warehouse.executable import dbt_executable

N_PLANTED = 150
# Planted size, measured before planting. Over time: multiples of the series' usual
# one-step error (the detector's scale: fitted over all series of the indicator at
# the series' level, at least the Poisson noise of a count). Against peers: multiples
# of the robust SD of the other gemeenten in the cluster. The over-time test also
# prints the recall in multiples of each series' own MAD-based SD of its eight
# one-step errors, a rougher unit that is often smaller than the usual error.
PLANTED_SIZE = 6.0
REPORTED_SIZES = (4.0, 5.0, 6.0)
FINAL_SCORED_YEARS = range(2016, 2024)
KEY = ["region_code", "indicator_code", "period_year"]


@pytest.fixture(scope="module")
def inputs(full_run):
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        return load_inputs(connection)


def _error_units(inputs, result) -> pd.DataFrame:
    """Return per count series the usual one-step error and its own robust SD of them."""
    panel = result.panel
    final = ~np.isin(panel.years, panel.provisional_years)
    frames = []
    for indicator, scores in result.scores.items():
        rows = (panel.keys["indicator_code"] == indicator).to_numpy()
        values = panel.values[rows]
        errors = values - over_time.one_step_forecasts(values, inputs.selected_methods[indicator], is_count=True)
        own = robust_scale(errors[:, final], axis=1)
        frames.append(panel.keys[rows][["region_code", "indicator_code"]].assign(usual_error=scores.scale, own_sd=own))
    return pd.concat(frames, ignore_index=True).dropna()


def _plant(long: pd.DataFrame, targets: pd.DataFrame, size: float) -> tuple[pd.DataFrame, set]:
    """Shift each target (KEY columns plus ``unit``) by ``size × unit``, up or down at random."""
    rng = np.random.default_rng(20240101)
    planted = long.set_index(KEY)
    keys = set()
    for target in targets.itertuples(index=False):
        key = (target.region_code, target.indicator_code, int(target.period_year))
        value = planted.at[key, "value"]
        # Downward only where the value stays at or above zero.
        sign = -1 if rng.random() < 0.5 and value - size * target.unit >= 0 else 1
        planted.at[key, "value"] = value + sign * size * target.unit
        keys.add(key)
    return planted.reset_index(), keys


def _recall_and_false_positives(rows: pd.DataFrame, keys: set) -> tuple[float, float, int]:
    is_planted = pd.MultiIndex.from_frame(rows[KEY]).isin(list(keys))
    untouched_final = ~is_planted & ~rows["is_provisional"].to_numpy() & rows["score"].notna().to_numpy()
    recall = float(rows.loc[is_planted, "is_outlier"].mean())
    false_positive_rate = float(rows.loc[untouched_final, "is_outlier"].mean())
    return recall, false_positive_rate, int(is_planted.sum())


def test_over_time_finds_planted(inputs):
    outlier_settings = OutlierSettings()
    baseline = score_over_time(inputs, outlier_settings)
    units = _error_units(inputs, baseline).sample(N_PLANTED, random_state=7)
    years = np.random.default_rng(7).integers(FINAL_SCORED_YEARS.start, FINAL_SCORED_YEARS.stop, len(units))
    results = {}
    for unit in ("usual_error", "own_sd"):
        targets = units.assign(period_year=years, unit=units[unit])
        for size in REPORTED_SIZES:
            long, keys = _plant(inputs.long, targets, size)
            rows = score_over_time(dataclasses.replace(inputs, long=long), outlier_settings).rows
            results[(unit, size)] = _recall_and_false_positives(rows, keys)
            recall, false_positive_rate, n_planted = results[(unit, size)]
            print(f"over time, planted {size:.0f} × {unit}: recall {recall:.3f}, false positives {false_positive_rate:.4f}, n planted {n_planted}")
    recall, false_positive_rate, n_planted = results[("usual_error", PLANTED_SIZE)]
    assert n_planted == N_PLANTED
    assert recall >= 0.9
    assert false_positive_rate <= 0.05


def test_peers_find_planted(inputs):
    outlier_settings = OutlierSettings()
    reference = peer_scores(inputs.long[inputs.long["indicator_code"].map(is_rate)], inputs.clusters)
    provisional = set(inputs.long.loc[inputs.long["is_provisional"].astype(bool), "period_year"])
    candidates = reference[~reference["period_year"].isin(provisional) & (reference["score"].abs() < outlier_settings.threshold_floor)]
    sample = candidates.sample(N_PLANTED, random_state=11)
    keys = set(sample[KEY].itertuples(index=False, name=None))
    results = {}
    for size in REPORTED_SIZES:
        planted = inputs.long.set_index(KEY)
        # Upward only: most rates lie within a few robust SD of zero.
        for row in sample.itertuples(index=False):
            planted.at[(row.region_code, row.indicator_code, row.period_year), "value"] = row.peer_median + size * row.peer_scale
        rows, _ = score_peers(dataclasses.replace(inputs, long=planted.reset_index()), outlier_settings)
        results[size] = _recall_and_false_positives(rows, keys)
        print(f"peers, planted {size:.0f} robust SD: recall {results[size][0]:.3f}, false positives {results[size][1]:.4f}, n planted {results[size][2]}")
    recall, false_positive_rate, n_planted = results[PLANTED_SIZE]
    assert n_planted == N_PLANTED
    assert recall >= 0.9
    assert false_positive_rate <= 0.05


def _build_fct_forecast(warehouse: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``dbt build --select fct_forecast`` on ``warehouse`` with its own target folder."""
    return subprocess.run(
        [
            dbt_executable(), "build", "--select", "fct_forecast", "--profiles-dir", ".",
            "--target-path", str(tmp_path / "dbt_target"), "--log-path", str(tmp_path / "dbt_logs"),
        ],
        cwd=settings.DBT_PROJECT_DIR,
        capture_output=True,
        text=True,
        env={**os.environ, "IDGB_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"},
    )


def test_asset_writes_tables_and_fct_forecast(full_run, tmp_path):
    warehouse_copy = tmp_path / "warehouse.duckdb"
    shutil.copy(full_run["warehouse"], warehouse_copy)

    # Before the outlier asset has run, fct_forecast still builds, with empty outlier columns.
    before = _build_fct_forecast(warehouse_copy, tmp_path)
    assert before.returncode == 0, before.stdout[-3000:]

    result = dg.materialize(list(build_outlier_assets()), resources={"warehouse": WarehouseResource(path=str(warehouse_copy))})
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert all(check.passed for check in checks), [check.description for check in checks]
    assert {check.asset_key for check in checks} == {ASSET_KEY}
    metadata = result.asset_materializations_for_node("analysis__uitschieters")[0].metadata
    plots = [name for name in metadata if name.startswith("reeks_")]
    assert any(name.startswith("reeks_GM0193_") for name in plots), plots
    assert len(plots) >= 2

    with duckdb.connect(str(warehouse_copy)) as connection:
        columns = {row[0] for row in connection.execute("describe analysis.model_outlier").fetchall()}
        assert set(RUN_COLUMNS) | {"region_code", "period_year", "indicator_code", "score", "threshold", "is_outlier", "kind", "explanation", "is_provisional"} <= columns
        kinds = dict(connection.execute("select kind, count(*) from analysis.model_outlier group by 1").fetchall())
        assert set(kinds) == {"over_time", "peer", "multivariate"}
        assert connection.execute("select count(*) from analysis.model_outlier where explanation is null or explanation = ''").fetchone()[0] == 0
        assert connection.execute("select count(*) from analysis.model_outlier where kind = 'multivariate' and indicator_code is not null").fetchone()[0] == 0
        provisional_text = connection.execute(
            "select bool_and(explanation like '%voorlopig%') from analysis.model_outlier where is_provisional and score is not null"
        ).fetchone()[0]
        assert provisional_text
        metrics = connection.execute("select count(*), min(n) from analysis.model_metrics where model = 'uitschieters'").fetchone()
        assert metrics[0] > 0
        assert metrics[1] >= 0
        comparison = connection.execute(
            # The copied warehouse already contains the full run's result, so read this run only.
            "select variant, mase, coverage80, n_points from analysis.model_forecast_robust_accuracy "
            "where indicator_code = 'alle' and run_at = (select max(run_at) from analysis.model_forecast_robust_accuracy) "
            "order by variant"
        ).fetchall()
        print(f"backtest of flagged series, pooled (variant, MASE, coverage80, n points): {comparison}")
        assert [row[0] for row in comparison] == ["robuust", "standaard"]
        assert comparison[0][3] == comparison[1][3] > 0

    after = _build_fct_forecast(warehouse_copy, tmp_path)
    assert after.returncode == 0, after.stdout[-3000:]
    with duckdb.connect(str(warehouse_copy), read_only=True) as connection:
        counts = connection.execute(
            """
            select
                count(*) filter (where region_code like 'GM%'),
                count(history_has_outlier) filter (where region_code like 'GM%'),
                count(*) filter (where history_has_outlier),
                count(robust_point) filter (where history_has_outlier),
                count(robust_point) filter (where not history_has_outlier)
            from marts.fct_forecast
            """
        ).fetchone()
    gemeente_rows, flagged_known, flagged, flagged_with_robust, unflagged_with_robust = counts
    assert flagged_known == gemeente_rows > 0
    assert flagged_with_robust == flagged > 0
    assert unflagged_with_robust == 0
