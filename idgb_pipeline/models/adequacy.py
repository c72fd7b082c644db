"""Checks that the data can support a sound model fit. A failed check is a Dutch refusal."""

from __future__ import annotations

import pandas as pd

from idgb_pipeline.errors import InsufficientDataError


def complete_rows(frame: pd.DataFrame, columns: list[str], *, min_regions: int, labels: dict[str, str]) -> pd.DataFrame:
    """Return the rows without missing values, or raise InsufficientDataError.

    The model declines when a column has no values at all, when a column is constant
    over the usable rows, or when fewer than ``min_regions`` complete rows remain.
    """
    empty = [labels.get(column, column) for column in columns if frame[column].isna().all()]
    if empty:
        raise InsufficientDataError(
            f"Geen antwoord: {', '.join(empty)} heeft geen enkele waarde voor deze regio's en dit jaar. "
            "Kies een jaar of indicator met gegevens."
        )
    complete = frame.dropna(subset=columns)
    if len(complete) < min_regions:
        raise InsufficientDataError(
            f"Geen antwoord: maar {len(complete)} regio's hebben alle waarden, en het model vraagt er "
            f"minstens {min_regions}. Met zo weinig regio's is een schatting niet betrouwbaar."
        )
    constant = [labels.get(column, column) for column in columns if complete[column].nunique() < 2]
    if constant:
        raise InsufficientDataError(
            f"Geen antwoord: {', '.join(constant)} is in alle {len(complete)} regio's gelijk, dus er is "
            "geen variatie om een verband mee te schatten. Laat deze variabele weg."
        )
    return complete
