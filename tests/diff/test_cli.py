"""``featurecat diff`` end to end, on real git repositories holding the example catalog."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from featurecat.load import load_pair
from tests.conftest import EXAMPLE_CATALOG
from tests.support import cli, commit_all, git, init_repo, make_catalog, run

AGE = "catalog/features/user/user_age.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example catalog committed on main."""
    repo = init_repo(tmp_path / "repo")
    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog", ignore=shutil.ignore_patterns("data"))
    commit_all(repo, "The acme catalog")
    return repo


def edit(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    assert old in file.read_text(), (path, old)
    file.write_text(file.read_text().replace(old, new))


def test_a_breaking_change_without_a_bump_fails_and_names_the_model_and_its_owner(
    repo: Path,
) -> None:
    edit(repo, AGE, "dtype: int64", "dtype: float64")

    result = run("diff", "--base", "main", cwd=repo)

    assert result.returncode == 1, result.stderr
    assert "BREAKING  feature user_age: modified  (catalog/features/user/user_age.yaml)" in (
        result.stdout
    )
    assert "  dtype int64 -> float64: the values' type changes" in result.stdout
    assert "  used by: churn_model (data_science, @acme/data-science)" in result.stdout
    assert (
        "catalog/features/user/user_age.yaml:11: error: breaking change to feature 'user_age' "
        "(dtype int64 -> float64) without a version bump; set version: 2. "
        "Used by churn_model (data_science, @acme/data-science) [version-not-bumped]"
    ) in result.stdout
    assert result.stdout.rstrip().endswith("FAILED: 1 problem to fix before merging")


def test_the_same_change_with_a_version_bump_passes(repo: Path) -> None:
    edit(repo, AGE, "dtype: int64\nversion: 1", "dtype: float64\nversion: 2")
    result = cli("diff", "--base", "main", cwd=repo)
    assert result.exit_code == 0, result.output
    assert "churn_model (data_science, @acme/data-science)" in result.output
    assert result.output.rstrip().endswith("OK: 1 breaking change (1 with a version bump)")


def test_removing_a_feature_no_model_uses_passes_and_says_why(repo: Path) -> None:
    git(repo, "rm", "-q", "catalog/features/user/user_signup_channel.yaml")
    edit(repo, AGE, "dtype: int64\nversion: 1", "dtype: float64\nversion: 2")
    result = cli("diff", "--base", "main", cwd=repo)
    assert result.exit_code == 0, result.output
    assert "BREAKING  feature user_signup_channel: removed" in result.output
    assert result.output.rstrip().endswith(
        "OK: 2 breaking changes (1 with a version bump; 1 removed or renamed, used by no model)"
    )


def test_a_head_file_that_does_not_load_is_not_reported_as_removed(repo: Path) -> None:
    (repo / AGE).write_text("name: [user_age\n")
    result = cli("diff", "--base", "main", cwd=repo)
    assert result.exit_code == 1
    assert "removed" not in result.output
    assert "removed-feature-used" not in result.output
    assert f"{AGE}:2: error: invalid YAML" in result.output
    assert "no changes among the files that load" in result.output
    assert result.output.rstrip().endswith("FAILED: 1 validation error to fix before merging")


def test_compatible_changes_pass(repo: Path) -> None:
    edit(repo, AGE, "tags: [demographics, pii]", "tags: [demographics, pii, profile]")
    result = cli("diff", "--base", "main", cwd=repo)
    assert result.exit_code == 0
    assert "ok        feature user_age: modified" in result.output
    assert "Teams to tell" not in result.output


def test_no_changes(repo: Path) -> None:
    result = cli("diff", "--base", "HEAD", cwd=repo)
    assert result.exit_code == 0
    assert "no changes to the catalog" in result.output


def test_between_two_refs(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "widen")
    edit(repo, AGE, "dtype: int64", "dtype: float64")
    commit_all(repo, "Widen")
    git(repo, "checkout", "-q", "main")
    assert cli("diff", "--base", "main", cwd=repo).exit_code == 0  # the working tree is main
    result = cli("diff", "--base", "main", "--head", "widen", "--format", "json", cwd=repo)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["head"]["ref"] == "widen"
    assert report["head"]["commit"] == git(repo, "rev-parse", "widen")
    assert report["summary"]["breaking"] == 1


def test_a_moved_feature_is_not_a_change(repo: Path) -> None:
    (repo / "catalog/features/profile").mkdir()
    git(repo, "mv", AGE, "catalog/features/profile/user_age.yaml")
    result = cli("diff", "--base", "main", cwd=repo)
    assert result.exit_code == 0
    assert "no changes to the catalog" in result.output


def test_an_invalid_head_fails_with_file_and_line(repo: Path) -> None:
    edit(repo, AGE, "owner: growth", "owner: growht")
    result = run("diff", "--base", "main", "--format", "markdown", cwd=repo)
    assert result.returncode == 1
    assert "#### The head does not validate (1 error)" in result.stdout
    assert "`catalog/features/user/user_age.yaml:8`: owner: unknown team 'growht'" in (
        result.stdout
    )


def test_usage_errors_exit_2(repo: Path, tmp_path: Path) -> None:
    unknown = cli("diff", "--base", "no-such-branch", cwd=repo)
    assert unknown.exit_code == 2
    assert "unknown git ref 'no-such-branch'" in unknown.output
    missing = cli("diff", cwd=repo)
    assert missing.exit_code == 2
    assert "Missing option '--base'" in missing.output
    plain = make_catalog(tmp_path / "plain")
    outside = cli("diff", "--catalog", plain, "--base", "main")
    assert outside.exit_code == 2
    assert "not inside a git repository" in outside.output


def test_a_base_without_the_catalog_counts_everything_as_added(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    (repo / "README.md").write_text("hello\n")
    commit_all(repo, "Start")
    make_catalog(repo / "catalog")
    result = cli("diff", "--base", "HEAD", "--format", "json", cwd=repo)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    assert summary["added"] == 7  # 2 teams, 1 entity, 1 source, 2 features, 1 model
    assert summary["removed"] == summary["modified"] == 0
    assert "note: there is no catalog at catalog in HEAD, so everything counts as added" in (
        result.stderr
    )


def test_github_annotations(repo: Path) -> None:
    edit(repo, AGE, "dtype: int64", "dtype: float64")
    result = cli("diff", "--base", "main", "--format", "github", cwd=repo)
    assert result.exit_code == 1
    assert result.output.startswith(
        "::error file=catalog/features/user/user_age.yaml,line=11::"
        "breaking change to feature 'user_age'"
    )


def test_the_base_reuses_head_parse_results_but_keeps_its_own_paths(repo: Path) -> None:
    edit(repo, AGE, "owner: growth", "owner: growth\nunknown_key: 1")
    commit_all(repo, "Break user_age")
    (repo / "catalog/features/profile").mkdir()
    git(repo, "mv", AGE, "catalog/features/profile/user_age.yaml")
    commit_all(repo, "Move it")

    old, new = load_pair(repo / "catalog", "HEAD~1", "HEAD")

    assert [d.path.rsplit("catalog/", 1)[1] for d in old.errors] == ["features/user/user_age.yaml"]
    assert [d.path.rsplit("catalog/", 1)[1] for d in new.errors] == [
        "features/profile/user_age.yaml"
    ]
    assert old.errors[0].line == new.errors[0].line == 9


def test_across_a_merge_with_a_rename_and_a_removal(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "cleanup")
    country = "catalog/features/user/user_country.yaml"
    git(repo, "mv", country, "catalog/features/user/country.yaml")
    edit(repo, "catalog/features/user/country.yaml", "name: user_country", "name: country")
    edit(repo, "catalog/models/churn_model.yaml", "- user_country", "- country")
    git(repo, "rm", "-q", "catalog/features/merchant/merchant_rating.yaml")
    commit_all(repo, "Rename user_country, drop merchant_rating")
    git(repo, "checkout", "-q", "main")
    edit(repo, AGE, "tags: [demographics, pii]", "tags: [demographics, pii, profile]")
    commit_all(repo, "Tag user_age")
    git(repo, "merge", "-q", "--no-ff", "cleanup", "-m", "Merge cleanup")

    result = cli("diff", "--base", "main^1", "--head", "main", "--format", "json", cwd=repo)

    assert result.exit_code == 0, result.output
    changes = {c["name"]: c for c in json.loads(result.stdout)["changes"]}
    assert set(changes) == {"country", "merchant_rating", "churn_model"}
    assert changes["churn_model"]["findings"][0]["reason"] == (
        "now uses country; no longer uses user_country"
    )
    assert (changes["country"]["action"], changes["country"]["old_name"]) == (
        "renamed",
        "user_country",
    )
    assert changes["country"]["used_by"][0]["model"] == "churn_model"
    assert changes["merchant_rating"]["action"] == "removed"
    assert changes["merchant_rating"]["level"] == "breaking"
