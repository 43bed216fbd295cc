"""The catalog at any git ref: branches, tags, SHAs, HEAD~n, merges, moves, removals, errors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from featurecat import Catalog
from featurecat.errors import UsageError
from featurecat.names import Kind
from tests.support import cli, commit_all, git, init_repo, make_catalog

AGE = "catalog/features/user/user_age.yaml"


def set_dtype(repo: Path, dtype: str, path: str = AGE) -> None:
    file = repo / path
    file.write_text(file.read_text().replace("dtype: int64", f"dtype: {dtype}"))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose main branch has the base catalog in catalog/ (one commit)."""
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "catalog")
    commit_all(repo, "Add the catalog")
    return repo


def dtype_at(repo: Path, ref: str | None) -> str:
    return Catalog.load(repo / "catalog", ref=ref).features["user_age"].dtype


def test_branches_tags_shas_and_relative_refs(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    git(repo, "tag", "v1")
    git(repo, "tag", "-a", "v1-annotated", "-m", "Release 1")
    git(repo, "checkout", "-q", "-b", "widen")
    set_dtype(repo, "float64")
    commit_all(repo, "Widen user_age")
    (repo / "catalog/teams/growth.yaml").write_text(
        "name: growth\ndescription: Growth.\ngithub: '@acme/growth'\n"
    )
    commit_all(repo, "Reword growth")
    git(repo, "checkout", "-q", "main")

    assert dtype_at(repo, None) == "int64"  # the working tree is main's
    assert dtype_at(repo, "widen") == "float64"
    assert dtype_at(repo, "main") == "int64"
    assert dtype_at(repo, "v1") == "int64"
    assert dtype_at(repo, "v1-annotated") == "int64"
    assert dtype_at(repo, first) == "int64"
    assert dtype_at(repo, first[:10]) == "int64"
    assert dtype_at(repo, "widen~1") == "float64"
    assert dtype_at(repo, "widen~2") == "int64"
    assert dtype_at(repo, "widen^") == "float64"


def test_a_ref_load_records_the_commit_and_never_touches_the_working_tree(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    set_dtype(repo, "string")  # uncommitted
    before = git(repo, "status", "--porcelain")

    catalog = Catalog.load(repo / "catalog", ref="HEAD")

    assert catalog.features["user_age"].dtype == "int64"
    assert (catalog.ref, catalog.commit) == ("HEAD", head)
    assert catalog.root == (repo / "catalog").resolve()
    assert git(repo, "status", "--porcelain") == before
    assert "dtype: string" in (repo / AGE).read_text()


def test_merges(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "a")
    set_dtype(repo, "float64")
    commit_all(repo, "Widen user_age")
    git(repo, "checkout", "-q", "main")
    git(repo, "checkout", "-q", "-b", "b")
    (repo / "catalog/features/user/user_tenure_days.yaml").write_text(
        "name: user_tenure_days\ndescription: Days since signup.\nowner: growth\n"
        "source: user_profile\ndtype: int32\n"
    )
    commit_all(repo, "Add user_tenure_days")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "a", "-m", "Merge a")
    git(repo, "merge", "-q", "--no-ff", "b", "-m", "Merge b")

    merged = Catalog.load(repo / "catalog", ref="main")
    assert merged.features["user_age"].dtype == "float64"
    assert "user_tenure_days" in merged.features
    first_parent = Catalog.load(repo / "catalog", ref="main^1")
    assert "user_tenure_days" not in first_parent.features
    assert Catalog.load(repo / "catalog", ref="main^2").features.keys() >= {"user_tenure_days"}
    assert Catalog.load(repo / "catalog", ref="main^2").features["user_age"].dtype == "int64"


def test_moves_and_removals(repo: Path) -> None:
    (repo / "catalog/features/profile").mkdir()
    git(repo, "mv", AGE, "catalog/features/profile/user_age.yaml")
    commit_all(repo, "Move user_age")
    git(repo, "rm", "-q", "catalog/features/user/user_country.yaml")
    models = repo / "catalog/models/churn_model.yaml"
    models.write_text(models.read_text().replace(", user_country", ""))
    commit_all(repo, "Remove user_country")

    now = Catalog.load(repo / "catalog", ref="HEAD")
    moved = "features/profile/user_age.yaml"
    assert now.origin(Kind.FEATURE, "user_age").relpath == moved
    assert now.origin(Kind.FEATURE, "user_age").path.endswith(
        "catalog/features/profile/user_age.yaml"
    )
    assert "user_country" not in now.features
    before = Catalog.load(repo / "catalog", ref="HEAD~2")
    assert before.origin(Kind.FEATURE, "user_age").relpath == "features/user/user_age.yaml"
    assert "user_country" in before.features


def test_errors_at_a_ref_name_the_file_and_line_relative_to_the_current_folder(
    repo: Path,
) -> None:
    (repo / AGE).write_text((repo / AGE).read_text().replace("dtype: int64", "dtyp: int64"))
    commit_all(repo, "Break user_age")
    (repo / AGE).write_text(
        (repo / AGE).read_text().replace("dtyp:", "dtype:")
    )  # fixed, uncommitted

    at_head = cli("validate", "--ref", "HEAD", cwd=repo)
    now = cli("validate", cwd=repo)

    assert at_head.exit_code == 1
    assert f"{AGE}:5: error: unknown field 'dtyp' (did you mean 'dtype'?)" in at_head.output
    assert now.exit_code == 0, now.output


def test_an_oversized_blob_at_a_ref_is_refused(repo: Path) -> None:
    (repo / AGE).write_text("description: " + "x" * (1024 * 1024 + 10) + "\n")
    commit_all(repo, "Huge")
    result = Catalog.read(repo / "catalog", ref="HEAD")
    assert [d.code for d in result.errors if d.path.endswith("user_age.yaml")] == ["file-too-large"]


def test_unknown_ref(repo: Path) -> None:
    with pytest.raises(UsageError, match="unknown git ref 'nope'"):
        Catalog.load(repo / "catalog", ref="nope")
    result = cli("validate", "--ref", "nope", cwd=repo)
    assert result.exit_code == 2
    assert "Error: unknown git ref 'nope'" in result.output
    assert "git branch -a" in result.output


def test_a_ref_that_looks_like_an_option_is_refused(repo: Path) -> None:
    with pytest.raises(UsageError, match="is not a git ref"):
        Catalog.load(repo / "catalog", ref="--output=/tmp/x")


def test_a_path_outside_any_repository(tmp_path: Path) -> None:
    make_catalog(tmp_path / "plain")
    with pytest.raises(UsageError, match="is not inside a git repository"):
        Catalog.load(tmp_path / "plain", ref="HEAD")
    result = cli("list", "--catalog", tmp_path / "plain", "--ref", "main")
    assert result.exit_code == 2
    assert "not inside a git repository" in result.output


def test_a_repository_without_commits_says_so(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "fresh")
    make_catalog(repo / "catalog")
    result = cli("diff", "--catalog", repo / "catalog", "--base", "HEAD")
    assert result.exit_code == 2
    assert "has no commits yet" in result.output
    assert "git commit" in result.output


def test_a_catalog_that_did_not_exist_at_the_ref(repo: Path) -> None:
    make_catalog(repo / "other")
    commit_all(repo, "Second catalog")
    with pytest.raises(UsageError, match=r"other/featurecat.yaml: no featurecat.yaml at HEAD~1"):
        Catalog.load(repo / "other", ref="HEAD~1")


def test_a_catalog_at_the_top_of_the_repository(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "top")
    make_catalog(repo)
    commit_all(repo, "Catalog at the top")
    catalog = Catalog.load(repo, ref="HEAD")
    assert catalog.features.keys() == {"user_age", "user_country"}
    assert catalog.origin(Kind.MODEL, "churn_model").relpath == "models/churn_model.yaml"


def test_a_shallow_clone_without_the_base_commit_says_to_fetch_the_history(
    repo: Path, tmp_path: Path
) -> None:
    set_dtype(repo, "float64")
    commit_all(repo, "Widen user_age")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)],
        check=True,
        capture_output=True,
    )
    assert Catalog.load(clone / "catalog", ref="HEAD").features["user_age"].dtype == "float64"
    with pytest.raises(UsageError, match="shallow clone") as caught:
        Catalog.load(clone / "catalog", ref="HEAD~1")
    assert "fetch-depth: 0" in str(caught.value)

    result = cli("diff", "--catalog", clone / "catalog", "--base", "HEAD~1")
    assert result.exit_code == 2
    assert "fetch-depth: 0" in result.output


def git_children() -> list[str]:
    """Command lines of this process's child processes that run git."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid() and "git" in cmdline:
            found.append(cmdline)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_no_git_process_outlives_a_load(repo: Path) -> None:
    from featurecat.history import read_history

    set_dtype(repo, "float64")
    commit_all(repo, "Widen user_age")
    for _ in range(3):
        Catalog.load(repo / "catalog", ref="HEAD~1")
        Catalog.read(repo / "catalog", ref="main")
        read_history(repo / "catalog")
        cli("diff", "--catalog", repo / "catalog", "--base", "HEAD~1", "--head", "HEAD")
    assert git_children() == []


def test_a_catalog_in_a_dot_folder_reads_at_a_ref_with_its_history(tmp_path: Path) -> None:
    """The catalog folder relative to the repository's top keeps a leading dot: at a ref,
    in its history and in CODEOWNERS, '.ml/catalog' is not 'ml/catalog'."""
    repo = init_repo(tmp_path / "repo")
    root = make_catalog(repo / ".ml" / "catalog")
    commit_all(repo, "Add the catalog")
    set_dtype(repo, "float64", ".ml/" + AGE)
    commit_all(repo, "Widen user_age")

    assert Catalog.load(root, ref="HEAD~1").features["user_age"].dtype == "int64"
    log = cli("log", "--catalog", str(root), "user_age")
    assert log.exit_code == 0, log.output
    assert "2 changes" in log.output and "dtype int64 -> float64" in log.output
    owners = cli("codeowners", "--catalog", str(root), "--check")
    assert "\n+/.ml/catalog/sources/user_profile.yaml @acme/growth\n" in owners.output
