"""Delta and Iceberg sources (and objects on S3) through every API: reproduction from a
manifest, appends and replaces as commits, concurrent writers, new tables, bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import featurecat
from featurecat.data import locate
from tests.retrieval.cases import BASE, entities, feature_yaml, rows
from tests.storage.server import S3Server
from tests.storage.stores import new_prefix, project_yaml, put_source
from tests.support import build_tree, cli, commit_all, init_repo

FIRST = rows(
    user_id=[1, 2], event_timestamp=["2025-01-01", "2025-01-01"], age=[30, 40], name=["a", "b"]
)
LABELS = entities(user_id=[1, 2, 3], event_timestamp=["2025-03-01"] * 3)


def catalog(tmp_path: Path, store: str, s3: S3Server | None) -> Path:
    """A committed catalog with source ``events`` (features age, name) in ``store``."""
    repo = init_repo(tmp_path / "repo")
    root = repo / "catalog"
    prefix = new_prefix()
    build_tree(
        root,
        {
            **BASE,
            "featurecat.yaml": project_yaml("cases", s3, prefix),
            "features/age.yaml": feature_yaml("age", "events", "int64"),
            "features/name.yaml": feature_yaml("name", "events", "string"),
            "sources/events.yaml": "",
        },
    )
    where = put_source(root, store, "events", [FIRST], s3=s3, prefix=prefix)
    (root / "sources/events.yaml").write_text("name: events\nowner: growth\nentity: user\n" + where)
    (repo / ".gitignore").write_text("*.db\ndata/\n")
    commit_all(repo, "catalog")
    return root


def later(ages: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [1, 2][: len(ages)],
            "event_timestamp": pd.to_datetime(["2025-02-01"] * len(ages), utc=True),
            "age": ages,
        }
    )


@pytest.mark.parametrize("store", ["delta-local", "delta-s3", "iceberg"])
def test_a_load_is_reproduced_bit_for_bit_after_appends_and_replaces(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    s3 = request.getfixturevalue("s3") if store != "delta-local" else None
    root = catalog(tmp_path, store, s3)
    manifest = tmp_path / "run.json"
    original = featurecat.load_features(["age", "name"], LABELS, root, manifest=manifest)
    assert original["age"].tolist() == [30, 40, pd.NA]

    featurecat.update_feature("age", later([31, 41]), root, mode="append")
    assert featurecat.load_features(["age"], LABELS, root)["age"].tolist() == [31, 41, pd.NA]
    status = cli("models", "status", "--catalog", root, "--manifest", manifest)
    assert status.exit_code == 1 and "age data changed (source events" in status.output

    pd.testing.assert_frame_equal(featurecat.reproduce(manifest, LABELS, root), original)
    featurecat.update_feature("age", later([50, 60]).assign(name=["x", "y"]), root, mode="replace")
    pd.testing.assert_frame_equal(featurecat.reproduce(manifest, LABELS, root), original)
    with pytest.raises(featurecat.DataError, match="entity_df is not the frame"):
        featurecat.reproduce(manifest, LABELS.iloc[:2], root)


def test_a_changed_object_fails_reproduction_naming_the_source(
    tmp_path: Path, s3: S3Server
) -> None:
    root = catalog(tmp_path, "s3", s3)
    manifest = tmp_path / "run.json"
    featurecat.load_features(["age"], LABELS, root, manifest=manifest)
    featurecat.update_feature("age", later([31]), root, mode="append")  # rewrites the object
    with pytest.raises(featurecat.DataError) as caught:
        featurecat.reproduce(manifest, LABELS, root)
    message = str(caught.value)
    assert message.startswith(f"{manifest}: cannot reproduce the load: ")
    assert "sources/events.yaml:4: error: the data of source 'events' changed since" in message
    assert "events.parquet was rewritten" in message


def test_concurrent_appends_from_two_processes_all_land(tmp_path: Path, s3: S3Server) -> None:
    root = catalog(tmp_path, "delta-s3", s3)
    script = (
        "import sys, pandas as pd, featurecat\n"
        "for i in range(4):\n"
        "    frame = pd.DataFrame({'user_id': [int(sys.argv[1])], 'age': [i],\n"
        "        'event_timestamp': pd.to_datetime(['2025-02-01'], utc=True)})\n"
        f"    featurecat.update_feature('age', frame, {str(root)!r}, mode='append')\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(user)], stderr=subprocess.PIPE)
        for user in (7, 8)
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    data = locate(featurecat.Catalog.load(root), "events")
    assert data.version == 8
    assert data.read_table().num_rows == 2 + 8


@pytest.mark.parametrize("fmt", ["delta", "iceberg"])
def test_register_feature_creates_a_table(tmp_path: Path, fmt: str, s3: S3Server) -> None:
    root = catalog(tmp_path, "local", s3)
    path = f"s3://fc-test/{new_prefix()}/tables/scores" if fmt == "delta" else None
    frame = later([5, 6]).rename(columns={"age": "score"})
    lake = featurecat.Catalog.load(root).project.locations["lake"].url
    path = f"{lake}/tables/scores" if fmt == "delta" else None
    featurecat.register_feature(
        "score",
        frame,
        root,
        owner="growth",
        entity="user",
        description="A score.",
        format=fmt,
        path=path,
    )
    found = featurecat.load_features(["score"], LABELS, root)
    assert found["score"].tolist() == [5, 6, pd.NA]
    assert featurecat.Catalog.load(root).sources["score"].format == fmt


def test_validate_check_data_reads_metadata_only(tmp_path: Path, s3: S3Server) -> None:
    root = catalog(tmp_path, "delta-s3", s3)
    s3.traffic(reset=True)
    result = cli("validate", "--catalog", root, "--check-data")
    assert result.exit_code == 0, result.output
    paths = [entry[1] for entry in s3.traffic() if entry[0] == "GET"]
    assert any("/_delta_log/" in p for p in paths)
    assert not [p for p in paths if p.endswith(".parquet")]  # the log only, no data file


def test_value_agreement_leaves_data_outside_the_repository_unread(
    tmp_path: Path, s3: S3Server
) -> None:
    # Two numeric features sharing a name word are compared by their values only when their
    # data is local: on object storage --check-data stays a metadata read.
    root = catalog(tmp_path, "delta-s3", s3)
    prefix = featurecat.Catalog.load(root).project.locations["lake"].url.rsplit("/", 1)[-1]
    copy = rows(user_id=[1, 2], event_timestamp=["2025-01-01"] * 2, age_band=[30, 40])
    where = put_source(root, "delta-s3", "copies", [copy], s3=s3, prefix=prefix)
    (root / "sources/copies.yaml").write_text("name: copies\nowner: growth\nentity: user\n" + where)
    (root / "features/age_band.yaml").write_text(feature_yaml("age_band", "copies", "int64"))
    s3.traffic(reset=True)
    result = cli("validate", "--catalog", root, "--check-data")
    assert result.exit_code == 0, result.output
    paths = [entry[1] for entry in s3.traffic() if entry[0] == "GET"]
    assert sum("/_delta_log/" in p for p in paths) >= 2  # both tables' logs were read
    assert not [p for p in paths if p.endswith(".parquet")]  # and no data file of either


def test_validate_check_data_reads_a_parquet_objects_footer_only(
    tmp_path: Path, s3: S3Server
) -> None:
    import pyarrow.parquet as pq

    root = catalog(tmp_path, "s3", s3)
    uri = featurecat.Catalog.load(root).sources["events"].path
    s3.traffic(reset=True)
    result = cli("validate", "--catalog", root, "--check-data")
    assert result.exit_code == 0, result.output
    sent = [entry for entry in s3.traffic() if entry[1].endswith("/events.parquet")]
    footer = pq.ParquetFile(_local_copy(s3, str(uri), tmp_path)).metadata.serialized_size
    assert [e[0] for e in sent] == ["HEAD", "GET", "GET"]  # listed once, then two ranges
    assert sum(e[3] for e in sent) == footer + 8  # the footer, its length and magic


def _local_copy(s3: S3Server, uri: str, tmp_path: Path) -> Path:
    bucket, key = uri[len("s3://") :].split("/", 1)
    local = tmp_path / "copy.parquet"
    s3.client().download_file(bucket, key, str(local))
    return local


@pytest.mark.parametrize(
    ("store", "damage", "expected"),
    [
        ("delta-local", "not-a-table", "is not a Delta table (no _delta_log) for source 'events'"),
        ("iceberg", "drop-table", "no table feat.events in Iceberg catalog 'ice'"),
        ("s3", "no-bucket", "bucket 'fc-nowhere' of s3://fc-nowhere"),
        ("delta-s3", "no-bucket", "bucket 'fc-nowhere' of s3://fc-nowhere"),
    ],
)
def test_bad_data_is_one_line_at_the_source(
    tmp_path: Path, store: str, damage: str, expected: str, request: pytest.FixtureRequest
) -> None:
    s3 = request.getfixturevalue("s3") if store != "delta-local" else None
    root = catalog(tmp_path, store, s3)
    source = root / "sources/events.yaml"
    if damage == "not-a-table":
        source.write_text(source.read_text().replace("path: events", "path: plain"))
        (root / "data/plain").mkdir()
    elif damage == "drop-table":
        source.write_text(source.read_text().replace("feat.events", "feat.missing"))
        expected = expected.replace("feat.events", "feat.missing")
    else:
        text = source.read_text().replace("s3://fc-test/", "s3://fc-nowhere/")
        source.write_text(text)
        project = root / "featurecat.yaml"
        project.write_text(project.read_text().replace("s3://fc-test/", "s3://fc-nowhere/"))
    result = cli("validate", "--catalog", root, "--check-data", cwd=tmp_path)
    (line,) = [ln for ln in result.output.splitlines() if ": error: " in ln]
    assert line.startswith("repo/catalog/sources/events.yaml:")
    assert expected in line
    with pytest.raises(featurecat.DataError, match=expected.split("(")[0][:30]):
        featurecat.load_features(["age"], LABELS, root)


@pytest.mark.parametrize("store", ["delta-local", "delta-s3"])
def test_a_vacuumed_version_and_a_dropped_column_are_told(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    from deltalake import DeltaTable, write_deltalake

    s3 = request.getfixturevalue("s3") if store == "delta-s3" else None
    root = catalog(tmp_path, store, s3)
    manifest = tmp_path / "run.json"
    original = featurecat.load_features(["age"], LABELS, root, manifest=manifest)
    data = locate(featurecat.Catalog.load(root), "events")
    uri, options = str(data.uri), data.place.delta_options() if data.place else {}
    write_deltalake(
        uri,
        FIRST.drop_columns(["name"]),
        mode="overwrite",
        schema_mode="overwrite",
        storage_options=options,
    )
    with pytest.raises(featurecat.DataError, match="column 'name' is not in source 'events'"):
        featurecat.load_features(["name"], LABELS, root)
    result = cli("validate", "--catalog", root, "--check-data", cwd=tmp_path)
    (line,) = [ln for ln in result.output.splitlines() if ": error: " in ln]
    assert line.startswith("repo/catalog/features/name.yaml:"), line
    assert "'name'" in line and "events" in line
    pd.testing.assert_frame_equal(featurecat.reproduce(manifest, LABELS, root), original)
    DeltaTable(uri, storage_options=options).vacuum(
        retention_hours=0, enforce_retention_duration=False, dry_run=False
    )
    with pytest.raises(featurecat.DataError) as caught:
        featurecat.reproduce(manifest, LABELS, root)
    assert "version 0 of Delta table" in str(caught.value)
    assert "were removed (vacuumed), so the load cannot be reproduced" in str(caught.value)


def test_an_expired_iceberg_snapshot_is_told_by_reproduce(tmp_path: Path, s3: S3Server) -> None:
    root = catalog(tmp_path, "iceberg", s3)
    manifest = tmp_path / "run.json"
    featurecat.load_features(["age"], LABELS, root, manifest=manifest)
    featurecat.update_feature("age", later([31, 41]), root, mode="append")
    table = locate(featurecat.Catalog.load(root), "events").table
    first = table.snapshots()[0].snapshot_id
    table.maintenance.expire_snapshots().by_id(first).commit()
    with pytest.raises(featurecat.DataError) as caught:
        featurecat.reproduce(manifest, LABELS, root)
    message = str(caught.value)
    assert message.startswith(f"{manifest}: cannot reproduce the load: ")
    assert "sources/events.yaml:" in message
    assert f"snapshot {first} of Iceberg table feat.events (source 'events') was expired" in message
