"""Test helpers: build catalogs from ``{path: text}``, commit them to git repos, run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

from click.testing import CliRunner, Result

from featurecat.cli import main

#: Git as tests run it: no system config and a fixed identity (GIT_CONFIG_GLOBAL is set apart).
GIT_TEST_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    **{f"GIT_{role}_NAME": "Test Author" for role in ("AUTHOR", "COMMITTER")},
    **{f"GIT_{role}_EMAIL": "test@example.com" for role in ("AUTHOR", "COMMITTER")},
}

#: A small, valid catalog; tests override or add files to make the case they need.
BASE_CATALOG: dict[str, str] = {
    "featurecat.yaml": "name: test\ndescription: A catalog for tests.\n",
    "teams/growth.yaml": "name: growth\ndescription: Growth team.\ngithub: '@acme/growth'\n",
    "teams/risk.yaml": "name: risk\ndescription: Risk team.\ngithub: '@acme/risk'\n",
    "entities/user.yaml": "name: user\ndescription: A user.\njoin_keys: [user_id]\n",
    "sources/user_profile.yaml": textwrap.dedent("""\
        name: user_profile
        description: User profile snapshots.
        owner: growth
        entity: user
        path: user_profile.parquet
        timestamp: event_timestamp
        """),
    "features/user/user_age.yaml": textwrap.dedent("""\
        name: user_age
        description: Age of the user in years.
        owner: growth
        source: user_profile
        dtype: int64
        status: production
        tags: [demographics]
        """),
    "features/user/user_country.yaml": textwrap.dedent("""\
        name: user_country
        description: Country of residence, ISO 3166 alpha-2.
        owner: growth
        source: user_profile
        column: country
        dtype: string
        """),
    "models/churn_model.yaml": textwrap.dedent("""\
        name: churn_model
        description: Predicts churn.
        owner: risk
        features: [user_age, user_country]
        """),
}


def build_tree(root: Path, files: Mapping[str, str | bytes | None]) -> Path:
    """Write ``{relative path: content}`` under ``root``; ``None`` deletes the file."""
    for relpath, content in files.items():
        path = root / relpath
        if content is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def make_catalog(root: Path, files: Mapping[str, str | bytes | None] = {}) -> Path:
    """The base catalog under ``root`` with ``files`` overriding or adding to it."""
    return build_tree(root, {**BASE_CATALOG, **files})


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its output."""
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def init_repo(repo: Path) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def commit_all(repo: Path, message: str, date: str | None = None) -> str:
    """Stage everything and commit; returns the new commit's SHA."""
    git(repo, "add", "-A")
    env_date = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
    subprocess.run(
        ["git", "commit", "-q", "--allow-empty", "-m", message],
        cwd=repo,
        check=True,
        capture_output=True,
        env={**os.environ, **env_date},
    )
    return git(repo, "rev-parse", "HEAD")


def cli(*args: str | os.PathLike[str], cwd: Path | None = None) -> Result:
    """Run the real click command in-process (fast); ``cwd`` changes the folder for the call."""
    runner = CliRunner()
    previous = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)
    finally:
        os.chdir(previous)


def run(*args: str | os.PathLike[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m featurecat`` in a real process, as a user or CI would."""
    return subprocess.run(
        [sys.executable, "-m", "featurecat", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def needs(available: bool, what: str) -> None:
    """Skip when an optional tool is missing, except in CI (``FEATURECAT_REQUIRE_ALL=1``),
    where a missing tool must fail the run instead of silently skipping its tests."""
    if available:
        return
    import pytest

    if os.environ.get("FEATURECAT_REQUIRE_ALL") == "1":
        pytest.fail(f"{what} is required when FEATURECAT_REQUIRE_ALL=1", pytrace=False)
    pytest.skip(f"needs {what}")
