"""What reaches the terminal: user text from descriptions, commits and refs is shown escaped,
so it can neither drive the terminal (OSC 52 clipboard, OSC 8 links, CSI) nor split a line."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_validate import feature
from tests.support import cli, commit_all, git, init_repo, make_catalog

#: Right-to-left override, line separator and newline: all valid in a description.
TRICKY = "Age.\\u202e evil\\u2028next\\nline"
SHOWN = "Age.\\u202e evil\\u2028next\\nline"  # escaped, exactly as the YAML wrote it
RAW = ("\x1b", "\x07", "\u202e", "\u2028", "\x85")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    make_catalog(
        repo / "catalog",
        {
            "features/user/user_age.yaml": feature(description=f'"{TRICKY}"'),
            "models/churn_model.yaml": "name: churn_model\nowner: risk\n"
            f'description: "{TRICKY}"\nfeatures: [user_age]\n',
        },
    )
    return repo


def assert_clean(output: str) -> None:
    assert not any(char in output for char in RAW), repr(output)


def test_show_escapes_descriptions(repo: Path) -> None:
    result = cli("show", "user_age", cwd=repo)
    assert result.exit_code == 0, result.output
    assert f"  description: {SHOWN}" in result.output.splitlines()
    assert_clean(result.output)


def test_search_and_list_escape_descriptions(repo: Path) -> None:
    search = cli("search", "age", cwd=repo)
    listed = cli("list", "--kind", "model", cwd=repo)
    for result in (search, listed):
        assert result.exit_code == 0, result.output
        assert "Age.\\u202e evil" in result.output
        assert_clean(result.output)
    assert len(listed.output.splitlines()) == 2  # the header and one model


def test_log_escapes_commit_messages_and_authors(repo: Path) -> None:
    commit_all(repo, "add the catalog")
    age = repo / "catalog/features/user/user_age.yaml"
    age.write_text(age.read_text().replace("dtype: int64", "dtype: int32\nversion: 2"))
    git(repo, "add", "-A")
    subprocess.run(
        ["git", "commit", "-q", "-m", "\x1b]52;c;aGk=\x07 widen\x1b[2J"],
        cwd=repo,
        check=True,
        env={**os.environ, "GIT_AUTHOR_NAME": "Eve\x1b[31mRed"},
    )
    result = cli("log", "user_age", cwd=repo)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "  Eve\\x1b[31mRed  modified: dtype int64 -> int32" in lines[1]
    assert lines[2] == "    \\x1b]52;c;aGk=\\x07 widen\\x1b[2J"
    assert_clean(result.output)


def test_diff_escapes_changed_values(repo: Path) -> None:
    age = repo / "catalog/features/user/user_age.yaml"
    age.write_text(feature(description="Age."))
    commit_all(repo, "plain description")
    age.write_text(feature(description='"Age\\u2028two\\nthree"'))
    result = cli("diff", "--base", "HEAD", cwd=repo)
    assert result.exit_code == 0, result.output
    assert "  description Age. -> Age\\u2028two\\nthree: documentation only" in (
        result.output.splitlines()
    )
    assert_clean(result.output)


def test_errors_quoting_user_input_are_escaped(repo: Path) -> None:
    commit_all(repo, "add the catalog")
    result = cli("diff", "--base", "\x1b]52;c;aGk=\x07", cwd=repo)
    assert result.exit_code == 2
    assert "\\x1b]52;c;aGk=\\x07" in result.output
    assert_clean(result.output)
