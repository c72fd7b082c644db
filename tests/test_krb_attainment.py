"""The norm-attainment rule in Python, on the same hand-computed cases as the dbt unit test."""

import pytest

from idgb_pipeline.krb.attainment import attainment_status, path_value


@pytest.mark.parametrize(
    ("base_value", "base_year", "target_value", "target_year", "year", "expected"),
    [
        (4.0, 2020, 2.0, 2024, 2020, 4.0),
        (4.0, 2020, 2.0, 2024, 2021, 3.5),
        (4.0, 2020, 2.0, 2024, 2023, 2.5),
        (4.0, 2020, 2.0, 2024, 2024, 2.0),
        (4.0, 2020, 2.0, 2024, 2026, 2.0),
        (60.0, 2021, 80.0, 2023, 2022, 70.0),
        (None, 2020, 5.0, 2022, 2021, None),
    ],
)
def test_path_value(base_value, base_year, target_value, target_year, year, expected):
    assert path_value(base_value, base_year, target_value, target_year, year) == expected


@pytest.mark.parametrize(
    ("actual", "comparator", "target", "path", "margin", "expected"),
    [
        # <= : target 2.0, path of the year given.
        (4.0, "<=", 2.0, 4.0, 0.0, "op koers"),  # exactly on the path
        (3.4, "<=", 2.0, 3.5, 0.0, "op koers"),
        (3.2, "<=", 2.0, 3.0, 0.0, "niet op koers"),
        (1.9, "<=", 2.0, 2.5, 0.0, "behaald"),  # ahead of the path: target met
        (2.0, "<=", 2.0, 2.0, 0.0, "behaald"),  # the bound itself meets the target
        (None, "<=", 2.0, 2.0, 0.0, "geen data"),
        # >= : target 80.
        (60.0, ">=", 80.0, 60.0, 0.0, "op koers"),
        (65.0, ">=", 80.0, 70.0, 0.0, "niet op koers"),
        (80.0, ">=", 80.0, 80.0, 0.0, "behaald"),
        # = : target 10, margin 0.5; overshooting closer than the path is on course.
        (14.0, "=", 10.0, 14.0, 0.5, "op koers"),
        (9.0, "=", 10.0, 12.0, 0.5, "op koers"),
        (10.4, "=", 10.0, 10.0, 0.5, "behaald"),
        (13.0, "=", 10.0, 12.0, 0.5, "niet op koers"),
        (11.0, "=", 10.0, 10.0, 0.5, "niet op koers"),
        # No base value, so no path: only behaald or geen data.
        (6.0, "<=", 5.0, None, 0.0, "geen data"),
        (4.0, "<=", 5.0, None, 0.0, "behaald"),
    ],
)
def test_attainment_status(actual, comparator, target, path, margin, expected):
    assert attainment_status(actual, comparator, target, path, margin) == expected


def test_unknown_comparator_raises():
    with pytest.raises(ValueError, match="Unknown comparator"):
        attainment_status(1.0, "<", 2.0, 2.0)
