"""Tests for mapping gemeente codes of every year onto the target layout."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import pytest

from idgb_pipeline.regions import herindeling as h
from idgb_pipeline.regions.herindeling import (
    HerindelingError,
    build_gemeente_mapping,
    infer_transition,
    population_on_layout,
)

REPO = Path(__file__).resolve().parents[1]
POPULATION_CSV = REPO / "seeds/cbs/waarden/bevolking_gemeente_2012_2025_long.csv"
MATRICES_CSV = REPO / "seeds/grenswijzigingen/gemeente_omzetmatrices_naar_2024.csv"
KNOWN_CHANGES_CSV = REPO / "seeds/herindelingen/gemeente_herindelingen_2013_2016.csv"

# Codes whose population does not change, so the median growth of a transition is 0
# and every expected residual below is exact.
STABLE_CODES = ["GM0901", "GM0902", "GM0903", "GM0904", "GM0905"]


def population(rows: list[tuple[str, int, float]], *, stable_years: tuple[int, ...] = ()) -> pd.DataFrame:
    stable = [(code, year, 5000) for year in stable_years for code in STABLE_CODES]
    return pd.DataFrame(rows + stable, columns=["gemeente_code", "jaar", "inwoners"])


def matrices(rows: list[tuple[int, int, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["jaar_van", "jaar_naar", "code_van", "code_naar", "aantal_adressen"])


def mapping_frame(rows: list[tuple[int, str, str, float, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["jaar", "code_van", "code_naar", "aandeel", "methode"])
    return frame.sort_values(["jaar", "code_van", "code_naar"]).reset_index(drop=True)


def identity_rows(year: int, codes: list[str]) -> list[tuple[int, str, str, float, str]]:
    return [(year, code, code, 1.0, "ongewijzigd") for code in codes]


# --------------------------------------------------------------------------
# Small hand-made cases


MERGER_POPULATION = population(
    [
        ("GM0001", 2016, 1000),
        ("GM0002", 2016, 400),
        ("GM0003", 2016, 700),
        ("GM0001", 2024, 1420),
        ("GM0003", 2024, 710),
    ]
)


def test_matrix_full_merger():
    matrix = matrices([(2016, 2024, "0001", "0001", 400), (2016, 2024, "0002", "0001", 200)])

    result = build_gemeente_mapping(MERGER_POPULATION, matrix)

    expected = mapping_frame(
        [
            (2016, "GM0001", "GM0001", 1.0, "omzetmatrix"),
            (2016, "GM0002", "GM0001", 1.0, "omzetmatrix"),
            (2016, "GM0003", "GM0003", 1.0, "ongewijzigd"),
            *identity_rows(2024, ["GM0001", "GM0003"]),
        ]
    )
    pd.testing.assert_frame_equal(result, expected)


def test_matrix_split_address_shares():
    matrix = matrices(
        [
            (2016, 2024, "0001", "0001", 400),
            (2016, 2024, "0002", "0001", 300),
            (2016, 2024, "0002", "0003", 100),
            (2016, 2024, "0003", "0003", 500),
        ]
    )

    result = build_gemeente_mapping(MERGER_POPULATION, matrix)

    expected = mapping_frame(
        [
            (2016, "GM0001", "GM0001", 1.0, "omzetmatrix"),
            (2016, "GM0002", "GM0001", 0.75, "omzetmatrix"),
            (2016, "GM0002", "GM0003", 0.25, "omzetmatrix"),
            (2016, "GM0003", "GM0003", 1.0, "omzetmatrix"),
            *identity_rows(2024, ["GM0001", "GM0003"]),
        ]
    )
    pd.testing.assert_frame_equal(result, expected)


def test_unlisted_code_is_unchanged():
    matrix = matrices([(2016, 2024, "0002", "0001", 200)])

    result = build_gemeente_mapping(MERGER_POPULATION, matrix)

    row = result.loc[(result["jaar"] == 2016) & (result["code_van"] == "GM0003")]
    assert row["code_naar"].tolist() == ["GM0003"]
    assert row["aandeel"].tolist() == [1.0]
    assert row["methode"].tolist() == ["ongewijzigd"]


def test_swapped_matrix_columns_detected(caplog):
    declared = matrices([(2016, 2024, "0001", "0001", 400), (2016, 2024, "0002", "0001", 200)])
    swapped = declared.rename(columns={"code_van": "code_naar", "code_naar": "code_van"})

    with caplog.at_level(logging.WARNING, logger="idgb_pipeline.regions.herindeling"):
        result = build_gemeente_mapping(MERGER_POPULATION, swapped)

    pd.testing.assert_frame_equal(result, build_gemeente_mapping(MERGER_POPULATION, declared))
    assert any("verwisseld" in record.getMessage() for record in caplog.records)


def test_numeric_codes_are_prefixed():
    bare = MERGER_POPULATION.assign(gemeente_code=MERGER_POPULATION["gemeente_code"].str[2:].astype(int))
    matrix = matrices([(2016, 2024, 1, 1, 400), (2016, 2024, 2, 1, 200)])

    result = build_gemeente_mapping(bare, matrix)

    assert set(result["code_van"]) == {"GM0001", "GM0002", "GM0003"}
    assert set(result["code_naar"]) == {"GM0001", "GM0003"}


def test_inferred_merger_into_new_code():
    data = population(
        [("GM0101", 2014, 1000), ("GM0102", 2014, 600), ("GM1900", 2015, 1600)],
        stable_years=(2014, 2015),
    )

    result = build_gemeente_mapping(data, matrices([]), target_year=2015)

    expected = mapping_frame(
        [
            (2014, "GM0101", "GM1900", 1.0, "afgeleid_uit_bevolking"),
            (2014, "GM0102", "GM1900", 1.0, "afgeleid_uit_bevolking"),
            *identity_rows(2014, STABLE_CODES),
            *identity_rows(2015, ["GM1900", *STABLE_CODES]),
        ]
    )
    pd.testing.assert_frame_equal(result, expected)


def test_inferred_merger_into_existing_code():
    data = population(
        [("GM0101", 2014, 1000), ("GM0301", 2014, 4000), ("GM0301", 2015, 5000)],
        stable_years=(2014, 2015),
    )

    transition = infer_transition(data, 2014)

    merged = transition.loc[transition["code_van"] == "GM0101"]
    assert merged["code_naar"].tolist() == ["GM0301"]
    assert merged["aandeel"].tolist() == [1.0]
    assert merged["relatief_residu"].tolist() == [0.0]
    assert merged["herkomst"].tolist() == ["gezocht"]
    absorber = transition.loc[transition["code_van"] == "GM0301"]
    assert absorber["methode"].tolist() == ["ongewijzigd"]


def test_inference_chained_with_matrix():
    # GM0101 merges into GM1900 in 2015, and the 2016 matrix splits GM1900 over two codes.
    data = population(
        [
            ("GM0101", 2014, 1000),
            ("GM1900", 2014, 3000),
            ("GM1900", 2015, 4000),
            ("GM1900", 2016, 4000),
            ("GM1901", 2024, 2000),
            ("GM1902", 2024, 2000),
        ],
        stable_years=(2014, 2015, 2016, 2024),
    )
    matrix = matrices([(2016, 2024, "1900", "1901", 300), (2016, 2024, "1900", "1902", 100)])

    result = build_gemeente_mapping(data, matrix).set_index(["jaar", "code_van", "code_naar"])

    assert result.loc[(2014, "GM0101", "GM1901"), "aandeel"] == 0.75
    assert result.loc[(2014, "GM0101", "GM1902"), "aandeel"] == 0.25
    assert result.loc[(2014, "GM0101", "GM1901"), "methode"] == "afgeleid_uit_bevolking"
    assert result.loc[(2014, "GM1900", "GM1901"), "methode"] == "omzetmatrix"
    assert result.loc[(2014, "GM0901", "GM0901"), "methode"] == "ongewijzigd"


SPLIT_POPULATION = population(
    [
        ("GM0101", 2014, 1000),
        ("GM0301", 2014, 10000),
        ("GM0301", 2015, 10600),
        ("GM0302", 2014, 5000),
        ("GM0302", 2015, 5400),
    ],
    stable_years=(2014, 2015),
)


def test_split_inferred_when_no_whole_cover():
    transition = infer_transition(SPLIT_POPULATION, 2014)

    split = transition.loc[transition["code_van"] == "GM0101"].set_index("code_naar")
    assert split.index.tolist() == ["GM0301", "GM0302"]
    assert split.loc["GM0301", "aandeel"] == pytest.approx(0.6, abs=1e-12)
    assert split.loc["GM0302", "aandeel"] == pytest.approx(0.4, abs=1e-12)
    assert split["relatief_residu"].abs().max() < 1e-12


def test_known_split_estimates_shares():
    # GM0303 grew within the natural band, so only the known change names it as receiver.
    data = population(
        [
            ("GM0101", 2014, 1000),
            ("GM0301", 2014, 10000),
            ("GM0301", 2015, 10600),
            ("GM0302", 2014, 5000),
            ("GM0302", 2015, 5300),
            ("GM0303", 2014, 10000),
            ("GM0303", 2015, 10100),
        ],
        stable_years=(2014, 2015),
    )
    known = pd.DataFrame(
        {"jaar": 2014, "code_van": "GM0101", "code_naar": ["GM0301", "GM0302", "GM0303"]}
    )

    transition = infer_transition(data, 2014, known_changes=known)

    split = transition.loc[transition["code_van"] == "GM0101"].set_index("code_naar")
    assert split["aandeel"].to_dict() == pytest.approx({"GM0301": 0.6, "GM0302": 0.3, "GM0303": 0.1})
    assert set(split["herkomst"]) == {"opgegeven"}


def test_known_split_with_given_shares():
    known = pd.DataFrame(
        {
            "jaar": 2014,
            "code_van": "GM0101",
            "code_naar": ["GM0301", "GM0302"],
            "aandeel": [0.55, 0.45],
        }
    )

    transition = infer_transition(SPLIT_POPULATION, 2014, known_changes=known)

    split = transition.loc[transition["code_van"] == "GM0101"].set_index("code_naar")
    assert split["aandeel"].to_dict() == {"GM0301": 0.55, "GM0302": 0.45}
    assert split.loc["GM0301", "relatief_residu"] == pytest.approx(50 / 10600)
    assert split.loc["GM0302", "relatief_residu"] == pytest.approx(-50 / 5400)


def split_changes(shares: list[float | None] | None) -> pd.DataFrame:
    frame = pd.DataFrame({"jaar": 2014, "code_van": "GM0101", "code_naar": ["GM0301", "GM0302"]})
    if shares is not None:
        frame["aandeel"] = shares
    return frame


@pytest.mark.parametrize(
    ("known", "message"),
    [
        (split_changes([0.5, None]), "hebben voor een deel van de rijen een aandeel"),
        (split_changes([0.5, 0.4]), r"tellen op tot 0\.900000 in plaats van 1"),
        (
            pd.DataFrame({"jaar": [2014, 2014], "code_van": "GM0101", "code_naar": ["GM0301", "GM0301"]}),
            r"GM0101 -> GM0301 \(jaar 2014\) komt meer dan eens voor",
        ),
        (
            pd.DataFrame({"jaar": [2014], "code_van": ["GM0101"], "code_naar": ["GM0999"]}),
            "GM0999 bestaat niet in 2015",
        ),
        (
            pd.DataFrame({"jaar": [2014], "code_van": ["GM0101"]}),
            r"\['code_naar'\] ontbreken in bekende wijzigingen",
        ),
    ],
    ids=["partial-shares", "shares-not-one", "duplicate", "unknown-target", "missing-column"],
)
def test_invalid_known_changes_raise(known, message):
    with pytest.raises(HerindelingError, match=message):
        infer_transition(SPLIT_POPULATION, 2014, known_changes=known)


def test_known_change_resolves_ambiguity():
    data = population(
        [("GM0101", 2014, 1000), ("GM0102", 2014, 1000), ("GM1901", 2015, 1000), ("GM1902", 2015, 1000)],
        stable_years=(2014, 2015),
    )
    known = pd.DataFrame({"jaar": [2014], "code_van": ["GM0101"], "code_naar": ["GM1902"]})

    transition = infer_transition(data, 2014, known_changes=known).set_index("code_van")

    assert transition.loc["GM0101", "code_naar"] == "GM1902"
    assert transition.loc["GM0101", "herkomst"] == "opgegeven"
    assert transition.loc["GM0102", "code_naar"] == "GM1901"
    assert transition.loc["GM0102", "herkomst"] == "gezocht"


def test_ambiguous_disappearance_raises():
    data = population(
        [("GM0101", 2014, 1000), ("GM0102", 2014, 1000), ("GM1901", 2015, 1000), ("GM1902", 2015, 1000)],
        stable_years=(2014, 2015),
    )

    with pytest.raises(HerindelingError, match=r"Herindeling 2014->2015 is niet eenduidig") as caught:
        build_gemeente_mapping(data, matrices([]), target_year=2015)

    assert "GM0101" in str(caught.value)
    assert "bekende wijzigingen voor jaar 2014" in str(caught.value)


def test_unassignable_disappearance_raises():
    data = population([("GM0101", 2014, 1000)], stable_years=(2014, 2015))

    message = r"2014->2015: verdwenen gemeente\(n\) \['GM0101'\] zijn niet toe te wijzen"
    with pytest.raises(HerindelingError, match=message):
        infer_transition(data, 2014)


def test_known_change_outside_tolerance_raises():
    data = population(
        [
            ("GM0101", 2014, 1000),
            ("GM0301", 2014, 4000),
            ("GM0301", 2015, 5000),
            ("GM0302", 2014, 4000),
            ("GM0302", 2015, 4000),
        ],
        stable_years=(2014, 2015),
    )
    known = pd.DataFrame({"jaar": [2014], "code_van": ["GM0101"], "code_naar": ["GM0302"]})

    with pytest.raises(HerindelingError, match="niet toe te wijzen"):
        infer_transition(data, 2014, known_changes=known)


def test_known_change_of_continuing_code_raises():
    data = population(
        [("GM0101", 2014, 1000), ("GM0301", 2014, 4000), ("GM0301", 2015, 5000)],
        stable_years=(2014, 2015),
    )
    known = pd.DataFrame({"jaar": [2014], "code_van": ["GM0301"], "code_naar": ["GM0901"]})

    with pytest.raises(HerindelingError, match="GM0301 verdwijnt niet tussen 2014 en 2015"):
        infer_transition(data, 2014, known_changes=known)


def test_search_budget_exceeded_raises():
    data = population(
        [("GM0101", 2014, 1000), ("GM0102", 2014, 600), ("GM1900", 2015, 1600)],
        stable_years=(2014, 2015),
    )

    with pytest.raises(HerindelingError, match="overschrijdt 1 zoekstappen"):
        infer_transition(data, 2014, max_search_nodes=1)


def test_layout_after_target_must_match():
    data = population([("GM0001", 2024, 100), ("GM0002", 2024, 100), ("GM0001", 2025, 200)])

    with pytest.raises(HerindelingError, match="De indeling van 2025 wijkt af van die van het doeljaar 2024"):
        build_gemeente_mapping(data, matrices([]))


def test_year_without_matrix_and_same_codes_is_identity():
    data = population([("GM0001", 2023, 100), ("GM0001", 2024, 101), ("GM0001", 2025, 102)])

    result = build_gemeente_mapping(data, matrices([]))

    expected = mapping_frame([row for year in (2023, 2024, 2025) for row in identity_rows(year, ["GM0001"])])
    pd.testing.assert_frame_equal(result, expected)


def test_vanished_code_missing_from_matrix_raises():
    matrix = matrices([(2016, 2024, "0001", "0001", 400)])

    with pytest.raises(HerindelingError, match=r"Gemeente GM0002 \(jaar 2016\) staat niet in de omzetmatrix"):
        build_gemeente_mapping(MERGER_POPULATION, matrix)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (MERGER_POPULATION.drop(columns="inwoners"), r"Kolom\(men\) \['inwoners'\] ontbreken in bevolking"),
        (MERGER_POPULATION.replace({"GM0002": "GM02X"}), r"Ongeldige gemeentecode 'GM02X'.*jaar 2016"),
        (
            pd.concat([MERGER_POPULATION, MERGER_POPULATION.head(1)]),
            "GM0001 komt meer dan eens voor in jaar 2016",
        ),
        (
            MERGER_POPULATION.replace({1000: -1}),
            "Ongeldig aantal inwoners '-1' voor gemeente GM0001 in jaar 2016",
        ),
        (MERGER_POPULATION.replace({2024: 2023}), "Doeljaar 2024 ontbreekt in de bevolkingsgegevens"),
    ],
    ids=["missing-column", "invalid-code", "duplicate", "negative", "no-target-year"],
)
def test_invalid_population_raises(frame, message):
    matrix = matrices([(2016, 2024, "0002", "0001", 200)])

    with pytest.raises(HerindelingError, match=message):
        build_gemeente_mapping(frame, matrix)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        (matrices([(2016, 2024, "0002", "0004", 200)]), r"Omzetmatrix van 2016: GM0002 -> GM0004 past niet"),
        (
            matrices([(2016, 2024, "0002", "0001", 200), (2016, 2024, "0002", "0001", 5)]),
            "Dubbele rij in de omzetmatrix van 2016",
        ),
        (matrices([(2016, 2024, "0002", "0001", -3)]), "Ongeldig aantal_adressen '-3'"),
        (matrices([(2016, 2022, "0002", "0001", 200)]), "geen rijen met jaar_naar=2024"),
        (
            matrices([(2016, 2024, "0002", "0001", 200)]).drop(columns="aantal_adressen"),
            r"\['aantal_adressen'\] ontbreken in omzetmatrices",
        ),
    ],
    ids=["unknown-code", "duplicate", "negative-count", "other-target", "missing-column"],
)
def test_invalid_matrices_raise(matrix, message):
    with pytest.raises(HerindelingError, match=message):
        build_gemeente_mapping(MERGER_POPULATION, matrix)


def test_population_on_layout_sums_shares():
    matrix = matrices(
        [
            (2016, 2024, "0002", "0001", 300),
            (2016, 2024, "0002", "0003", 100),
        ]
    )
    mapping = build_gemeente_mapping(MERGER_POPULATION, matrix)

    result = population_on_layout(MERGER_POPULATION, mapping)

    expected = pd.DataFrame(
        {
            "jaar": [2016, 2016, 2024, 2024],
            "gemeente_code": ["GM0001", "GM0003", "GM0001", "GM0003"],
            "inwoners": [1300.0, 800.0, 1420.0, 710.0],
        }
    )
    pd.testing.assert_frame_equal(result, expected)


def test_population_on_layout_missing_mapping_raises():
    mapping = build_gemeente_mapping(MERGER_POPULATION, matrices([(2016, 2024, "0002", "0001", 200)]))
    incomplete = mapping.loc[mapping["code_van"] != "GM0003"]

    with pytest.raises(HerindelingError, match="Gemeente GM0003 in jaar 2016 ontbreekt in de omzettabel"):
        population_on_layout(MERGER_POPULATION, incomplete)


# --------------------------------------------------------------------------
# Bundled CBS population and VNG matrices


@pytest.fixture(scope="module")
def real_population() -> pd.DataFrame:
    return h.read_population_csv(POPULATION_CSV)


@pytest.fixture(scope="module")
def real_matrices() -> pd.DataFrame:
    return h.read_omzetmatrices_csv(MATRICES_CSV)


@pytest.fixture(scope="module")
def real_mapping(real_population, real_matrices) -> pd.DataFrame:
    return build_gemeente_mapping(real_population, real_matrices, known_changes=h.read_known_changes_csv(KNOWN_CHANGES_CSV))


def test_real_every_code_is_mapped(real_population, real_mapping):
    expected_pairs = set(zip(real_population["jaar"], real_population["gemeente_code"]))
    mapped = set(zip(real_mapping["jaar"], real_mapping["code_van"]))

    assert mapped == expected_pairs
    assert len(expected_pairs) == 5210


def test_real_target_codes_are_2025_codes(real_population, real_mapping):
    codes_2025 = set(real_population.loc[real_population["jaar"] == 2025, "gemeente_code"])

    assert len(codes_2025) == 342
    assert set(real_mapping["code_naar"]) == codes_2025


def test_real_shares_sum_to_one(real_mapping):
    totals = real_mapping.groupby(["jaar", "code_van"])["aandeel"].sum()

    assert (totals - 1.0).abs().max() <= 1e-9
    assert real_mapping["aandeel"].between(0.0, 1.0).all()
    assert set(real_mapping["methode"]) == {"ongewijzigd", "omzetmatrix", "vastgelegde_herindeling"}


def test_real_national_total_conserved(real_population, real_mapping):
    mapped = population_on_layout(real_population, real_mapping).groupby("jaar")["inwoners"].sum()
    source = real_population.groupby("jaar")["inwoners"].sum()

    assert mapped.index.tolist() == list(range(2012, 2026))
    assert (mapped - source).abs().max() <= 1e-6


def test_real_identity_for_2023_to_2025(real_mapping):
    recent = real_mapping.loc[real_mapping["jaar"].between(2023, 2025)]

    assert len(recent) == 3 * 342
    assert (recent["code_van"] == recent["code_naar"]).all()
    assert (recent["aandeel"] == 1.0).all()
    assert set(recent["methode"]) == {"ongewijzigd"}


def test_real_growth_is_continuous_on_target_layout(real_population, real_mapping):
    # A wrong link shows up as a jump of one current gemeente between two years.
    on_layout = population_on_layout(real_population, real_mapping)
    wide = on_layout.pivot(index="gemeente_code", columns="jaar", values="inwoners")
    growth = wide.pct_change(axis=1).iloc[:, 1:]

    assert growth.notna().all().all()
    assert growth.min().min() > -0.04
    assert growth.max().max() < 0.07


def test_real_matrix_orientation_is_old_to_new(real_population, real_matrices, caplog):
    # Regression: the upstream conversion had code_van and code_naar exchanged; the
    # bundled seed is corrected, so the orientation guard must stay silent.
    with caplog.at_level(logging.WARNING, logger="idgb_pipeline.regions.herindeling"):
        build_gemeente_mapping(real_population, real_matrices, known_changes=h.read_known_changes_csv(KNOWN_CHANGES_CSV))

    assert not any("verwisseld" in record.getMessage() for record in caplog.records)


def test_swapped_matrix_is_reoriented(real_population, real_matrices, caplog):
    swapped = real_matrices.rename(columns={"code_van": "code_naar", "code_naar": "code_van"})
    known = h.read_known_changes_csv(KNOWN_CHANGES_CSV)

    with caplog.at_level(logging.WARNING, logger="idgb_pipeline.regions.herindeling"):
        mapping = build_gemeente_mapping(real_population, swapped, known_changes=known)

    assert any("verwisseld" in record.getMessage() for record in caplog.records)
    assert mapping.equals(build_gemeente_mapping(real_population, real_matrices, known_changes=known))


def test_real_pre_2016_links_fit_population(real_population):
    known = h.read_known_changes_csv(KNOWN_CHANGES_CSV)
    links = pd.concat(
        [infer_transition(real_population, year, known_changes=known) for year in range(2012, 2016)],
        ignore_index=True,
    )
    inferred = links.loc[links["methode"] == "vastgelegde_herindeling"]
    print("\n" + inferred.drop(columns="methode").to_string(index=False))

    assert len(inferred) == 37
    assert inferred["relatief_residu"].abs().max() < 0.01
    assert set(inferred["code_van"]) == set(known["code_van"])


def test_real_de_friese_meren(real_mapping):
    year_2013 = real_mapping.loc[real_mapping["jaar"] == 2013].set_index(["code_van", "code_naar"])

    for code in ["GM0051", "GM0082", "GM0653"]:
        assert year_2013.loc[(code, "GM1940"), "aandeel"] == 1.0
        assert year_2013.loc[(code, "GM1940"), "methode"] == "vastgelegde_herindeling"

    boarnsterhim = year_2013.loc["GM0055", "aandeel"]
    assert set(boarnsterhim.index) == {"GM0074", "GM0080", "GM1900", "GM1940"}
    assert 0.5 < boarnsterhim["GM0080"] < 0.7
    assert 0.25 < boarnsterhim["GM0074"] < 0.45
    assert boarnsterhim["GM1900"] < 0.15
    assert boarnsterhim["GM1940"] < 0.05


def test_real_maasdonk_split(real_mapping):
    year_2014 = real_mapping.loc[real_mapping["jaar"] == 2014].set_index(["code_van", "code_naar"])

    maasdonk = year_2014.loc["GM1671", "aandeel"]
    assert set(maasdonk.index) == {"GM0796", "GM0828"}
    assert 0.5 < maasdonk["GM0796"] < 0.7
    assert 0.3 < maasdonk["GM0828"] < 0.5


def test_real_population_alone_is_ambiguous(real_population):
    # Zijpe (GM0476) and Goedereede (GM0511) differ by 200 inhabitants.
    with pytest.raises(HerindelingError, match="Herindeling 2012->2013 is niet eenduidig"):
        infer_transition(real_population, 2012)


def test_real_search_finds_boarnsterhim_split(real_population):
    known = h.read_known_changes_csv(KNOWN_CHANGES_CSV)
    without_boarnsterhim = known.loc[known["code_van"] != "GM0055"]

    transition = infer_transition(real_population, 2013, known_changes=without_boarnsterhim)

    split = transition.loc[transition["code_van"] == "GM0055"].set_index("code_naar")
    assert split.index.tolist() == ["GM0074", "GM0080"]
    assert set(split["herkomst"]) == {"gezocht"}
    assert split["aandeel"].sum() == pytest.approx(1.0, abs=1e-12)
    assert split["relatief_residu"].abs().max() < 0.03


def test_real_search_rejects_maasdonk_without_known_split(real_population):
    # Maasdonk fits 's-Hertogenbosch in whole within 3% as well as the split over
    # 's-Hertogenbosch and Oss, so the search must not choose.
    known = h.read_known_changes_csv(KNOWN_CHANGES_CSV)
    without_maasdonk = known.loc[known["code_van"] != "GM1671"]

    with pytest.raises(HerindelingError, match="Herindeling 2014->2015 is niet eenduidig"):
        infer_transition(real_population, 2014, known_changes=without_maasdonk)
