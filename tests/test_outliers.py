"""Outlier model parts on small synthetic inputs: robust statistics, detectors, texts, plot."""

import xml.etree.ElementTree as ElementTree

import numpy as np
import pandas as pd
import pytest

from idgb_pipeline.models import svg
from idgb_pipeline.models.outliers import explain, over_time
from idgb_pipeline.models.outliers.multivariate import profile_scores, top_contributions
from idgb_pipeline.models.outliers.peers import MIN_PEERS, leave_one_out_reference, peer_scores
from idgb_pipeline.models.outliers.robust import pooled_threshold, robust_scale, robust_z


def test_robust_scale_uses_mad():
    assert robust_scale(np.array([1.0, 2.0, 3.0, 4.0, 100.0])) == pytest.approx(1.4826)


def test_robust_scale_falls_back_when_mad_is_zero():
    # Median 5, absolute deviations 0, 0, 0, 0, 4: the MAD is 0, the mean deviation 0.8.
    assert robust_scale(np.array([5.0, 5.0, 5.0, 5.0, 9.0])) == pytest.approx(1.2533 * 0.8)


def test_robust_scale_of_constant_is_nan():
    assert np.isnan(robust_scale(np.array([3.0, 3.0, 3.0])))


def test_robust_scale_per_row_ignores_nan():
    rows = np.array([[1.0, 2.0, 3.0, np.nan], [0.0, 0.0, 0.0, 0.0]])
    result = robust_scale(rows, axis=1)
    assert result[0] == pytest.approx(1.4826)
    assert np.isnan(result[1])


def test_robust_z_values():
    z = robust_z(np.array([10.0, 4.0, 7.0]), np.array([4.0, 4.0, 7.0]), np.array([2.0, 0.0, np.nan]))
    assert z[0] == pytest.approx(3.0)
    assert np.isnan(z[1])
    assert np.isnan(z[2])


def test_threshold_floor_applies_to_light_tails():
    scores = np.linspace(-2, 2, 1001)
    assert pooled_threshold(scores, 0.98, floor=3.5) == 3.5


def test_threshold_follows_heavy_tails():
    scores = np.concatenate([np.zeros(90), np.full(10, 8.0)])
    assert pooled_threshold(scores, 0.95, floor=3.5) == pytest.approx(8.0)


def test_threshold_ignores_nan_and_empty():
    assert pooled_threshold(np.array([np.nan, 10.0, 10.0]), 0.5) == pytest.approx(10.0)
    assert pooled_threshold(np.array([np.nan]), 0.5, floor=3.5) == 3.5


def test_leave_one_out_excludes_own_value():
    median, scale = leave_one_out_reference(np.array([1.0, 2.0, 3.0, 100.0, np.nan]))
    np.testing.assert_allclose(median, [3.0, 3.0, 2.0, 2.0, 2.5])
    assert scale[3] == pytest.approx(1.4826)


def _rates(values_by_region: dict[str, float], year: int = 2020) -> pd.DataFrame:
    return pd.DataFrame(
        {"region_code": list(values_by_region), "indicator_code": "misdrijven_x_per_1000", "period_year": year, "value": list(values_by_region.values())}
    )


def test_peer_score_flags_extreme_member():
    values = {f"GM{i:04d}": 10.0 + (i % 5) for i in range(12)}
    values["GM0099"] = 40.0
    clusters = pd.DataFrame({"region_code": list(values), "cluster": 1})
    scores = peer_scores(_rates(values), clusters).set_index("region_code")
    # The twelve peers (10, 10, 10, 11, 11, 11, 12, 12, 13, 13, 14, 14) have median 11.5
    # and MAD 1.5, so 40 lies (40 - 11.5) / (1.4826 × 1.5) ≈ 12.8 robust SD above.
    assert scores.loc["GM0099", "score"] == pytest.approx((40 - 11.5) / (1.4826 * 1.5))
    assert scores.loc["GM0099", "peer_count"] == 12
    assert scores.drop("GM0099")["score"].abs().max() < 3.5


def test_peer_score_needs_enough_peers():
    values = {f"GM{i:04d}": float(i) for i in range(MIN_PEERS)}
    clusters = pd.DataFrame({"region_code": list(values), "cluster": 0})
    scores = peer_scores(_rates(values), clusters)
    assert scores["score"].isna().all()


def test_peer_score_compares_within_cluster_only():
    values = {f"GM{i:04d}": 10.0 + (i % 3) for i in range(8)} | {f"GM{i:04d}": 100.0 + (i % 3) for i in range(8, 16)}
    clusters = pd.DataFrame({"region_code": list(values), "cluster": [0] * 8 + [1] * 8})
    scores = peer_scores(_rates(values), clusters)
    assert scores["score"].abs().max() < 3.5


def _flat_series(n_series: int = 30, n_years: int = 14, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 200 + rng.normal(0, 10, (n_series, n_years)).round()


def test_spike_flags_only_its_year():
    values = _flat_series()
    values[0, 8] += 150
    result = over_time.detect(values, "naive", threshold=3.5, scale_columns=np.ones(values.shape[1], dtype=bool))
    assert result.is_outlier[0, 8]
    # Naive on the raw history would expect the spike again in year 9; the cleaned history does not.
    assert not result.is_outlier[0, 9]
    assert not result.is_level_shift[0, 8]
    assert result.replacement[0, 8] < values[0, 8]


def test_level_shift_flags_first_year_only():
    values = _flat_series()
    values[1, 8:] += 150
    result = over_time.detect(values, "naive", threshold=3.5, scale_columns=np.ones(values.shape[1], dtype=bool))
    assert result.is_outlier[1, 8]
    assert not result.is_outlier[1, 9:].any()
    assert result.is_level_shift[1, 8]
    # Once the next year confirms the shift, the robust history keeps the recorded value.
    history = over_time.cleaned_as_of(values[1:2], over_time.select_series(result, np.array([1])), 9)
    assert history[0, 8] == values[1, 8]
    # At the shift year itself the next year is unknown, so the value is still capped.
    history = over_time.cleaned_as_of(values[1:2], over_time.select_series(result, np.array([1])), 8)
    assert history[0, 8] < values[1, 8]


def test_clean_series_mostly_unflagged():
    values = _flat_series(n_series=200)
    result = over_time.detect(values, "naive", threshold=3.5, scale_columns=np.ones(values.shape[1], dtype=bool))
    scored = result.score[:, over_time.MIN_TRAINING_YEARS :]
    assert np.isfinite(scored).all()
    assert result.is_outlier.mean() < 0.01
    assert np.isnan(result.score[:, : over_time.MIN_TRAINING_YEARS]).all()


def test_count_scale_has_poisson_floor():
    # A rare offence: one case in two of ten years. Its own error scale is about 0.42.
    values = np.array([[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]] * 3)
    errors = np.diff(values, axis=1, prepend=np.nan)
    scale = over_time.series_scale(values, errors, np.ones(values.shape[1], dtype=bool), is_count=True)
    np.testing.assert_allclose(scale, np.sqrt(2.0))


def test_format_number_dutch():
    assert explain.format_number(1234567.891, 2) == "1.234.567,89"
    assert explain.format_number(float("nan")) == "onbekend"


def test_short_label_strips_cbs_prefix():
    assert explain.short_label("Geregistreerde misdrijven per 1.000 inwoners: moord, doodslag") == "moord, doodslag"
    assert explain.short_label("vernieling") == "vernieling"


def test_over_time_explanation_text():
    text = explain.explain_over_time(
        label="vernieling", year=2024, value=1500, expected=1000, score=4.2, threshold=3.5,
        method="holt_damped", is_outlier=True, is_provisional=True, is_level_shift=True,
    )
    assert text == (
        "Uitschieter in de eigen reeks: vernieling 2024 is 1.500, verwacht was 1.000 (Holt met gedempte trend op de "
        "jaren ervoor). Dat is 4,2 keer de gebruikelijke voorspelfout hoger (drempel 3,5). Het jaar erna bleef op dit "
        "niveau: een blijvende verschuiving, geen eenmalige piek. Het jaar is voorlopig: CBS kan het cijfer nog bijstellen."
    )


def test_peer_explanation_names_group():
    text = explain.explain_peer(
        label="fietsdiefstal", year=2021, value=12.5, peer_median=4.25, peer_count=56, score=-5.0, threshold=3.5,
        cluster=1, cluster_description="hoog: fietsdiefstal", is_outlier=True, is_provisional=False,
    )
    assert "de mediaan van de 56 andere gemeenten in cluster 1 (hoog: fietsdiefstal) is 4,25" in text
    assert "Robuuste z-score 5,0 onder de mediaan (drempel 3,5)." in text
    assert "voorlopig" not in text


def test_peer_explanation_unscored():
    text = explain.explain_peer(
        label="wapenhandel", year=2021, value=0.0, peer_median=0.0, peer_count=3, score=float("nan"), threshold=3.5,
        cluster=2, cluster_description="", is_outlier=False, is_provisional=False,
    )
    assert text.startswith("Niet beoordeeld: wapenhandel 2021")


def test_profile_explanation_lists_contributions():
    text = explain.explain_profile(
        year=2019, score=0.71, threshold=0.63, contributions=[("drugshandel", 6.3), ("vernieling", -2.0)], is_outlier=True, is_provisional=False,
    )
    assert text == (
        "Uitschieter in het misdrijfprofiel als geheel in 2019: score 0,710 (drempel 0,630). Grootste afwijkingen van "
        "alle gemeenten: drugshandel 6,3 IQR boven de mediaan; vernieling 2,0 IQR onder de mediaan."
    )


def test_profile_scores_flag_planted_profile():
    rng = np.random.default_rng(5)
    rows = []
    for region in range(60):
        for year in (2020, 2021):
            for indicator in ("a_per_1000", "b_per_1000", "c_per_1000"):
                rows.append({"region_code": f"GM{region:04d}", "period_year": year, "indicator_code": indicator, "value": rng.normal(10, 1)})
    rates = pd.DataFrame(rows)
    odd = (rates["region_code"] == "GM0007") & (rates["period_year"] == 2021) & (rates["indicator_code"] == "b_per_1000")
    rates.loc[odd, "value"] = 40.0
    result = profile_scores(rates, contamination=0.01, n_estimators=200, random_state=1)
    flagged = result.scores[result.scores["is_outlier"]]
    assert ("GM0007", 2021) in set(zip(flagged["region_code"], flagged["period_year"], strict=True))
    position = result.scores.index[(result.scores["region_code"] == "GM0007") & (result.scores["period_year"] == 2021)][0]
    assert top_contributions(result.deviations.iloc[[position]], 1)[0][0][0] == "b_per_1000"


def test_outlier_plot_marks_outliers():
    years = np.arange(2012, 2026)
    values = np.linspace(100, 130, len(years))
    expected = np.where(years >= 2016, values - 1, np.nan)
    outliers = years == 2019
    provisional = years >= 2024
    image = svg.outlier_series_plot(years, values, expected, outliers, provisional, "Zwolle: vernieling")
    root = ElementTree.fromstring(image)
    circles = root.findall("{http://www.w3.org/2000/svg}circle")
    point_circles = [circle for circle in circles if circle.find("{http://www.w3.org/2000/svg}title") is not None]
    assert len(point_circles) == len(years)
    red = [circle for circle in point_circles if circle.get("stroke") == "#D55E00"]
    assert [circle.find("{http://www.w3.org/2000/svg}title").text for circle in red] == ["2019: 116,2"]
    hollow = [circle for circle in point_circles if circle.get("fill") == "#ffffff"]
    assert len(hollow) == 2
