"""Sites built once per test session: the example catalog (with git history) and a hostile one."""

from __future__ import annotations

import datetime
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import EXAMPLE_CATALOG, REPO_ROOT
from tests.portal.hostile import HOSTILE_COMMIT, hostile_catalog
from tests.support import GIT_TEST_ENV, build_tree, cli, commit_all, init_repo, needs

USER_AGE_EDIT = "Clarify when user_age is null"


@dataclass
class Site:
    """A built portal: its repository, catalog, output folder and the build's output."""

    repo: Path
    catalog: Path
    out: Path
    output: str

    def html(self, path: str) -> str:
        return (self.out / path / "index.html").read_text(encoding="utf-8")

    def search_index(self) -> list[dict[str, str]]:
        index = self.out / "search" / "search_index.json"
        docs: list[dict[str, str]] = json.loads(index.read_text(encoding="utf-8"))["docs"]
        return docs


@pytest.fixture(scope="session")
def git_identity() -> Iterator[None]:
    """Session fixtures run git before the per-test isolation applies; give them the same."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
        for name, value in GIT_TEST_ENV.items():
            patch.setenv(name, value)
        yield


def copy_example(repo: Path) -> Path:
    """The example catalog and its site folder, copied into ``repo`` (not committed)."""
    ignore = shutil.ignore_patterns(".featurecat", "__pycache__")
    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog", ignore=ignore)
    shutil.copytree(REPO_ROOT / "site", repo / "site", ignore=ignore)
    return repo / "catalog"


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory, git_identity: None) -> Site:
    """The example catalog in a git repository with two commits, built once."""
    repo = init_repo(tmp_path_factory.mktemp("example") / "repo")
    catalog = copy_example(repo)
    commit_all(repo, "Add the Acme catalog", date="2025-03-01T09:00:00+00:00")
    user_age = catalog / "features/user/user_age.yaml"
    user_age.write_text(
        user_age.read_text(encoding="utf-8").replace(
            "computed from the", "computed from the verified"
        ),
        encoding="utf-8",
    )
    commit_all(repo, USER_AGE_EDIT, date="2025-03-04T16:30:00+00:00")
    out = repo.parent / "site-out"
    result = cli("docs", "build", "--catalog", catalog, "--out", out)
    assert result.exit_code == 0, result.output
    return Site(repo, catalog, out, result.output)


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory: pytest.TempPathFactory, git_identity: None) -> Site:
    """A catalog whose user-written strings all try to inject markup, built once."""
    repo = init_repo(tmp_path_factory.mktemp("hostile") / "repo")
    catalog = build_tree(repo / "catalog", hostile_catalog())
    when = pa.array(
        [datetime.datetime(2025, 1, 1), datetime.datetime(2025, 1, 2)],
        pa.timestamp("us", tz="UTC"),
    )
    data = {
        "user_id": [1, 2],
        "event_timestamp": when,
        "user_age": [30, 40],
        "country": ["<script>alert('data')</script>", "FR"],
    }
    (catalog / "data").mkdir()
    pq.write_table(pa.table(data), catalog / "data" / "user_profile.parquet")
    commit_all(repo, HOSTILE_COMMIT)
    out = repo.parent / "site-out"
    result = cli("docs", "build", "--catalog", catalog, "--out", out)
    assert result.exit_code == 0, result.output
    return Site(repo, catalog, out, result.output)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    try:
        from playwright import sync_api
    except ImportError:  # pragma: no cover - reported by needs()
        sync_api = None
    from tests.portal.browser import ARGS, CHROMIUM

    needs(sync_api is not None, "the playwright package (pip install -e '.[test]')")
    needs(CHROMIUM.exists(), "Debian's chromium package at /usr/bin/chromium")
    assert sync_api is not None
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def offline_site(tmp_path_factory: pytest.TempPathFactory, git_identity: None) -> Site:
    """The example catalog built with --offline, to open from disk."""
    repo = init_repo(tmp_path_factory.mktemp("offline") / "repo")
    catalog = copy_example(repo)
    commit_all(repo, "Add the Acme catalog", date="2025-03-01T09:00:00+00:00")
    out = repo.parent / "site-out"
    result = cli("docs", "build", "--catalog", catalog, "--out", out, "--offline")
    assert result.exit_code == 0, result.output
    return Site(repo, catalog, out, result.output)
