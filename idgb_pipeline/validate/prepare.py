"""Columns and row splits that the suites need before Great Expectations validates a frame."""

import pandas as pd

from idgb_pipeline.validate.suites import REGION_KNOWN_COLUMN, RegionCheck, Suite


def split_exact_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Return ``(frame without repeated rows, first index of each repeated row)``.

    An exact copy of an earlier row adds nothing, so only the first is kept. The
    copies go to quarantine with a pointer to the row they repeat.
    """
    repeated = frame.duplicated(keep="first")
    if not repeated.any():
        return frame, pd.Series(dtype="int64")

    first_index = {}
    for index, row in zip(frame.index, frame.itertuples(index=False, name=None)):
        first_index.setdefault(row, index)
    originals = pd.Series(
        [first_index[row] for row in frame[repeated].itertuples(index=False, name=None)],
        index=frame.index[repeated],
        dtype="int64",
    )
    return frame[~repeated], originals


def _region_known(frame: pd.DataFrame, check: RegionCheck, reference: dict[int, frozenset[str]]):
    """Return True where a code exists in its layout year, or where that year has no reference."""
    codes = frame[check.code_column]
    if check.reference_year is not None:
        years = pd.Series(check.reference_year, index=frame.index)
    else:
        years = frame[check.year_column]

    known = []
    for code, year in zip(codes, years):
        if code is None or pd.isna(code):
            known.append(False)
        elif code in check.extra_codes:
            known.append(True)
        elif pd.isna(year) or int(year) not in reference:
            # NOTE: years without a bundled region list (2012-2015, 2023, 2025) cannot be
            # judged here, so codes of those years pass this check.
            known.append(True)
        else:
            known.append(code in reference[int(year)])
    return pd.Series(known, index=frame.index, dtype="bool")


def add_validation_columns(
    frame: pd.DataFrame,
    suite: Suite,
    reference: dict[int, frozenset[str]],
    period_column: str | None = None,
    period: int | None = None,
) -> pd.DataFrame:
    """Return a copy of ``frame`` with the period, region check and derived sum columns."""
    prepared = frame.copy()
    if period_column:
        prepared[period_column] = period
    if suite.region_check:
        prepared[REGION_KNOWN_COLUMN] = _region_known(prepared, suite.region_check, reference)
    for name, expression in suite.derived_columns.items():
        prepared[name] = prepared.eval(expression)
    return prepared
