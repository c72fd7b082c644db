"""Reading KRB YAML: line numbers per field, and layouts that mean the same registration."""

from __future__ import annotations

from pathlib import Path

from idgb_pipeline.krb.references import Region, References, bundled_taakvelden
from idgb_pipeline.krb.registration import krb_files, load_registration
from idgb_pipeline.krb.violations import MISSING
from idgb_pipeline.krb.yaml_source import parse_krb_file

BLOCK_LAYOUT = """\
thema:
  id: zorg
  naam: Zorg en welzijn
  taakvelden:
    - 6.1
    - 6.60
documenten:
  - id: plan
    titel: Plan
    type: beleidsplan
    bestuurslaag: gemeente
    eigenaar: Gemeente Zwolle
    vastgesteld_op: 2024-01-10
    geldig_van: 2024-02-01
    implementeert: []
indicatoren:
  - indicator: misdrijven_geweld_per_1000
    richting: lager is beter
    regioniveaus:
      - gemeente
normen:
  - id: norm-geweld
    indicator: misdrijven_geweld_per_1000
    regio:
      - GM0193
    comparator: "<="
    streefwaarde: 4.0
    streefjaar: 2026
    basisjaar: 2022
    document: plan
"""

# The same content written differently: flow style, quoted dates, a BOM, ≤ instead
# of <=, a single region instead of a list, other key order, comments and blank lines.
FLOW_LAYOUT = """\ufeff# Zorg en welzijn
thema: {naam: "Zorg en welzijn", id: zorg, taakvelden: ["6.1", 6.60]}


documenten: [{id: plan, titel: Plan, type: beleidsplan, bestuurslaag: gemeente,
  eigenaar: Gemeente Zwolle, vastgesteld_op: "2024-01-10", geldig_van: '2024-02-01'}]
indicatoren:
- {indicator: misdrijven_geweld_per_1000, richting: lager is beter, regioniveaus: [gemeente]}
normen:
- document: plan      # brondocument
  basisjaar: 2022
  streefjaar: 2026
  streefwaarde: 4
  comparator: ≤
  regio: GM0193
  indicator: misdrijven_geweld_per_1000
  id: norm-geweld
"""


def references() -> References:
    return References(
        indicators={"misdrijven_geweld_per_1000": "lager is beter"},
        regions={"GM0193": Region("gemeente", "Zwolle")},
        taakvelden=bundled_taakvelden(),
    )


def test_lines_point_at_values(tmp_path):
    path = tmp_path / "zorg.yaml"
    path.write_text(BLOCK_LAYOUT, encoding="utf-8")

    parsed, violations = parse_krb_file(path)

    assert violations == []
    assert parsed.line_of(("thema", "taakvelden", 1)) == 6
    assert parsed.line_of(("normen", 0, "streefjaar")) == 28
    assert parsed.key_line(("normen", 0)) == 22
    assert parsed.line_of(("normen", 0, "bestaat_niet")) == 22


def test_codes_keep_their_written_form(tmp_path):
    path = tmp_path / "zorg.yaml"
    path.write_text(BLOCK_LAYOUT, encoding="utf-8")

    parsed, _ = parse_krb_file(path)

    # YAML would read 6.60 as the number 6.6, which is a different taakveld code.
    assert parsed.value_at(("thema", "taakvelden")) == ["6.1", "6.60"]
    assert parsed.value_at(("documenten", 0, "vastgesteld_op")) == "2024-01-10"
    assert parsed.value_at(("normen", 0, "streefwaarde")) == 4.0
    assert parsed.value_at(("normen", 0, "marge")) is MISSING


def test_layouts_give_same_registration(tmp_path):
    block_path = tmp_path / "block" / "zorg.yaml"
    flow_path = tmp_path / "flow" / "zorg.yaml"
    for path, text in ((block_path, BLOCK_LAYOUT), (flow_path, FLOW_LAYOUT)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")

    block = load_registration([block_path], references())
    flow = load_registration([flow_path], references())

    assert block.violations == []
    assert flow.violations == []
    assert flow.registration.themes[0].taakveld_codes == ("6.1", "6.60")
    assert flow.registration.norms[0].comparator == "<="

    def without_origin(records):
        return [{**vars(record), "origin": None} for record in records]

    for kind in ("themes", "documents", "indicators", "norms"):
        assert without_origin(getattr(flow.registration, kind)) == without_origin(
            getattr(block.registration, kind)
        ), kind


def test_not_utf8_is_reported(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes("thema:\n  naam: Welzijn én zorg\n".encode("latin-1"))

    parsed, violations = parse_krb_file(path)

    assert parsed is None
    assert len(violations) == 1
    assert "geen UTF-8-tekst" in violations[0].format()


def test_second_document_is_reported(tmp_path):
    path = tmp_path / "twee.yaml"
    path.write_text("thema: {id: a}\n---\nthema: {id: b}\n", encoding="utf-8")

    parsed, violations = parse_krb_file(path)

    assert parsed is None
    assert "regel 2" in violations[0].format()
    assert "meer dan één YAML-document" in violations[0].format()


def test_root_list_is_reported(tmp_path):
    path = tmp_path / "lijst.yaml"
    path.write_text("- thema: veiligheid\n", encoding="utf-8")

    result = load_registration([path], references())

    assert len(result.violations) == 1
    assert "moet beginnen met velden zoals 'thema:'" in result.violations[0].format()


def test_krb_files_ignore_other_suffixes(tmp_path):
    for name in ("b.yaml", "a.yml", "notities.txt", "c.YAML"):
        (tmp_path / name).write_text("", encoding="utf-8")

    assert [path.name for path in krb_files(tmp_path)] == ["a.yml", "b.yaml", "c.YAML"]


def test_missing_file_is_reported():
    parsed, violations = parse_krb_file(Path("/nonexistent/krb.yaml"))

    assert parsed is None
    assert "kan niet worden gelezen" in violations[0].format()
