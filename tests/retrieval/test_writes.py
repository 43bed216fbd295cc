"""register_feature and update_feature: checked first, written atomically, committed on request."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import featurecat
from featurecat import DataError, UnknownFeatureError, UnknownNameError
from featurecat.errors import UsageError
from featurecat.schema import Feature
from tests.retrieval.cases import entities, profile_repo
from tests.support import cli, commit_all, git, make_catalog


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return profile_repo(tmp_path)


def register_tenure(root: Path, **options: Any) -> Feature:
    return featurecat.register_feature(
        "tenure_days",
        options.pop("data", tenure()),
        catalog=root,
        owner="growth",
        entity="user",
        description="Days since signup.",
        **options,
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under the repository, with its bytes (git's own files left out)."""
    repo = root.parent
    return {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def tenure(**overrides: object) -> pd.DataFrame:
    data = {
        "user_id": [1, 2, 1],
        "event_timestamp": ["2025-01-01", "2025-01-01", "2025-02-01"],
        "tenure_days": [10, 20, 41],
    }
    return entities(**(data | overrides))


def test_register_writes_data_and_definitions_that_validate(root: Path) -> None:
    feature = register_tenure(root, tags=["account"], ttl="90d")
    assert (feature.name, feature.dtype, feature.source, feature.ttl) == (
        "tenure_days",
        "int64",
        "tenure_days",
        "90d",
    )
    assert (root / "features/user/tenure_days.yaml").read_text() == textwrap.dedent("""\
        name: tenure_days
        description: Days since signup.
        owner: growth
        source: tenure_days
        dtype: int64
        version: 1
        status: draft
        tags:
        - account
        ttl: 90d
        """)
    assert (root / "sources/tenure_days.yaml").read_text() == textwrap.dedent("""\
        name: tenure_days
        description: Values of feature tenure_days, written by featurecat.register_feature.
        owner: growth
        entity: user
        path: tenure_days.parquet
        timestamp: event_timestamp
        """)
    result = cli("validate", "--catalog", root, "--check-data")
    assert result.exit_code == 0, result.output
    frame = entities(user_id=[1, 1, 2], event_timestamp=["2025-01-15", "2025-03-01", "2025-01-01"])
    loaded = featurecat.load_features(["tenure_days"], frame, root)
    assert loaded["tenure_days"].tolist() == [10, 41, 20]


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (pd.array([1, None, 3], dtype="Int32"), "int32"),
        ([1.5, None, 2.0], "float64"),
        ([True, None, False], "bool"),
        (["a", None, "c"], "string"),
        (pd.to_datetime(["2024-01-01", None, "2024-02-01"], utc=True), "timestamp"),
    ],
)
def test_register_infers_the_dtype(root: Path, values: object, dtype: str) -> None:
    feature = register_tenure(root, data=tenure(tenure_days=values))
    assert feature.dtype == dtype
    loaded = featurecat.load_features(["tenure_days"], tenure().drop(columns="tenure_days"), root)
    assert (
        str(loaded["tenure_days"].dtype)
        == {
            "int32": "Int32",
            "float64": "float64",
            "bool": "boolean",
            "string": "string",
            "timestamp": "datetime64[us, UTC]",
        }[dtype]
    )
    assert pd.isna(loaded["tenure_days"].iloc[1])


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"name": "user_age"}, UsageError, "feature 'user_age' already exists"),
        ({"name": "Tenure"}, UsageError, "'Tenure' is not a valid feature name"),
        ({"entity": "usr"}, UnknownNameError, "unknown entity 'usr'. Did you mean 'user'?"),
        ({"owner": "growht"}, UnknownNameError, "unknown team 'growht'. Did you mean 'growth'?"),
        ({"dtype": "bool"}, DataError, "column 'tenure_days' holds integer values, which do not"),
        ({"dtype": "int32", "data": tenure(tenure_days=[1, 2, 2**40])}, DataError, "does not fit"),
        ({"data": tenure(user_id=[1, None, 2])}, DataError, "join key 'user_id' has missing"),
        (
            {"data": tenure().assign(event_timestamp=["x"] * 3)},
            DataError,
            "column 'event_timestamp' holds string values, not timestamps; convert it",
        ),
        ({"data": tenure().drop(columns="user_id")}, DataError, "the data has no column 'user_id'"),
        ({"status": "live"}, UsageError, "status: 'live' is not allowed; use one of"),
        ({"dtype": "int"}, UsageError, "dtype must be one of int32, int64, float32, float64"),
        ({"ttl": "3 days"}, UsageError, "'3 days' is not a valid duration"),
        # Arguments of the wrong type are refused, never coerced into something else.
        (
            {"tags": "pii"},
            UsageError,
            "tags must be a list of strings, such as tags=['pii'], not 'pii'",
        ),
        (
            {"tags": ["pii", 3]},
            UsageError,
            "tags must be a list of strings, such as tags=['pii'], not ['pii', 3]",
        ),
        (
            {"description": 5},
            UsageError,
            "description must be a string that says what the feature means, not int",
        ),
        ({"owner": ["growth"]}, UsageError, "owner must be a team name (a string), not list"),
        ({"entity": None}, UsageError, "entity must be an entity name (a string), not NoneType"),
        ({"source": 5}, UsageError, "source must be a source name (a string), not int"),
        (
            {"status": 1},
            UsageError,
            "status must be one of 'draft', 'production' or 'deprecated', not int",
        ),
        ({"ttl": 30}, UsageError, "ttl must be a duration string such as '30d' or '12h', not int"),
        (
            {"timestamp_column": 0},
            UsageError,
            "timestamp_column must be a column name (a string), not int",
        ),
        ({"branch": 5}, UsageError, "branch must be a git branch name (a string), not int"),
        (
            {"catalog": 5},
            UsageError,
            "catalog must be the path of a catalog folder or a featurecat.Catalog, not int",
        ),
    ],
)
def test_register_refuses_bad_input_and_writes_nothing(
    root: Path, change: dict[str, object], error: type[Exception], message: str
) -> None:
    before = snapshot(root)
    arguments: dict[str, object] = {
        "name": "tenure_days",
        "data": tenure(),
        "catalog": root,
        "owner": "growth",
        "entity": "user",
        "description": "Days since signup.",
    }
    arguments.update(change)
    with pytest.raises(error, match=re.escape(message)):
        featurecat.register_feature(**arguments)  # type: ignore[arg-type]
    assert snapshot(root) == before


def test_update_append_keeps_history_and_returns_new_values(root: Path) -> None:
    frame = entities(user_id=[1, 1, 2], event_timestamp=["2025-01-15", "2025-03-01", "2025-03-01"])
    before = featurecat.load_features(["user_age", "user_country"], frame, root)
    new = entities(
        user_id=[1, 2],
        event_timestamp=["2025-02-01", "2025-01-01"],  # user 2 restates the same time
        user_age=[31, 41],
        user_country=["dk", "fi"],
    )
    path = featurecat.update_feature("user_age", new, catalog=root)
    assert path == root / "data/user_profile.parquet"
    after = featurecat.load_features(["user_age", "user_country"], frame, root)
    assert before["user_age"].tolist() == [30, 30, 40]
    assert after["user_age"].tolist() == [30, 31, 41]  # old time reproduces, re-query is new
    assert after["user_country"].tolist() == ["se", "dk", "fi"]
    assert pq.read_table(path).num_rows == 4


def test_update_replace_swaps_the_data(root: Path) -> None:
    new = entities(user_id=[1], event_timestamp=["2025-06-01"], user_age=[33], country=["se"])
    featurecat.update_feature("user_age", new, catalog=root, mode="replace")
    frame = entities(user_id=[1, 2], event_timestamp=["2025-07-01", "2025-07-01"])
    loaded = featurecat.load_features(["user_age"], frame, root)
    assert [None if pd.isna(v) else v for v in loaded["user_age"]] == [33, None]
    assert not list(root.glob("data/.*"))  # no temporary or backup file left behind


def test_update_one_feature_of_a_shared_source_keeps_the_others(root: Path) -> None:
    # SPEC's call shape: join keys, event_timestamp and a column named after the feature.
    frame = entities(user_id=[1, 1, 2], event_timestamp=["2025-01-15", "2025-03-01", "2025-03-01"])
    before = featurecat.load_features(["user_age", "user_country"], frame, root)
    new = entities(user_id=[1, 3], event_timestamp=["2025-02-01", "2025-02-01"], user_age=[31, 50])
    featurecat.update_feature("user_age", new, catalog=root)
    after = featurecat.load_features(["user_age", "user_country"], frame, root)
    assert after["user_age"].tolist() == [30, 31, 40]
    # user 1's new row repeats the country it had then; nothing else moved.
    assert after["user_country"].tolist() == before["user_country"].tolist()
    unknown = featurecat.load_features(
        ["user_country"], entities(user_id=[3], event_timestamp=["2025-03-01"]), root
    )
    assert unknown["user_country"].isna().all()  # a new user has no country to repeat


def test_update_replace_needs_every_feature_of_a_shared_source(root: Path) -> None:
    before = snapshot(root)
    only_age = entities(user_id=[1], event_timestamp=["2025-06-01"], user_age=[33])
    with pytest.raises(DataError, match="mode='replace' swaps the whole file of source"):
        featurecat.update_feature("user_age", only_age, catalog=root, mode="replace")
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            entities(user_id=[1], event_timestamp=["2025-06-01"], user_age=["x"], country=["se"]),
            "column 'user_age' holds string values, which do not fit dtype int64",
        ),
        (
            entities(user_id=[1], event_timestamp=["2025-06-01"], user_age=[1.5], country=["se"]),
            "column 'user_age' does not fit dtype int64: Float value 1.500000 was truncated",
        ),
    ],
)
def test_update_refuses_bad_data_and_changes_nothing(
    root: Path, data: pd.DataFrame, message: str
) -> None:
    before = snapshot(root)
    with pytest.raises(DataError, match=message):
        featurecat.update_feature("user_age", data, catalog=root)
    assert snapshot(root) == before
    with pytest.raises(UsageError, match="mode must be 'append' or 'replace'"):
        featurecat.update_feature("user_age", data, catalog=root, mode="upsert")  # type: ignore[arg-type]
    with pytest.raises(UnknownFeatureError, match="Did you mean 'user_age'"):
        featurecat.update_feature("user_agee", data, catalog=root)
    with pytest.raises(
        UsageError, match=re.escape("name must be a feature name (a string), not list")
    ):
        featurecat.update_feature(["user_age"], data, catalog=root)  # type: ignore[arg-type]
    with pytest.raises(
        UsageError, match=re.escape("branch must be a git branch name (a string), not int")
    ):
        featurecat.update_feature("user_age", data, catalog=root, branch=5)  # type: ignore[arg-type]
    assert snapshot(root) == before


def test_update_a_csv_source(tmp_path: Path) -> None:
    catalog = make_catalog(
        tmp_path / "catalog",
        {
            "sources/user_profile.yaml": "name: user_profile\nowner: growth\nentity: user\n"
            "path: profile.csv\n",
            "data/profile.csv": "user_id,event_timestamp,user_age,country\n"
            "1,2025-01-01T00:00:00Z,30,se\n",
        },
    )
    new = entities(user_id=[1], event_timestamp=["2025-02-01"], user_age=[31], country=["se"])
    featurecat.update_feature("user_age", new, catalog=catalog)
    frame = entities(user_id=[1, 1], event_timestamp=["2025-01-15", "2025-02-15"])
    assert featurecat.load_features(["user_age"], frame, catalog)["user_age"].tolist() == [30, 31]


def test_branch_commits_exactly_the_change(root: Path) -> None:
    repo = root.parent
    (root / "notes.txt").write_text("work in progress\n")  # must stay uncommitted
    register_tenure(root, branch="features/tenure-days")
    assert git(repo, "branch", "--show-current") == "features/tenure-days"
    assert git(repo, "log", "-1", "--format=%s") == (
        "Register feature tenure_days (int64, entity user, 3 rows)"
    )
    assert git(repo, "show", "--name-only", "--format=", "HEAD").splitlines() == [
        "catalog/data/tenure_days.parquet",
        "catalog/features/user/tenure_days.yaml",
        "catalog/sources/tenure_days.yaml",
    ]
    assert git(repo, "status", "--porcelain") == "?? catalog/notes.txt"
    assert git(repo, "rev-parse", "main") == git(repo, "rev-parse", "HEAD~1")

    new = tenure(event_timestamp=["2025-03-01"] * 3)
    featurecat.update_feature("tenure_days", new, catalog=root, branch="features/tenure-march")
    assert git(repo, "show", "--name-only", "--format=%s", "HEAD").splitlines() == [
        "Update data of feature tenure_days (append, 3 rows)",
        "",
        "catalog/data/tenure_days.parquet",
    ]
    # The working copy was on the first branch, so the second one starts from it.
    assert git(repo, "branch", "--show-current") == "features/tenure-march"
    assert git(repo, "rev-parse", "HEAD~1") == git(repo, "rev-parse", "features/tenure-days")


@pytest.mark.parametrize(
    ("branch", "message"),
    [
        ("@", "'@' is not a valid git branch name"),
        (
            "refs/heads/y",
            "'refs/heads/y' is a full ref name, not a branch name; git would create "
            "refs/heads/refs/heads/y. Pass the branch name alone (like 'y')",
        ),
        ("HEAD", "'HEAD' is not a valid git branch name"),
        ("-b", "'-b' is not a valid git branch name"),
        ("@{-1}", "'@{-1}' is not a valid git branch name"),
        ("a b", "'a b' is not a valid git branch name"),
    ],
)
def test_branch_names_git_would_read_as_something_else_are_refused(
    root: Path, branch: str, message: str
) -> None:
    repo = root.parent
    before = snapshot(root)
    with pytest.raises(UsageError, match=re.escape(message)):
        register_tenure(root, branch=branch)
    assert snapshot(root) == before
    assert git(repo, "for-each-ref", "--format=%(refname)", "refs/heads") == "refs/heads/main"
    assert git(repo, "branch", "--show-current") == "main"


def test_branch_problems_leave_everything_as_it_was(root: Path) -> None:
    repo = root.parent
    git(repo, "branch", "taken")
    before = snapshot(root)
    with pytest.raises(UsageError, match="git branch 'taken' already exists"):
        featurecat.update_feature("user_age", tenure_like(), catalog=root, branch="taken")
    with pytest.raises(UsageError, match=re.escape("'bad..name' is not a valid git branch name")):
        featurecat.update_feature("user_age", tenure_like(), catalog=root, branch="bad..name")
    hook = repo / ".git/hooks/pre-commit"
    hook.write_text("#!/bin/sh\necho 'blocked by policy' >&2\nexit 1\n")
    hook.chmod(0o755)
    with pytest.raises(UsageError, match="could not commit on branch 'fresh': blocked by policy"):
        featurecat.update_feature("user_age", tenure_like(), catalog=root, branch="fresh")
    assert snapshot(root) == before
    assert git(repo, "branch", "--show-current") == "main"
    assert "fresh" not in git(repo, "branch")
    assert git(repo, "status", "--porcelain") == ""


def tenure_like() -> pd.DataFrame:
    return entities(user_id=[1], event_timestamp=["2025-06-01"], user_age=[33], country=["se"])


def test_branch_leaves_out_data_that_git_ignores(root: Path) -> None:
    repo = root.parent
    (repo / ".gitignore").write_text("catalog/data/tenure_days.parquet\n")
    commit_all(repo, "Keep generated data out of git")
    register_tenure(root, branch="features/tenure-days")
    assert git(repo, "show", "--name-only", "--format=", "HEAD").splitlines() == [
        "catalog/features/user/tenure_days.yaml",
        "catalog/sources/tenure_days.yaml",
    ]
    before = snapshot(root)
    with pytest.raises(UsageError, match="git ignores every file this change writes"):
        featurecat.update_feature("tenure_days", tenure(), catalog=root, branch="more-tenure")
    assert snapshot(root) == before
