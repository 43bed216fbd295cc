"""Render workers die with ``featurecat docs build``, however it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from featurecat.portal.pages import PARALLEL_MIN_FEATURES
from tests.support import commit_all, init_repo, make_catalog

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads processes from /proc"
)


def _feature(i: int) -> str:
    return (
        f"name: generated_{i:05d}\ndescription: Generated feature {i}.\nowner: growth\n"
        "source: user_profile\ncolumn: user_age\ndtype: int64\n"
    )


def _stat(pid: int) -> tuple[int, str] | None:
    """The parent's id and the state of process ``pid``, or None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _forked_children(pid: int) -> list[int]:
    """Children of ``pid`` running its own command line: its forked render workers."""
    own = _cmdline(pid)
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[0] == pid and _cmdline(int(entry.name)) == own:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[1] != "Z"


@pytest.mark.slow
def test_killing_a_build_during_the_pages_phase_kills_its_workers(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    count = PARALLEL_MIN_FEATURES  # the smallest catalog whose pages are rendered by workers
    files = {f"features/gen/generated_{i:05d}.yaml": _feature(i) for i in range(count)}
    catalog = make_catalog(repo / "catalog", files)
    commit_all(repo, "Add many features")
    command = [sys.executable, "-m", "featurecat", "docs", "build", "--catalog", str(catalog)]
    build = subprocess.Popen(
        [*command, "--out", str(tmp_path / "out")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while not workers and build.poll() is None and time.monotonic() < deadline:
            workers = _forked_children(build.pid)
            time.sleep(0.02)
        assert workers, "the build never forked render workers"
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        deadline = time.monotonic() + 30
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [pid for pid in workers if _alive(pid)]
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
        for pid in workers:  # only the workers this test's build forked
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert survivors == [], "render workers outlived the killed build"
