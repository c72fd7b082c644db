"""Hierarchy and MinT reconciliation of the count forecasts.

The small cases are computed by hand. The real case reads the crime panel of the
``full_run`` warehouse read-only and checks that every reconciled year adds up.
"""

import duckdb
import numpy as np
import pandas as pd
import pytest

from idgb_pipeline.models.forecast.hierarchy import LAND, NATIONAL_CODE, PROVINCIE, build_hierarchy, load_provinces
from idgb_pipeline.models.forecast.model import ACCURACY_TABLE, FORECAST_TABLE, answer_forecast
from idgb_pipeline.models.forecast.panel import ForecastSettings, load_long
from idgb_pipeline.models.forecast.reconcile import RECONCILIATION, mint_mapping, reconcile

# Total T = A + B. Rows: T, A, B.
TWO_CHILDREN = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])


def test_wls_structural_matches_hand_computation():
    # W = diag(2, 1, 1). With incoherence d = T - A - B = 1 the solution moves each
    # child by d/4 and the total by -d/2: (9.5, 4.25, 5.25).
    base = np.array([[10.0], [4.0], [5.0]])
    coherent, raised = reconcile(base, TWO_CHILDREN)
    np.testing.assert_allclose(coherent[:, 0], [9.5, 4.25, 5.25], atol=1e-12)
    assert raised == 0


def test_ols_matches_hand_computation():
    # W = I spreads d = 1 evenly over the three nodes: each child +1/3, the total -1/3.
    base = np.array([[10.0], [4.0], [5.0]])
    coherent, _ = reconcile(base, TWO_CHILDREN, weights=np.ones(3))
    np.testing.assert_allclose(coherent[:, 0], [10 - 1 / 3, 4 + 1 / 3, 5 + 1 / 3], atol=1e-12)


def test_mapping_keeps_coherent_forecasts():
    # A projection: forecasts that already add up are returned unchanged.
    coherent = TWO_CHILDREN @ np.array([[3.0, 7.0], [2.0, 0.5]])
    np.testing.assert_allclose(TWO_CHILDREN @ mint_mapping(TWO_CHILDREN) @ coherent, coherent, atol=1e-12)


def test_negative_child_set_to_zero_stays_coherent():
    # d = 0 - 1 - 0.1 = -1.1, so MinT gives A = 0.725 and B = -0.175. B is raised to 0
    # and the total is summed again from the children.
    base = np.array([[0.0], [1.0], [0.1]])
    coherent, raised = reconcile(base, TWO_CHILDREN)
    np.testing.assert_allclose(coherent[:, 0], [0.725, 0.725, 0.0], atol=1e-12)
    assert raised == 1


def test_hierarchy_summing_matrix():
    gemeenten = pd.DataFrame({"region_code": ["GM0001", "GM0002", "GM0003", "GM0004"], "region_name": ["A", "B", "C", "D"]})
    provinces = pd.DataFrame(
        {"region_code": ["GM0001", "GM0002", "GM0003"], "province_code": ["PV21", "PV20", "PV20"], "province_name": ["Fryslân", "Groningen", "Groningen"]}
    )
    hierarchy = build_hierarchy(gemeenten, provinces)
    assert hierarchy.keys["region_code"].tolist() == ["GM0001", "GM0002", "GM0003", "GM0004", "PV20", "PV21", NATIONAL_CODE]
    assert hierarchy.keys["region_level"].tolist()[4:] == [PROVINCIE, PROVINCIE, LAND]
    # GM0004 has no province: it counts towards the nation only.
    expected = np.vstack([np.eye(4), [0, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]])
    np.testing.assert_array_equal(hierarchy.summing, expected)


@pytest.fixture(scope="module")
def reconciled_answer(full_run):
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        long = load_long(connection)
        provinces = load_provinces(connection)
    return answer_forecast(long, ForecastSettings(), provinces), provinces


def test_real_forecast_children_sum_to_parent(reconciled_answer):
    answer, provinces = reconciled_answer
    forecasts = answer.tables[FORECAST_TABLE]
    assert (forecasts["reconciliation"] == RECONCILIATION).all()
    gemeenten = forecasts[forecasts["region_level"] == "gemeente"].merge(provinces, on="region_code")
    assert gemeenten["region_code"].nunique() == 342

    province_sums = gemeenten.groupby(["indicator_code", "year", "province_code"])["point"].sum()
    province_points = forecasts[forecasts["region_level"] == PROVINCIE].set_index(["indicator_code", "year", "region_code"])["point"]
    province_points.index = province_points.index.set_names(province_sums.index.names)
    assert len(province_points) == 13 * 7 * 12
    np.testing.assert_allclose(province_points.sort_index(), province_sums.sort_index(), rtol=0, atol=1e-6)

    national_sums = gemeenten.groupby(["indicator_code", "year"])["point"].sum()
    national_points = forecasts[forecasts["region_code"] == NATIONAL_CODE].set_index(["indicator_code", "year"])["point"]
    np.testing.assert_allclose(national_points.sort_index(), national_sums.sort_index(), rtol=0, atol=1e-6)


def test_real_reconciled_bounds_contain_point(reconciled_answer):
    forecasts = reconciled_answer[0].tables[FORECAST_TABLE]
    for column in ("point", "lo80", "hi80", "lo95", "hi95"):
        assert (forecasts[column] >= 0).all(), column
    assert (forecasts["lo95"] <= forecasts["lo80"]).all()
    assert (forecasts["lo80"] <= forecasts["point"] + 1e-9).all()
    assert (forecasts["point"] <= forecasts["hi80"] + 1e-9).all()
    assert (forecasts["hi80"] <= forecasts["hi95"]).all()


def test_real_accuracy_per_level_reported(reconciled_answer):
    answer = reconciled_answer[0]
    accuracy = answer.tables[ACCURACY_TABLE]
    reconciled = accuracy[accuracy["reconciliation"] == RECONCILIATION]
    assert set(reconciled["region_level"]) == {"gemeente", PROVINCIE, LAND}
    assert len(reconciled) == 13 * 3
    assert reconciled["mase"].notna().all()
    assert reconciled["relative_mase_base"].notna().all()
    comparison = answer.summary["verzoening_mase_per_niveau"]
    print("\nMASE per level, base vs reconciled:", comparison)
    assert [row["region_level"] for row in comparison] == ["gemeente", PROVINCIE, LAND]
    metrics = answer.metrics
    relative = metrics[metrics["metric"] == "relatieve_mase_verzoend"]
    assert len(relative) == 3
    assert (relative["n"] > 0).all()
