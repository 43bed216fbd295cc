"""Writers in other processes, killed writers, readers racing them: nothing lost, nothing leaked.

Crashes are real: a child process runs the public API and is stopped with SIGKILL (or held
still) at the moment it is about to rename a file onto a given path, so each test hits one
exact point of a write; the stress test at the bottom hits random ones.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import featurecat
from benchmarks.write_stress import run
from featurecat.errors import UsageError
from tests.retrieval.cases import entities, profile_repo
from tests.support import cli, git

CHILD = """
import os, signal, sys, time
from pathlib import Path
import pandas as pd
import featurecat

where, action, flags, root = sys.argv[1:5]
rename = os.replace

def trap(src, dst, *args, **kwargs):
    if where and os.fspath(dst).endswith(where):
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        Path(flags, "paused").touch()
        while not Path(flags, "resume").exists():
            time.sleep(0.005)
    return rename(src, dst, *args, **kwargs)

os.replace = trap
stamp = pd.to_datetime(["2025-03-01"], utc=True)
"""
APPEND_7 = (
    "featurecat.update_feature('user_age', pd.DataFrame({'user_id': [7], "
    "'event_timestamp': stamp, 'user_age': [70]}), catalog=root)"
)


def register_call(branch: str | None = None) -> str:
    """register_feature of tenure_days with two rows, as code for a child process."""
    return (
        "featurecat.register_feature('tenure_days', pd.DataFrame({'user_id': [1, 2], "
        "'event_timestamp': list(stamp) * 2, 'tenure_days': [5, 6]}), catalog=root, "
        f"owner='growth', entity='user', description='Days since signup.', branch={branch!r})"
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return profile_repo(tmp_path)


def child(root: Path, call: str, where: str, action: str) -> subprocess.Popen[bytes]:
    """A process making ``call``, stopped (``kill``) or held (``pause``) as it is about to
    rename a file onto a path ending with ``where`` (never, when ``where`` is empty)."""
    flags = root.parent.parent / "flags"
    flags.mkdir(exist_ok=True)
    args = [sys.executable, "-c", CHILD + call, where, action, str(flags), str(root)]
    return subprocess.Popen(args, cwd=Path(__file__).parents[2], stderr=subprocess.PIPE)


def killed(root: Path, call: str, where: str = "") -> None:
    proc = child(root, call, where, "kill")
    _, err = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, err.decode()


Start = Callable[[str, str], "subprocess.Popen[bytes]"]


@pytest.fixture
def paused(root: Path) -> Iterator[Start]:
    """Start a call held still just before its rename onto ``where``; resume it on exit."""
    procs: list[subprocess.Popen[bytes]] = []
    flags = root.parent.parent / "flags"

    def start(call: str, where: str) -> subprocess.Popen[bytes]:
        proc = child(root, call, where, "pause")
        procs.append(proc)
        while not (flags / "paused").exists():
            assert proc.poll() is None, proc.communicate()[1].decode()
            time.sleep(0.005)
        return proc

    yield start
    (flags / "resume").touch()
    for proc in procs:
        proc.wait()


def leftovers(root: Path) -> list[str]:
    """Temporary files and backups anywhere in the repository's working tree."""
    repo = root.parent
    return sorted(
        p.relative_to(repo).as_posix()
        for p in repo.rglob(".*")
        if p.is_file() and p.suffix in (".tmp", ".bak") and ".git" not in p.parts
    )


def ages(root: Path, *users: int) -> list[object]:
    frame = entities(user_id=list(users), event_timestamp=["2025-06-01"] * len(users))
    values = featurecat.load_features(["user_age"], frame, root)["user_age"]
    return [None if pd.isna(v) else v for v in values]


def append(root: Path, user: int, age: int) -> None:
    frame = entities(user_id=[user], event_timestamp=["2025-03-01"], user_age=[age])
    featurecat.update_feature("user_age", frame, catalog=root)


def in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``call`` in a thread; the list gets its result or the exception it raised."""
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(call())
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


# 1. Lost appends


def test_an_append_waits_for_a_slower_one_and_builds_on_it(root: Path, paused: Start) -> None:
    # The other process has read the data and is about to swap in its version of the file.
    slow = paused(APPEND_7, "data/user_profile.parquet")
    thread, outcome = in_thread(lambda: append(root, 8, 80))
    thread.join(timeout=2)  # on old code it finishes here, and the slow writer overwrites it
    (root.parent.parent / "flags/resume").touch()
    thread.join()
    assert slow.wait() == 0
    assert outcome == [None]
    assert ages(root, 1, 7, 8) == [30, 70, 80]


def test_one_name_registered_at_once_by_two_processes_is_refused_once(
    root: Path, paused: Start
) -> None:
    first = paused(register_call(), "data/tenure_days.parquet")
    thread, outcome = in_thread(
        lambda: featurecat.register_feature(
            "tenure_days",
            entities(user_id=[3], event_timestamp=["2025-01-01"], tenure_days=[9]),
            catalog=root,
            owner="growth",
            entity="user",
            description="Days since signup, again.",
        )
    )
    thread.join(timeout=2)
    (root.parent.parent / "flags/resume").touch()
    thread.join()
    assert first.wait() == 0
    assert len(outcome) == 1 and isinstance(outcome[0], UsageError), outcome
    assert "feature 'tenure_days' already exists" in str(outcome[0])
    values = featurecat.get_feature("tenure_days", catalog=root)
    assert values["tenure_days"].tolist() == [5, 6]  # the first writer's data, whole


def test_a_writer_held_up_too_long_gets_an_error_not_a_hang(
    root: Path, paused: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    from featurecat.writes import lock

    monkeypatch.setattr(lock, "LOCK_TIMEOUT_SECONDS", 0.2)
    holder = paused(APPEND_7, "data/user_profile.parquet")
    with pytest.raises(UsageError, match=f"another featurecat write \\(process {holder.pid}\\)"):
        append(root, 8, 80)


# 2. A window with no data file


def test_a_kill_while_swapping_the_data_file_leaves_the_old_data(root: Path) -> None:
    killed(root, APPEND_7, "data/user_profile.parquet")
    # Readers find the old data, whole; nothing needs the dead writer's lock or files.
    assert featurecat.get_feature("user_age", catalog=root)["user_age"].tolist() == [30, 40]
    assert cli("validate", "--catalog", root, "--check-data").exit_code == 0
    # The next write cleans up after it (its temporary file too) and goes through.
    append(root, 8, 80)
    assert ages(root, 1, 7, 8) == [30, None, 80]
    assert leftovers(root) == []


@pytest.mark.slow
def test_temporary_files_of_killed_writers_do_not_pile_up(root: Path) -> None:
    for _ in range(3):
        killed(root, APPEND_7, "data/user_profile.parquet")
    append(root, 8, 80)
    assert leftovers(root) == []
    assert git(root.parent, "status", "--porcelain") == "M catalog/data/user_profile.parquet"


def test_readers_get_whole_data_while_other_processes_swap_it(root: Path) -> None:
    # Two versions of the data file of different sizes, swapped in again and again by another
    # process the way writers do it: written aside, then renamed over the file.
    versions = []
    for token, rows in ((1, 3000), (2, 5000)):
        path = root.parent.parent / f"version-{token}.parquet"
        pq.write_table(
            pa.table(
                {
                    "user_id": pa.array(range(rows), pa.int64()),
                    "event_timestamp": pa.array([0] * rows, pa.timestamp("us", tz="UTC")),
                    "user_age": pa.array([token] * rows, pa.int64()),
                    "country": pa.array(["se"] * rows),
                }
            ),
            path,
        )
        versions.append(str(path))
    stop = root.parent.parent / "stop"
    target = root / "data/user_profile.parquet"
    shutil.copyfile(versions[0], target)
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(target), str(stop), *versions])
    labels = entities(user_id=[0, 2999, 4999], event_timestamp=["2025-01-01"] * 3)
    try:
        latest: Counter[tuple[int, frozenset[int]]] = Counter()
        joined: Counter[tuple[object, ...]] = Counter()
        for _ in range(15):  # on old code, half of these reads failed
            values = featurecat.get_feature("user_age", catalog=root)["user_age"]
            latest[(len(values), frozenset(values))] += 1
            loaded = featurecat.load_features(["user_age"], labels, root)["user_age"]
            joined[tuple(None if pd.isna(v) else v for v in loaded)] += 1
    finally:
        stop.touch()
        swapper.wait()
    assert set(latest) <= {(3000, frozenset([1])), (5000, frozenset([2]))}, latest
    assert set(joined) <= {(1, 1, None), (2, 2, 2)}, joined


SWAPPER = """
import os, shutil, sys, time
target, stop, *versions = sys.argv[1:]
while not os.path.exists(stop):
    for version in versions:
        shutil.copyfile(version, target + ".swap")
        os.replace(target + ".swap", target)
        time.sleep(0.002)
"""


# 3. register_feature is all or nothing


@pytest.mark.parametrize(
    "where",
    ["data/tenure_days.parquet", "sources/tenure_days.yaml", "features/user/tenure_days.yaml"],
)
def test_a_register_killed_between_its_files_can_be_retried(root: Path, where: str) -> None:
    killed(root, register_call(), where)
    # Whatever part of it is there, the catalog is valid: a source comes before its feature.
    assert cli("validate", "--catalog", root, "--check-data").exit_code == 0
    feature = featurecat.register_feature(
        "tenure_days",
        entities(user_id=[1, 2], event_timestamp=["2025-03-01"] * 2, tenure_days=[5, 6]),
        catalog=root,
        owner="growth",
        entity="user",
        description="Days since signup.",
    )
    assert feature.source == "tenure_days"
    assert featurecat.get_feature("tenure_days", catalog=root)["tenure_days"].tolist() == [5, 6]
    assert leftovers(root) == []


def test_the_next_write_rolls_a_killed_register_back(root: Path) -> None:
    killed(root, register_call(), "features/user/tenure_days.yaml")
    append(root, 8, 80)  # any write settles what the killed one left
    assert git(root.parent, "status", "--porcelain") == "M catalog/data/user_profile.parquet"
    assert leftovers(root) == []


# 12. branch=: the working copy ends on the new branch, and a crash there is settled too


def hook(repo: Path, exit_code: int) -> None:
    """A pre-commit hook that SIGKILLs the Python process running git, mid-commit."""
    path = repo / ".git/hooks/pre-commit"
    path.write_text(
        f"#!/bin/sh\nkill -9 \"$(awk '{{print $4}}' /proc/$PPID/stat)\"\nexit {exit_code}\n"
    )
    path.chmod(0o755)


def wait_for_git(repo: Path) -> None:
    # git itself outlives the killed writer for a moment, holding its index lock.
    while (repo / ".git/index.lock").exists():
        time.sleep(0.01)
    (repo / ".git/hooks/pre-commit").unlink()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the hook reads /proc")
def test_a_branch_write_killed_before_its_commit_is_undone(root: Path) -> None:
    repo = root.parent
    hook(repo, exit_code=1)
    killed(root, register_call("features/tenure"))  # by the hook
    wait_for_git(repo)
    append(root, 8, 80)
    assert git(repo, "branch", "--show-current") == "main"
    assert "features/tenure" not in git(repo, "branch")
    assert git(repo, "status", "--porcelain") == "M catalog/data/user_profile.parquet"
    assert leftovers(root) == []


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="the hook reads /proc")
def test_a_branch_write_killed_after_its_commit_is_kept(root: Path) -> None:
    repo = root.parent
    hook(repo, exit_code=0)
    killed(root, register_call("features/tenure"))  # by the hook
    wait_for_git(repo)
    append(root, 8, 80)
    assert git(repo, "branch", "--show-current") == "features/tenure"
    assert git(repo, "show", "--name-only", "--format=", "features/tenure").splitlines() == [
        "catalog/data/tenure_days.parquet",
        "catalog/features/user/tenure_days.yaml",
        "catalog/sources/tenure_days.yaml",
    ]
    assert featurecat.get_feature("tenure_days", catalog=root)["tenure_days"].tolist() == [5, 6]
    assert leftovers(root) == []


# Everything at once: real processes, SIGKILLs at random moments, a reader racing them


@pytest.mark.slow
def test_writers_readers_and_kills_lose_nothing(tmp_path: Path) -> None:
    # The long run: python benchmarks/write_stress.py --rounds 200
    result = run(tmp_path, rounds=20, writers=2, kill_rate=0.5, seed=20_250_601, rows=20_000)
    assert result.ok, result.summary()
    assert result.kills > 0 and result.reader_calls > 0, result.summary()
    assert result.acknowledged["append"] > 0 and result.acknowledged["register"] > 0
    assert result.refused > 0  # contested registers: one writer lost, and was told so
