"""Measure the pipeline on a generated national-scale data set, each figure against its baseline.

Figures, all measured in one run of this script on the same data set:
1. full refresh (``idgb run`` on an empty data folder) against DuckDB reading the same
   yearly files once with ``read_csv``;
2. a refresh after adding one more year against the full refresh;
3. loading the Dagster code location in a fresh process;
4. forecast throughput against a per-series statsmodels loop (``forecast_throughput.py``);
5. p95 of a BI point query (one indicator, one region, all years) on the serving copy,
   each query on a fresh read-only connection as a BI tool opens it;
6. peak memory of the process tree of each measured command.

Usage::

    .venv/bin/python bench/generate.py --uit /tmp/idgb-bench/x1 --schaal 1
    nice -n 10 .venv/bin/python bench/national_scale.py --set /tmp/idgb-bench/x1 --schaal 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import yaml

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

from generate import DEFAULT_SEED, SOURCE_ID, add_year  # noqa: E402 (bench is not a package)
from process_tree import Measurement, run_measured  # noqa: E402

PYTHON = sys.executable
GIB = 1024**3
TARGETS = {
    "refresh_vs_read": 3.0,
    "add_year_vs_refresh": 0.15,
    "code_location_seconds": 3.0,
    "forecast_ratio": 20.0,
    "point_query_p95_ms": 50.0,
    "peak_memory_gib": 4.0,
}
POINT_QUERY = """
    select period_year, value
    from marts.fct_indicator_value
    where indicator_code = ? and region_code = ?
    order by period_year
"""
CODE_LOCATION_SCRIPT = """
import time
started = time.perf_counter()
from idgb_pipeline.definitions import defs
repository = defs().get_repository_def()
repository.get_all_jobs()
print(time.perf_counter() - started)
"""


def child_env(catalogue: Path, data_dir: Path) -> dict[str, str]:
    """Return the environment of a pipeline process on the generated set."""
    env = {**os.environ, "IDGB_CATALOGUE": str(catalogue), "IDGB_DATA_DIR": str(data_dir)}
    # The generated set has its own copy of the suites (see generate.write_expectations).
    env["IDGB_EXPECTATIONS"] = str(catalogue.parent / "expectations")
    env["DAGSTER_HOME"] = str(data_dir / "dagster_home")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    env["GX_ANALYTICS_ENABLED"] = "false"
    env.pop("IDGB_WAREHOUSE", None)
    return env


def measure_read_once(files: list[Path], work_dir: Path) -> dict:
    """Time DuckDB reading every yearly file once into an in-memory table, in a fresh process."""
    script = (
        "import duckdb, json, sys, time\n"
        "files = json.loads(sys.argv[1])\n"
        "connection = duckdb.connect()\n"
        "started = time.perf_counter()\n"
        "connection.execute(\"create table raw_input as select * from read_csv(?, union_by_name = true, nullstr = '.')\", [files])\n"
        "seconds = time.perf_counter() - started\n"
        "print(connection.execute('select count(*) from raw_input').fetchone()[0], seconds)\n"
    )
    log = work_dir / "read_once.log"
    measurement = run_measured([PYTHON, "-c", script, json.dumps([str(path) for path in files])], dict(os.environ), log)
    rows, read_seconds = log.read_text().split()[-2:] if measurement.returncode == 0 else (None, None)
    return {
        **_measurement_dict(measurement),
        # The ratio uses the read alone, without starting Python and importing DuckDB.
        "read_seconds": float(read_seconds) if read_seconds else None,
        "rows": int(rows) if rows else None,
        "bytes": sum(path.stat().st_size for path in files),
    }


def measure_refresh(catalogue: Path, data_dir: Path, label: str) -> dict:
    """Run ``refresh_child.py`` on ``data_dir`` and return its measurement and step durations."""
    result_path = data_dir.parent / f"{label}.json"
    log = data_dir.parent / f"{label}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    measurement = run_measured([PYTHON, str(BENCH_DIR / "refresh_child.py"), str(result_path)], child_env(catalogue, data_dir), log)
    details = json.loads(result_path.read_text()) if result_path.exists() else {"success": False}
    return {**_measurement_dict(measurement), **details, "log": str(log)}


def measure_code_location(catalogue: Path, data_dir: Path, repeats: int = 3) -> dict:
    """Time a fresh process that imports the definitions and resolves every job."""
    walls, inside = [], []
    for attempt in range(repeats):
        log = data_dir.parent / f"code_location_{attempt}.log"
        measurement = run_measured([PYTHON, "-c", CODE_LOCATION_SCRIPT], child_env(catalogue, data_dir), log)
        if measurement.returncode != 0:
            return {"error": log.read_text()[-2000:]}
        walls.append(measurement.seconds)
        inside.append(float(log.read_text().strip().splitlines()[-1]))
    return {"process_seconds_median": statistics.median(walls), "import_and_load_seconds_median": statistics.median(inside), "process_seconds": walls}


def measure_forecast(warehouse: Path, work_dir: Path) -> dict:
    """Run ``forecast_throughput.py`` on the warehouse and parse its ratio and accuracy."""
    log = work_dir / "forecast_throughput.log"
    measurement = run_measured([PYTHON, str(BENCH_DIR / "forecast_throughput.py"), "--warehouse", str(warehouse)], dict(os.environ), log)
    output = log.read_text()
    ratio = re.search(r"throughput ratio .*: (\d+)x", output)
    accuracy = re.search(r"MASE on the (\d+) sampled series: vectorised ([\d.]+), statsmodels ([\d.]+)", output)
    series = re.search(r"series: (\d+)", output)
    return {
        **_measurement_dict(measurement),
        "ratio": int(ratio.group(1)) if ratio else None,
        "series": int(series.group(1)) if series else None,
        "sampled_series": int(accuracy.group(1)) if accuracy else None,
        "mase_vectorised": float(accuracy.group(2)) if accuracy else None,
        "mase_statsmodels": float(accuracy.group(3)) if accuracy else None,
        "output": output,
    }


def measure_point_queries(serving_db: Path, queries: int, seed: int) -> dict:
    """Time ``queries`` point queries, each on a new read-only connection."""
    if not serving_db.is_file():
        return {"error": f"{serving_db} ontbreekt: de publicatie is niet gelukt."}
    with duckdb.connect(str(serving_db), read_only=True) as connection:
        pairs = connection.execute(
            """
            select indicator_code, region_code
            from (select distinct indicator_code, region_code from marts.fct_indicator_value)
            order by hash(indicator_code, region_code, ?)
            limit ?
            """,
            [seed, queries],
        ).fetchall()

    milliseconds, row_counts = [], []
    for indicator_code, region_code in pairs:
        started = time.perf_counter()
        with duckdb.connect(str(serving_db), read_only=True) as connection:
            rows = connection.execute(POINT_QUERY, [indicator_code, region_code]).fetchall()
        milliseconds.append((time.perf_counter() - started) * 1000)
        row_counts.append(len(rows))
    return {
        "queries": len(milliseconds),
        "p50_ms": float(np.percentile(milliseconds, 50)),
        "p95_ms": float(np.percentile(milliseconds, 95)),
        "max_ms": float(max(milliseconds)),
        "mean_rows": float(np.mean(row_counts)),
    }


def fact_counts(warehouse: Path) -> dict:
    """Return the facts in the warehouse: total, from the generated source, distinct indicators."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        total, generated, indicators, regions, years = connection.execute(
            """
            select
                count(*),
                count(*) filter (where source_id = 'kwb_kerncijfers'),
                count(distinct indicator_code) filter (where source_id = 'kwb_kerncijfers'),
                count(distinct region_code) filter (where source_id = 'kwb_kerncijfers'),
                count(distinct period_year) filter (where source_id = 'kwb_kerncijfers')
            from marts.fct_indicator_value
            """
        ).fetchone()
    return {"facts": total, "generated_facts": generated, "indicators": indicators, "regions": regions, "years": years}


def step_groups(steps: dict[str, float]) -> dict[str, float]:
    """Sum step durations per stage: extract, dbt, models, serving, other."""
    groups: dict[str, float] = {}
    for step, seconds in steps.items():
        if step.startswith("raw__"):
            group = "extract"
        elif step.startswith("dbt"):
            group = "dbt"
        elif step.startswith("analysis__"):
            group = "modellen"
        elif step.startswith("serving__"):
            group = "serving"
        else:
            group = "overig"
        groups[group] = groups.get(group, 0.0) + seconds
    return dict(sorted(groups.items(), key=lambda item: -item[1]))


def _measurement_dict(measurement: Measurement) -> dict:
    return {
        "returncode": measurement.returncode,
        "seconds": measurement.seconds,
        "peak_tree_rss_gib": measurement.peak_tree_rss_bytes / GIB,
        "max_single_process_rss_gib": measurement.max_single_rss_bytes / GIB,
        "peak_composition_gib": {
            label: round(size / GIB, 3) for label, size in measurement.peak_composition.items()
        },
    }


def machine() -> dict:
    """Describe the machine the figures were measured on."""
    memory_kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "load_average_at_start": os.getloadavg(),
    }


def print_report(result: dict) -> None:
    """Print every figure against its target, and where the time of the refresh went."""
    figures = result["figures"]
    print("\nUitkomst (doel tussen haakjes)")
    for name, value in figures.items():
        target = TARGETS[name]
        met = value is not None and (value >= target if name == "forecast_ratio" else value <= target)
        shown = "ontbreekt" if value is None else f"{value:.3f}"
        print(f"  {name:26} {shown:>10}  (doel {'≥' if name == 'forecast_ratio' else '≤'} {target})  {'gehaald' if met else 'NIET gehaald'}")
    print("\nTijd per fase van de volledige verversing (s):")
    for group, seconds in result["full_refresh"]["step_groups"].items():
        print(f"  {group:10} {seconds:8.1f}")
    print("Langste stappen:")
    for step, seconds in list(result["full_refresh"]["steps"].items())[:8]:
        print(f"  {step:40} {seconds:8.1f}")


def run(set_dir: Path, scale: int, work_dir: Path, queries: int, add_year_too: bool) -> dict:
    """Measure every figure on the generated set in ``set_dir`` and return the results."""
    catalogue = set_dir / "catalogue.yaml"
    document = yaml.safe_load(catalogue.read_text(encoding="utf-8"))
    entry = next(source for source in document["sources"] if source["id"] == SOURCE_ID)
    files = [Path(file["path"]) for file in entry["files"]]
    last_year = max(file["period"] for file in entry["files"])
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    data_dir = work_dir / "data"
    result = {"set": str(set_dir), "scale": scale, "machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    result_path = work_dir / "national_scale.json"

    def save() -> None:
        # Written after every stage, so a run that is stopped early keeps what it measured.
        result_path.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")

    print(f"1/6 DuckDB leest {len(files)} bestanden één keer …", flush=True)
    result["read_once"] = measure_read_once(files, work_dir)
    print(f"    {result['read_once']['read_seconds']:.1f} s, {result['read_once']['rows']} rijen", flush=True)

    save()
    print("2/6 volledige verversing (idgb run op een lege datamap) …", flush=True)
    result["full_refresh"] = measure_refresh(catalogue, data_dir, "full_refresh")
    result["full_refresh"]["step_groups"] = step_groups(result["full_refresh"].get("steps", {}))
    print(f"    {result['full_refresh']['seconds']:.1f} s, geslaagd: {result['full_refresh']['success']}", flush=True)
    warehouse = data_dir / "warehouse.duckdb"
    result["counts"] = fact_counts(warehouse)
    print(f"    {result['counts']}", flush=True)

    save()
    print("3/6 code location laden …", flush=True)
    result["code_location"] = measure_code_location(catalogue, data_dir)

    save()
    print("4/6 prognose-doorvoer …", flush=True)
    result["forecast"] = measure_forecast(warehouse, work_dir)

    save()
    print(f"5/6 {queries} BI-puntvragen op de servingkopie …", flush=True)
    result["point_queries"] = measure_point_queries(data_dir / "serving" / "warehouse.duckdb", queries, DEFAULT_SEED)

    save()
    if add_year_too:
        first_year = min(file["period"] for file in entry["files"])
        print(f"6/6 één jaar toevoegen ({last_year + 1}) en opnieuw verversen …", flush=True)
        catalogue_with_year = add_year(set_dir, scale, DEFAULT_SEED, first_year, last_year + 1)
        result["add_year"] = measure_refresh(catalogue_with_year, data_dir, "add_year")
        result["add_year"]["catalogue"] = str(catalogue_with_year)
        result["add_year"]["step_groups"] = step_groups(result["add_year"].get("steps", {}))
        result["counts_after_add_year"] = fact_counts(warehouse)

    measured = [result["read_once"], result["full_refresh"], result.get("add_year", {})]
    peak = max(part.get("peak_tree_rss_gib", 0.0) for part in measured)
    save()
    result["figures"] = {
        "refresh_vs_read": result["full_refresh"]["seconds"] / result["read_once"]["read_seconds"],
        "add_year_vs_refresh": result["add_year"]["seconds"] / result["full_refresh"]["seconds"] if add_year_too else None,
        "code_location_seconds": result["code_location"].get("process_seconds_median"),
        "forecast_ratio": result["forecast"]["ratio"],
        "point_query_p95_ms": result["point_queries"].get("p95_ms"),
        "peak_memory_gib": peak,
    }
    save()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="Meet de pipeline op een gegenereerde set op landelijke schaal.")
    parser.add_argument("--set", type=Path, required=True, help="map die bench/generate.py schreef")
    parser.add_argument("--schaal", type=int, choices=(1, 2, 4), default=1, help="de --schaal waarmee de set gemaakt is")
    parser.add_argument("--werkmap", type=Path, help="map voor warehouse en logboeken (standaard <set>-run; wordt eerst geleegd)")
    parser.add_argument("--vragen", type=int, default=500, help="aantal BI-puntvragen (standaard 500)")
    parser.add_argument("--zonder-extra-jaar", action="store_true", help="sla de meting met een extra jaar over")
    arguments = parser.parse_args()

    work_dir = arguments.werkmap or arguments.set.with_name(f"{arguments.set.name}-run")
    result = run(arguments.set, arguments.schaal, work_dir, arguments.vragen, not arguments.zonder_extra_jaar)
    print_report(result)
    print(f"\nResultaten: {work_dir / 'national_scale.json'}")


if __name__ == "__main__":
    main()
