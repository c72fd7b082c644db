"""Forecast input: the crime panel of the 2024 layout as one row per indicator × gemeente."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from idgb_pipeline.errors import InsufficientDataError, ModelConfigError

MAX_HORIZON_YEAR = 2040

PANEL_SQL = """
    select fact.indicator_code, fact.region_code, region.region_name, fact.period_year, fact.value, fact.is_provisional
    from marts.fct_indicator_value as fact
    inner join marts.dim_region as region
        on region.region_code = fact.region_code
    where fact.indicator_code like 'misdrijven\\_%' escape '\\'
        and region.region_level = 'gemeente' and region.is_current_layout and region.region_code <> 'GM0000'
"""


@dataclass(frozen=True)
class ForecastSettings:
    """Forecast horizon, backtest design and input choice, with the defaults of the asset."""

    horizon_year: int = 2030
    exclude_provisional: bool = True
    first_origin: int = 2016
    last_origin: int = 2022
    backtest_horizon: int = 3
    calibration_last_origin: int = 2019
    include_rates: bool = False
    min_years: int = 6


@dataclass
class Panel:
    """Complete series as a matrix, with their labels and the years used for training."""

    values: np.ndarray
    years: np.ndarray
    keys: pd.DataFrame
    provisional_years: tuple[int, ...]
    excluded: pd.DataFrame


def validate_settings(settings: ForecastSettings, last_training_year: int) -> None:
    """Raise ModelConfigError with a Dutch message when the horizon or backtest is invalid."""
    if isinstance(settings.horizon_year, bool) or not isinstance(settings.horizon_year, int):
        raise ModelConfigError(f"Prognose: het horizonjaar moet een geheel getal zijn, niet {settings.horizon_year!r}.")
    if settings.horizon_year > MAX_HORIZON_YEAR:
        raise ModelConfigError(
            f"Prognose: het horizonjaar {settings.horizon_year} ligt na {MAX_HORIZON_YEAR}. "
            f"Kies een jaar tot en met {MAX_HORIZON_YEAR}; verder vooruit is een trend uit zo'n korte reeks niet te verantwoorden."
        )
    if settings.horizon_year <= last_training_year:
        raise ModelConfigError(
            f"Prognose: het horizonjaar {settings.horizon_year} moet na het laatste gebruikte jaar "
            f"{last_training_year} liggen."
        )
    if not settings.first_origin <= settings.calibration_last_origin < settings.last_origin:
        raise ModelConfigError(
            "Prognose: het laatste kalibratiejaar moet tussen het eerste en het laatste startjaar van de "
            f"backtest liggen (nu {settings.first_origin}, {settings.calibration_last_origin}, {settings.last_origin})."
        )
    if settings.backtest_horizon < 1:
        raise ModelConfigError(f"Prognose: de backtesthorizon moet minstens 1 jaar zijn, niet {settings.backtest_horizon}.")


def is_rate(indicator_code: str) -> bool:
    """Return whether the indicator is a rate per 1,000 inhabitants rather than a count."""
    return indicator_code.endswith("_per_1000")


def load_long(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Return the crime panel of the 2024-layout gemeenten in long form."""
    return connection.execute(PANEL_SQL).df()


def build_panel(long: pd.DataFrame, settings: ForecastSettings) -> Panel:
    """Pivot the long panel to complete series over the training years.

    Provisional years are dropped when ``settings.exclude_provisional`` is set, so the
    last training year is then the last final year. Series with a missing training
    year are left out and listed in ``Panel.excluded``.
    """
    if not settings.include_rates:
        long = long[~long["indicator_code"].map(is_rate)]
    provisional = tuple(sorted(int(year) for year in long.loc[long["is_provisional"].fillna(False).astype(bool), "period_year"].unique()))
    if settings.exclude_provisional:
        long = long[~long["period_year"].isin(provisional)]
    if long.empty:
        raise InsufficientDataError("Geen prognose: er zijn geen misdrijfcijfers van gemeenten in de indeling 2024.")
    wide = long.pivot_table(index=["indicator_code", "region_code", "region_name"], columns="period_year", values="value", aggfunc="first")
    wide = wide.reindex(columns=range(int(wide.columns.min()), int(wide.columns.max()) + 1))
    complete = wide.notna().all(axis=1)
    if wide.shape[1] < settings.min_years:
        raise InsufficientDataError(
            f"Geen prognose: er zijn maar {wide.shape[1]} jaren met cijfers ({wide.columns.min()}–{wide.columns.max()}), "
            f"en de prognose vraagt er minstens {settings.min_years}."
        )
    if not complete.any():
        raise InsufficientDataError("Geen prognose: geen enkele reeks heeft een waarde voor elk jaar.")
    complete_series = wide[complete]
    excluded = wide[~complete].index.to_frame(index=False)
    excluded["missing_years"] = wide[~complete].isna().sum(axis=1).to_numpy()
    return Panel(
        values=complete_series.to_numpy(dtype=float),
        years=np.asarray(complete_series.columns, dtype=int),
        keys=complete_series.index.to_frame(index=False),
        provisional_years=provisional,
        excluded=excluded,
    )
