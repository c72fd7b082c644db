"""Read a source file of a known format into a frame of cleaned strings.

Every reader returns text columns only; typing happens afterwards in one place
(``normalise.cast_to_catalogue``) so that every format gets the same missing-value
and error rules.
"""

import csv
import gzip
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from idgb_pipeline.errors import ExtractError
from idgb_pipeline.extract.distinct import map_distinct

logger = logging.getLogger("idgb_pipeline.extract.readers")

CSV_DELIMITERS = ",;\t|"

# Tried in this order: CBS and most portals write UTF-8 (often with a BOM), but
# spreadsheet exports on Dutch Windows machines are still Windows-1252.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")


def read_bytes(path: Path) -> bytes:
    """Return the file content, decompressed when the name ends in ``.gz``."""
    if not path.is_file():
        raise ExtractError(
            f"Bestand {path} niet gevonden. Controleer het pad in de bronnencatalogus "
            "of zet het bestand terug."
        )
    content = path.read_bytes()
    if path.suffix == ".gz":
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as error:
            raise ExtractError(
                f"Bestand {path} is geen leesbaar gzip-bestand ({error}). "
                "Download of kopieer het bestand opnieuw."
            ) from error
    return content


def decode_text(content: bytes, path: Path) -> tuple[str, str]:
    """Decode bytes to text and return ``(text, encoding)``; a BOM is removed."""
    for encoding in ENCODINGS:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != ENCODINGS[0]:
            logger.warning("%s is not UTF-8; decoded as %s", path.name, encoding)
        return text, encoding
    raise ExtractError(f"Bestand {path} heeft een onbekende tekstcodering. Sla het op als UTF-8.")


def describe_encoding_fallback(content: bytes, encoding: str, path: Path) -> str:
    """Return a Dutch note that points at the first byte that is not UTF-8."""
    try:
        content.decode("utf-8-sig")
        return ""
    except UnicodeDecodeError as error:
        before = content[: error.start]
        row = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        line_end = content.find(b"\n", error.start)
        line = content[line_start : line_end if line_end != -1 else len(content)].decode(encoding)
        header = content[: content.find(b"\n")].decode(encoding).lstrip("\ufeff")
        delimiter = max(CSV_DELIMITERS, key=header.count)
        field_number = content[line_start : error.start].decode(encoding).count(delimiter)
        columns = [name.strip().strip('"') for name in header.split(delimiter)]
        column = columns[field_number] if field_number < len(columns) else f"veld {field_number + 1}"
        value = line.split(delimiter)[field_number].strip().strip('"') if delimiter in line else line
        return (
            f"{path.name}, rij {row}, kolom '{column}': waarde '{value}' is geen UTF-8; "
            f"gelezen als {encoding}. Herstel: sla het bestand op als UTF-8."
        )


def sniff_delimiter(text: str, path: Path) -> str:
    """Return the field separator of a CSV text, judged from its header line."""
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        counts = {delimiter: header.count(delimiter) for delimiter in CSV_DELIMITERS}
        delimiter = max(counts, key=counts.get)
        if counts[delimiter] == 0:
            raise ExtractError(
                f"Bestand {path}: geen scheidingsteken gevonden in de kopregel '{header[:80]}'. "
                "Gebruik ',' of ';' tussen de kolommen."
            ) from None
        return delimiter


def _clean_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip padding from headers and values; CBS right-pads codes with spaces."""
    frame = frame.rename(columns=lambda name: str(name).strip())
    return frame.apply(lambda column: map_distinct(column, lambda values: values.str.strip()))


def read_csv(path: Path, options: dict) -> tuple[pd.DataFrame, dict]:
    """Read a delimited text file, detecting encoding and separator."""
    text, encoding = decode_text(read_bytes(path), path)
    if not text.strip():
        raise ExtractError(
            f"Bestand {path} is leeg. Lever het volledige bestand aan met een kopregel en gegevens."
        )
    delimiter = options.get("delimiter") or sniff_delimiter(text, path)

    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            # Blank lines are kept and dropped below, so that the index still
            # matches the spreadsheet row numbers used in error messages.
            skip_blank_lines=False,
        )
    except (pd.errors.ParserError, csv.Error) as error:
        raise ExtractError(
            f"Bestand {path} kan niet als CSV gelezen worden ({error}). "
            "Controleer of het bestand volledig is en of aanhalingstekens gesloten zijn."
        ) from error

    frame = _clean_strings(frame)
    blank = frame.eq("").all(axis=1)
    notes = []
    if encoding != ENCODINGS[0]:
        notes.append(describe_encoding_fallback(read_bytes(path), encoding, path))
    if delimiter != ",":
        notes.append(
            f"{path.name}, rij 1 (kopregel): scheidingsteken '{delimiter}' in plaats van ','. "
            "Herstel: niet nodig, het bestand is correct gelezen."
        )
    details = {"encoding": encoding, "delimiter": delimiter, "meldingen": notes}
    return frame[~blank], details


def read_xlsx(path: Path, options: dict) -> tuple[pd.DataFrame, dict]:
    """Read one worksheet of an Excel workbook."""
    sheet = options.get("sheet", 0)
    try:
        frame = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False)
    except ValueError as error:
        raise ExtractError(
            f"Bestand {path}: werkblad '{sheet}' niet gevonden of onleesbaar ({error}). "
            "Controleer 'options.sheet' in de bronnencatalogus."
        ) from error
    except FileNotFoundError as error:
        raise ExtractError(f"Bestand {path} niet gevonden. Controleer het pad.") from error
    return _clean_strings(frame.fillna("")), {"sheet": sheet}


def read_geojson(path: Path, options: dict) -> tuple[pd.DataFrame, dict]:
    """Read a GeoJSON FeatureCollection: one row per feature, geometry kept as JSON text."""
    text, encoding = decode_text(read_bytes(path), path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExtractError(
            f"Bestand {path} is geen geldige GeoJSON (regel {error.lineno}: {error.msg})."
        ) from error
    if document.get("type") != "FeatureCollection":
        raise ExtractError(f"Bestand {path} is geen GeoJSON FeatureCollection.")

    rows = []
    for feature in document.get("features", []):
        row = {key: "" if value is None else str(value) for key, value in feature["properties"].items()}
        row["geometry"] = json.dumps(feature.get("geometry"), separators=(",", ":"))
        rows.append(row)
    return _clean_strings(pd.DataFrame(rows, dtype=str)), {"encoding": encoding}


def _walk_tree(nodes: list, children_key: str, parent: str | None, depth: int):
    for node in nodes:
        yield {
            "code": str(node.get("code", "")),
            "omschrijving": str(node.get("omschrijving", "")),
            "parent_code": parent or "",
            "depth": str(depth),
        }
        yield from _walk_tree(node.get(children_key) or [], children_key, node.get("code"), depth + 1)


def read_json_tree(path: Path, options: dict) -> tuple[pd.DataFrame, dict]:
    """Flatten a nested code list (such as the Iv3 taakvelden) into code/parent rows.

    ``options.tree_path`` is the dotted path to the list of root nodes and
    ``options.children_key`` the key under which each node lists its children.
    """
    text, encoding = decode_text(read_bytes(path), path)
    try:
        node = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExtractError(
            f"Bestand {path} is geen geldige JSON (regel {error.lineno}: {error.msg})."
        ) from error

    tree_path = options.get("tree_path", "")
    for key in filter(None, tree_path.split(".")):
        if not isinstance(node, dict) or key not in node:
            raise ExtractError(
                f"Bestand {path}: pad '{tree_path}' bestaat niet (onderdeel '{key}' ontbreekt). "
                "Controleer 'options.tree_path' in de bronnencatalogus."
            )
        node = node[key]
    if not isinstance(node, list):
        raise ExtractError(f"Bestand {path}: pad '{tree_path}' wijst niet naar een lijst.")

    rows = list(_walk_tree(node, options.get("children_key", "children"), None, 0))
    return _clean_strings(pd.DataFrame(rows, dtype=str)), {"encoding": encoding}


READERS: dict[str, Callable[[Path, dict], tuple[pd.DataFrame, dict]]] = {
    "csv": read_csv,
    "xlsx": read_xlsx,
    "geojson": read_geojson,
    "json_tree": read_json_tree,
}
