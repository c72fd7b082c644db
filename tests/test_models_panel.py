"""Model input on the 2024 layout: values of older layouts are carried over by weight."""

import duckdb
import pytest

from idgb_pipeline.models.panel import load_variables
from idgb_pipeline.models.questions import Variable


@pytest.fixture
def connection(tmp_path):
    """A warehouse where GM0001 and GM0002 (2019) merged into GM0003; GM0004 is unchanged."""
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        connection.execute("create schema marts; create schema prep")
        connection.execute(
            "create table marts.dim_region as select * from (values "
            "('GM0001', 'Oud A', 'gemeente', false, null::integer, null::integer), "
            "('GM0002', 'Oud B', 'gemeente', false, null, null), "
            "('GM0003', 'Nieuw', 'gemeente', true, 2, 5), "
            "('GM0004', 'Blijft', 'gemeente', true, 4, 3)) "
            "as t(region_code, region_name, region_level, is_current_layout, stedelijkheid_code, gemeentegrootte_code)"
        )
        connection.execute(
            "create table marts.fct_indicator_value as select * from (values "
            "('leeftijd_65_plus_pct', 'GM0001', 2019, 30.0), ('leeftijd_65_plus_pct', 'GM0002', 2019, 10.0), "
            "('leeftijd_65_plus_pct', 'GM0004', 2019, 20.0), "
            "('inwoners', 'GM0001', 2019, 1000.0), ('inwoners', 'GM0002', 2019, 3000.0), ('inwoners', 'GM0004', 2019, 500.0), "
            "('misdrijven_x_per_1000', 'GM0003', 2023, 4.0), ('misdrijven_x_per_1000', 'GM0004', 2023, 2.0)) "
            "as t(indicator_code, region_code, period_year, value)"
        )
        connection.execute(
            "create table prep.gemeente_herindeling as select * from (values "
            "(2019, 'GM0001', 'GM0003', 1.0), (2019, 'GM0002', 'GM0003', 1.0), (2019, 'GM0004', 'GM0004', 1.0), "
            "(2023, 'GM0003', 'GM0003', 1.0), (2023, 'GM0004', 'GM0004', 1.0)) "
            "as t(period_year, gemeente_code_from, gemeente_code_to, share)"
        )
        yield connection


def test_old_layout_mapped_population_weighted(connection):
    frame, record = load_variables(connection, [Variable("leeftijd_65_plus_pct", "indicator", 2019)])
    # (30 × 1000 + 10 × 3000) / 4000 = 15: the share of 65+ in the merged population.
    assert frame.at["GM0003", "leeftijd_65_plus_pct"] == pytest.approx(15.0)
    assert frame.at["GM0004", "leeftijd_65_plus_pct"] == pytest.approx(20.0)
    assert record["is_mapped"].all()


def test_current_layout_values_taken_directly(connection):
    frame, record = load_variables(connection, [Variable("misdrijven_x_per_1000", "indicator", 2023, "log")])
    assert list(frame.index) == ["GM0003", "GM0004"]
    assert frame.at["GM0003", "log_misdrijven_x_per_1000"] == pytest.approx(1.3862944)
    assert not record["is_mapped"].any()
    assert record.set_index("region_code").at["GM0003", "value"] == 4.0


def test_region_attribute_from_dim_region(connection):
    frame, _ = load_variables(connection, [Variable("stedelijkheid_code", "regiokenmerk")])
    assert frame["stedelijkheid_code"].to_dict() == {"GM0003": 2.0, "GM0004": 4.0}
