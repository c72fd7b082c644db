"""Sensor that starts a run when a source file in ``data/landing/`` is new or changed."""

import json

import dagster as dg

from idgb_pipeline import settings
from idgb_pipeline.extract.catalogue import load_catalogue
from idgb_pipeline.extract.landing import landing_files, source_for_file_name
from idgb_pipeline.extract.loader import file_sha256
from idgb_pipeline.extract.partitions import full_range_tags, range_tags, years_of_file_names
from idgb_pipeline.orchestration.jobs import FULL_JOB

SENSOR_NAME = "landingsmap_sensor"


def _read_cursor(cursor: str | None) -> dict[str, str]:
    """Return the cursor as a map file name -> sha256, empty when the cursor is missing or unreadable."""
    if not cursor:
        return {}
    try:
        seen = json.loads(cursor)
    except json.JSONDecodeError:
        return {}
    return seen if isinstance(seen, dict) else {}


def changed_landing_files(cursor: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Return ``(changed, current)``: file name -> sha256 of new or changed files, and of all files."""
    seen = _read_cursor(cursor)
    current = {path.name: file_sha256(path) for path in landing_files(settings.landing_dir())}
    changed = {name: sha for name, sha in current.items() if seen.get(name) != sha}
    return changed, current


@dg.sensor(
    name=SENSOR_NAME,
    job_name=FULL_JOB,
    minimum_interval_seconds=60,
    description=(
        "Kijkt elke minuut in data/landing/. Een nieuw of gewijzigd bestand (andere sha256) met "
        "dezelfde naam als een bestand uit de bronnencatalogus start een run voor die bron en "
        "alles wat ervan afhangt."
    ),
)
def landing_sensor(context: dg.SensorEvaluationContext):
    """Request one run for the sources whose landing files changed, plus their downstream assets."""
    changed, current = changed_landing_files(context.cursor)
    if not changed:
        return dg.SkipReason("Geen nieuwe of gewijzigde bestanden in de landingsmap.")

    catalogue = load_catalogue(settings.catalogue_path(), settings.SEEDS_DIR)
    source_ids = set()
    for file_name in sorted(changed):
        source = source_for_file_name(file_name, catalogue)
        if source is None:
            context.log.warning(
                f"Bestand '{file_name}' in de landingsmap hoort bij geen enkele bron: de naam komt niet "
                "voor in de bronnencatalogus. Geef het dezelfde naam als het cataloguebestand dat het vervangt."
            )
        else:
            source_ids.add(source.id)

    # The cursor moves on for unknown files too, so each one is reported once per version.
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not source_ids:
        return dg.SkipReason("Alleen bestanden zonder bijbehorende bron gevonden.")

    roots = [dg.AssetKey(["raw", source_id]) for source_id in sorted(source_ids)]
    selection = dg.AssetSelection.assets(*roots).downstream()
    asset_graph = context.repository_def.asset_graph
    asset_keys = sorted(selection.resolve(asset_graph), key=lambda key: key.to_user_string())
    run_key = "landing:" + ",".join(f"{name}={changed[name][:12]}" for name in sorted(changed))
    tags = {"idgb/aanleiding": "landingsmap", "idgb/bronnen": ",".join(sorted(source_ids))}

    # A changed yearly file loads only its year, and years in between are skipped as unchanged.
    # A year-split source that is only downstream of the changed files loads every year.
    years = years_of_file_names(catalogue.values(), changed)
    if years:
        tags.update(range_tags(years[0], years[-1]))
    else:
        partitions = [asset_graph.get(key).partitions_def for key in asset_keys]
        partitioned = [definition for definition in partitions if definition is not None]
        tags.update(full_range_tags(partitioned[0] if partitioned else None))

    context.log.info(f"Run aangevraagd voor {', '.join(sorted(source_ids))} ({len(asset_keys)} assets).")
    return dg.RunRequest(run_key=run_key, asset_selection=asset_keys, tags=tags)
