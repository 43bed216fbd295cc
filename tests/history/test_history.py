"""Every definition's history from git, and ``featurecat log`` on top of it."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from featurecat.catalog import Catalog
from featurecat.changes import summarize
from featurecat.errors import UsageError
from featurecat.history import read_history
from featurecat.names import Kind
from featurecat.portal.kinds import page_path
from featurecat.portal.pages import render_pages
from featurecat.portal.profile import Profiles
from tests.support import cli, commit_all, git, init_repo, make_catalog

AGE = "catalog/features/user/user_age.yaml"


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    assert old in file.read_text()
    file.write_text(file.read_text().replace(old, new))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Three commits: the catalog, a dtype change to user_age, a change elsewhere."""
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "catalog")
    (repo / "README.md").write_text("not part of the catalog\n")
    commit_all(repo, "Add the catalog", date="2025-01-01T10:00:00+00:00")
    edit(repo, AGE, "dtype: int64", "dtype: float64")
    edit(repo, AGE, "tags: [demographics]", "tags: [demographics, pii]")
    commit_all(repo, "Widen user_age to float", date="2025-02-01T10:00:00+00:00")
    edit(repo, "catalog/teams/risk.yaml", "Risk team.", "Risk and fraud.")
    (repo / "README.md").write_text("changed, still not part of the catalog\n")
    commit_all(repo, "Reword risk", date="2025-03-01T10:00:00+00:00")
    return repo


def test_one_entry_per_commit_that_changed_it_newest_first(repo: Path) -> None:
    history = read_history(repo / "catalog")
    changes = history.of(Kind.FEATURE, "user_age")

    assert [c.message for c in changes] == ["Widen user_age to float", "Add the catalog"]
    assert [c.action for c in changes] == ["modified", "added"]
    widen = changes[0]
    assert widen.fields == ("dtype", "tags")
    assert [(v.field, v.old, v.new) for v in widen.values] == [
        ("dtype", "int64", "float64"),
        ("tags", ["demographics"], ["demographics", "pii"]),
    ]
    assert widen.date == datetime(2025, 2, 1, 10, tzinfo=timezone.utc)
    assert (widen.author, widen.email) == ("Test Author", "test@example.com")
    assert widen.commit == git(repo, "rev-parse", "HEAD~1")
    assert widen.short == widen.commit[:8]
    assert widen.path == "features/user/user_age.yaml"
    assert [c.message for c in history.of(Kind.TEAM, "risk")] == ["Reword risk", "Add the catalog"]
    assert [key for key, _ in history.recent(limit=2)] == [
        (Kind.TEAM, "risk"),
        (Kind.FEATURE, "user_age"),
    ]
    assert history.recent(Kind.FEATURE, limit=1)[0][1].message == "Widen user_age to float"


def test_up_to_a_ref(repo: Path) -> None:
    history = read_history(repo / "catalog", ref="HEAD~2")
    assert [c.message for c in history.of(Kind.FEATURE, "user_age")] == ["Add the catalog"]
    with pytest.raises(UsageError, match="unknown git ref 'nope'"):
        read_history(repo / "catalog", ref="nope")


def test_moves_keep_the_history_and_renames_start_a_new_one(repo: Path) -> None:
    (repo / "catalog/features/profile").mkdir()
    git(repo, "mv", AGE, "catalog/features/profile/user_age.yaml")
    commit_all(repo, "Move user_age")
    git(repo, "mv", "catalog/teams/risk.yaml", "catalog/teams/trust.yaml")
    edit(repo, "catalog/teams/trust.yaml", "name: risk", "name: trust")
    commit_all(repo, "Rename risk to trust")

    history = read_history(repo / "catalog")

    age = history.of(Kind.FEATURE, "user_age")
    assert [c.action for c in age] == ["moved", "modified", "added"]
    assert age[0].path == "features/profile/user_age.yaml"
    assert age[0].fields == ()
    shown = cli("log", "user_age", cwd=repo).output.splitlines()
    assert shown[0] == "feature user_age (catalog/features/profile/user_age.yaml): 3 changes"
    assert shown[1].endswith("moved to catalog/features/profile/user_age.yaml")
    last = history.of(Kind.TEAM, "risk")[0]
    assert (last.action, last.message) == ("removed", "Rename risk to trust")
    assert [(c.action, c.path) for c in history.of(Kind.TEAM, "trust")] == [
        ("added", "teams/trust.yaml")
    ]


def test_merged_branches_bring_their_commits(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "side")
    edit(repo, AGE, "Age of the user in years.", "Age in whole years.")
    commit_all(repo, "Reword user_age", date="2025-04-01T10:00:00+00:00")
    git(repo, "checkout", "-q", "main")
    edit(
        repo, "catalog/features/user/user_country.yaml", "dtype: string", "dtype: string\nttl: 30d"
    )
    commit_all(repo, "Expire countries", date="2025-04-02T10:00:00+00:00")
    git(repo, "merge", "-q", "--no-ff", "side", "-m", "Merge side")

    history = read_history(repo / "catalog")

    assert [c.message for c in history.of(Kind.FEATURE, "user_age")] == [
        "Reword user_age",
        "Widen user_age to float",
        "Add the catalog",
    ]
    assert history.of(Kind.FEATURE, "user_country")[0].fields == ("ttl",)


def test_removals_end_the_history(repo: Path) -> None:
    git(repo, "rm", "-q", "catalog/features/user/user_country.yaml")
    edit(repo, "catalog/models/churn_model.yaml", ", user_country", "")
    commit_all(repo, "Drop user_country")
    changes = read_history(repo / "catalog").of(Kind.FEATURE, "user_country")
    assert [(c.action, c.path) for c in changes] == [
        ("removed", "features/user/user_country.yaml"),
        ("added", "features/user/user_country.yaml"),
    ]


def test_no_history_outside_git_or_before_the_first_commit(tmp_path: Path) -> None:
    assert read_history(make_catalog(tmp_path / "plain")).changes == {}
    repo = init_repo(tmp_path / "fresh")
    assert read_history(make_catalog(repo / "catalog")).changes == {}


def test_log_shows_date_author_message_and_fields(repo: Path) -> None:
    result = cli("log", "user_age", cwd=repo)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "feature user_age (catalog/features/user/user_age.yaml): 2 changes"
    widen = git(repo, "rev-parse", "--short=8", "HEAD~1")
    assert lines[1] == (
        f"{widen}  2025-02-01  Test Author  modified: dtype int64 -> float64, "
        "tags [demographics] -> [demographics, pii]"
    )
    assert lines[2] == "    Widen user_age to float"
    assert lines[3].endswith("2025-01-01  Test Author  added")


def test_log_json_limit_and_recent(repo: Path) -> None:
    result = cli("log", "user_age", "--format", "json", "--limit", "1", cwd=repo)
    entries = json.loads(result.stdout)
    assert len(entries) == 1
    assert entries[0]["kind"] == "feature"
    assert entries[0]["fields"] == ["dtype", "tags"]
    assert entries[0]["values"][0] == {"field": "dtype", "old": "int64", "new": "float64"}
    assert entries[0]["date"] == "2025-02-01T10:00:00+00:00"

    recent = cli("log", "--limit", "2", cwd=repo)
    assert recent.exit_code == 0
    assert "team risk: modified: description Risk team. -> Risk and fraud." in recent.output
    assert "feature user_age: modified" in recent.output


def test_log_of_an_unknown_name_suggests_close_ones(repo: Path) -> None:
    result = cli("log", "user_agee", cwd=repo)
    assert result.exit_code == 2  # an unknown name is a usage error, as the README's table says
    assert "unknown object 'user_agee'. Did you mean 'user_age'" in result.output


def test_log_outside_git_is_a_usage_error(tmp_path: Path) -> None:
    make_catalog(tmp_path / "plain")
    result = cli("log", "user_age", "--catalog", tmp_path / "plain")
    assert result.exit_code == 2
    assert "is not in a git repository" in result.output


def test_one_change_two_wordings_log_and_portal(repo: Path) -> None:
    """``featurecat log`` names where a file moved and says when only formatting changed;
    the portal, beside the commit, gives the action and the changed values."""
    edit(repo, AGE, "owner: growth", "owner:   growth")
    commit_all(repo, "Reformat user_age", date="2025-04-01T10:00:00+00:00")
    (repo / "catalog/features/profile").mkdir()
    git(repo, "mv", AGE, "catalog/features/profile/user_age.yaml")
    edit(repo, "catalog/features/profile/user_age.yaml", "status: production", "status: draft")
    commit_all(repo, "Move user_age and demote it", date="2025-05-01T10:00:00+00:00")

    history = read_history(repo / "catalog")
    moved, reformatted, widened = history.of(Kind.FEATURE, "user_age")[:3]
    where = "catalog/features/profile/user_age.yaml"
    log = cli("log", "user_age", cwd=repo).output
    assert f"modified: status production -> draft (moved to {where})" in log
    assert "  modified: formatting only\n" in log
    assert "  modified: dtype int64 -> float64, tags [demographics] -> [demographics, pii]" in log

    assert summarize(moved) == "moved: status production -> draft"
    assert summarize(reformatted) == "modified"
    assert summarize(widened) == (
        "modified: dtype int64 -> float64, tags [demographics] -> [demographics, pii]"
    )
    page = render_pages(Catalog.load(repo / "catalog"), history, Profiles())
    assert "<td>moved: status production -&gt; draft</td>" in page[page_path("feature", "user_age")]
