"""Map the gemeente codes of every year onto one target gemeente layout.

CBS publishes some series (crime, CBS 47018NED) for all years on the current
layout of gemeenten, while others (population) use the layout of each year
itself. To combine them, every year-``Y`` gemeente code is mapped onto the
codes of the target layout (by default 1 January 2024) with a share per link.
A value on the target layout is then the sum of ``value * aandeel`` over the
codes that map onto it.

Method
------
Each year is handled by the first rule that applies:

1. ``omzetmatrix``: the VNG boundary-change matrices ("omzetmatrices") give,
   for each pair of an old and a new gemeente, the number of addresses in
   both. The share of an old code in a new code is its address count in that
   pair divided by the total address count of the old code. A code that is
   not listed in the matrix of its year kept its code and its territory.
2. ``ongewijzigd``: a year without a matrix whose set of codes equals the
   set of the target year is mapped onto itself. This holds for 2023 and 2025
   against the 2024 layout. The code sets are compared, not assumed, but a
   boundary correction that changes no code is not visible this way. A year
   after the target year with other codes raises.
3. ``vastgelegde_herindeling`` / ``afgeleid_uit_bevolking``: for a year ``Y`` before the first matrix
   (2012-2015 against the 2016 matrix) the transition ``Y -> Y+1`` is built
   from population continuity and chained with the mapping of ``Y+1``.
   Codes that disappear must have been absorbed by codes that are new in
   ``Y+1`` or by existing codes whose population jumps. For each receiving
   code, ``inwoners(Y+1)`` must equal ``(1 + g) * (inwoners(Y) + received
   inwoners(Y))`` within the tolerance, where ``g`` is the median
   year-on-year growth of the codes that exist in both years.

The default tolerance of 3% comes from the bundled CBS population series.
For 2012-2015 the relative residual (after removing the median growth) of the
gemeenten that took part in no merger lies between -2.3% and +2.7%, except
Blaricum (GM0376) at +4.1% in 2015.

Links of a transition come from two places. Known changes (for 2012-2015 the
curated seed ``seeds/herindelingen/gemeente_herindelingen_2013_2016.csv``, read
with :func:`read_known_changes_csv`) are checked against the tolerance. The
remaining disappeared codes go through an exact-cover search that assigns
each of them in whole to one receiver, or splits at most one of them over
the candidates that receive nothing else, in proportion to their unexplained
growth. The search raises :class:`HerindelingError` when no cover fits or
when more than one fits. Population totals alone cannot separate gemeenten
of similar size. Without known changes, every transition of 2012-2015 in the
bundled data has several covers within the tolerance. In 2013 the cover with
the smallest residuals even assigns Boarnsterhim (GM0055) to Alphen aan den
Rijn and splits Rijnwoude (GM1672) over Leeuwarden and Heerenveen.

Boarnsterhim (1 January 2014) and Maasdonk (1 January 2015) were split over
several gemeenten. Their shares are estimated from the unexplained growth of
the receivers named in the known changes. That growth also contains each
receiver's own deviation from the median growth, about 0.5% of its
population (robust standard deviation in 2012-2015), so small parts are
rough estimates. De Friese Meren, which received the village Terherne, gets
0.3% of Boarnsterhim.

A chained link gets the least direct method of its steps. From least to most
direct these are ``afgeleid_uit_bevolking`` (found by the search),
``vastgelegde_herindeling`` (a known change, where the share of a split is still
an estimate), ``omzetmatrix`` and ``ongewijzigd``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

logger = logging.getLogger("idgb_pipeline.regions.herindeling")

METHOD_UNCHANGED = "ongewijzigd"
METHOD_MATRIX = "omzetmatrix"
METHOD_KNOWN = "vastgelegde_herindeling"
METHOD_INFERRED = "afgeleid_uit_bevolking"

# Precedence when links are chained: the least direct source wins.
_METHOD_RANK = {METHOD_UNCHANGED: 0, METHOD_MATRIX: 1, METHOD_KNOWN: 2, METHOD_INFERRED: 3}
_RANK_METHOD = {rank: method for method, rank in _METHOD_RANK.items()}

DEFAULT_TOLERANCE = 0.03
"""Maximum relative population residual of an inferred merger (see module docstring)."""

DEFAULT_MAX_SEARCH_NODES = 1_000_000
"""Maximum number of partial assignments that the exact-cover search may visit per transition."""

POPULATION_COLUMNS = ("gemeente_code", "jaar", "inwoners")
MATRIX_COLUMNS = ("jaar_van", "jaar_naar", "code_van", "code_naar", "aantal_adressen")
KNOWN_CHANGE_COLUMNS = ("jaar", "code_van", "code_naar")
MAPPING_COLUMNS = ("jaar", "code_van", "code_naar", "aandeel", "methode")
TRANSITION_COLUMNS = ("jaar", "code_van", "code_naar", "aandeel", "methode", "relatief_residu", "herkomst")

# Values of the herkomst column of infer_transition: a link taken from known_changes
# or a link found by the exact-cover search.
ORIGIN_KNOWN = "opgegeven"
ORIGIN_SEARCHED = "gezocht"

_CODE_PATTERN = r"GM\d{4}"


class HerindelingError(ValueError):
    """Gemeente codes or their inputs cannot be mapped onto the target layout."""


# --------------------------------------------------------------------------
# Loaders


def read_population_csv(path: str | Path) -> pd.DataFrame:
    """Read a population file with columns gemeente_code, jaar and inwoners.

    Parameters
    ----------
    path : str or Path
        CSV file, for example ``seeds/cbs/waarden/bevolking_gemeente_2012_2025_long.csv``.

    Returns
    -------
    pandas.DataFrame
        The file as read, with ``gemeente_code`` as string.
    """
    return pd.read_csv(path, dtype={"gemeente_code": str})


def read_omzetmatrices_csv(path: str | Path) -> pd.DataFrame:
    """Read a VNG omzetmatrix file and keep the codes as strings.

    Parameters
    ----------
    path : str or Path
        CSV file, for example ``seeds/grenswijzigingen/gemeente_omzetmatrices_naar_2024.csv``.

    Returns
    -------
    pandas.DataFrame
        The file as read. Codes keep their leading zeros.
    """
    return pd.read_csv(path, dtype={"code_van": str, "code_naar": str})


# --------------------------------------------------------------------------
# Public functions


def build_gemeente_mapping(
    population: pd.DataFrame,
    matrices: pd.DataFrame,
    *,
    target_year: int = 2024,
    known_changes: pd.DataFrame | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_search_nodes: int = DEFAULT_MAX_SEARCH_NODES,
) -> pd.DataFrame:
    """Map every (jaar, gemeente_code) of the population onto the target layout.

    Parameters
    ----------
    population : pandas.DataFrame
        Columns ``gemeente_code`` (``GMdddd`` or up to four digits), ``jaar``
        and ``inwoners``, each year on its own layout. The codes of a year
        define that year's layout.
    matrices : pandas.DataFrame
        Columns ``jaar_van``, ``jaar_naar``, ``code_van``, ``code_naar`` and
        ``aantal_adressen``. Only rows with ``jaar_naar == target_year`` are
        used. Codes may omit the ``GM`` prefix.
    target_year : int, default 2024
        Year whose layout is the target. It must be present in ``population``.
    known_changes : pandas.DataFrame, optional
        Known links for years without a matrix, see :func:`infer_transition`.
        Rows for years that need no inference are ignored with a warning.
    tolerance : float, default 0.03
        Maximum relative residual of an inferred link, see :func:`infer_transition`.
    max_search_nodes : int, default 1_000_000
        Search budget per inferred transition, see :func:`infer_transition`.

    Returns
    -------
    pandas.DataFrame
        One row per (jaar, code_van, code_naar) with columns ``jaar`` (int),
        ``code_van`` and ``code_naar`` (``GMdddd``), ``aandeel`` (float in
        [0, 1], summing to 1 per (jaar, code_van)) and ``methode``
        (``ongewijzigd``, ``omzetmatrix``, ``vastgelegde_herindeling`` or
        ``afgeleid_uit_bevolking``),
        sorted by jaar, code_van and code_naar.

    Raises
    ------
    HerindelingError
        If an input is invalid or a year cannot be mapped. A year cannot be
        mapped in four cases. A vanished code is missing from its matrix. The
        year comes after the target year and has other codes. The next year
        needed for inference is missing. Its inferred transition has no valid
        cover, or more than one.

    Notes
    -----
    The method is described in the module docstring. When every matrix row
    fits the population codes only with ``code_van`` and ``code_naar``
    exchanged, the columns are exchanged and a warning is logged. The
    address count of a pair does not depend on the direction, so this loses
    nothing. The bundled file ``gemeente_omzetmatrices_naar_2024.csv`` needs
    this because its ``code_van`` column contains the 2024 codes.
    """
    population = validate_population(population)
    codes_by_year = _codes_by_year(population)
    if target_year not in codes_by_year:
        raise HerindelingError(
            f"Doeljaar {target_year} ontbreekt in de bevolkingsgegevens "
            f"(aanwezige jaren: {sorted(codes_by_year)}). Kies een doeljaar "
            f"waarvoor bevolkingscijfers aanwezig zijn."
        )
    prepared = _prepare_matrices(matrices, codes_by_year, target_year)
    changes = _prepare_known_changes(known_changes)

    mapper = _LayoutMapper(
        population=population,
        codes_by_year=codes_by_year,
        matrices=prepared,
        known_changes=changes,
        target_year=target_year,
        tolerance=tolerance,
        max_search_nodes=max_search_nodes,
    )
    frames = []
    for year in sorted(codes_by_year):
        year_map = mapper.map_year(year)
        frames.append(year_map.assign(jaar=year))

    unused_years = sorted(set(changes["jaar"]) - mapper.inferred_years)
    if unused_years:
        logger.warning(
            "Bekende wijzigingen voor jaren zonder afleiding uit bevolking zijn niet gebruikt: %s",
            unused_years,
        )

    mapping = pd.concat(frames, ignore_index=True)
    mapping["jaar"] = mapping["jaar"].astype(int)
    mapping = mapping.loc[:, list(MAPPING_COLUMNS)]
    return mapping.sort_values(["jaar", "code_van", "code_naar"]).reset_index(drop=True)


def infer_transition(
    population: pd.DataFrame,
    year: int,
    *,
    known_changes: pd.DataFrame | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
    max_search_nodes: int = DEFAULT_MAX_SEARCH_NODES,
) -> pd.DataFrame:
    """Infer the mapping of the codes of ``year`` onto those of ``year + 1``.

    Parameters
    ----------
    population : pandas.DataFrame
        Columns ``gemeente_code``, ``jaar`` and ``inwoners`` for at least
        ``year`` and ``year + 1``.
    year : int
        First year of the transition.
    known_changes : pandas.DataFrame, optional
        Links that population totals cannot identify, with columns ``jaar``
        (the last year of ``code_van``), ``code_van`` (a code that disappears
        after ``jaar``), ``code_naar`` (a code of ``jaar + 1``) and optionally
        ``aandeel``. A code with one row is merged in whole. A code with
        several rows is split over them, with the given shares or, without
        ``aandeel``, with shares estimated from the unexplained growth of the
        receivers. Known links pass the same residual checks as searched ones.
    tolerance : float, default 0.03
        Maximum absolute relative residual ``(observed - expected) /
        observed`` of a receiving code. Existing codes whose own residual
        exceeds it are candidate absorbers.
    max_search_nodes : int, default 1_000_000
        Maximum number of partial assignments the search may visit. The
        search space grows as ``candidates ** disappeared``, so the budget
        turns a transition that needs a matrix into an error instead of a
        long run.

    Returns
    -------
    pandas.DataFrame
        One row per (code_van, code_naar) for every code of ``year``, with
        columns ``jaar``, ``code_van``, ``code_naar``, ``aandeel``,
        ``methode``, ``relatief_residu`` and ``herkomst``. Codes that exist
        in both years map onto themselves with method ``ongewijzigd`` and
        missing residual and origin. Other links have method
        ``vastgelegde_herindeling`` (from ``known_changes``) or
        ``afgeleid_uit_bevolking`` (found by the search), the relative residual of their
        ``code_naar`` after all links, and origin ``opgegeven`` (from
        ``known_changes``) or ``gezocht`` (found by the search).

    Raises
    ------
    HerindelingError
        If ``year`` or ``year + 1`` is missing, if a known change is invalid
        or breaks the tolerance, if no valid cover exists, if more than one
        exists, or if the search budget runs out.

    Notes
    -----
    The search first looks for covers that assign each remaining
    disappeared code in whole. New codes must receive at least one code, and
    existing candidates may receive none. When no such cover exists, the
    search tries each remaining disappeared code as the single split code.
    The other codes are assigned in whole, every candidate that receives
    nothing else takes a part of the split code in proportion to its
    unexplained growth, and the summed unexplained growth must match the
    split code's population within the tolerance.

    The search raises when more than one cover fits. Gemeenten of similar
    size often make the covers ambiguous. In the bundled 2012-2015 data
    Zijpe (GM0476) and Goedereede (GM0511) differ by 200 inhabitants, so
    only known changes make those transitions unique.
    """
    population = validate_population(population)
    changes = _prepare_known_changes(known_changes)
    links = _infer_transition_links(population, year, changes, tolerance, max_search_nodes)
    return links.loc[:, list(TRANSITION_COLUMNS)]


def population_on_layout(population: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Aggregate the population of each year onto the target layout of a mapping.

    Parameters
    ----------
    population : pandas.DataFrame
        Columns ``gemeente_code``, ``jaar`` and ``inwoners``, each year on
        its own layout.
    mapping : pandas.DataFrame
        Output of :func:`build_gemeente_mapping`.

    Returns
    -------
    pandas.DataFrame
        Columns ``jaar``, ``gemeente_code`` (target code) and ``inwoners``
        (float, the sum of ``inwoners * aandeel``), sorted by jaar and code.
        A split spreads inhabitants fractionally, so the values are not
        rounded. The total per year equals the input total up to floating
        point rounding.

    Raises
    ------
    HerindelingError
        If an input is invalid or a (jaar, gemeente_code) of the population
        has no row in the mapping.
    """
    population = validate_population(population)
    mapping = _validate_mapping(mapping)

    joined = population.merge(
        mapping,
        how="left",
        left_on=["jaar", "gemeente_code"],
        right_on=["jaar", "code_van"],
        indicator=True,
    )
    unmapped = joined.loc[joined["_merge"] == "left_only", ["jaar", "gemeente_code"]]
    if not unmapped.empty:
        first = unmapped.iloc[0]
        raise HerindelingError(
            f"Gemeente {first['gemeente_code']} in jaar {first['jaar']} ontbreekt in de "
            f"omzettabel ({len(unmapped)} combinaties van jaar en code ontbreken). "
            f"Bouw de omzettabel opnieuw met build_gemeente_mapping op dezelfde bevolkingsgegevens."
        )

    joined["inwoners_deel"] = joined["inwoners"] * joined["aandeel"]
    result = (
        joined.groupby(["jaar", "code_naar"], as_index=False)["inwoners_deel"]
        .sum()
        .rename(columns={"code_naar": "gemeente_code", "inwoners_deel": "inwoners"})
    )
    result["jaar"] = result["jaar"].astype(int)
    return result.sort_values(["jaar", "gemeente_code"]).reset_index(drop=True)


def validate_population(population: pd.DataFrame) -> pd.DataFrame:
    """Validate a population table and return a copy with normalized codes.

    Parameters
    ----------
    population : pandas.DataFrame
        Columns ``gemeente_code``, ``jaar`` and ``inwoners``. Other columns
        are dropped.

    Returns
    -------
    pandas.DataFrame
        Columns ``gemeente_code`` (``GMdddd``), ``jaar`` (int) and
        ``inwoners`` (float).

    Raises
    ------
    HerindelingError
        If a column is missing, a code or year is invalid, a population is
        missing or negative, or a (jaar, gemeente_code) occurs twice.
    """
    _require_columns(population, POPULATION_COLUMNS, "bevolking")
    result = population.loc[:, list(POPULATION_COLUMNS)].copy()
    result["jaar"] = _integer_column(result["jaar"], "bevolking", "jaar")
    result["gemeente_code"] = _normalize_codes(
        result["gemeente_code"], result["jaar"], "bevolking", "gemeente_code"
    )

    inhabitants = pd.to_numeric(result["inwoners"], errors="coerce")
    invalid = inhabitants.isna() | (inhabitants < 0)
    if invalid.any():
        row = result.loc[invalid].iloc[0]
        raise HerindelingError(
            f"Ongeldig aantal inwoners {str(row['inwoners'])!r} voor gemeente {row['gemeente_code']} "
            f"in jaar {row['jaar']}. Lever per gemeente en jaar een aantal van 0 of meer."
        )
    result["inwoners"] = inhabitants.astype(float)

    duplicated = result.duplicated(["jaar", "gemeente_code"], keep=False)
    if duplicated.any():
        row = result.loc[duplicated].iloc[0]
        raise HerindelingError(
            f"Gemeente {row['gemeente_code']} komt meer dan eens voor in jaar {row['jaar']} "
            f"van de bevolkingsgegevens. Houd per jaar en gemeente één rij over."
        )
    return result.reset_index(drop=True)


# --------------------------------------------------------------------------
# Known changes of 1 January 2013-2016

def read_known_changes_csv(path: str | Path) -> pd.DataFrame:
    """Read the curated list of gemeente changes that no omzetmatrix covers.

    Parameters
    ----------
    path : str or Path
        CSV with columns ``ingangsjaar`` (the 1 January on which the change took
        effect), ``code_van``, ``code_naar`` and ``soort``, for example
        ``seeds/herindelingen/gemeente_herindelingen_2013_2016.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``jaar`` (the last year of ``code_van``, so ``ingangsjaar - 1``),
        ``code_van`` and ``code_naar``, ready for ``known_changes``.
    """
    frame = pd.read_csv(path, dtype={"code_van": str, "code_naar": str})
    _require_columns(frame, ("ingangsjaar", "code_van", "code_naar"), str(path))
    return pd.DataFrame(
        {
            "jaar": frame["ingangsjaar"].astype(int) - 1,
            "code_van": frame["code_van"],
            "code_naar": frame["code_naar"],
        }
    )


# --------------------------------------------------------------------------
# Input validation helpers


def _require_columns(frame: pd.DataFrame, required: tuple[str, ...], name: str) -> None:
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise HerindelingError(
            f"Kolom(men) {missing} ontbreken in {name} (aanwezig: {list(frame.columns)}). "
            f"Lever een tabel met de kolommen {list(required)}."
        )


def _integer_column(values: pd.Series, name: str, column: str) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    invalid = numbers.isna() | (numbers != np.round(numbers))
    if invalid.any():
        raise HerindelingError(
            f"Ongeldige waarde {str(values[invalid].iloc[0])!r} in kolom {column} van {name}. "
            f"Lever een geheel jaartal, bijvoorbeeld 2016."
        )
    return numbers.astype(int)


def _normalize_codes(codes: pd.Series, years: pd.Series, name: str, column: str) -> pd.Series:
    """Prefix bare numeric codes with GM and raise on anything that is not GMdddd."""
    text = codes.astype("string").str.strip()
    bare = text.str.fullmatch(r"\d{1,4}").fillna(False).astype(bool)
    text = text.where(~bare, "GM" + text.str.zfill(4))
    invalid = ~text.str.fullmatch(_CODE_PATTERN).fillna(False).astype(bool)
    if invalid.any():
        position = invalid[invalid].index[0]
        raise HerindelingError(
            f"Ongeldige gemeentecode {str(codes[position])!r} in kolom {column} van {name} "
            f"(jaar {years[position]}). Verwacht 'GM' gevolgd door vier cijfers, "
            f"bijvoorbeeld GM0014, of alleen de vier cijfers."
        )
    return text.astype(str)


def _codes_by_year(population: pd.DataFrame) -> dict[int, frozenset[str]]:
    return {int(year): frozenset(group["gemeente_code"]) for year, group in population.groupby("jaar")}


def _prepare_matrices(
    matrices: pd.DataFrame,
    codes_by_year: dict[int, frozenset[str]],
    target_year: int,
) -> pd.DataFrame:
    """Validate the omzetmatrices, keep the rows for the target year and orient them old -> new."""
    _require_columns(matrices, MATRIX_COLUMNS, "omzetmatrices")
    frame = matrices.loc[:, list(MATRIX_COLUMNS)].copy()
    frame["jaar_van"] = _integer_column(frame["jaar_van"], "omzetmatrices", "jaar_van")
    frame["jaar_naar"] = _integer_column(frame["jaar_naar"], "omzetmatrices", "jaar_naar")

    if not frame.empty and not (frame["jaar_naar"] == target_year).any():
        raise HerindelingError(
            f"De omzetmatrices bevatten geen rijen met jaar_naar={target_year} "
            f"(wel: {sorted(frame['jaar_naar'].unique())}). Lever matrices naar het doeljaar "
            f"of kies een ander doeljaar."
        )
    frame = frame.loc[frame["jaar_naar"] == target_year].reset_index(drop=True)

    too_late = frame["jaar_van"] >= target_year
    if too_late.any():
        raise HerindelingError(
            f"Omzetmatrix met jaar_van={frame.loc[too_late, 'jaar_van'].iloc[0]} is niet eerder "
            f"dan het doeljaar {target_year}. Verwijder deze rijen of kies een later doeljaar."
        )

    unused_years = sorted(set(frame["jaar_van"]) - set(codes_by_year))
    if unused_years:
        logger.info("Omzetmatrices voor jaren zonder bevolkingscijfers genegeerd: %s", unused_years)
        frame = frame.loc[frame["jaar_van"].isin(codes_by_year)].reset_index(drop=True)

    frame["code_van"] = _normalize_codes(frame["code_van"], frame["jaar_van"], "omzetmatrices", "code_van")
    frame["code_naar"] = _normalize_codes(frame["code_naar"], frame["jaar_van"], "omzetmatrices", "code_naar")

    counts = pd.to_numeric(frame["aantal_adressen"], errors="coerce")
    invalid = counts.isna() | (counts < 0)
    if invalid.any():
        row = frame.loc[invalid].iloc[0]
        raise HerindelingError(
            f"Ongeldig aantal_adressen {str(row['aantal_adressen'])!r} in de omzetmatrix van "
            f"{row['jaar_van']} voor {row['code_van']} -> {row['code_naar']}. "
            f"Lever een aantal van 0 of meer."
        )
    frame["aantal_adressen"] = counts.astype(float)

    duplicated = frame.duplicated(["jaar_van", "code_van", "code_naar"], keep=False)
    if duplicated.any():
        row = frame.loc[duplicated].iloc[0]
        raise HerindelingError(
            f"Dubbele rij in de omzetmatrix van {row['jaar_van']} voor {row['code_van']} -> "
            f"{row['code_naar']}. Houd per paar één rij over."
        )

    frame = _orient_matrices(frame, codes_by_year, target_year)
    frame = frame.loc[frame["aantal_adressen"] > 0].reset_index(drop=True)
    return frame.loc[:, ["jaar_van", "code_van", "code_naar", "aantal_adressen"]]


def _orient_matrices(
    frame: pd.DataFrame,
    codes_by_year: dict[int, frozenset[str]],
    target_year: int,
) -> pd.DataFrame:
    """Return the matrix rows with code_van on the jaar_van layout, exchanging the columns if needed."""
    target_codes = codes_by_year[target_year]

    def misfits(old_column: str, new_column: str) -> pd.DataFrame:
        old_ok = [code in codes_by_year[year] for year, code in zip(frame["jaar_van"], frame[old_column])]
        new_ok = frame[new_column].isin(target_codes).to_numpy()
        return frame.loc[~(np.array(old_ok, dtype=bool) & new_ok)]

    declared_misfits = misfits("code_van", "code_naar")
    if declared_misfits.empty:
        return frame

    if misfits("code_naar", "code_van").empty:
        logger.warning(
            "Omzetmatrices: code_van en code_naar zijn verwisseld. Code_van bevat de codes van %s "
            "en code_naar die van jaar_van. De kolommen worden omgedraaid. Corrigeer het bronbestand.",
            target_year,
        )
        return frame.rename(columns={"code_van": "code_naar", "code_naar": "code_van"})

    row = declared_misfits.iloc[0]
    raise HerindelingError(
        f"Omzetmatrix van {row['jaar_van']}: {row['code_van']} -> {row['code_naar']} past niet bij de "
        f"bevolkingscodes ({len(declared_misfits)} rijen). Code_van moet bestaan in {row['jaar_van']} en "
        f"code_naar in {target_year}. Controleer de matrix en de bevolkingsgegevens."
    )


def _validate_mapping(mapping: pd.DataFrame) -> pd.DataFrame:
    _require_columns(mapping, MAPPING_COLUMNS, "omzettabel")
    totals = mapping.groupby(["jaar", "code_van"])["aandeel"].sum()
    off = totals[(totals - 1.0).abs() > 1e-9]
    if not off.empty:
        (year, code), total = next(iter(off.items()))
        raise HerindelingError(
            f"De aandelen van gemeente {code} in jaar {year} tellen op tot {total:.6f} in plaats van 1. "
            f"Bouw de omzettabel opnieuw met build_gemeente_mapping."
        )
    return mapping


# --------------------------------------------------------------------------
# Year-by-year mapping


@dataclass
class _LayoutMapper:
    """Builds and caches the mapping of each year's codes onto the target layout."""

    population: pd.DataFrame
    codes_by_year: dict[int, frozenset[str]]
    matrices: pd.DataFrame
    known_changes: pd.DataFrame
    target_year: int
    tolerance: float
    max_search_nodes: int

    def __post_init__(self) -> None:
        self._cache: dict[int, pd.DataFrame] = {}
        self._matrix_years = frozenset(self.matrices["jaar_van"])
        self.inferred_years: set[int] = set()

    def map_year(self, year: int) -> pd.DataFrame:
        """Return code_van, code_naar, aandeel and methode for the codes of ``year``."""
        if year not in self._cache:
            self._cache[year] = self._build_year(year)
        return self._cache[year]

    def _build_year(self, year: int) -> pd.DataFrame:
        codes = self.codes_by_year[year]
        target_codes = self.codes_by_year[self.target_year]

        if year in self._matrix_years:
            return self._map_with_matrix(year)

        if codes == target_codes:
            if year != self.target_year:
                logger.info(
                    "Jaar %s heeft geen omzetmatrix en dezelfde %s gemeentecodes als %s: identieke indeling.",
                    year,
                    len(codes),
                    self.target_year,
                )
            return _identity_map(codes)

        if year > self.target_year:
            raise HerindelingError(
                f"De indeling van {year} wijkt af van die van het doeljaar {self.target_year} "
                f"(alleen in {year}: {sorted(codes - target_codes)[:5]}, alleen in {self.target_year}: "
                f"{sorted(target_codes - codes)[:5]}). Kies {year} of later als doeljaar."
            )

        next_year = year + 1
        if next_year not in self.codes_by_year:
            raise HerindelingError(
                f"Jaar {year} heeft geen omzetmatrix naar {self.target_year} en jaar {next_year} "
                f"ontbreekt in de bevolkingsgegevens, dus de herindeling kan niet worden afgeleid. "
                f"Lever een omzetmatrix voor jaar_van={year} of bevolkingscijfers voor {next_year}."
            )
        links = _infer_transition_links(
            self.population, year, self.known_changes, self.tolerance, self.max_search_nodes
        )
        self.inferred_years.add(year)
        step = links.loc[:, ["code_van", "code_naar", "aandeel", "methode"]]
        return _compose(step, self.map_year(next_year))

    def _map_with_matrix(self, year: int) -> pd.DataFrame:
        rows = self.matrices.loc[self.matrices["jaar_van"] == year]
        listed = rows.assign(
            aandeel=rows["aantal_adressen"] / rows.groupby("code_van")["aantal_adressen"].transform("sum"),
            methode=METHOD_MATRIX,
        ).loc[:, ["code_van", "code_naar", "aandeel", "methode"]]

        unlisted = self.codes_by_year[year] - frozenset(rows["code_van"])
        vanished = sorted(unlisted - self.codes_by_year[self.target_year])
        if vanished:
            raise HerindelingError(
                f"Gemeente {vanished[0]} (jaar {year}) staat niet in de omzetmatrix van {year} naar "
                f"{self.target_year} en bestaat niet meer in {self.target_year} ({len(vanished)} codes: "
                f"{vanished[:5]}). Voeg de rijen voor deze codes toe aan de omzetmatrix."
            )

        mapping = pd.concat([listed, _identity_map(unlisted)], ignore_index=True)
        return mapping.sort_values(["code_van", "code_naar"]).reset_index(drop=True)


def _identity_map(codes: frozenset[str] | set[str]) -> pd.DataFrame:
    ordered = sorted(codes)
    return pd.DataFrame(
        {
            "code_van": ordered,
            "code_naar": ordered,
            "aandeel": np.ones(len(ordered)),
            "methode": METHOD_UNCHANGED,
        }
    )


def _compose(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Chain two mappings (first: A -> B, second: B -> C) into A -> C."""
    merged = first.merge(
        second.rename(columns={"code_van": "code_tussen"}),
        how="left",
        left_on="code_naar",
        right_on="code_tussen",
        suffixes=("_1", "_2"),
    )
    # Inference maps onto codes of the next year, and the next year's mapping covers all of them.
    assert merged["code_naar_2"].notna().all(), "chained mapping misses intermediate codes"

    merged["aandeel"] = merged["aandeel_1"] * merged["aandeel_2"]
    merged["rang"] = np.maximum(
        merged["methode_1"].map(_METHOD_RANK).to_numpy(),
        merged["methode_2"].map(_METHOD_RANK).to_numpy(),
    )
    combined = (
        merged.groupby(["code_van", "code_naar_2"], as_index=False)
        .agg(aandeel=("aandeel", "sum"), rang=("rang", "max"))
        .rename(columns={"code_naar_2": "code_naar"})
    )
    combined["methode"] = combined["rang"].map(_RANK_METHOD)
    return combined.loc[:, ["code_van", "code_naar", "aandeel", "methode"]]


# --------------------------------------------------------------------------
# Inference from population continuity


@dataclass(frozen=True)
class _Absorber:
    """A code of the next year that may receive disappeared codes."""

    code: str
    before: float  # inhabitants in the first year, 0 for a new code
    after: float
    is_new: bool
    # New, or grown beyond the tolerance. A receiver named only in known changes is not
    # a candidate, so the search never splits a code over it.
    is_candidate: bool


@dataclass(frozen=True)
class _Split:
    """A disappeared code divided over receivers, with given shares or shares to estimate."""

    source: int
    receivers: tuple[int, ...]
    shares: tuple[float, ...] | None
    origin: str


@dataclass(frozen=True)
class _Link:
    code_van: str
    code_naar: str
    aandeel: float
    relatief_residu: float
    herkomst: str


@dataclass
class _Transition:
    """Population balance of one transition ``year -> year + 1`` and its known changes."""

    year: int
    growth: float
    tolerance: float
    sources: list[tuple[str, float]]
    absorbers: list[_Absorber]
    known_whole: dict[int, int]
    known_splits: list[_Split]

    def unexplained(self, index: int, load: float) -> float:
        absorber = self.absorbers[index]
        return absorber.after - (1 + self.growth) * (absorber.before + load)

    def evaluate(self, whole: tuple[int, ...], splits: list[_Split]) -> list[_Link] | None:
        """Return the links of a complete assignment, or None if it breaks a cover rule.

        ``whole[i]`` is the absorber index of source ``i``, or -1 when the source is split.
        """
        loads = [0.0] * len(self.absorbers)
        receives = [False] * len(self.absorbers)
        for source, index in enumerate(whole):
            if index >= 0:
                loads[index] += self.sources[source][1]
                receives[index] = True

        # Known shares first, because estimated shares depend on the loads that remain unexplained.
        split_shares: dict[int, tuple[tuple[int, float], ...]] = {}
        ordered = sorted(splits, key=lambda split: split.shares is None)
        for split in ordered:
            if split.shares is not None:
                shares = tuple(zip(split.receivers, split.shares))
            else:
                shares = self._estimate_shares(split, loads)
                if shares is None:
                    return None
            split_shares[split.source] = shares
            for index, share in shares:
                loads[index] += share * self.sources[split.source][1]
                receives[index] = receives[index] or share > 0

        for index, absorber in enumerate(self.absorbers):
            if absorber.is_new and not receives[index]:
                return None
            relative = _relative(self.unexplained(index, loads[index]), absorber.after)
            if receives[index] and abs(relative) > self.tolerance:
                return None

        def residual(index: int) -> float:
            return _relative(self.unexplained(index, loads[index]), self.absorbers[index].after)

        origin_of = {split.source: split.origin for split in splits}
        links = []
        for source, (code, _) in enumerate(self.sources):
            if source in split_shares:
                for index, share in split_shares[source]:
                    if share > 0:
                        absorber = self.absorbers[index]
                        links.append(_Link(code, absorber.code, share, residual(index), origin_of[source]))
            else:
                index = whole[source]
                origin = ORIGIN_KNOWN if source in self.known_whole else ORIGIN_SEARCHED
                links.append(_Link(code, self.absorbers[index].code, 1.0, residual(index), origin))
        return links

    def _estimate_shares(self, split: _Split, loads: list[float]) -> tuple[tuple[int, float], ...] | None:
        """Divide a split code in proportion to the receivers' unexplained growth.

        Returns None when no receiver has grown or when the summed unexplained growth
        differs from the split code's population by more than the tolerance.
        """
        unexplained = [self.unexplained(index, loads[index]) for index in split.receivers]
        positive = [max(value, 0.0) for value in unexplained]
        total = sum(positive)
        if total <= 0:
            return None
        observed = sum(self.absorbers[index].after for index in split.receivers)
        expected = (1 + self.growth) * self.sources[split.source][1]
        if abs(sum(unexplained) - expected) > self.tolerance * observed:
            return None
        return tuple((index, value / total) for index, value in zip(split.receivers, positive))


def _relative(residual: float, observed: float) -> float:
    if observed > 0:
        return residual / observed
    return 0.0 if residual == 0 else float(np.sign(residual)) * np.inf


def _prepare_known_changes(known_changes: pd.DataFrame | None) -> pd.DataFrame:
    """Validate known changes and return jaar, code_van, code_naar and aandeel (NaN when not given)."""
    columns = ["jaar", "code_van", "code_naar", "aandeel"]
    if known_changes is None:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in columns})

    _require_columns(known_changes, KNOWN_CHANGE_COLUMNS, "bekende wijzigingen")
    frame = known_changes.copy()
    if "aandeel" not in frame.columns:
        frame["aandeel"] = np.nan
    frame = frame.loc[:, columns]
    frame["jaar"] = _integer_column(frame["jaar"], "bekende wijzigingen", "jaar")
    frame["code_van"] = _normalize_codes(frame["code_van"], frame["jaar"], "bekende wijzigingen", "code_van")
    frame["code_naar"] = _normalize_codes(
        frame["code_naar"], frame["jaar"], "bekende wijzigingen", "code_naar"
    )
    frame["aandeel"] = pd.to_numeric(frame["aandeel"], errors="coerce").astype(float)

    duplicated = frame.duplicated(["jaar", "code_van", "code_naar"], keep=False)
    if duplicated.any():
        row = frame.loc[duplicated].iloc[0]
        raise HerindelingError(
            f"Bekende wijziging {row['code_van']} -> {row['code_naar']} (jaar {row['jaar']}) komt meer "
            f"dan eens voor. Houd per paar één rij over."
        )

    for (year, code), group in frame.groupby(["jaar", "code_van"]):
        has_share = group["aandeel"].notna()
        if has_share.any() and not has_share.all():
            raise HerindelingError(
                f"Bekende wijzigingen van {code} (jaar {year}) hebben voor een deel van de rijen een "
                f"aandeel. Geef voor alle rijen van deze code een aandeel of voor geen enkele."
            )
        if has_share.all():
            invalid = (group["aandeel"] < 0) | (group["aandeel"] > 1)
            if invalid.any() or abs(group["aandeel"].sum() - 1.0) > 1e-9:
                raise HerindelingError(
                    f"De aandelen van bekende wijziging {code} (jaar {year}) liggen niet tussen 0 en 1 "
                    f"of tellen op tot {group['aandeel'].sum():.6f} in plaats van 1. Corrigeer de aandelen."
                )
    return frame.reset_index(drop=True)


def _infer_transition_links(
    population: pd.DataFrame,
    year: int,
    known_changes: pd.DataFrame,
    tolerance: float,
    max_search_nodes: int,
) -> pd.DataFrame:
    next_year = year + 1
    before = population.loc[population["jaar"] == year].set_index("gemeente_code")["inwoners"]
    after = population.loc[population["jaar"] == next_year].set_index("gemeente_code")["inwoners"]
    for required_year, series in ((year, before), (next_year, after)):
        if series.empty:
            raise HerindelingError(
                f"Jaar {required_year} ontbreekt in de bevolkingsgegevens, dus de herindeling "
                f"{year}->{next_year} kan niet worden afgeleid. Lever bevolkingscijfers voor {required_year}."
            )

    continuing = before.index.intersection(after.index)
    growing = continuing[before[continuing] > 0]
    growth = float((after[growing] / before[growing] - 1).median()) if len(growing) else 0.0
    disappeared = sorted(before.index.difference(after.index), key=lambda code: (-before[code], code))
    changes = known_changes.loc[known_changes["jaar"] == year]

    transition = _build_transition(before, after, continuing, disappeared, changes, growth, tolerance, year)
    identity = pd.DataFrame(
        {
            "jaar": year,
            "code_van": sorted(continuing),
            "code_naar": sorted(continuing),
            "aandeel": 1.0,
            "methode": METHOD_UNCHANGED,
            "relatief_residu": np.nan,
            "herkomst": None,
        }
    )
    if not transition.sources and not any(absorber.is_new for absorber in transition.absorbers):
        _warn_unexplained_growth(transition, set())
        return identity

    links = _find_cover(transition, max_search_nodes)
    _warn_unexplained_growth(transition, {link.code_naar for link in links})
    _log_links(links, year)

    inferred = pd.DataFrame(
        {
            "jaar": year,
            "code_van": [link.code_van for link in links],
            "code_naar": [link.code_naar for link in links],
            "aandeel": [link.aandeel for link in links],
            "methode": [
                METHOD_KNOWN if link.herkomst == ORIGIN_KNOWN else METHOD_INFERRED for link in links
            ],
            "relatief_residu": [link.relatief_residu for link in links],
            "herkomst": [link.herkomst for link in links],
        }
    )
    combined = pd.concat([identity, inferred], ignore_index=True)
    return combined.sort_values(["code_van", "code_naar"]).reset_index(drop=True)


def _build_transition(
    before: pd.Series,
    after: pd.Series,
    continuing: pd.Index,
    disappeared: list[str],
    changes: pd.DataFrame,
    growth: float,
    tolerance: float,
    year: int,
) -> _Transition:
    """Collect the disappeared codes, the possible absorbers and the known changes of one transition."""
    absorbers = [
        _Absorber(code=code, before=0.0, after=float(after[code]), is_new=True, is_candidate=True)
        for code in sorted(after.index.difference(before.index))
    ]
    for code in sorted(continuing):
        observed = float(after[code])
        relative = _relative(observed - (1 + growth) * float(before[code]), observed)
        if relative > tolerance:
            absorbers.append(_Absorber(code, float(before[code]), observed, is_new=False, is_candidate=True))
        elif relative < -tolerance:
            # NOTE: a shrinking code may have ceded territory, which a merger-only inference cannot represent.
            logger.warning(
                "%s->%s: gemeente %s krimpt %.1f%% meer dan de mediane groei. Een gedeeltelijke "
                "overdracht van grondgebied kan niet uit bevolkingscijfers worden afgeleid.",
                year,
                year + 1,
                code,
                -100 * relative,
            )

    source_index = {code: index for index, code in enumerate(disappeared)}
    for row in changes.itertuples(index=False):
        if row.code_van not in source_index:
            raise HerindelingError(
                f"Bekende wijziging {row.code_van} -> {row.code_naar} (jaar {year}) is ongeldig: "
                f"{row.code_van} verdwijnt niet tussen {year} en {year + 1}. Alleen opgeheven "
                f"gemeenten kunnen worden opgegeven. Verwijder de rij of corrigeer het jaar."
            )
        if row.code_naar not in after.index:
            raise HerindelingError(
                f"Bekende wijziging {row.code_van} -> {row.code_naar} (jaar {year}) is ongeldig: "
                f"{row.code_naar} bestaat niet in {year + 1}. Corrigeer de code of het jaar."
            )
        if row.code_naar not in {absorber.code for absorber in absorbers}:
            known_before = float(before[row.code_naar]) if row.code_naar in before.index else 0.0
            absorbers.append(
                _Absorber(
                    row.code_naar,
                    known_before,
                    float(after[row.code_naar]),
                    is_new=row.code_naar not in before.index,
                    is_candidate=False,
                )
            )

    absorber_index = {absorber.code: index for index, absorber in enumerate(absorbers)}
    known_whole: dict[int, int] = {}
    known_splits: list[_Split] = []
    for code_van, group in changes.groupby("code_van", sort=True):
        source = source_index[code_van]
        receivers = tuple(absorber_index[code] for code in group["code_naar"])
        if len(group) == 1:
            known_whole[source] = receivers[0]
            continue
        shares = tuple(group["aandeel"]) if group["aandeel"].notna().all() else None
        known_splits.append(_Split(source, receivers, shares, ORIGIN_KNOWN))

    estimated_receivers = [
        index for split in known_splits if split.shares is None for index in split.receivers
    ]
    if len(estimated_receivers) != len(set(estimated_receivers)):
        raise HerindelingError(
            f"Bekende wijzigingen van {year}: een gemeente ontvangt delen van meer dan één gesplitste "
            f"gemeente zonder aandeel, zodat de verdeling niet uit bevolkingscijfers volgt. "
            f"Geef voor deze splitsingen een aandeel op."
        )

    return _Transition(
        year=year,
        growth=growth,
        tolerance=tolerance,
        sources=[(code, float(before[code])) for code in disappeared],
        absorbers=absorbers,
        known_whole=known_whole,
        known_splits=known_splits,
    )


class _SearchBudget:
    """Counts visited partial assignments and raises when the budget runs out."""

    def __init__(self, limit: int, transition: _Transition) -> None:
        self.limit = limit
        self.used = 0
        self._transition = transition

    def spend(self) -> None:
        self.used += 1
        if self.used > self.limit:
            year = self._transition.year
            raise HerindelingError(
                f"Afleiding van herindeling {year}->{year + 1} overschrijdt {self.limit} zoekstappen "
                f"({len(self._transition.sources)} verdwenen codes, {len(self._transition.absorbers)} "
                f"kandidaten). Lever een omzetmatrix of bekende wijzigingen voor jaar {year}."
            )


def _find_cover(transition: _Transition, max_search_nodes: int) -> list[_Link]:
    """Return the links of the only valid cover with whole links and at most one searched split."""
    budget = _SearchBudget(max_search_nodes, transition)
    known_split_sources = {split.source for split in transition.known_splits}
    free = [
        source
        for source in range(len(transition.sources))
        if source not in transition.known_whole and source not in known_split_sources
    ]

    # Whole and split covers are collected together, so a split that fits as well as a
    # whole merger makes the transition ambiguous instead of losing to it.
    found: list[list[_Link]] = []
    for whole in _assign_whole(transition, free, budget):
        links = transition.evaluate(whole, transition.known_splits)
        if links is not None:
            found.append(links)
            if len(found) > 1:
                _raise_ambiguous(transition, found)

    # NOTE: at most one searched split per transition. Two unknown splits that share
    # receivers cannot be separated from population totals, so such a transition raises.
    known_receivers = {index for split in transition.known_splits for index in split.receivers}
    for split_source in free:
        others = [source for source in free if source != split_source]
        for whole in _assign_whole(transition, others, budget):
            receivers = tuple(
                index
                for index, absorber in enumerate(transition.absorbers)
                if absorber.is_candidate and index not in whole and index not in known_receivers
            )
            # A split over one receiver is a whole merger, which the first search covers.
            if len(receivers) < 2:
                continue
            split = _Split(split_source, receivers, None, ORIGIN_SEARCHED)
            links = transition.evaluate(whole, [*transition.known_splits, split])
            if links is None:
                continue
            split_code = transition.sources[split_source][0]
            if sum(link.code_van == split_code for link in links) < 2:
                continue
            found.append(links)
            if len(found) > 1:
                _raise_ambiguous(transition, found)

    year = transition.year
    if not found:
        factor = 1 + transition.growth
        candidates = ", ".join(
            f"{absorber.code} ({'nieuw' if absorber.is_new else 'bestaand'}, "
            f"{absorber.after - factor * absorber.before:+.0f} inwoners)"
            for absorber in transition.absorbers
        )
        raise HerindelingError(
            f"Herindeling {year}->{year + 1}: verdwenen gemeente(n) "
            f"{[code for code, _ in transition.sources]} zijn niet toe te wijzen aan gemeenten van "
            f"{year + 1} binnen de tolerantie van {transition.tolerance:.1%}. Ontvangers met hun "
            f"onverklaarde groei: {candidates or 'geen'}. Lever een omzetmatrix of bekende wijzigingen "
            f"voor jaar {year}, of controleer de bevolkingscijfers van {year} en {year + 1}."
        )
    return found[0]


def _raise_ambiguous(transition: _Transition, found: list[list[_Link]]) -> NoReturn:
    year = transition.year
    alternatives = " of ".join(_describe_links(links) for links in found[:2])
    raise HerindelingError(
        f"Herindeling {year}->{year + 1} is niet eenduidig af te leiden: de verdwenen gemeente(n) "
        f"{[code for code, _ in transition.sources]} passen op meer dan één manier binnen de "
        f"tolerantie van {transition.tolerance:.1%}, bijvoorbeeld {alternatives}. Lever een "
        f"omzetmatrix of bekende wijzigingen voor jaar {year}."
    )


def _assign_whole(transition: _Transition, free: list[int], budget: _SearchBudget):
    """Yield every assignment of the free sources to absorbers that overfills no absorber.

    Known whole links and known splits with given shares are loaded first. Loads only
    grow, so an overfilled absorber stays overfilled and its branch is cut.
    """
    whole = [-1] * len(transition.sources)
    loads = [0.0] * len(transition.absorbers)
    for source, index in transition.known_whole.items():
        whole[source] = index
        loads[index] += transition.sources[source][1]
    for split in transition.known_splits:
        for index, share in zip(split.receivers, split.shares or ()):
            loads[index] += share * transition.sources[split.source][1]

    def overfilled(index: int) -> bool:
        observed = transition.absorbers[index].after
        return _relative(transition.unexplained(index, loads[index]), observed) < -transition.tolerance

    def extend(position: int):
        budget.spend()
        if position == len(free):
            yield tuple(whole)
            return
        source = free[position]
        amount = transition.sources[source][1]
        for index in range(len(transition.absorbers)):
            loads[index] += amount
            if not overfilled(index):
                whole[source] = index
                yield from extend(position + 1)
            loads[index] -= amount
        whole[source] = -1

    yield from extend(0)


def _describe_links(links: list[_Link]) -> str:
    return "[" + ", ".join(f"{link.code_van}->{link.code_naar} ({link.aandeel:.2f})" for link in links) + "]"


def _warn_unexplained_growth(transition: _Transition, receivers: set[str]) -> None:
    for absorber in transition.absorbers:
        if absorber.code in receivers or absorber.is_new or not absorber.is_candidate:
            continue
        logger.warning(
            "%s->%s: gemeente %s groeit %.1f%% meer dan de mediane groei zonder afgeleide "
            "samenvoeging. Aangenomen wordt dat dit natuurlijke groei is.",
            transition.year,
            transition.year + 1,
            absorber.code,
            100 * _relative(absorber.after - (1 + transition.growth) * absorber.before, absorber.after),
        )


def _log_links(links: list[_Link], year: int) -> None:
    for link in links:
        is_split = link.aandeel < 1.0
        log = logger.warning if is_split else logger.info
        log(
            "%s->%s: %s -> %s (%s), aandeel %.3f, relatief residu %+.2f%%%s",
            year,
            year + 1,
            link.code_van,
            link.code_naar,
            link.herkomst,
            link.aandeel,
            100 * link.relatief_residu,
            " (aandeel geschat uit bevolkingsgroei)" if is_split else "",
        )
