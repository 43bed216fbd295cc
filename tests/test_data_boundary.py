"""One boundary for every reader of data: a glob whose matches lead outside the repository
through a symbolic link (to a file or a folder) is refused alike by the loader,
``validate --check-data`` and the portal's data profiles, and no value of the outside file
is ever shown."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import featurecat
from tests.retrieval.cases import entities
from tests.support import BASE_CATALOG, cli, init_repo, make_catalog

SECRET = "s3cr3t-value"
OUTSIDE_CSV = f"user_id,event_timestamp,user_age,country\n1,2025-01-01T00:00:00Z,41,{SECRET}\n"
INSIDE_CSV = "user_id,event_timestamp,user_age,country\n2,2025-01-01T00:00:00Z,30,se\n"
SOURCE = "catalog/sources/user_profile.yaml"


def layout(repo: Path, outside: Path, kind: str) -> str:
    """Data under ``repo``'s catalog that reaches ``outside``; returns the file reported."""
    data = repo / "catalog/data"
    if kind == "file":  # ln -s /outside/secret.csv catalog/data/leak/a.csv
        (data / "leak").mkdir(parents=True)
        (data / "leak/a.csv").symlink_to(outside / "secret.csv")
        return "a.csv"
    if kind == "folder":  # ln -s /outside catalog/data/leak
        data.mkdir()
        (data / "leak").symlink_to(outside)
        return "secret.csv"
    if kind == "data_root":  # the whole data folder is a link
        (outside / "leak").mkdir()
        (outside / "leak/secret.csv").write_text(OUTSIDE_CSV)
        data.symlink_to(outside)
        return "secret.csv"
    # One good file inside, one link outside: the source is refused as a whole.
    (data / "leak").mkdir(parents=True)
    (data / "leak/a.csv").write_text(INSIDE_CSV)
    (data / "leak/b.csv").symlink_to(outside / "secret.csv")
    return "b.csv"


@pytest.fixture(params=["file", "folder", "data_root", "mixed"])
def leak(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, str]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text(OUTSIDE_CSV)
    repo = init_repo(tmp_path / "repo")
    source = BASE_CATALOG["sources/user_profile.yaml"]
    make_catalog(
        repo / "catalog",
        {"sources/user_profile.yaml": source.replace("user_profile.parquet", "leak/*.csv")},
    )
    name = layout(repo, outside, request.param)
    return repo, name


def expected(name: str) -> str:
    return (
        f"{SOURCE}:5: error: data file catalog/data/leak/{name} of source 'user_profile' "
        "leads outside the repository through a symbolic link; keep data inside the repository "
        "[path-escapes-repo]"
    )


def test_plain_validate_reports_it_once(leak: tuple[Path, str]) -> None:
    """Without --check-data too: the glob's matches are resolved, and each problem is one line."""
    repo, name = leak
    for args in (("validate",), ("validate", "--check-data")):
        result = cli(*args, cwd=repo)
        assert result.exit_code == 1
        *errors, _ = result.output.splitlines()
        assert errors == [expected(name)]


def test_check_data_reports_it_at_the_path_line(leak: tuple[Path, str]) -> None:
    repo, name = leak
    result = cli("validate", "--check-data", cwd=repo)
    assert result.exit_code == 1
    *errors, summary = result.output.splitlines()
    assert expected(name) in errors
    # Nothing else: no column of the outside file, and no other error about it.
    assert all(e.startswith(f"{SOURCE}:5: ") and e.endswith("[path-escapes-repo]") for e in errors)
    assert summary.startswith(f"FAILED: {len(errors)} error")
    assert SECRET not in result.output and "country" not in result.output


def test_the_loader_refuses_it_the_same_way(leak: tuple[Path, str]) -> None:
    repo, _ = leak
    labels = entities(user_id=[1], event_timestamp=["2025-02-01"])
    previous = Path.cwd()
    os.chdir(repo)
    try:
        with pytest.raises(featurecat.FeaturecatError) as caught:
            featurecat.load_features(["user_age"], labels, "catalog")
    finally:
        os.chdir(previous)
    message = str(caught.value)
    assert f"{SOURCE}:5: error: " in message and message.endswith("[path-escapes-repo]")
    assert "leads outside the repository through a symbolic link" in message


def test_the_portal_does_not_profile_it_and_says_why(
    leak: tuple[Path, str], tmp_path: Path
) -> None:
    repo, name = leak
    out = tmp_path / "site"
    result = cli("docs", "build", "--out", out, cwd=repo)
    assert "leads outside the repository through a symbolic link" in result.output
    assert SECRET not in result.output
    if out.exists():  # built, with a note instead of a profile (not refused as invalid)
        assert result.exit_code == 0, result.output
        note = (
            f"data file leak/{name} leads outside the repository through a symbolic link, "
            "so it is not read"
        )
        assert f"no data profile for source user_profile: {note}" in result.output
        page = (out / "sources/user_profile/index.html").read_text(encoding="utf-8")
        assert f"none: {note}" in page
        leaked = [p for p in out.rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
        assert leaked == []
