"""Freshness check per source: has a new file version arrived within the publication cycle?

The age of a source is the time since its newest file version was first loaded
(``raw._load_log``, status ``geladen``). A source older than its cycle plus a margin
gives a WARN. It never blocks the run, because older data is still valid data.
"""

import datetime as dt
from dataclasses import dataclass

import dagster as dg
import duckdb

from idgb_pipeline import settings
from idgb_pipeline.extract.catalogue import Source, load_catalogue
from idgb_pipeline.extract.loader import LOAD_LOG_TABLE, STATUS_LOADED
from idgb_pipeline.resources import DUCKDB_WRITER_POOL, WarehouseResource

CHECK_NAME = "actualiteit"


@dataclass(frozen=True)
class Cycle:
    """Expected publication cycle of a source, where ``max_age_days`` None means a fixed edition."""

    max_age_days: int | None
    reason: str


# NOTE: the cycles are the publishers' usual rhythm plus about a month of margin, not a
# published release calendar. Confirm them with the data owner before relying on the WARN.
CYCLES: dict[str, Cycle] = {
    "misdrijven_gemeente": Cycle(400, "CBS publiceert de geregistreerde misdrijven (47018NED) jaarlijks, met voorlopige cijfers voor de laatste jaren."),
    "bevolking_gemeente": Cycle(400, "De Regionale kerncijfers (70072ned) krijgen jaarlijks een nieuw jaar."),
    "gemeentegrenzen": Cycle(400, "CBS/PDOK publiceren per 1 januari de nieuwe gemeentelijke indeling."),
    "gemeente_omzetmatrices": Cycle(400, "Na elke jaarlijkse herindelingsronde komt een nieuwe omzetmatrix."),
    "iv3_taakvelden": Cycle(400, "Het Iv3-definitiebestand verschijnt per boekjaar."),
    "burgerpeiling_indicatoren": Cycle(400, "waarstaatjegemeente.nl werkt de indicatorenlijst ongeveer jaarlijks bij."),
    "kwb2022_regios": Cycle(None, "Vaste jaargang (KWB 2022). Een nieuwe jaargang is een nieuwe bron in de catalogus."),
    "kwb2022_onderwerpen": Cycle(None, "Vaste jaargang (KWB 2022). Een nieuwe jaargang is een nieuwe bron in de catalogus."),
    "kwb2019_leeftijd": Cycle(None, "Vaste jaargang (KWB 2019). Een nieuwe jaargang is een nieuwe bron in de catalogus."),
    "gebieden_in_nederland_2022": Cycle(None, "Vaste jaargang (indeling 2022). Een nieuwe jaargang is een nieuwe bron in de catalogus."),
    "gemeenten_per_jaar": Cycle(None, "Historische lijsten 2016–2021, die veranderen niet meer."),
    "gemeente_herindelingen_2013_2016": Cycle(None, "Vastgelegde herindelingen 2013–2016, die veranderen niet meer."),
}
DEFAULT_CYCLE = Cycle(400, "Geen cyclus vastgelegd voor deze bron, dus standaard jaarlijks aangenomen.")


def latest_version_loaded_at(connection: duckdb.DuckDBPyConnection, source_id: str) -> dt.datetime | None:
    """Return when the newest loaded file version of a source was first loaded, or None."""
    row = connection.execute(
        f"""
        select max(first_loaded_at)
        from (
            select file_sha256, min(loaded_at) as first_loaded_at
            from {LOAD_LOG_TABLE}
            where source_id = ? and coalesce(status, ?) = ?
            group by file_sha256
        )
        """,
        [source_id, STATUS_LOADED, STATUS_LOADED],
    ).fetchone()
    return row[0] if row else None


def evaluate_freshness(
    source_id: str, cycle: Cycle, loaded_at: dt.datetime | None, now: dt.datetime
) -> dg.AssetCheckResult:
    """Return the check result for a source whose newest version was loaded at ``loaded_at``."""
    metadata = {"cyclus_dagen": cycle.max_age_days or 0, "reden": cycle.reason}
    if loaded_at is None:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=f"Bron {source_id} is nog nooit geladen.",
            metadata=metadata,
        )

    age_days = (now - loaded_at).days
    metadata.update({"laatste_nieuwe_versie": loaded_at.isoformat(), "leeftijd_dagen": age_days})
    if cycle.max_age_days is None:
        return dg.AssetCheckResult(
            passed=True, description=f"Vaste jaargang, geen verversing verwacht. {cycle.reason}", metadata=metadata
        )
    if age_days > cycle.max_age_days:
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"Bron {source_id} is {age_days} dagen oud, langer dan de verwachte cyclus van "
                f"{cycle.max_age_days} dagen. {cycle.reason} Zet een nieuwe versie in data/landing/."
            ),
            metadata=metadata,
        )
    return dg.AssetCheckResult(
        passed=True,
        description=f"Nieuwste versie is {age_days} dagen oud (grens {cycle.max_age_days} dagen).",
        metadata=metadata,
    )


def _build_check(source: Source) -> dg.AssetChecksDefinition:
    cycle = CYCLES.get(source.id, DEFAULT_CYCLE)
    if cycle.max_age_days is None:
        description = f"Actualiteit van {source.title}: vaste jaargang, geen verversing verwacht. {cycle.reason}"
    else:
        description = (
            f"Actualiteit van {source.title}: waarschuwt (WARN) als er meer dan {cycle.max_age_days} dagen "
            f"geen nieuwe bestandsversie is geladen. {cycle.reason}"
        )

    @dg.asset_check(
        asset=dg.AssetKey(["raw", source.id]),
        name=CHECK_NAME,
        description=description,
        blocking=False,
        pool=DUCKDB_WRITER_POOL,
    )
    def freshness_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as connection:
            loaded_at = latest_version_loaded_at(connection, source.id)
        return evaluate_freshness(source.id, cycle, loaded_at, dt.datetime.now(dt.timezone.utc))

    return freshness_check


def build_freshness_checks() -> list[dg.AssetChecksDefinition]:
    """Build one freshness check per catalogue source."""
    catalogue = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)
    return [_build_check(source) for source in catalogue.values()]
