"""The whole asset graph materialised on the bundled real data, checked against known facts."""

import duckdb
import pytest


@pytest.fixture(scope="module")
def warehouse(full_run):
    assert full_run["success"], "\n".join(full_run["progress"])
    with duckdb.connect(str(full_run["warehouse"]), read_only=True) as connection:
        yield connection


def scalar(connection, sql, parameters=None):
    return connection.execute(sql, parameters or []).fetchone()[0]


def test_run_succeeds_with_all_checks(full_run):
    report = full_run["report"]

    assert full_run["success"]
    assert report.failed_steps == []
    assert report.checks_failed == []
    assert len(report.checks_passed) >= 60


def test_every_source_is_extracted(full_run):
    extracted = {label for label in full_run["report"].materialised if label.startswith("raw/")}

    assert "raw/misdrijven_gemeente" in extracted
    assert "raw/kwb2022_regios" in extracted
    assert len(extracted) == 12


def test_kwb2022_region_counts(warehouse):
    counts = dict(
        warehouse.execute(
            "select region_level, count(*) from marts.dim_region where is_in_kwb2022 group by 1"
        ).fetchall()
    )

    assert sum(counts.values()) == 18_003
    assert counts == {"land": 1, "gemeente": 345, "wijk": 3_340, "buurt": 14_317}


def test_crime_panel_regions_and_years(warehouse):
    regions, years = warehouse.execute(
        """
        select count(distinct region_code), count(distinct period_year)
        from marts.fct_indicator_value
        where indicator_code = 'misdrijven_woninginbraak'
        """
    ).fetchone()
    has_unknown = scalar(
        warehouse,
        "select count(*) from marts.fct_indicator_value "
        "where indicator_code = 'misdrijven_woninginbraak' and region_code = 'GM0000'",
    )

    assert regions == 343
    assert years == 14
    assert has_unknown == 14


def test_gm1680_woninginbraak_2012(warehouse):
    value = scalar(
        warehouse,
        "select value from marts.fct_indicator_value "
        "where indicator_code = 'misdrijven_woninginbraak' and region_code = 'GM1680' "
        "and period_year = 2012",
    )

    assert value == 108


def test_no_duplicate_facts(warehouse):
    duplicates = scalar(
        warehouse,
        """
        select count(*) from (
            select indicator_code, region_code, period_year
            from marts.fct_indicator_value
            group by 1, 2, 3
            having count(*) > 1
        )
        """,
    )

    assert duplicates == 0


def test_crime_rate_uses_harmonised_population(warehouse):
    # GM1680 woninginbraak 2012 divided by its 2012 population on the 2024 layout.
    rate, count, inhabitants = warehouse.execute(
        """
        select
            max(value) filter (where indicator_code = 'misdrijven_woninginbraak_per_1000'),
            max(value) filter (where indicator_code = 'misdrijven_woninginbraak'),
            max(value) filter (where indicator_code = 'inwoners_indeling_2024')
        from marts.fct_indicator_value
        where region_code = 'GM1680' and period_year = 2012
        """
    ).fetchone()

    assert rate == pytest.approx(1000 * count / inhabitants)


def test_merged_gemeente_rate_sums_predecessors(warehouse):
    # Regression: Eemsdelta (GM1979, 2021) has no own 2012 population; its rate must
    # use Appingedam, Delfzijl and Loppersum together.
    harmonised = scalar(
        warehouse,
        "select value from marts.fct_indicator_value where indicator_code = "
        "'inwoners_indeling_2024' and region_code = 'GM1979' and period_year = 2012",
    )
    predecessors = scalar(
        warehouse,
        "select sum(value) from marts.fct_indicator_value where indicator_code = 'inwoners' "
        "and region_code in ('GM0003', 'GM0010', 'GM0024') and period_year = 2012",
    )

    assert harmonised == pytest.approx(predecessors, rel=0.02)


def test_every_rate_has_a_denominator(warehouse):
    missing = scalar(
        warehouse,
        """
        select count(*)
        from marts.fct_indicator_value as counts
        left join marts.fct_indicator_value as rates
            on rates.indicator_code = counts.indicator_code || '_per_1000'
            and rates.region_code = counts.region_code
            and rates.period_year = counts.period_year
        where counts.indicator_code like 'misdrijven_%'
            and counts.indicator_code not like '%_per_1000'
            and counts.region_code <> 'GM0000'
            and rates.value is null
        """,
    )

    assert missing == 0


def test_provisional_years_flagged(warehouse):
    provisional_years = [
        row[0]
        for row in warehouse.execute(
            "select distinct period_year from marts.fct_indicator_value "
            "where is_provisional order by 1"
        ).fetchall()
    ]

    assert provisional_years == [2024, 2025]


def test_dim_region_years_valid(warehouse):
    row = warehouse.execute(
        "select valid_from_year, valid_to_year, current_gemeente_code, province_name "
        "from marts.dim_region where region_code = 'GM0003'"
    ).fetchone()

    assert row == (2012, 2020, "GM1979", "Groningen")


def test_every_gemeente_has_province(warehouse):
    missing = [
        row[0]
        for row in warehouse.execute(
            "select region_code from marts.dim_region "
            "where region_level = 'gemeente' and province_code is null"
        ).fetchall()
    ]

    assert missing == ["GM0000"]


def test_raw_lineage_is_filled(warehouse):
    row = warehouse.execute(
        "select count(*), count(distinct _file_sha256), min(_source_id), min(_file_name) "
        "from raw.misdrijven_gemeente"
    ).fetchone()

    assert row[0] == 57_624
    assert row[1] == 1
    assert row[2] == "misdrijven_gemeente"
    assert row[3] == "misdrijven_gemeente_2012_2025_long.csv.gz"


def test_indicator_dimension_covers_facts(warehouse):
    kwb_topics = scalar(
        warehouse, "select count(*) from marts.dim_indicator where indicator_code like 'kwb2022_%'"
    )
    wsjg = scalar(
        warehouse, "select count(*) from marts.dim_indicator where indicator_code like 'wsjg_%'"
    )

    assert kwb_topics == 117
    assert wsjg == 523


def test_descriptions_are_dutch(warehouse):
    comment = scalar(
        warehouse,
        "select comment from duckdb_tables() where schema_name = 'marts' "
        "and table_name = 'fct_indicator_value'",
    )

    assert "Feitentabel" in comment
