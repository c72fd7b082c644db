"""Run a command and measure its wall time and the peak memory of its whole process tree.

The resident set size (RSS) of the process and all its descendants is summed from
``/proc`` every ``interval`` seconds, so a peak shorter than the interval can be
missed. ``ru_maxrss`` of the children is reported as well: Linux gives there the
largest RSS of any single descendant, which is a lower bound of the tree's peak.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measurement:
    """Outcome of one measured command."""

    returncode: int
    seconds: float
    peak_tree_rss_bytes: int
    max_single_rss_bytes: int


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return children


def tree_rss_bytes(root: int) -> int:
    """Return the summed RSS of ``root`` and every descendant that still exists."""
    total = 0
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        total += resident_pages * PAGE_BYTES
        pending.extend(_children(pid))
    return total


def run_measured(command: list[str], env: dict[str, str], log_path: Path, interval: float = 0.2) -> Measurement:
    """Run ``command`` with its output in ``log_path`` and sample its tree's memory."""
    peak = 0
    done = threading.Event()
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, tree_rss_bytes(process.pid))
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux and covers every child waited for so far.
    single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return Measurement(returncode, seconds, peak, single)
