"""Source files dropped in the landing folder, and which catalogue source each one updates.

Rule: a file directly in ``data/landing/`` whose name equals the file name of a catalogue
file (for example ``misdrijven_gemeente_2012_2025_long.csv.gz``) replaces that catalogue
file on the next extract. Subfolders (such as the CBS OData downloads in
``landing/<source id>/``) and files with other names are not matched.
"""

from dataclasses import replace
from pathlib import Path

from idgb_pipeline.extract.catalogue import Source, SourceFile


def landing_files(landing_dir: Path) -> list[Path]:
    """Return the regular files directly in ``landing_dir``, sorted by name, without hidden files."""
    if not landing_dir.is_dir():
        return []
    return sorted(
        path for path in landing_dir.iterdir() if path.is_file() and not path.name.startswith(".")
    )


def source_for_file_name(file_name: str, catalogue: dict[str, Source]) -> Source | None:
    """Return the catalogue source that lists a file called ``file_name``, or None."""
    for source in catalogue.values():
        if any(source_file.path.name == file_name for source_file in source.files):
            return source
    return None


def files_with_landing_copies(source: Source, landing_dir: Path) -> tuple[SourceFile, ...] | None:
    """Return the source's files with landing copies in place of same-named catalogue files.

    Returns None when no landing file matches, so the caller keeps the catalogue files.
    The period of a replaced file comes from its catalogue entry.
    """
    replaced = False
    files = []
    for source_file in source.files:
        landing_copy = landing_dir / source_file.path.name
        if landing_copy.is_file():
            files.append(replace(source_file, path=landing_copy.resolve()))
            replaced = True
        else:
            files.append(source_file)
    return tuple(files) if replaced else None
