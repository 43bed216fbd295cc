from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.storage.server import S3Server, s3_server
from tests.support import GIT_TEST_ENV, init_repo, make_catalog, needs

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CATALOG = REPO_ROOT / "catalog"


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Git in tests sees no user or system config, and has a fixed identity."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    for name, value in GIT_TEST_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NO_COLOR", "1")
    # The discovery cache goes to the test's own home, never the user's.
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A valid catalog in a fresh git repository (not committed)."""
    repo = init_repo(tmp_path / "repo")
    return make_catalog(repo / "catalog")


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """moto's S3 server in its own process, one per test worker, with the ``fc-test`` bucket.

    Skips when moto is not installed, except with ``FEATURECAT_REQUIRE_ALL=1`` (CI), where a
    server that cannot start fails the run."""
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError:
        needs(False, "moto[server] and boto3 (pip install -e '.[dev,s3,delta,iceberg]')")
    with s3_server() as server:
        server.bucket(BUCKET)
        yield server


BUCKET = "fc-test"
