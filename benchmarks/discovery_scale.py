"""How fast are ``featurecat search``, ``list`` and ``show`` on a big, unchanged catalog?

Each command runs cold (an empty cache folder: a full parse and check, then the cache is
written) and warm (the same command again, answered from the discovery cache), as whole
processes, on the catalog of ``validate_scale.py``. Baselines, measured in the same run: the
cold command (the ratio warm / cold), and the start of any command (``featurecat --help``:
the interpreter and the CLI's imports; the ratio warm / start).

Then ``featurecat validate`` on the same catalog against the parse floor of
``validate_scale.py`` (read, ``yaml.CSafeLoader``, a minimal pydantic model; no line tracking,
no cross-file checks), both measured in this run. The ratio is validate / floor.

    python benchmarks/discovery_scale.py [--size 100000] [--repeat 3]

Wall time is what users wait; CPU time (user + system, of the process and its children) is
printed too, because on a shared machine wall time also measures the neighbours.

Targets: at 100,000 features every warm command answers in under 1 s, and validate takes at
most 1.5x the floor. The load average is printed before and after: on a busy machine, wall
time is not the command's alone.
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
from validate_scale import FLOOR, generate

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
        print(f"{args.size:,} features; load average {_load()}")
        start = measure(featurecat("--help"), args.repeat)
        print(f"start (featurecat --help): {start.wall:.3f} s wall, {start.cpu:.3f} s CPU\n")
        print(
            f"{'command':>8} {'cold s':>7} {'warm s':>7} {'ratio':>6} {'cold cpu':>8} "
            f"{'warm cpu':>8} {'ratio':>6} {'cold MiB':>8} {'warm MiB':>8} {'/start':>6} "
            f"{'< 1 s':>5}"
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
                f"{cold.peak_mib:>8.0f} {warm.peak_mib:>8.0f} {warm.wall / start.wall:>6.1f} "
                f"{'ok' if warm.wall < 1 else 'OVER':>5}"
            )
        floor_script = Path(tmp) / "floor.py"
        floor_script.write_text(FLOOR)
        floor = measure([sys.executable, str(floor_script), str(root)], args.repeat)
        ours = measure(featurecat("validate", "--catalog", str(root)), args.repeat)
        print(
            f"\n{'':>8} {'floor s':>7} {'ours s':>7} {'ratio':>6} {'floor cpu':>9} "
            f"{'ours cpu':>8} {'ratio':>6} {'floor MiB':>9} {'ours MiB':>8}"
        )
        print(
            f"{'validate':>8} {floor.wall:>7.2f} {ours.wall:>7.2f} {ours.wall / floor.wall:>6.2f} "
            f"{floor.cpu:>9.2f} {ours.cpu:>8.2f} {ours.cpu / floor.cpu:>6.2f} "
            f"{floor.peak_mib:>9.0f} {ours.peak_mib:>8.0f}"
        )
        print(f"\nload average {_load()}")


def _load() -> str:
    """The 1, 5 and 15 minute load averages, or "unknown" where the system has none."""
    try:
        return ", ".join(f"{n:.2f}" for n in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
