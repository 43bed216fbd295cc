"""How the portal scales: ``featurecat docs build`` on a 10,000-feature catalog, full and
incremental, in one run.

Generates a catalog in a git repository with some history (three commits touching a share of
the features) and parquet data for every source, then measures, each as a whole process:

* a full build (no cache, no previous site): the baseline;
* a rebuild with nothing changed;
* a rebuild after one feature's description changed (committed, so its history changes too);

and prints each rebuild as a share of the full build. ``--verify`` also builds the changed
catalog from scratch into a second folder and compares every file with the incremental site.

Targets: full build under 60 s on the development machine (2 cores), no-op rebuild at most
15% of it, one-change rebuild at most 25%. Run it with::

    .venv/bin/python benchmarks/portal_scale.py            # 10,000 features
    .venv/bin/python benchmarks/portal_scale.py --features 1000 --verify
"""

from __future__ import annotations

import argparse
import filecmp
import os
import random
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

WORK = Path(__file__).resolve().parent / ".work" / "portal_scale"
TEAMS = 20
ENTITIES = 5
FEATURES_PER_SOURCE = 200
ROWS_PER_SOURCE = 2_000
TAGS = 40
FEATURES_PER_MODEL = 25
DTYPES = ["int64", "float64", "bool", "string", "float32", "int32"]
WORDS = [
    "count", "sum", "mean", "share", "rate", "window", "days", "orders", "sessions", "payments",
    "refunds", "users", "merchants", "checkout", "latest", "rolling", "completed", "active",
    "weekly", "monthly", "snapshot", "null", "when", "missing", "value",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the generated catalog")
    parser.add_argument("--verify", action="store_true", help="compare with a clean build")
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    started = time.perf_counter()
    catalog = generate(WORK / "repo", args.features)
    print(f"generated {args.features:,} features in {time.perf_counter() - started:.1f}s")

    out = WORK / "site"
    build = [sys.executable, "-m", "featurecat", "docs", "build", "--catalog", str(catalog)]
    full = measure([*build, "--out", str(out)])
    noop = measure([*build, "--out", str(out)])
    changed = change_one_feature(WORK / "repo", catalog)
    one = measure([*build, "--out", str(out)])

    pages = sum(1 for _ in out.rglob("index.html"))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print()
    print(f"features                  {args.features:>10,}")
    print(f"pages built               {pages:>10,}")
    print(f"site size                 {size / 1e6:>10.1f} MB")
    print(f"full build                {full['seconds']:>10.1f} s   peak {full['rss_mb']:,.0f} MB")
    for name, seconds in parse_phases(full["stdout"]).items():
        print(f"  {name:<22}  {seconds:>10.1f} s   {seconds / full['seconds']:6.1%}")
    for label, run, target in (("no-op rebuild", noop, 0.15), (f"{changed} changed", one, 0.25)):
        ratio = run["seconds"] / full["seconds"]
        verdict = "ok" if ratio <= target else "OVER"
        print(
            f"{label:<26}{run['seconds']:>10.1f} s   {ratio:6.1%} of full "
            f"(target <= {target:.0%}: {verdict})"
        )
        for line in run["stdout"].splitlines():
            if re.match(r"^  (pages|mkdocs) ", line):
                print(f"    {line.strip()}")
    print(f"full build under 60 s     {'yes' if full['seconds'] < 60 else 'NO':>10}")
    if args.verify:
        clean = WORK / "clean"
        shutil.rmtree(catalog / ".featurecat", ignore_errors=True)
        measure([*build, "--out", str(clean)])
        different = compare(out, clean)
        print(f"incremental == clean      {'yes' if not different else 'NO: ' + different[0]:>10}")
    if not args.keep:
        shutil.rmtree(WORK, ignore_errors=True)


def change_one_feature(repo: Path, catalog: Path) -> str:
    """Edit one feature's description and commit it; returns what changed, for the report."""
    path = next(catalog.glob("features/*/feature_00042.yaml"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("description: ", "description: Reworded. ", 1), encoding="utf-8")
    commit(repo, "Reword feature_00042", "2025-05-01T10:00:00+00:00")
    return "one feature"


def compare(a: Path, b: Path) -> list[str]:
    """Files that differ between two sites (the build stamp aside)."""
    found = []
    names = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    for name in sorted(names - {Path(".featurecat-site")}):
        if not (a / name).is_file() or not (b / name).is_file():
            found.append(f"{name} is missing on one side")
        elif not filecmp.cmp(a / name, b / name, shallow=False):
            found.append(f"{name} differs")
    return found


def measure(command: list[str], env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``command`` as its own process: wall time, peak resident memory, output."""
    probe = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(done.stdout)\n"
        "sys.stderr.write(done.stderr)\n"
        "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print('\\nmaxrss', rss, file=sys.stderr)\n"
        "sys.exit(done.returncode)\n"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", probe, *command],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    rss_kb = int(re.findall(r"maxrss (\d+)", done.stderr)[-1])
    return {"seconds": seconds, "rss_mb": rss_kb / 1024, "stdout": done.stdout}


def parse_phases(output: str) -> dict[str, float]:
    return {m[1]: float(m[2]) for m in re.finditer(r"^  (\w+)\s.*?([\d.]+)s$", output, re.M)}


# --- the generated catalog -------------------------------------------------------------------


def generate(repo: Path, features: int) -> Path:
    rng = random.Random(7)
    catalog = repo / "catalog"
    repo.parent.mkdir(parents=True, exist_ok=True)
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    write(catalog / "featurecat.yaml", "name: scale\ndescription: A generated catalog.\n")
    for t in range(TEAMS):
        write(catalog / f"teams/team_{t}.yaml", f"name: team_{t}\ndescription: Team {t}.\n")
    for e in range(ENTITIES):
        write(
            catalog / f"entities/entity_{e}.yaml",
            f"name: entity_{e}\ndescription: Entity {e}.\njoin_keys: [entity_{e}_id]\n",
        )
    sources = max(1, -(-features // FEATURES_PER_SOURCE))
    names: list[str] = []
    for s in range(sources):
        entity = s % ENTITIES
        columns = list(range(s * FEATURES_PER_SOURCE, min(features, (s + 1) * FEATURES_PER_SOURCE)))
        write(
            catalog / f"sources/source_{s}.yaml",
            f"name: source_{s}\ndescription: Source {s}.\nowner: team_{s % TEAMS}\n"
            f"entity: entity_{entity}\npath: source_{s}.parquet\n",
        )
        write_data(catalog / "data" / f"source_{s}.parquet", entity, columns, rng)
        for i in columns:
            name = f"feature_{i:05d}"
            names.append(name)
            tags = sorted({f"tag_{rng.randrange(TAGS)}" for _ in range(2)})
            description = " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 40)))
            write(
                catalog / f"features/area_{s % 10}/{name}.yaml",
                textwrap.dedent(f"""\
                    name: {name}
                    description: {description.capitalize()}.
                    owner: team_{i % TEAMS}
                    source: source_{s}
                    column: c_{i}
                    dtype: {DTYPES[i % len(DTYPES)]}
                    status: {"production" if i % 5 else "draft"}
                    tags: [{", ".join(tags)}]
                    """),
            )
    per_entity = [[n for n in names if int(n[8:]) // FEATURES_PER_SOURCE % ENTITIES == e]
                  for e in range(ENTITIES)]  # fmt: skip
    for m in range(max(1, features // 50)):
        pool = [p for p in per_entity if p][m % sum(1 for p in per_entity if p)]
        used = rng.sample(pool, min(FEATURES_PER_MODEL, len(pool)))
        write(
            catalog / f"models/model_{m}.yaml",
            f"name: model_{m}\ndescription: Model {m}.\nowner: team_{m % TEAMS}\n"
            f"features: [{', '.join(used)}]\n",
        )
    commit(repo, "Add the catalog", "2025-01-01T10:00:00+00:00")
    for round_, share in ((1, 10), (2, 25)):
        for name in names[::share]:
            path = next(catalog.glob(f"features/*/{name}.yaml"))
            path.write_text(
                path.read_text().replace("status: draft", "status: production")
                + f"ttl: {round_ * 7}d\n" * (round_ == 1),
                encoding="utf-8",
            )
        commit(repo, f"Update features, round {round_}", f"2025-0{round_ + 1}-01T10:00:00+00:00")
    return catalog


def write_data(path: Path, entity: int, columns: list[int], rng: random.Random) -> None:
    generator = np.random.default_rng(rng.randrange(1 << 30))
    n = ROWS_PER_SOURCE
    data = {
        f"entity_{entity}_id": generator.integers(1, 500, n),
        "event_timestamp": pa.array(
            np.datetime64("2025-01-01") + generator.integers(0, 180 * 86400, n).astype("m8[s]"),
            pa.timestamp("us", tz="UTC"),
        ),
    }
    for i in columns:
        dtype = DTYPES[i % len(DTYPES)]
        if dtype in ("int64", "int32"):
            values = generator.integers(0, 1000, n).astype(dtype)
        elif dtype in ("float64", "float32"):
            values = generator.normal(50, 15, n).astype(dtype)
        elif dtype == "bool":
            values = generator.random(n) < 0.3
        else:
            values = np.array(["alpha", "beta", "gamma", "delta", "omega"])[
                generator.integers(0, 5, n)
            ]
        data[f"c_{i}"] = values
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(data), path)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def commit(repo: Path, message: str, date: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date,
           "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}  # fmt: skip
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True, capture_output=True)
    subprocess.run(["git", "commit", "-q", "-m", message], cwd=repo, check=True, env=env,
                   capture_output=True)  # fmt: skip


if __name__ == "__main__":
    main()
