"""``featurecat codeowners``: review requests that follow the catalog's owners."""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path

import pytest

from featurecat.codeowners import BEGIN, END
from tests.conftest import EXAMPLE_CATALOG
from tests.support import cli, commit_all, init_repo, make_catalog


def owners_of(codeowners: str, path: str) -> list[str] | None:
    """Who GitHub asks to review ``path``: the last matching rule wins.

    Enough of GitHub's matching for the patterns featurecat writes: anchored files,
    anchored folders (ending in '/') and '*' globs that stay within one folder.
    """
    found = None
    for line in codeowners.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        if "/" not in pattern:  # like '*' or '*.yaml': the file name, in any folder
            matched = fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], pattern)
        elif pattern.endswith("/"):
            matched = ("/" + path).startswith(pattern)
        else:
            matched = fnmatch.fnmatchcase("/" + path, pattern) and (
                pattern.count("/") == ("/" + path).count("/")
            )
        if matched:
            found = owners
    return found


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = init_repo(tmp_path / "repo")
    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog", ignore=shutil.ignore_patterns("data"))
    return repo


def test_every_definition_is_reviewed_by_its_owner(repo: Path) -> None:
    result = cli("codeowners", cwd=repo)
    assert result.exit_code == 0, result.output
    text = (repo / ".github/CODEOWNERS").read_text()
    assert text.startswith(BEGIN + "\n") and text.endswith(END + "\n")

    assert owners_of(text, "catalog/features/user/user_age.yaml") == ["@acme/growth"]
    assert owners_of(text, "catalog/features/merchant/merchant_is_high_risk.yaml") == ["@acme/risk"]
    assert owners_of(text, "catalog/sources/merchant_stats.yaml") == ["@acme/payments"]
    assert owners_of(text, "catalog/models/churn_model.yaml") == ["@acme/data-science"]
    assert owners_of(text, "catalog/teams/risk.yaml") == ["@acme/risk"]
    assert owners_of(text, "catalog/entities/user.yaml") == ["@acme/growth", "@acme/payments"]
    assert owners_of(text, "catalog/data/merchant_stats.csv") == ["@acme/payments"]
    assert owners_of(text, "catalog/featurecat.yaml") is None
    # A folder owned by one team has one rule, so new files there get that team too.
    assert "/catalog/features/payments/ " in text
    assert owners_of(text, "catalog/features/payments/brand_new.yaml") == ["@acme/payments"]


def test_consumers_review_the_features_their_models_use(repo: Path) -> None:
    assert cli("codeowners", "--consumers", cwd=repo).exit_code == 0
    text = (repo / ".github/CODEOWNERS").read_text()
    assert owners_of(text, "catalog/features/payments/gmv_30d.yaml") == [
        "@acme/payments",
        "@acme/data-science",
        "@acme/risk",
    ]
    assert owners_of(text, "catalog/features/payments/primary_payment_method.yaml") == [
        "@acme/payments"
    ]
    assert owners_of(text, "catalog/features/payments/brand_new.yaml") == ["@acme/payments"]


def test_check_fails_when_out_of_date_and_writes_nothing(repo: Path) -> None:
    assert cli("codeowners", cwd=repo).exit_code == 0
    committed = (repo / ".github/CODEOWNERS").read_text()
    assert cli("codeowners", "--check", cwd=repo).exit_code == 0

    team = repo / "catalog/teams/risk.yaml"
    team.write_text(team.read_text().replace("@acme/risk", "@acme/trust-and-safety"))
    result = cli("codeowners", "--check", cwd=repo)

    assert result.exit_code == 1
    assert "is out of date; run 'featurecat codeowners' and commit the result" in result.output
    assert "+/catalog/models/fraud_model.yaml" in result.output
    assert (repo / ".github/CODEOWNERS").read_text() == committed


def test_hand_written_rules_around_the_block_are_kept(repo: Path) -> None:
    target = repo / ".github/CODEOWNERS"
    target.parent.mkdir()
    target.write_text("* @acme/platform\n")
    assert cli("codeowners", cwd=repo).exit_code == 0
    first = target.read_text()
    assert first.startswith("* @acme/platform\n\n" + BEGIN)
    target.write_text(first + "/docs/ @acme/writers\n")
    assert cli("codeowners", "--consumers", cwd=repo).exit_code == 0
    text = target.read_text()
    assert text.startswith("* @acme/platform\n\n" + BEGIN)
    assert text.endswith(END + "\n/docs/ @acme/writers\n")
    assert text.count(BEGIN) == 1
    assert owners_of(text, "README.md") == ["@acme/platform"]


def test_broken_markers_are_a_usage_error_and_the_file_is_untouched(repo: Path) -> None:
    target = repo / ".github/CODEOWNERS"
    target.parent.mkdir()
    target.write_text(f"* @acme/platform\n{BEGIN}\n/x @a\n")
    result = cli("codeowners", cwd=repo)
    assert result.exit_code == 2
    assert "expected one '# BEGIN featurecat' line followed by one" in result.output
    assert target.read_text() == f"* @acme/platform\n{BEGIN}\n/x @a\n"


def test_teams_without_a_handle_get_a_warning_and_no_rule(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "ml/catalog", {"teams/risk.yaml": "name: risk\n"})
    commit_all(repo, "catalog")
    out = tmp_path / "CODEOWNERS"
    result = cli("codeowners", "--catalog", repo / "ml/catalog", "--out", out)
    assert result.exit_code == 0
    assert "warning: team 'risk' has no github handle" in result.output
    text = out.read_text()
    assert owners_of(text, "ml/catalog/models/churn_model.yaml") is None
    assert owners_of(text, "ml/catalog/features/user/user_age.yaml") == ["@acme/growth"]
    assert not (repo / ".github").exists()


def test_paths_codeowners_cannot_express_are_reported(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    root = make_catalog(repo / "my catalog")
    result = cli("codeowners", "--catalog", root)
    assert result.exit_code == 0
    assert result.output.count("warning:") == 1
    assert (
        "warning: my catalog: CODEOWNERS cannot express this path; rename it without spaces"
    ) in result.output
    assert "my catalog" not in (repo / ".github/CODEOWNERS").read_text()


def test_a_newline_in_the_catalog_folder_never_reaches_codeowners(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    root = make_catalog(repo / "ml\n/.github/ @evil\ncatalog")
    result = cli("codeowners", "--catalog", root)
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "warning: ml\\n/.github/ @evil\\ncatalog: CODEOWNERS cannot express this path; rename it "
        "without spaces or any of # ! [ ] ? \\ to give it code owners"
    )
    text = (repo / ".github/CODEOWNERS").read_text()
    assert text.splitlines()[2:] == [END]  # the markers, the note, and no rule


@pytest.mark.parametrize(
    "files",
    [
        {"teams/growth.yaml": 'name: growth\ngithub: "@acme/growth\\n"\n'},
        {
            "sources/user_profile.yaml": "name: user_profile\nowner: growth\nentity: user\n"
            'path: "a\\n/.github/\\nb.parquet"\n'
        },
        {"features/x\n@evil/user_tenure.yaml": "name: user_tenure\n"},
    ],
    ids=["handle", "source path", "folder name"],
)
def test_newlines_in_handles_and_paths_never_reach_codeowners(
    tmp_path: Path, files: dict[str, str]
) -> None:
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "catalog", files)
    result = cli("codeowners", cwd=repo)
    assert result.exit_code == 1
    assert "control character \\n" in result.output or "'@acme/growth\\n'" in result.output
    assert not (repo / ".github/CODEOWNERS").exists()
