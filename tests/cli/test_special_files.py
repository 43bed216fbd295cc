"""Special files where definitions belong: each is a diagnostic on the file's line 1, in every
format, and never a hang, a traceback or a bare error."""

from __future__ import annotations

import json
import os
import signal
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import cli, init_repo, make_catalog

REPLACE = "definitions are YAML files, so replace it with one or remove it"
OUTSIDE = (
    "it is a symbolic link to something outside the repository; definitions are only read "
    "from inside it, so copy the file in"
)

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX special files")


@contextmanager
def no_hang(seconds: int = 120) -> Iterator[None]:
    """Fail instead of waiting forever (the old reader blocked on a FIFO until killed)."""

    def stop(*_: object) -> None:
        raise AssertionError(f"still running after {seconds}s: it hangs")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def bind_socket(path: Path) -> None:
    # A socket's path is limited to about 100 bytes: bind it from its own folder.
    here = Path.cwd()
    os.chdir(path.parent)
    try:
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(path.name)
    finally:
        os.chdir(here)


def folder_in_repo(path: Path) -> None:
    (path.parent / "folder").mkdir()
    path.symlink_to("folder")


#: How to turn a path into a special file, and the reason validate gives.
SPECIAL: dict[str, tuple[Callable[[Path], None], str]] = {
    "fifo": (os.mkfifo, f"it is a named pipe (FIFO), not a regular file; {REPLACE}"),
    "socket": (bind_socket, f"it is a socket, not a regular file; {REPLACE}"),
    "broken link": (
        lambda p: p.symlink_to("nowhere.yaml"),
        "it is a symbolic link to a file that does not exist; fix or remove the link",
    ),
    "link loop": (
        lambda p: p.symlink_to(p.name),
        "it is a symbolic link that leads back to itself; fix or remove the link",
    ),
    "link to /proc/self/mem": (lambda p: p.symlink_to("/proc/self/mem"), OUTSIDE),
    "link to /etc": (lambda p: p.symlink_to("/etc"), OUTSIDE),
    "link to a folder in the repository": (
        folder_in_repo,
        f"it is a folder, not a regular file; {REPLACE}",
    ),
}
PLACES = ["features/user/user_age.yaml", "featurecat.yaml", "teams/risk.yaml"]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


def replace_with(repo: Path, relpath: str, make: Callable[[Path], None]) -> None:
    root = make_catalog(repo / "catalog")
    (root / relpath).unlink()
    make(root / relpath)


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("special", SPECIAL)
def test_special_files_are_diagnostics_in_every_format(
    repo: Path, special: str, place: str
) -> None:
    make, reason = SPECIAL[special]
    replace_with(repo, place, make)
    path = f"catalog/{place}"
    message = f"cannot read this file: {reason}"
    with no_hang():
        text = cli("validate", cwd=repo)
        github = cli("validate", "--format", "github", cwd=repo)
        document = cli("validate", "--format", "json", cwd=repo)
    assert text.exit_code == github.exit_code == document.exit_code == 1
    assert text.output.splitlines() == [
        f"{path}:1: error: {message} [unreadable]",
        "FAILED: 1 error in 8 files",
    ]
    assert github.output.splitlines() == [f"::error file={path},line=1::{message} [unreadable]"]
    errors = json.loads(document.output)["errors"]
    assert [(e["path"], e["line"], e["code"], e["message"]) for e in errors] == [
        (path, 1, "unreadable", message)
    ]


def test_a_kind_folder_that_is_a_file_is_reported(repo: Path) -> None:
    root = make_catalog(repo / "catalog")
    (root / "models/churn_model.yaml").unlink()
    (root / "models").rmdir()
    (root / "models").write_text("not a folder\n")
    result = cli("validate", cwd=repo)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "catalog/models:1: error: cannot read this folder: it is a file, not a folder; the "
        "definitions in it are not checked [unreadable]"
    )


def test_links_to_folders_are_not_followed_silently(repo: Path) -> None:
    root = make_catalog(repo / "catalog")
    (repo / "shared").mkdir()
    (root / "features" / "shared").symlink_to(repo / "shared")
    result = cli("validate", cwd=repo)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "catalog/features/shared:1: warning: ignored: it is a symbolic link to a folder, and "
        "those are not followed; move the definitions here instead [link-not-followed]"
    )


def reads_without_permission() -> bool:
    """Whether this process reads files whose mode denies it (root, with its capabilities)."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp, "probe")
        probe.write_text("x")
        probe.chmod(0)
        try:
            probe.read_text()
        except PermissionError:
            return False
        return True


ROOT_READS_ALL = pytest.mark.skipif(
    reads_without_permission(),
    reason="this process (root) reads files and folders without read permission",
)


@ROOT_READS_ALL
def test_an_unreadable_file_is_reported(repo: Path) -> None:
    root = make_catalog(repo / "catalog")
    (root / "teams/risk.yaml").chmod(0)
    result = cli("validate", cwd=repo)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "catalog/teams/risk.yaml:1: error: cannot read this file: permission denied; make it "
        "readable (chmod a+r) [unreadable]"
    )


@ROOT_READS_ALL
def test_an_unreadable_folder_is_not_skipped_silently(repo: Path) -> None:
    root = make_catalog(repo / "catalog")
    hidden = root / "features/hidden"
    hidden.mkdir()
    hidden.chmod(0)
    try:
        result = cli("validate", cwd=repo)
    finally:
        hidden.chmod(0o755)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        "catalog/features/hidden:1: error: cannot read this folder: permission denied; make it "
        "readable (chmod a+rx); the definitions in it are not checked [unreadable]"
    )
