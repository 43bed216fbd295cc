"""Shared helpers for the benchmark scripts: run a command as a whole process and measure it."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    seconds: float
    peak_mib: float
    output: str = ""
    """The last run's standard output."""


def measure(cmd: list[str], cwd: Path | None = None, repeat: int = 3) -> Run:
    """Median wall time and the largest peak RSS of ``cmd`` over ``repeat`` runs."""
    times, peaks = [], []
    output = ""
    for _ in range(repeat):
        # Files, not pipes: a chatty child can never block on a full pipe while we wait.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            times.append(time.perf_counter() - start)
            peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
            proc.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            output = out.read().decode()
            stderr = err.read().decode()
        if proc.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr}")
    return Run(statistics.median(times), max(peaks), output)


def featurecat(*args: str) -> list[str]:
    return [sys.executable, "-m", "featurecat", *args]
