"""How fast is ``featurecat diff`` on a 10,000-feature catalog, against ``featurecat validate``?

Builds a git repository holding a generated catalog (10,000 features over 100 sources, 50
models) and a second commit that changes 50 features, a few of them breakingly. Then times,
as whole processes and in the same run:

* ``featurecat diff --base HEAD~1 --head HEAD`` against ``featurecat validate`` of the same
  catalog (target: the diff takes at most 1.5x the validation);
* the history of every feature (``featurecat log``, one ``git log`` pass) against one plain
  ``git log --name-only`` over the same commits.

The timings run in a clone of the generated repository, as CI runs in a fresh checkout
(``actions/checkout``): a clone's objects are packed. Freshly committed loose objects
make every git read a few times slower.

Run it with ``python benchmarks/diff_scale.py [--features N] [--repeat K]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import featurecat, measure

TEAMS = 20
ENTITIES = 10
SOURCES = 100
MODELS = 50
FEATURES_PER_MODEL = 40
CHANGED = 50
BREAKING = 5
DTYPES = ("int64", "float64", "string", "bool", "int32", "float32", "timestamp")


def feature_yaml(i: int, sources: int, description: str = "", dtype: str = "") -> str:
    source = i % sources
    return (
        f"name: f{i:05d}\n"
        f"description: >-\n  Feature number {i}, read from source s{source:03d}. "
        f"{description or 'Generated for the benchmark.'}\n"
        f"owner: team{source % TEAMS:02d}\n"
        f"source: s{source:03d}\n"
        f"column: c{i:05d}\n"
        f"dtype: {dtype or DTYPES[i % len(DTYPES)]}\n"
        f"version: 1\n"
        f"status: production\n"
        f"tags: [bench, group{i % 25}]\n"
        f"ttl: {1 + i % 90}d\n"
    )


def write_catalog(root: Path, features: int) -> None:
    files: dict[str, str] = {"featurecat.yaml": "name: bench\ndescription: Benchmark.\n"}
    for t in range(TEAMS):
        files[f"teams/team{t:02d}.yaml"] = (
            f"name: team{t:02d}\ndescription: Team {t}.\ngithub: '@bench/team{t:02d}'\n"
        )
    for e in range(ENTITIES):
        files[f"entities/e{e}.yaml"] = f"name: e{e}\njoin_keys: [k{e}]\n"
    for s in range(SOURCES):
        files[f"sources/s{s:03d}.yaml"] = (
            f"name: s{s:03d}\nowner: team{s % TEAMS:02d}\nentity: e{s % ENTITIES}\n"
            f"path: s{s:03d}.parquet\n"
        )
    for i in range(features):
        files[f"features/s{i % SOURCES:03d}/f{i:05d}.yaml"] = feature_yaml(i, SOURCES)
    for m in range(MODELS):
        used = [f"f{(m * 197 + j * 251) % features:05d}" for j in range(FEATURES_PER_MODEL)]
        listed = "\n".join(f"  - {name}" for name in dict.fromkeys(used))
        files[f"models/m{m:02d}.yaml"] = (
            f"name: m{m:02d}\nowner: team{m % TEAMS:02d}\nfeatures:\n{listed}\n"
        )
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def change_features(root: Path, features: int) -> None:
    """Change CHANGED features; the first BREAKING change their dtype without a version bump."""
    step = features // CHANGED
    for n in range(CHANGED):
        i = n * step
        path = root / f"features/s{i % SOURCES:03d}/f{i:05d}.yaml"
        if n < BREAKING:
            dtype = DTYPES[(i + 1) % len(DTYPES)]
            path.write_text(feature_yaml(i, SOURCES, dtype=dtype))
        else:
            path.write_text(feature_yaml(i, SOURCES, description=f"Clarified in change {n}."))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def build_repo(repo: Path, features: int) -> Path:
    catalog = repo / "catalog"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_catalog(catalog, features)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"A catalog of {features} features")
    change_features(catalog, features)
    git(repo, "commit", "-q", "-am", f"Change {CHANGED} features, {BREAKING} breaking")
    return catalog


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    features, repeat = options.features, options.repeat
    env_home = tempfile.mkdtemp(prefix="fc-bench-home-")
    os.environ.update(
        HOME=env_home,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="Bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    with tempfile.TemporaryDirectory(prefix="fc-diff-bench-") as tmp:
        start = time.perf_counter()
        build_repo(Path(tmp, "origin"), features)
        # Measure in a clone, as CI does (actions/checkout): its objects are packed.
        repo = Path(tmp, "clone")
        git(Path(tmp), "clone", "-q", f"file://{tmp}/origin", str(repo))
        catalog = repo / "catalog"
        print(f"built a git repo with {features:,} features in {time.perf_counter() - start:.1f}s")

        validate = measure(featurecat("validate", "--catalog", str(catalog)), repo, repeat)
        diff_args = featurecat("diff", "--catalog", str(catalog), "--base", "HEAD~1")
        diff = measure([*diff_args, "--head", "HEAD", "--format", "json"], repo, repeat)
        # CI's form: the head is the checked-out working tree (here equal to HEAD).
        diff_worktree = measure([*diff_args, "--format", "json"], repo, repeat)
        print(f"validate                           {validate.seconds:7.3f}s")
        print(
            f"diff --base HEAD~1 --head HEAD     {diff.seconds:7.3f}s   "
            f"ratio {diff.seconds / validate.seconds:.2f}x (target <= 1.5x)"
        )
        print(
            f"diff --base HEAD~1 (working tree)  {diff_worktree.seconds:7.3f}s   "
            f"ratio {diff_worktree.seconds / validate.seconds:.2f}x"
        )
        print(f"peak memory: validate {validate.peak_mib:.0f} MiB, diff {diff.peak_mib:.0f} MiB")

        git_log = measure(["git", "log", "--name-only", "--", "catalog"], repo, repeat).seconds
        history = measure(featurecat("log", "--catalog", str(catalog)), repo, repeat).seconds
        startup = measure(featurecat("--version"), repo, repeat).seconds
        in_process = statistics.median(history_seconds(catalog, features) for _ in range(repeat))
        print(f"git log --name-only                {git_log:7.3f}s")
        print(
            f"featurecat log (all history)       {history:7.3f}s   "
            f"ratio {history / git_log:.1f}x, of which start-up {startup:.3f}s"
        )
        print(
            f"read_history() in-process          {in_process:7.3f}s   "
            f"ratio {in_process / git_log:.1f}x"
        )


def history_seconds(catalog: Path, features: int) -> float:
    """Seconds to read every definition's history in this process (no start-up)."""
    from featurecat.history import read_history

    start = time.perf_counter()
    history = read_history(catalog)
    elapsed = time.perf_counter() - start
    assert sum(1 for kind, _ in history.changes if kind.value == "feature") == features
    return elapsed


if __name__ == "__main__":
    main()
