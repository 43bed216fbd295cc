"""Shared helpers for the benchmark scripts: run a command as a whole process and measure it."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    seconds: float
    peak_mib: float


def measure(cmd: list[str], cwd: Path | None = None, repeat: int = 3) -> Run:
    """Median wall time and the largest peak RSS of ``cmd`` over ``repeat`` runs."""
    times, peaks = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    return Run(statistics.median(times), max(peaks))


def featurecat(*args: str) -> list[str]:
    return [sys.executable, "-m", "featurecat", *args]
