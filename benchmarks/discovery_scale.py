"""How fast are ``featurecat search``, ``list`` and ``show`` on a big, unchanged catalog?

Each command runs cold (an empty cache folder: a full parse and check, then the cache is
written) and warm (the same command again, answered from the discovery cache), as whole
processes, on the catalog of ``validate_scale.py``. Baseline, measured in the same run: the
cold command. The ratio is warm / cold.

    python benchmarks/discovery_scale.py [--size 100000] [--repeat 3]

Wall time is what users wait; CPU time (user + system, of the process and its children) is
printed too, because on a shared machine wall time also measures the neighbours.

Target: at 100,000 features every warm command answers in under 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import featurecat
from validate_scale import generate

COMMANDS = {
    "search": ("search", "team_3"),
    "list": ("list", "--owner", "team_3"),
    "show": ("show", "feature_77"),
}


@dataclass
class Timing:
    wall: float
    cpu: float
    peak_mib: float
    output: str


def measure(cmd: list[str], repeat: int) -> Timing:
    """Median wall and CPU seconds and the largest peak RSS of ``cmd`` over ``repeat`` runs."""
    walls, cpus, peaks, output = [], [], [], ""
    for _ in range(repeat):
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            walls.append(time.perf_counter() - start)
            cpus.append(usage.ru_utime + usage.ru_stime)
            peaks.append(usage.ru_maxrss / 1024)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"{' '.join(cmd)} failed")
            out.seek(0)
            output = out.read().decode()
    return Timing(statistics.median(walls), statistics.median(cpus), max(peaks), output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "catalog"
        generate(root, args.size)
        cache = Path(tmp) / "cache"
        os.environ["XDG_CACHE_HOME"] = str(cache)
        print(f"{args.size:,} features")
        print(
            f"{'command':>8} {'cold s':>7} {'warm s':>7} {'ratio':>6} {'cold cpu':>8} "
            f"{'warm cpu':>8} {'ratio':>6} {'cold MiB':>8} {'warm MiB':>8}"
        )
        for name, command in COMMANDS.items():
            shutil.rmtree(cache, ignore_errors=True)
            cmd = featurecat(*command, "--catalog", str(root))
            cold = measure(cmd, repeat=1)
            warm = measure(cmd, repeat=args.repeat)
            if warm.output != cold.output:
                sys.exit(f"{name}: the warm answer differs from the cold one")
            print(
                f"{name:>8} {cold.wall:>7.2f} {warm.wall:>7.2f} {warm.wall / cold.wall:>6.3f} "
                f"{cold.cpu:>8.2f} {warm.cpu:>8.2f} {warm.cpu / cold.cpu:>6.3f} "
                f"{cold.peak_mib:>8.0f} {warm.peak_mib:>8.0f}"
            )


if __name__ == "__main__":
    main()
