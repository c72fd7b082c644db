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
from dataclasses import dataclass, field
from pathlib import Path

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measurement:
    """Outcome of one measured command."""

    returncode: int
    seconds: float
    peak_tree_rss_bytes: int
    max_single_rss_bytes: int
    # RSS per process at the sample where the tree peaked, by "pid command".
    peak_composition: dict[str, int] = field(default_factory=dict)


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return children


def _command_label(pid: int) -> str:
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return str(pid)
    words = [Path(argument.decode(errors="replace")).name for argument in arguments[:3] if argument]
    return f"{pid} {' '.join(words)}"


def tree_rss_by_process(root: int) -> dict[int, int]:
    """Return the RSS in bytes of ``root`` and of every descendant that still exists, by pid."""
    sizes = {}
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            resident_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        sizes[pid] = resident_pages * PAGE_BYTES
        pending.extend(_children(pid))
    return sizes


def run_measured(command: list[str], env: dict[str, str], log_path: Path, interval: float = 0.2) -> Measurement:
    """Run ``command`` with its output in ``log_path`` and sample its tree's memory."""
    peak = 0
    composition: dict[str, int] = {}
    done = threading.Event()
    started = time.perf_counter()
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)

        def sample() -> None:
            nonlocal peak, composition
            while not done.is_set():
                sizes = tree_rss_by_process(process.pid)
                if sum(sizes.values()) > peak:
                    peak = sum(sizes.values())
                    composition = {_command_label(pid): size for pid, size in sizes.items()}
                done.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        done.set()
        sampler.join()
    seconds = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux and covers every child waited for so far.
    single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return Measurement(returncode, seconds, peak, single, composition)
