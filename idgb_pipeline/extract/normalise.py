"""Turn a frame of cleaned strings into the typed columns its catalogue entry promises."""

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from idgb_pipeline.errors import ExtractError
from idgb_pipeline.extract.catalogue import Source
from idgb_pipeline.extract.distinct import distinct_values, spread

logger = logging.getLogger("idgb_pipeline.extract.normalise")

# CBS StatLine writes '.' for "gegevens ontbreken" and 'x' for "geheim"; other
# portals use '-' or leave the cell empty. None of these is a number, and guessing
# zero would invent data, so all of them become NULL in numeric columns.
MISSING_MARKERS = frozenset({"", ".", "x", "X", "-", "?", "NA", "n.v.t."})

INTEGER = re.compile(r"^[+-]?\d+$")
# A decimal comma only counts when it is the sole separator ("12,5"); "1,234.5"
# style thousands separators are ambiguous in Dutch files and are rejected.
DECIMAL = re.compile(r"^[+-]?(\d+([.,]\d+)?|\.\d+)([eE][+-]?\d+)?$")
# DuckDB's integer is 32-bit and bigint 64-bit. A value outside the range is a bad cell
# here, so it is reported with its row instead of failing the insert later.
INTEGER_RANGES = {"integer": (-(2**31), 2**31 - 1), "bigint": (-(2**63), 2**63 - 1)}
BOOLEAN_VALUES = {"true": True, "false": False, "1": True, "0": False, "ja": True, "nee": False}

MAX_REPORTED_PROBLEMS = 20

# The first data row sits on spreadsheet row 2, below the header.
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class CellProblem:
    """One cell that does not fit its catalogue type."""

    row: int
    column: str
    value: str
    expected: str


def _type_description(column_type: str) -> tuple[str, str]:
    """Return the Dutch name of a type and how to fix a value that does not match it."""
    return {
        "integer": (
            "geheel getal tussen -2147483648 en 2147483647",
            "gebruik alleen cijfers, zonder punten of spaties",
        ),
        "bigint": (
            "geheel getal tussen -9223372036854775808 en 9223372036854775807",
            "gebruik alleen cijfers, zonder punten of spaties",
        ),
        "double": ("getal", "gebruik een punt of komma als decimaalteken, zonder duizendtallen"),
        "boolean": ("ja/nee-waarde", "gebruik True/False, ja/nee of 1/0"),
        "date": ("datum", "gebruik het formaat JJJJ-MM-DD"),
    }[column_type]


def _cast_distinct(values: pd.Series, column_type: str) -> tuple[pd.Series, pd.Series]:
    """Return ``(typed values, mask of cells that could not be cast)``."""
    missing = values.isin(MISSING_MARKERS)

    if column_type == "varchar":
        typed = values.mask(values == "", None).astype("string")
        return typed, pd.Series(False, index=values.index)

    if column_type in {"integer", "bigint"}:
        low, high = INTEGER_RANGES[column_type]
        # Python's int() parses any number of digits exactly, where pd.to_numeric
        # falls back to float beyond int64 and the Int64 cast then raises TypeError.
        numbers = values.where(values.str.match(INTEGER) & ~missing).map(int, na_action="ignore")
        valid = numbers.notna() & (numbers >= low) & (numbers <= high)
        typed = numbers.where(valid).astype("Int64")
    elif column_type == "double":
        valid = values.str.match(DECIMAL)
        normalised = values.str.replace(",", ".", regex=False)
        typed = pd.to_numeric(normalised.where(valid & ~missing), errors="coerce").astype("Float64")
    elif column_type == "boolean":
        lowered = values.str.lower()
        valid = lowered.isin(BOOLEAN_VALUES.keys())
        typed = lowered.where(valid & ~missing).map(BOOLEAN_VALUES).astype("boolean")
    else:
        parsed = pd.to_datetime(values.where(~missing), format="%Y-%m-%d", errors="coerce")
        valid = parsed.notna()
        typed = parsed.dt.date.astype(object).where(valid, None)

    return typed, ~missing & ~valid


def _format_problems(problems: list[CellProblem], total: int, path: Path, source_id: str) -> str:
    lines = [
        f"Bestand {path.name} (bron '{source_id}') bevat {total} waarde(n) die niet bij het "
        "type in de bronnencatalogus passen:"
    ]
    for problem in problems:
        expected, fix = _type_description(problem.expected)
        lines.append(
            f"  - rij {problem.row}, kolom '{problem.column}': waarde '{problem.value}' is geen "
            f"{expected}. Herstel: {fix}, of laat de cel leeg als het cijfer ontbreekt."
        )
    if total > len(problems):
        lines.append(f"  … en nog {total - len(problems)} andere.")
    return "\n".join(lines)


def _describe_conversions(
    column: str, column_type: str, values: pd.Series, codes: np.ndarray, distinct: pd.Series, path: Path
) -> list[str]:
    """Return Dutch notes for cells of one column read as missing or with a decimal comma.

    Nothing is dropped silently: every marker that became NULL is counted here.
    """
    notes = []
    for marker in sorted(MISSING_MARKERS - {""}):
        hits = values.index[np.isin(codes, np.flatnonzero(distinct == marker))]
        if len(hits):
            notes.append(
                f"{path.name}, rij {int(hits[0]) + FIRST_DATA_ROW}, kolom '{column}': waarde "
                f"'{marker}' gelezen als ontbrekend ({len(hits)} keer in deze kolom). Herstel: "
                "laat de cel leeg als het cijfer ontbreekt, of vul het cijfer in."
            )
    if column_type == "double":
        comma_codes = np.flatnonzero(distinct.str.match(r"^[+-]?\d+,\d+$", na=False))
        commas = values.index[np.isin(codes, comma_codes)]
        if len(commas):
            notes.append(
                f"{path.name}, rij {int(commas[0]) + FIRST_DATA_ROW}, kolom '{column}': waarde "
                f"'{values[commas[0]]}' met decimale komma gelezen als "
                f"{values[commas[0]].replace(',', '.')} ({len(commas)} keer). Herstel: niet nodig."
            )
    return notes


def check_columns(frame: pd.DataFrame, source: Source, path: Path) -> None:
    """Raise when a catalogue column is missing; log columns the catalogue does not know."""
    present = set(frame.columns)
    missing = [column for column in source.columns if column not in present]
    if missing:
        raise ExtractError(
            f"Bestand {path.name} (bron '{source.id}'): de kopregel (rij 1) mist kolom(men) "
            f"{', '.join(missing)}. "
            f"Gevonden kolommen: {', '.join(frame.columns)}. Herstel de kopregel of pas de "
            "kolommen in de bronnencatalogus aan als de bron echt is veranderd."
        )
    extra = sorted(present - set(source.columns))
    if extra:
        logger.warning(
            "%s: columns not in the catalogue are not loaded: %s", path.name, ", ".join(extra)
        )


def cast_to_catalogue(frame: pd.DataFrame, source: Source, path: Path) -> tuple[pd.DataFrame, list[str]]:
    """Return the catalogue columns of ``frame`` with their catalogue types, and Dutch notes.

    Every cell that does not fit is collected first, so one error lists all of
    them with row, column and value instead of stopping at the first. The notes
    count the cells read as missing or with a decimal comma.
    """
    check_columns(frame, source, path)

    typed_columns = {}
    notes = []
    problems: list[CellProblem] = []
    total_problems = 0
    for column, column_type in source.columns.items():
        values = frame[column]
        # Each cell's outcome depends only on its text, so each distinct text is cast once.
        codes, distinct = distinct_values(values)
        typed, failed = _cast_distinct(distinct, column_type)
        typed_columns[column] = spread(typed, codes, values)
        if column_type != "varchar":
            notes += _describe_conversions(column, column_type, values, codes, distinct, path)

        failed_rows = spread(failed, codes, values)
        failed_rows = failed_rows[failed_rows].index
        total_problems += len(failed_rows)
        for index in failed_rows[: MAX_REPORTED_PROBLEMS - len(problems)]:
            problems.append(
                CellProblem(
                    row=int(index) + FIRST_DATA_ROW,
                    column=column,
                    value=str(frame.at[index, column]),
                    expected=column_type,
                )
            )

    if total_problems:
        raise ExtractError(_format_problems(problems, total_problems, path, source.id))
    return pd.DataFrame(typed_columns, index=frame.index), notes
