"""``validate --changed-since REF``: a pull request's own errors come first."""

from __future__ import annotations

from pathlib import Path

from tests.support import cli, commit_all, init_repo, make_catalog

BROKEN = "name: {name}\ndescription: Broken.\nowner: nobody\nsource: user_profile\ndtype: int64\n"


def test_problems_in_changed_files_come_first(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    make_catalog(
        repo / "catalog",
        {f"features/a/a{i:02d}.yaml": BROKEN.format(name=f"a{i:02d}") for i in range(12)},
    )
    commit_all(repo, "Twelve broken features already on main")
    make_catalog(repo / "catalog", {"features/z/z_new.yaml": BROKEN.format(name="z_new")})
    age = repo / "catalog/features/user/user_age.yaml"
    age.write_text(age.read_text().replace("owner: growth", "owner: growht"))

    plain = cli("validate", "--format", "github", cwd=repo)
    first = cli("validate", "--format", "github", "--changed-since", "HEAD", cwd=repo)

    assert plain.exit_code == first.exit_code == 1
    assert sorted(plain.stdout.splitlines()) == sorted(first.stdout.splitlines())
    files = [line.split("file=")[1].split(",")[0] for line in first.stdout.splitlines()]
    assert files[:2] == [
        "catalog/features/user/user_age.yaml",
        "catalog/features/z/z_new.yaml",
    ]
    assert len(files) == 14
    assert files[0] not in [f for f in files[2:]]


def test_an_unknown_ref_is_a_usage_error(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "catalog")
    commit_all(repo, "catalog")
    result = cli("validate", "--changed-since", "origin/main", cwd=repo)
    assert result.exit_code == 2
    assert "unknown git ref 'origin/main'" in result.output
