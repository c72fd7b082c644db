"""Broken KRB registrations: each must produce a Dutch message with file, line, field and value.

Every case starts from the valid registration ``BASE`` and changes one line, so the
expected line number is the line that was changed. The references are small real sets
(the bundled Iv3 list and a few indicators and regions), not a warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from idgb_pipeline.krb.references import Region, References, bundled_taakvelden
from idgb_pipeline.krb.registration import load_registration

BASE = """\
thema:
  id: veiligheid
  naam: Veiligheid
  taakvelden: [1.2]

documenten:
  - id: rijk-agenda
    titel: Landelijke agenda
    type: agenda
    bestuurslaag: Rijk
    eigenaar: Rijksoverheid
    vastgesteld_op: 2023-03-01
    geldig_van: 2023-01-01
    geldig_tot: 2026-12-31
  - id: gemeente-plan
    titel: Veiligheidsplan
    type: beleidsplan
    bestuurslaag: gemeente
    eigenaar: Gemeente Zwolle
    regio: GM0193
    vastgesteld_op: 2024-02-06
    geldig_van: 2024-01-01
    geldig_tot: 2027-12-31
    implementeert: [rijk-agenda]

regels:
  - id: regel-inbraak
    document: gemeente-plan
    tekst: Minder inbraken.

indicatoren:
  - indicator: misdrijven_woninginbraak_per_1000
    richting: lager is beter
    regioniveaus: [gemeente]

normen:
  - id: norm-inbraak
    indicator: misdrijven_woninginbraak_per_1000
    regio: GM0193
    comparator: "<="
    streefwaarde: 0.9
    streefjaar: 2027
    basisjaar: 2022
    basiswaarde: 0.996
    document: gemeente-plan
    regel: regel-inbraak

maatregelen:
  - id: buurtpreventie
    naam: Buurtpreventie
    start: 2024-03-01
    eind: 2027-12-31
    budget: 120000
    regio: GM0193
    afdeling: Openbare Orde en Veiligheid
    document: gemeente-plan
    effecten:
      - indicator: misdrijven_woninginbraak_per_1000
        richting: daling
        eenheid: procent
        per_jaar:
          2025: 5
          2026: 10
"""

SECOND_FILE = """\
thema:
  id: wonen
  naam: Wonen
  taakvelden: [8.3]

documenten:
  - id: gemeente-plan
    titel: Woonvisie
    type: visie
    bestuurslaag: gemeente
    eigenaar: Gemeente Zwolle
    vastgesteld_op: 2023-06-20
    geldig_van: 2023-07-01
"""


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path, monkeypatch):
    """Run in the test folder, so messages name files as ``veiligheid.yaml``."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def references() -> References:
    return References(
        indicators={
            "misdrijven_woninginbraak_per_1000": "lager is beter",
            "misdrijven_geweld_per_1000": "lager is beter",
            "inwoners": None,
        },
        regions={
            "NL00": Region("land", "Nederland"),
            "GM0193": Region("gemeente", "Zwolle"),
            "WK019300": Region("wijk", "Wijk 00 Binnenstad"),
        },
        taakvelden=bundled_taakvelden(),
        taakveld_source="de meegeleverde Iv3-taakveldenlijst",
    )


def replace_line(text: str, line_number: int, new_line: str | None) -> str:
    """Replace (or with None: delete) one 1-based line, checking it exists."""
    lines = text.splitlines()
    assert 1 <= line_number <= len(lines)
    if new_line is None:
        del lines[line_number - 1]
    else:
        lines[line_number - 1] = new_line
    return "\n".join(lines) + "\n"


def load_texts(tmp_path: Path, references: References, **texts: str):
    files = []
    for name, text in texts.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return load_registration(files, references)


def messages(result) -> list[str]:
    return [violation.format() for violation in result.violations]


def test_base_registration_is_valid(tmp_path, references):
    result = load_texts(tmp_path, references, veiligheid=BASE)

    assert messages(result) == []
    assert result.registration is not None
    assert [norm.norm_id for norm in result.registration.norms] == ["norm-inbraak"]


# Each case: (id, line to change, new text or None to delete, expected message parts).
BROKEN_CASES = [
    (
        "missing_field",
        41, None,
        ["veiligheid.yaml, regel 37,", "veld normen[1].streefwaarde", "waarde (ontbreekt)",
         "verplicht veld ontbreekt", "voeg 'streefwaarde:' toe"],
    ),
    (
        "unknown_indicator",
        38, "    indicator: misdrijven_inbraak_per_1000",
        ["veiligheid.yaml, regel 38,", "veld normen[1].indicator", "waarde 'misdrijven_inbraak_per_1000'",
         "bestaat niet in marts.dim_indicator", "Bedoel je 'misdrijven_woninginbraak_per_1000'?"],
    ),
    (
        "end_before_start",
        52, "    eind: 2023-12-31",
        ["veiligheid.yaml, regel 52,", "veld maatregelen[1].eind", "waarde '2023-12-31'",
         "eind ligt vóór start (2024-03-01)"],
    ),
    (
        "valid_to_before_valid_from",
        23, "    geldig_tot: 2023-12-31",
        ["veiligheid.yaml, regel 23,", "veld documenten[2].geldig_tot", "waarde '2023-12-31'",
         "geldig_tot ligt vóór geldig_van (2024-01-01)"],
    ),
    (
        "wrong_type",
        53, "    budget: veel",
        ["veiligheid.yaml, regel 53,", "veld maatregelen[1].budget", "waarde 'veel'",
         "verkeerd soort waarde: dit is tekst", "geef een getal"],
    ),
    (
        "decimal_comma",
        41, "    streefwaarde: 0,9",
        ["veiligheid.yaml, regel 41,", "veld normen[1].streefwaarde", "waarde '0,9'",
         "Gebruik een punt als decimaalteken"],
    ),
    (
        "unknown_region",
        39, "    regio: GM9999",
        ["veiligheid.yaml, regel 39,", "veld normen[1].regio", "waarde 'GM9999'", "bestaat niet in marts.dim_region"],
    ),
    (
        "region_level_not_registered",
        39, "    regio: WK019300",
        ["veiligheid.yaml, regel 39,", "veld normen[1].regio", "waarde 'WK019300'",
         "is een wijk, maar het thema volgt misdrijven_woninginbraak_per_1000 alleen op niveau gemeente"],
    ),
    (
        "yaml_syntax_error",
        29, "    tekst: Minder: inbraken.",
        ["veiligheid.yaml, regel 29,", "veld (hele bestand)", "waarde 'tekst: Minder: inbraken.'",
         "geen geldige YAML", "tussen aanhalingstekens"],
    ),
    (
        "tab_indentation",
        30, "\tfoo: bar",
        ["veiligheid.yaml, regel 30,", "geen geldige YAML", "er staat een tab in de inspringing", "spaties"],
    ),
    (
        "unknown_taakveld",
        4, "  taakvelden: [1.9]",
        ["veiligheid.yaml, regel 4,", "veld thema.taakvelden[1]", "waarde '1.9'",
         "bestaat niet in de meegeleverde Iv3-taakveldenlijst"],
    ),
    (
        "unknown_parent_document",
        24, "    implementeert: [rijk-agnda]",
        ["veiligheid.yaml, regel 24,", "veld documenten[2].implementeert[1]", "waarde 'rijk-agnda'",
         "geen beleidsdocument met dit id", "Bedoel je 'rijk-agenda'?"],
    ),
    (
        "bad_comparator",
        40, '    comparator: "=<"',
        ["veiligheid.yaml, regel 40,", "veld normen[1].comparator", "waarde '=<'", "onbekende waarde",
         "Bedoel je '<='?"],
    ),
    (
        "comparator_against_direction",
        40, '    comparator: ">="',
        ["veiligheid.yaml, regel 40,", "veld normen[1].comparator", "waarde '>='",
         "past niet bij de richting 'lager is beter'", "gebruik <="],
    ),
    (
        "target_year_not_after_base_year",
        42, "    streefjaar: 2021",
        ["veiligheid.yaml, regel 42,", "veld normen[1].streefjaar", "waarde 2021",
         "ligt niet na het basisjaar (2022)"],
    ),
    (
        "invalid_date",
        12, "    vastgesteld_op: 2023-02-30",
        ["veiligheid.yaml, regel 12,", "veld documenten[1].vastgesteld_op", "waarde '2023-02-30'", "geen geldige datum"],
    ),
    (
        "misspelled_field",
        41, "    streefwaard: 0.9",
        ["veiligheid.yaml, regel 41,", "veld normen[1].streefwaard", "waarde 'streefwaard'", "onbekend veld",
         "Bedoel je 'streefwaarde'?"],
    ),
    (
        "norm_indicator_not_in_theme",
        38, "    indicator: misdrijven_geweld_per_1000",
        ["veiligheid.yaml, regel 38,", "veld normen[1].indicator", "waarde 'misdrijven_geweld_per_1000'",
         "niet onder indicatoren van dit thema", "voeg de indicator toe onder indicatoren"],
    ),
    (
        "unknown_rule_document",
        28, "    document: gemeente-pln",
        ["veiligheid.yaml, regel 28,", "veld regels[1].document", "waarde 'gemeente-pln'",
         "geen beleidsdocument met dit id", "Bedoel je 'gemeente-plan'?"],
    ),
    (
        "effect_year_before_start",
        62, "          2023: 5",
        ["veiligheid.yaml, regel 62,", "veld maatregelen[1].effecten[1].per_jaar.2023", "waarde 2023",
         "ligt vóór de start van de maatregel (2024-03-01)"],
    ),
    (
        "bad_id_form",
        49, "  - id: Buurt Preventie",
        ["veiligheid.yaml, regel 49,", "veld maatregelen[1].id", "waarde 'Buurt Preventie'",
         "niet de juiste vorm", "kleine letters"],
    ),
    (
        "wrong_enum_case",
        10, "    bestuurslaag: rijk",
        ["veiligheid.yaml, regel 10,", "veld documenten[1].bestuurslaag", "waarde 'rijk'", "Bedoel je 'Rijk'?"],
    ),
    (
        "boolean_written_in_dutch",
        34, "    regioniveaus: [gemeente]\n    bbv_indicator: ja",
        ["veiligheid.yaml, regel 35,", "veld indicatoren[1].bbv_indicator", "waarde 'ja'",
         "Schrijf true voor ja en false voor nee"],
    ),
]


@pytest.mark.parametrize(
    ("line_number", "new_line", "expected"),
    [case[1:] for case in BROKEN_CASES],
    ids=[case[0] for case in BROKEN_CASES],
)
def test_broken_registration_message(tmp_path, references, line_number, new_line, expected):
    result = load_texts(tmp_path, references, veiligheid=replace_line(BASE, line_number, new_line))

    assert not result.is_valid
    assert result.registration is None
    matching = [message for message in messages(result) if all(part in message for part in expected)]
    assert matching, "\n".join(messages(result))
    assert matching[0].startswith(expected[0])


def test_duplicate_id_across_files(tmp_path, references):
    result = load_texts(tmp_path, references, veiligheid=BASE, wonen=SECOND_FILE)

    assert messages(result) == [
        "wonen.yaml, regel 7, veld documenten[1].id, waarde 'gemeente-plan': dit id is al "
        "gebruikt voor een beleidsdocument in veiligheid.yaml, regel 15; ids zijn uniek over "
        "alle KRB-bestanden. Oplossing: kies een ander id dat nog nergens voorkomt."
    ]


def test_cycle_in_implementeert(tmp_path, references):
    text = replace_line(BASE, 14, "    geldig_tot: 2026-12-31\n    implementeert: gemeente-plan")
    result = load_texts(tmp_path, references, veiligheid=text)

    cycle_messages = [message for message in messages(result) if "kring" in message]
    assert len(cycle_messages) == 1
    assert "rijk-agenda → gemeente-plan → rijk-agenda" in cycle_messages[0]
    assert "regel 15" in cycle_messages[0]


def test_duplicate_key_in_group(tmp_path, references):
    text = replace_line(BASE, 3, "  naam: Veiligheid\n  naam: Openbare orde")
    result = load_texts(tmp_path, references, veiligheid=text)

    assert any(
        "regel 4, veld thema.naam, waarde 'naam'" in message
        and "staat twee keer in dezelfde groep (eerder op regel 3)" in message
        for message in messages(result)
    ), messages(result)


def test_basiswaarde_with_several_regions(tmp_path, references):
    text = replace_line(BASE, 39, "    regio: [GM0193, NL00]")
    text = replace_line(text, 34, "    regioniveaus: [gemeente, land]")
    result = load_texts(tmp_path, references, veiligheid=text)

    assert any(
        "regel 44, veld normen[1].basiswaarde, waarde 0.996" in message
        and "één basiswaarde kan niet voor meer dan één regio gelden" in message
        for message in messages(result)
    ), messages(result)


def test_empty_file(tmp_path, references):
    result = load_texts(tmp_path, references, leeg="# alleen uitleg\n")

    assert len(result.violations) == 1
    assert "het bestand is leeg" in result.violations[0].format()
    assert "idgb krb template" in result.violations[0].format()


def test_all_violations_reported_at_once(tmp_path, references):
    text = replace_line(BASE, 4, "  taakvelden: [1.9]")
    text = replace_line(text, 38, "    indicator: misdrijven_inbraak_per_1000")
    text = replace_line(text, 52, "    eind: 2023-12-31")
    text = replace_line(text, 53, "    budget: veel")
    result = load_texts(tmp_path, references, veiligheid=text, wonen=SECOND_FILE)

    reported = {(violation.file.name, violation.line) for violation in result.violations}
    assert {("veiligheid.yaml", 4), ("veiligheid.yaml", 38), ("veiligheid.yaml", 52),
            ("veiligheid.yaml", 53), ("wonen.yaml", 7)} <= reported


def test_schema_error_not_repeated_by_cross_check(tmp_path, references):
    result = load_texts(tmp_path, references, veiligheid=replace_line(BASE, 39, "    regio: Zwolle"))

    region_messages = [message for message in messages(result) if "normen[1].regio" in message]
    assert len(region_messages) == 1
    assert "niet de juiste vorm" in region_messages[0]


def test_cross_checks_skipped_without_references(tmp_path):
    text = replace_line(BASE, 39, "    regio: GM9999")
    text = replace_line(text, 4, "  taakvelden: [1.9]")
    result = load_texts(tmp_path, References(), veiligheid=text)

    assert result.is_valid


def test_theme_indicator_checked_without_warehouse(tmp_path):
    text = replace_line(BASE, 38, "    indicator: inwoners")
    result = load_texts(tmp_path, References(), veiligheid=text)

    assert [violation.line for violation in result.violations] == [38]
    assert "niet onder indicatoren van dit thema" in result.violations[0].format()
