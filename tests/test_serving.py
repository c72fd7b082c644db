"""The serving copy for BI tools: content, atomic replacement, idempotence and snapshots."""

import datetime as dt
import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from idgb_pipeline import settings
from idgb_pipeline.cli import main
from idgb_pipeline.extract.loader import file_sha256
from idgb_pipeline.resources import WarehouseResource
from idgb_pipeline.serving.assets import build_serving_asset
from idgb_pipeline.serving.publish import ServingError, publish_serving, serving_dir

PEILDATUM = dt.date(2026, 12, 1)

# Reads the serving copy in a loop until the stop file appears; one JSON line per read.
READER = """
import json, sys, time
from pathlib import Path
import duckdb

serving, stop, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
with out.open("w") as log:
    while not stop.exists():
        try:
            with duckdb.connect(str(serving / "warehouse.duckdb"), read_only=True) as connection:
                regions, facts = connection.execute(
                    "select (select count(*) from marts.dim_region), (select count(*) from marts.fct_indicator_value)"
                ).fetchone()
            parquet = duckdb.execute(
                f"select count(*) from read_parquet('{serving}/parquet/marts/dim_region.parquet')"
            ).fetchone()[0]
            log.write(json.dumps({"db": [regions, facts], "parquet": parquet}) + "\\n")
        except Exception as error:
            log.write(json.dumps({"fout": repr(error)}) + "\\n")
        log.flush()
"""

# Publishes in a separate process, so the test can kill it midway.
PUBLISHER = """
import sys
from pathlib import Path
from idgb_pipeline.serving.publish import publish_serving

publish_serving(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def _tables(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as connection:
        names = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('marts', 'analysis') order by 1, 2"
        ).fetchall()
        return {
            f"{schema}.{table}": connection.execute(f'select count(*) from {schema}."{table}"').fetchone()[0]
            for schema, table in names
        }


def _counts(database: Path) -> tuple[int, int]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.execute(
            "select (select count(*) from marts.dim_region), (select count(*) from marts.fct_indicator_value)"
        ).fetchone()


def _parquet_digests(serving: Path) -> dict[str, str]:
    return {
        str(path.relative_to(serving)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((serving / "parquet").glob("*/*.parquet"))
    }


@pytest.fixture
def warehouse_copy(full_run, tmp_path) -> Path:
    """A writable copy of the session warehouse, so a test can change it."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(full_run["warehouse"], copy)
    return copy


@pytest.fixture(scope="module")
def published(full_run, tmp_path_factory) -> tuple[Path, dict]:
    serving = tmp_path_factory.mktemp("serving")
    return serving, publish_serving(full_run["warehouse"], serving, PEILDATUM)


def test_publish_copies_every_table(full_run, published):
    serving, _ = published
    expected = _tables(full_run["warehouse"])

    assert "marts.fct_indicator_value" in expected
    assert "analysis.model_factor_influence" in expected
    assert _tables(serving / "warehouse.duckdb") == expected
    for name, rows in expected.items():
        schema, table = name.split(".")
        parquet = serving / "parquet" / schema / f"{table}.parquet"
        assert duckdb.execute(f"select count(*) from read_parquet('{parquet}')").fetchone()[0] == rows, name


def test_publish_writes_manifest(full_run, published):
    serving, manifest = published
    on_disk = json.loads((serving / "manifest.json").read_text(encoding="utf-8"))
    crime_seed = settings.SEEDS_DIR / "cbs" / "waarden" / "misdrijven_gemeente_2012_2025_long.csv.gz"

    assert on_disk == manifest
    assert manifest["peildatum"] == "2026-12-01"
    assert manifest["tabellen"]["marts.dim_region"] == {"rijen": 18100, "parquet": "parquet/marts/dim_region.parquet"}
    assert manifest["tabellen"].keys() == _tables(full_run["warehouse"]).keys()
    assert manifest["dataversies"]["misdrijven_gemeente"] == {crime_seed.name: file_sha256(crime_seed)}
    assert len(manifest["dataversies"]) == 12


def test_serving_file_is_readable_read_only(published):
    serving, _ = published

    with duckdb.connect(str(serving / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute("select count(*) from marts.dim_region").fetchone()[0] == 18100
    assert not list(serving.glob(".*.tmp"))
    assert not list(serving.glob("*.wal"))


def test_publish_is_idempotent(full_run, tmp_path):
    serving = tmp_path / "serving"
    first = publish_serving(full_run["warehouse"], serving, PEILDATUM)
    first_digests = _parquet_digests(serving)
    second = publish_serving(full_run["warehouse"], serving, PEILDATUM)

    assert _parquet_digests(serving) == first_digests
    assert second["tabellen"] == first["tabellen"]
    assert second["dataversies"] == first["dataversies"]


def test_publish_rejects_missing_warehouse(tmp_path):
    with pytest.raises(ServingError, match="Warehouse niet gevonden"):
        publish_serving(tmp_path / "geen.duckdb", tmp_path / "serving")


def test_readers_never_see_partial_copy(warehouse_copy, tmp_path):
    serving = tmp_path / "serving"
    publish_serving(warehouse_copy, serving)
    versions = [_counts(serving / "warehouse.duckdb")]
    stop, out = tmp_path / "stop", tmp_path / "reads.jsonl"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(serving), str(stop), str(out)])
    try:
        time.sleep(1.0)
        for cutoff in ("GM0500", "GM0300"):
            with duckdb.connect(str(warehouse_copy)) as connection:
                connection.execute("delete from marts.fct_indicator_value where region_code >= ?", [cutoff])
                connection.execute("delete from marts.dim_region where region_code >= ?", [cutoff])
            publish_serving(warehouse_copy, serving)
            versions.append(_counts(serving / "warehouse.duckdb"))
            time.sleep(0.5)
    finally:
        stop.touch()
        reader.wait(timeout=60)
    reads = [json.loads(line) for line in out.read_text().splitlines()]

    assert len(set(versions)) == 3
    assert [read for read in reads if "fout" in read] == []
    assert len(reads) > 10
    assert {tuple(read["db"]) for read in reads} <= set(versions)
    assert {read["parquet"] for read in reads} <= {regions for regions, _ in versions}
    assert tuple(reads[0]["db"]) == versions[0]
    assert tuple(reads[-1]["db"]) == versions[-1]


def test_killed_publish_keeps_previous_copy(warehouse_copy, tmp_path):
    serving = tmp_path / "serving"
    publish_serving(warehouse_copy, serving)
    before = _tables(serving / "warehouse.duckdb")
    manifest_before = (serving / "manifest.json").read_bytes()
    with duckdb.connect(str(warehouse_copy)) as connection:
        # A large table of random numbers makes the next publish take seconds, not milliseconds.
        connection.execute(
            "create table marts.zz_groot as select range as id, random() as ruis from range(20000000)"
        )

    publisher = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(warehouse_copy), str(serving)])
    deadline = time.monotonic() + 60
    while not list(serving.glob(".warehouse.duckdb.*.tmp")) and time.monotonic() < deadline:
        time.sleep(0.01)
    publisher.send_signal(signal.SIGKILL)
    publisher.wait(timeout=30)

    assert publisher.returncode == -signal.SIGKILL
    assert _tables(serving / "warehouse.duckdb") == before
    assert "marts.zz_groot" not in before
    assert (serving / "manifest.json").read_bytes() == manifest_before
    assert not (serving / "parquet" / "marts" / "zz_groot.parquet").exists()


def test_serving_asset_materialises(full_run, tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))

    result = dg.materialize(
        [build_serving_asset([])],
        resources={"warehouse": WarehouseResource(path=str(full_run["warehouse"]))},
        selection=[dg.AssetKey(["serving", "publicatie"])],
    )
    metadata = result.asset_materializations_for_node("serving__publicatie")[0].metadata

    assert result.success
    assert (serving_dir() / "warehouse.duckdb").is_file()
    assert metadata["peildatum"].value == dt.date.today().isoformat()
    assert metadata["tabellen"].value == len(_tables(full_run["warehouse"]))


def test_snapshot_cli(full_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    publish_serving(full_run["warehouse"], serving_dir(), PEILDATUM)

    code = main(["snapshot", "--peildatum", "2026-01-31"])
    snapshot = serving_dir() / "snapshots" / "2026-01-31"
    output = capsys.readouterr().out

    assert code == 0
    assert "Momentopname voor peildatum 2026-01-31 opgeslagen" in output
    assert _tables(snapshot / "warehouse.duckdb") == _tables(full_run["warehouse"])
    assert (snapshot / "parquet" / "marts" / "dim_region.parquet").is_file()
    assert json.loads((snapshot / "manifest.json").read_text())["momentopname_peildatum"] == "2026-01-31"


def test_snapshot_refuses_existing_peildatum(full_run, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    publish_serving(full_run["warehouse"], serving_dir(), PEILDATUM)
    assert main(["snapshot", "--peildatum", "2026-01-31"]) == 0
    capsys.readouterr()

    code = main(["snapshot", "--peildatum", "2026-01-31"])

    assert code == 2
    assert "Er bestaat al een momentopname voor peildatum 2026-01-31" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["31-01-2026", "2026-02-30", "gisteren", "2026-1-5"])
def test_snapshot_rejects_malformed_date(text, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))

    code = main(["snapshot", "--peildatum", text])

    assert code == 2
    assert f"Peildatum '{text}' is ongeldig. Schrijf de datum als JJJJ-MM-DD" in capsys.readouterr().err
    assert not (serving_dir() / "snapshots").exists()


def test_snapshot_needs_publication(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))

    assert main(["snapshot", "--peildatum", "2026-01-31"]) == 2
    assert "Geen publicatie gevonden" in capsys.readouterr().err
