"""Training manifests: what a load used, attached to the result and written to a file."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path

import pytest

import featurecat
from featurecat.errors import UsageError
from featurecat.retrieval import manifest
from featurecat.retrieval.stale import stale_features
from tests.retrieval.cases import entities, profile_repo, write_profile
from tests.support import commit_all, make_catalog


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return profile_repo(tmp_path)


LABELS = entities(
    user_id=[2, 1, 1], event_timestamp=["2025-03-01", "2025-01-05 08:30", "2025-02-01"]
)


def test_the_result_carries_what_the_load_used(root: Path) -> None:
    head = commit_all(root.parent, "nothing new")
    result = featurecat.load_features(
        ["user_age", "user_country"], LABELS, root, model="churn_model"
    )
    record = result.attrs["featurecat"]
    assert record["featurecat_manifest"] == 1
    assert record["engine"] == "duckdb"
    assert record["model"] == "churn_model"
    assert record["catalog"] == {
        "name": "test",
        "path": "catalog",
        "ref": None,
        "commit": head,
        "dirty": False,
    }
    assert record["entity_rows"] == {
        "count": 3,
        "timestamp_column": "event_timestamp",
        "start": "2025-01-05T08:30:00Z",
        "end": "2025-03-01T00:00:00Z",
    }
    assert datetime.fromisoformat(record["created_at"].replace("Z", "+00:00")).tzinfo
    age = record["features"]["user_age"]
    assert age["version"] == 1
    assert age["fields"] == {
        "source": "user_profile",
        "column": "user_age",
        "dtype": "int64",
        "ttl": None,
        "entity": "user",
        "join_keys": ["user_id"],
        "path": "user_profile.parquet",
        "timestamp": "event_timestamp",
    }
    assert age["definition"].startswith("sha256:")
    profile = record["sources"]["user_profile"]
    size = (root / "data/user_profile.parquet").stat().st_size
    assert profile["files"] == [
        {
            "path": "catalog/data/user_profile.parquet",
            "size": size,
            "hash": profile["files"][0]["hash"],
        }
    ]
    assert profile["fingerprint"].startswith("sha256:")


def test_dirty_catalogs_are_flagged(root: Path) -> None:
    (root / "notes.md").write_text("untracked files count: they may be new data")
    record = featurecat.load_features(["user_age"], LABELS, root).attrs["featurecat"]
    assert record["catalog"]["dirty"] is True


def test_outside_git_there_is_no_commit(tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path / "catalog")
    write_profile(catalog, ages=(1, 2))
    record = featurecat.load_features(["user_age"], LABELS, catalog).attrs["featurecat"]
    assert (record["catalog"]["commit"], record["catalog"]["dirty"]) == (None, None)


def test_the_manifest_file_is_the_same_record(root: Path, tmp_path: Path) -> None:
    target = tmp_path / "runs/churn.json"
    target.parent.mkdir()
    result = featurecat.load_features(["user_age"], LABELS, root, manifest=target)
    assert json.loads(target.read_text()) == result.attrs["featurecat"]
    assert manifest.read(target) == result.attrs["featurecat"]


def test_missing_folders_of_the_manifest_path_are_created(root: Path, tmp_path: Path) -> None:
    target = tmp_path / "runs/2025/churn.json"
    result = featurecat.load_features(["user_age"], LABELS, root, manifest=target)
    assert manifest.read(target) == result.attrs["featurecat"]


def test_a_folder_is_not_a_manifest_path_and_stays_as_it_was(root: Path, tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "old.json").write_text("{}")
    with pytest.raises(UsageError) as caught:
        featurecat.load_features(["user_age"], LABELS, root, manifest=folder)
    assert str(caught.value) == (
        f"manifest {folder} is a folder; pass a file path such as {folder}/manifest.json"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "runs"]
    assert [p.name for p in folder.iterdir()] == ["old.json"]


def test_a_manifest_path_that_cannot_be_written_is_refused_first(
    root: Path, tmp_path: Path
) -> None:
    (tmp_path / "runs").write_text("a file")
    target = tmp_path / "runs/churn.json"
    with pytest.raises(UsageError) as caught:
        featurecat.load_features(["user_age"], LABELS, root, manifest=target)
    assert str(caught.value) == (
        f"manifest {target} cannot be written: {tmp_path}/runs is a file, not a folder; pass "
        "another path"
    )
    with pytest.raises(UsageError, match="manifest must be a file path such as"):
        featurecat.load_features(["user_age"], LABELS, root, manifest=3)  # type: ignore[arg-type]


def test_a_manifest_folder_without_write_permission_is_refused_first(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    # CI runs as root, who may write anywhere: deny this one folder as the OS would.
    allowed = os.access
    monkeypatch.setattr(
        manifest.os, "access", lambda p, mode: Path(p) != folder and allowed(p, mode)
    )
    with pytest.raises(UsageError) as caught:
        featurecat.load_features(["user_age"], LABELS, root, manifest=folder / "m.json")
    assert str(caught.value) == (
        f"manifest {folder}/m.json cannot be written: you have no permission to write in "
        f"{folder}; pass a path in a folder you can write to"
    )
    assert list(folder.iterdir()) == []


def test_fingerprints_follow_content_not_modification_times(root: Path) -> None:
    data = root / "data/user_profile.parquet"
    first = featurecat.load_features(["user_age"], LABELS, root).attrs["featurecat"]
    os.utime(data, (1, 1))
    touched = featurecat.load_features(["user_age"], LABELS, root).attrs["featurecat"]
    assert touched["sources"] == first["sources"]
    assert stale_features(first, featurecat.Catalog.load(root)) == []
    write_profile(root, ages=(31, 40))
    changed = stale_features(first, featurecat.Catalog.load(root))
    assert [(c.feature, c.kind, c.describe("churn_model")) for c in changed] == [
        (
            "user_age",
            "data",
            "user_age data changed (source user_profile): retrain churn_model",
        )
    ]


def test_stale_features_names_every_kind_of_change(root: Path) -> None:
    before = featurecat.load_features(["user_age", "user_country"], LABELS, root).attrs[
        "featurecat"
    ]
    age = root / "features/user/user_age.yaml"
    age.write_text(age.read_text() + "version: 2\n")
    country = root / "features/user/user_country.yaml"
    country.write_text(country.read_text() + "ttl: 30d\n")
    changes = stale_features(before, featurecat.Catalog.load(root))
    assert [c.describe("churn_model") for c in changes] == [
        "user_age v1 -> v2: retrain churn_model",
        "user_country v1 changed (ttl (unset) -> 30d): retrain churn_model",
    ]
    age.unlink()
    (root / "models/churn_model.yaml").write_text(
        "name: churn_model\nowner: risk\nfeatures: [user_country]\n"
    )
    changes = stale_features(before, featurecat.Catalog.load(root))
    assert changes[0].describe("churn_model") == (
        "user_age was removed from the catalog: retrain churn_model without it"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not a featurecat manifest (Expecting property name"),
        ('{"features": {}}', "not a featurecat manifest (no 'featurecat_manifest: 1')"),
        ('{"featurecat_manifest": 1, "features": []}', "has no 'features' or 'sources'"),
    ],
)
def test_reading_something_else_fails_clearly(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(text)
    with pytest.raises(featurecat.DataError, match=re.escape(message)):
        manifest.read(path)
