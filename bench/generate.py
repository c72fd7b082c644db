"""Generate a national-scale Kerncijfers wijken en buurten data set and a catalogue for it.

Writes, under ``--uit``:
- ``kwb/kwb_<year>.csv``: one wide file per year in the CBS layout of 85318NED, one row
  per region of the KWB 2022 list, '.' for a missing or suppressed cell;
- ``kwb2022_DataProperties.csv``: the real data dictionary, plus the extra synthetic
  topics that ``--scale`` adds;
- ``catalogue.yaml``: the bundled catalogue with the dictionary replaced by the file
  above and a source ``kwb_kerncijfers`` for the yearly files.

``--scale`` multiplies the number of topics (1: the 112 numeric KWB 2022 topics,
2: 224, 4: 448), because more topics is how a real deployment grows: more CBS
tables and own registrations on the same regions and years.

Usage::

    .venv/bin/python bench/generate.py --uit /tmp/idgb-bench/x1 --schaal 1
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kwb_synthetic import (  # noqa: E402 (the bench folder is not a package)
    KwbValues,
    Topic,
    gemeente_shares,
    gemeente_population,
    read_numeric_topics,
    read_regions,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_FILE = PROJECT_ROOT / "seeds" / "catalogue.yaml"
SOURCE_ID = "kwb_kerncijfers"
DICTIONARY_SOURCE_ID = "kwb2022_onderwerpen"
DEFAULT_SEED = 20221
FIRST_YEAR = 2012
LAST_YEAR = 2025


def scaled_topics(dictionary: pd.DataFrame, topics: list[Topic], scale: int) -> tuple[pd.DataFrame, list[Topic]]:
    """Add ``scale - 1`` synthetic copies of every numeric topic, to the dictionary as well.

    A copy gets the key ``<stem>Variant<k>_<n>`` with a new position number ``n``, in
    the CBS key pattern, and a title that marks it as synthetic.
    """
    rows = [dictionary]
    all_topics = list(topics)
    next_position = len(dictionary)
    originals = dictionary.set_index("Key")
    for variant in range(2, scale + 1):
        extra_rows = []
        for topic in topics:
            stem = re.sub(r"_\d+$", "", topic.key)
            key = f"{stem}Variant{variant}_{next_position}"
            original = originals.loc[topic.key]
            extra_rows.append(
                {
                    **original.to_dict(),
                    "Key": key,
                    "ID": str(next_position),
                    "Position": str(next_position),
                    "Title": f"{original['Title']} (synthetische variant {variant})",
                    "Description": f"Synthetisch onderwerp voor de benchmark, verdeeld als {topic.key}.",
                }
            )
            all_topics.append(replace(topic, key=key))
            next_position += 1
        rows.append(pd.DataFrame(extra_rows))
    return pd.concat(rows, ignore_index=True), all_topics


def kwb_catalogue_entry(dictionary_path: Path, files: list[tuple[Path, int]]) -> dict:
    """Return the catalogue entry of the generated yearly files.

    The topic columns come from the generated data dictionary, so the entry lists only
    the row number ``ID``, which is not a topic.
    """
    years = [year for _, year in files]
    return {
        "id": SOURCE_ID,
        "title": "Kerncijfers wijken en buurten (synthetisch, benchmark)",
        "description": (
            "Synthetische kerncijfers in de brede CBS-indeling van 85318NED voor alle regio's "
            "van de KWB-indeling 2022: één rij per regio, één kolom per onderwerp, één bestand "
            "per jaar. Gemaakt door bench/generate.py; geen echte CBS-cijfers."
        ),
        "cbs_table_id": "85318NED",
        "licence": "CC-BY 4.0",
        "attribution": "Synthetisch, afgeleid van CBS-bestanden",
        "region_level": ["land", "gemeente", "wijk", "buurt"],
        "periods": f"{min(years)}-{max(years)}",
        "format": "csv",
        "period_column": "jaar",
        "files": [{"path": str(path), "period": year} for path, year in files],
        "columns": {"ID": "integer"},
        "columns_from_dictionary": str(dictionary_path),
    }


def write_catalogue(out_dir: Path, dictionary_path: Path, entry: dict) -> Path:
    """Write the bundled catalogue with the generated dictionary and the KWB source."""
    document = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    sources = [source for source in document["sources"] if source["id"] != SOURCE_ID]
    for source in sources:
        if source["id"] == DICTIONARY_SOURCE_ID:
            source["files"] = [str(dictionary_path)]
    sources.append(entry)
    path = out_dir / "catalogue.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build_values(seed: int, scale: int, first_year: int, last_year: int) -> tuple[KwbValues, pd.DataFrame]:
    """Read the real inputs and return the seeded value generator and the dictionary."""
    import numpy as np

    dictionary, topics = read_numeric_topics()
    dictionary, topics = scaled_topics(dictionary, topics, scale)
    regions = read_regions(np.random.default_rng(seed))
    gemeenten = regions.codes[regions.levels == "gemeente"]
    population = gemeente_population(gemeenten, range(first_year, last_year + 1))
    values = KwbValues(regions, topics, population, gemeente_shares(gemeenten), seed, first_year)
    return values, dictionary


def write_year(values: KwbValues, out_dir: Path, year: int) -> Path:
    """Write the wide file of one year and return its path."""
    path = out_dir / "kwb" / f"kwb_{year}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    values.frame_for_year(year).to_csv(path, index=False, na_rep=".")
    return path


def generate(out_dir: Path, scale: int, seed: int, first_year: int, last_year: int, echo=print) -> Path:
    """Write the yearly files, the dictionary and the catalogue; return the catalogue path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    values, dictionary = build_values(seed, scale, first_year, last_year)
    dictionary_path = out_dir / "kwb2022_DataProperties.csv"
    dictionary.to_csv(dictionary_path, index=False)

    files = []
    for year in range(first_year, last_year + 1):
        started = time.perf_counter()
        path = write_year(values, out_dir, year)
        files.append((path, year))
        echo(f"  {path.name}: {time.perf_counter() - started:.1f} s")

    entry = kwb_catalogue_entry(dictionary_path, files)
    write_expectations(out_dir, len(dictionary))
    echo(f"{len(values.regions.codes)} regio's × {len(files)} jaren × {len(values.models)} numerieke onderwerpen")
    return write_catalogue(out_dir, dictionary_path, entry)


def write_expectations(out_dir: Path, dictionary_rows: int) -> Path:
    """Copy the project's suites, with the row-count bound of the dictionary suite widened.

    The real 85318NED dictionary has 158 rows and its suite rejects more than 250, but
    scales 2 and 4 add a row per synthetic topic. Every other expectation stays as shipped.
    """
    folder = out_dir / "expectations"
    shutil.copytree(PROJECT_ROOT / "expectations", folder, dirs_exist_ok=True)
    suite_path = folder / f"{DICTIONARY_SOURCE_ID}.json"
    suite = json.loads(suite_path.read_text(encoding="utf-8"))
    for expectation in suite["expectations"]:
        if expectation["type"] == "expect_table_row_count_to_be_between":
            expectation["kwargs"]["max_value"] = max(expectation["kwargs"]["max_value"], dictionary_rows)
    suite_path.write_text(json.dumps(suite, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


def add_year(out_dir: Path, scale: int, seed: int, first_year: int, year: int) -> Path:
    """Write the file of one more ``year`` and a catalogue ``catalogue_<year>.yaml`` that adds it.

    The earlier files stay byte for byte the same, because every year draws from its
    own seeded generator, and ``catalogue.yaml`` is left as it was.
    """
    values, _ = build_values(seed, scale, first_year, year)
    path = write_year(values, out_dir, year)
    document = yaml.safe_load((out_dir / "catalogue.yaml").read_text(encoding="utf-8"))
    entry = next(source for source in document["sources"] if source["id"] == SOURCE_ID)
    entry["files"] = [file for file in entry["files"] if file["period"] != year] + [{"path": str(path), "period": year}]
    entry["periods"] = f"{first_year}-{year}"
    catalogue = out_dir / f"catalogue_{year}.yaml"
    catalogue.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return catalogue


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Maak een synthetische set Kerncijfers wijken en buurten op landelijke schaal, met bronnencatalogus."
    )
    parser.add_argument("--uit", type=Path, required=True, help="map voor de bestanden (buiten de repository)")
    parser.add_argument("--schaal", type=int, choices=(1, 2, 4), default=1, help="vermenigvuldiging van het aantal onderwerpen (standaard 1: 112)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"startwaarde van de toevalsgenerator (standaard {DEFAULT_SEED})")
    parser.add_argument("--eerste-jaar", type=int, default=FIRST_YEAR, help=f"eerste jaar (standaard {FIRST_YEAR})")
    parser.add_argument("--laatste-jaar", type=int, default=LAST_YEAR, help=f"laatste jaar (standaard {LAST_YEAR})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    if arguments.laatste_jaar < arguments.eerste_jaar:
        sys.exit(f"Ongeldige jaren: het laatste jaar {arguments.laatste_jaar} ligt voor het eerste jaar {arguments.eerste_jaar}.")
    catalogue = generate(arguments.uit, arguments.schaal, arguments.seed, arguments.eerste_jaar, arguments.laatste_jaar)
    print(f"Catalogus geschreven: {catalogue}")
    print(
        f"Gebruik: IDGB_CATALOGUE={catalogue} IDGB_EXPECTATIONS={catalogue.parent / 'expectations'} "
        "IDGB_DATA_DIR=<map> .venv/bin/idgb run"
    )


if __name__ == "__main__":
    main()
