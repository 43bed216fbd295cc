"""Errors users can cause: each one a clear message, never an engine's traceback."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import featurecat
from featurecat import (
    CatalogError,
    DataError,
    FeaturecatError,
    UnknownFeatureError,
    UnknownNameError,
)
from featurecat.errors import UsageError
from tests.retrieval.cases import Case, entities, rows
from tests.retrieval.conftest import Load
from tests.support import init_repo


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A catalog in a git repository: user and merchant features, one CSV source."""
    repo = init_repo(tmp_path / "repo")
    case = (
        Case([], entities())
        .source(
            "profile",
            "user",
            rows(user_id=[1], event_timestamp=["2025-01-01"], age=[30]),
            {"age": "int64"},
        )
        .source(
            "stats",
            "merchant",
            "merchant_id,event_timestamp,rating\n5,2025-01-01T00:00:00Z,4.5\n",
            {"rating": "float64"},
            suffix="csv",
        )
    )
    return case.build(repo / "catalog")


def labels(**columns: object) -> pd.DataFrame:
    return entities(**({"user_id": [1], "event_timestamp": ["2025-02-01"]} | columns))


def failure(load: Load, *args: object, **kwargs: object) -> str:
    """The message of the FeaturecatError a load raises, checked to hold no traceback."""
    with pytest.raises(FeaturecatError) as caught:
        load(*args, **kwargs)
    message = str(caught.value)
    for leak in ("Traceback", "py4j", "at org.apache", "duckdb.Error", "Binder Error", "Java"):
        assert leak not in message
    return message


def test_missing_join_key(load: Load, root: Path) -> None:
    message = failure(load, ["age", "rating"], labels(), root)
    assert message == (
        "entity_df is missing a join key: 'merchant_id' (join key of entity 'merchant', "
        "needed by rating). Its columns are: user_id, event_timestamp"
    )


def test_missing_timestamp_column(load: Load, root: Path) -> None:
    frame = labels().rename(columns={"event_timestamp": "event_time"})
    message = failure(load, ["age"], frame, root)
    assert message == (
        "entity_df has no timestamp column 'event_timestamp' (did you mean 'event_time'?); its "
        "columns are: user_id, event_time. Add the time of each row, or pass "
        "timestamp_column='...'"
    )
    assert load(["age"], frame, root, timestamp_column="event_time")["age"].tolist() == [30]


@pytest.mark.parametrize(
    ("stamps", "kind"),
    [
        (["2025-02-01"], "string"),
        ([20250201], "integer"),
        ([pd.Timestamp("2025-02-01").date()], "other"),
    ],
)
def test_timestamp_column_of_the_wrong_type(
    load: Load, root: Path, stamps: list[object], kind: str
) -> None:
    frame = pd.DataFrame({"user_id": [1], "event_timestamp": stamps})
    message = failure(load, ["age"], frame, root)
    assert message == (
        f"entity_df column 'event_timestamp' holds {kind} values, not timestamps; convert it "
        "first, for example with pd.to_datetime(entity_df['event_timestamp'], utc=True)"
    )


def test_join_key_of_the_wrong_type(load: Load, root: Path) -> None:
    message = failure(load, ["age"], labels(user_id=["1"]), root)
    assert message == (
        "join key 'user_id' holds string values in entity_df but integer values in source "
        "'profile'; convert the entity_df column to match"
    )


def test_join_key_missing_in_every_row(load: Load, root: Path) -> None:
    frame = labels(user_id=[None, None], event_timestamp=["2025-02-01"] * 2)
    message = failure(load, ["age"], frame, root)
    assert message == (
        "join key 'user_id' is missing in every row of entity_df, so no feature value can be "
        "found; fill in the keys (a row with a missing key gets null feature values)"
    )
    # A key missing in some rows only gives those rows nulls (see the conformance suite).
    some = load(["age"], labels(user_id=[1, None], event_timestamp=["2025-02-01"] * 2), root)
    assert some["age"].isna().tolist() == [False, True]


@pytest.mark.parametrize("keys", [pd.array([None, None], dtype="Int64"), [float("nan")] * 2])
def test_a_typed_key_column_missing_in_every_row_warns(
    load: Load, root: Path, keys: object
) -> None:
    # Typed, the keys follow the documented rule (and the oracle): null values, with a warning.
    frame = labels(user_id=keys, event_timestamp=["2025-02-01"] * 2)
    with pytest.warns(UserWarning, match="join key 'user_id' is missing in every row"):
        result = load(["age"], frame, root)
    assert result["age"].isna().all()
    assert len(result) == 2


def test_timestamp_missing_in_every_row(load: Load, root: Path) -> None:
    frame = pd.DataFrame({"user_id": [1, 2], "event_timestamp": [None, None]})
    message = failure(load, ["age"], frame, root)
    assert message == (
        "timestamp column 'event_timestamp' is missing in every row of entity_df, so no feature "
        "value can be found; fill in the time of each row (a row without one gets null feature "
        "values)"
    )


@pytest.mark.spark
def test_join_key_missing_in_every_row_of_a_spark_frame(spark: Any, root: Path) -> None:
    frame = spark.sql("SELECT NULL AS user_id, TIMESTAMP'2025-02-01 00:00:00' AS event_timestamp")
    with pytest.raises(DataError, match="join key 'user_id' is missing in every row"):
        featurecat.load_features(["age"], frame, root, engine=spark)


def test_unknown_feature_suggests_close_matches(load: Load, root: Path) -> None:
    with pytest.raises(UnknownFeatureError) as caught:
        load(["age", "ratng"], labels(), root)
    assert str(caught.value) == "unknown feature 'ratng'. Did you mean 'rating'?"


def test_every_unknown_feature_is_named_at_once(load: Load, root: Path) -> None:
    with pytest.raises(UnknownFeatureError) as caught:
        load(["ratng", "age", "zzz_nothing"], labels(), root)
    assert caught.value.names == ["ratng", "zzz_nothing"]
    assert str(caught.value) == (
        "unknown features: 'ratng' (did you mean 'rating'?), 'zzz_nothing'"
    )
    assert isinstance(caught.value, KeyError)


def test_missing_data_file(load: Load, root: Path) -> None:
    (root / "data/stats.csv").unlink()
    frame = labels(merchant_id=[5])
    message = failure(load, ["rating"], frame, root)
    assert message.endswith(
        "sources/stats.yaml:4: error: no data file at "
        f"{os.path.relpath(root, Path.cwd())}/data/stats.csv for source 'stats'; write the data "
        "there or fix path [data-missing]"
    )


def test_data_folder_suggests_a_glob(load: Load, root: Path) -> None:
    # Spark writes a table as a folder of part files.
    table = root / "data/profile.parquet"
    data = table.read_bytes()
    table.unlink()
    table.mkdir()
    (table / "part-0.parquet").write_bytes(data)
    (table / "_SUCCESS").write_text("")
    message = failure(load, ["age"], labels(), root)
    assert message.endswith(
        f"sources/profile.yaml:4: error: {os.path.relpath(root, Path.cwd())}/data/profile.parquet "
        "is a folder, not a data file, for source 'profile'; to read the parquet files in it, "
        "set path to a glob such as profile.parquet/*.parquet [data-missing]"
    )
    source = root / "sources/profile.yaml"
    source.write_text(source.read_text().replace("profile.parquet", "profile.parquet/*.parquet"))
    assert load(["age"], labels(), root)["age"].tolist() == [30]


def test_data_column_that_does_not_match_its_dtype(load: Load, root: Path) -> None:
    (root / "features/age.yaml").write_text(
        (root / "features/age.yaml").read_text().replace("int64", "bool")
    )
    message = failure(load, ["age"], labels(), root)
    assert message.endswith(
        "features/age.yaml:5: error: dtype bool does not match the data: column 'age' of source "
        "'profile' holds int64 [data-dtype]"
    )


def test_data_errors_keep_their_diagnostics(root: Path) -> None:
    # Problems pinned to a definition's file and line stay diagnostics on the error, so they
    # can be shown like any other; the message is those same lines.
    (root / "features/age.yaml").write_text(
        (root / "features/age.yaml").read_text().replace("int64", "bool")
    )
    (root / "features/extra.yaml").write_text(
        "name: extra\ndescription: d\nowner: growth\nsource: profile\ndtype: int64\n"
    )
    with pytest.raises(DataError) as caught:
        featurecat.load_features(["age", "extra"], labels(), root)
    found = caught.value.diagnostics
    assert [(Path(d.path).name, d.line, d.code, d.severity) for d in found] == [
        ("age.yaml", 5, "data-dtype", "error"),
        ("extra.yaml", 1, "data-column", "error"),
    ]
    assert str(caught.value) == "\n".join(str(d) for d in found)
    with pytest.raises(DataError) as caught:  # a problem in the call: no file, no line
        featurecat.load_features(["rating"], labels(merchant_id=["x"]), root)
    assert caught.value.diagnostics == []


def test_data_an_engine_cannot_read_is_named_by_its_file(root: Path) -> None:
    # Its footer is fine, so the checks pass; its first data page is not.
    table = rows(user_id=list(range(500)), event_timestamp=["2025-01-01"] * 500, age=[30] * 500)
    target = root / "data/profile.parquet"
    pq.write_table(table, target, compression="snappy")
    data = bytearray(target.read_bytes())
    data[40:200] = bytes(160)
    target.write_bytes(bytes(data))
    message = failure(featurecat.load_features, ["age"], labels(), root)
    assert message.startswith("cannot read the data of source 'profile' (")
    assert f'"{target}"' in message and "/dev/fd" not in message


def test_a_catalog_that_does_not_validate(load: Load, root: Path) -> None:
    (root / "features/age.yaml").write_text("name: age\nowner: nobody\n")
    with pytest.raises(CatalogError) as caught:
        load(["age"], labels(), root)
    assert [(Path(e.path).name, e.code) for e in caught.value.errors][:1] == [
        ("age.yaml", "missing-field")
    ]


def test_data_that_leads_outside_the_repository(root: Path, tmp_path: Path) -> None:
    # Loading the catalog resolves the glob's matches, so the catalog itself does not load.
    source = root / "sources/profile.yaml"
    source.write_text(source.read_text().replace("profile.parquet", "profile/*.parquet"))
    outside = tmp_path / "outside.parquet"
    (root / "data/profile.parquet").rename(outside)
    (root / "data/profile").mkdir()
    (root / "data/profile/part-0.parquet").symlink_to(outside)
    with pytest.raises(featurecat.CatalogError) as caught:
        featurecat.load_features(["age"], labels(), root)
    assert str(caught.value).endswith(
        "sources/profile.yaml:4: error: data file "
        f"{os.path.relpath(root, Path.cwd())}/data/profile/part-0.parquet of source 'profile' "
        "leads outside the repository through a symbolic link; keep data inside the repository "
        "[path-escapes-repo]"
    )


def test_bad_arguments(root: Path) -> None:
    with pytest.raises(UsageError, match="unknown engine 'sprak'; use one of duckdb, spark"):
        featurecat.load_features(["age"], labels(), root, engine="sprak")
    with pytest.raises(UsageError, match="output='excel' is not one of pandas, arrow, polars"):
        featurecat.load_features(["age"], labels(), root, output="excel")
    with pytest.raises(
        UsageError, match=r"entity rows \(entity_df\) must be a pandas DataFrame, .*, not dict"
    ):
        featurecat.load_features(["age"], {"user_id": [1]}, root)
    with pytest.raises(UsageError, match="feature 'age' is requested twice"):
        featurecat.load_features(["age", "age"], labels(), root)
    with pytest.raises(DataError, match="entity_df already has a column named 'age'"):
        featurecat.load_features(["age"], labels(age=[3]), root)
    with pytest.raises(UnknownNameError, match="unknown model 'churn'") as caught:
        featurecat.load_features(["age"], labels(), root, model="churn")
    assert not isinstance(caught.value, UnknownFeatureError)
    with pytest.raises(
        UsageError, match=re.escape("model must be a model name (a string), not list")
    ):
        featurecat.load_features(["age"], labels(), root, model=["churn"])  # type: ignore[arg-type]
    with pytest.raises(
        UsageError, match=re.escape("timestamp_column must be a column name (a string), not int")
    ):
        featurecat.load_features(["age"], labels(), root, timestamp_column=0)  # type: ignore[arg-type]
    with pytest.raises(
        UsageError,
        match=re.escape(
            "catalog must be the path of a catalog folder or a featurecat.Catalog, not int"
        ),
    ):
        featurecat.load_features(["age"], labels(), 5)  # type: ignore[arg-type]
    with pytest.raises(
        UsageError, match=re.escape("name must be a feature name (a string), not list")
    ):
        featurecat.get_feature(["age"], catalog=root)  # type: ignore[arg-type]


@pytest.mark.parametrize("as_of", ["not a date", "2025-13-01", "", "now", 12345, 1.5, True])
def test_get_feature_refuses_an_as_of_that_is_not_a_time(root: Path, as_of: object) -> None:
    with pytest.raises(UsageError) as caught:
        featurecat.get_feature("age", catalog=root, as_of=as_of)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"as_of={as_of!r} is not a date or time; pass an ISO date or time string such as "
        "'2025-01-31' or '2025-01-31T12:00:00Z', a datetime or a pandas Timestamp "
        "(naive values are UTC)"
    )


@pytest.mark.parametrize(
    "as_of",
    [
        "2025-01-01",
        "2025-01-01T01:00:00+01:00",
        pd.Timestamp("2025-01-01"),
        pd.Timestamp("2025-01-01").to_pydatetime().date(),
        pd.Timestamp("2025-01-01 01:00", tz="Europe/Stockholm").to_pydatetime(),
    ],
)
def test_get_feature_reads_naive_as_of_as_utc(root: Path, as_of: object) -> None:
    assert featurecat.get_feature("age", catalog=root, as_of=as_of)["age"].tolist() == [30]  # type: ignore[arg-type]
    before = pd.Timestamp(as_of) - pd.Timedelta(microseconds=1)  # type: ignore[arg-type]
    assert featurecat.get_feature("age", catalog=root, as_of=before)["age"].tolist() == []


def test_bad_values_past_the_checked_sample_fail_cleanly(load: Load, root: Path) -> None:
    # The checks read a CSV's first megabyte; the engine meets the bad value later.
    good = "".join(f"{5 + i},2025-01-01T00:00:00Z,{i % 5}.5\n" for i in range(60_000))
    (root / "data/stats.csv").write_text(
        "merchant_id,event_timestamp,rating\n" + good + "7,2025-01-02T00:00:00Z,oops\n"
    )
    message = failure(load, ["rating"], labels(merchant_id=[5]), root)
    assert 'Could not convert string "oops"' in message or 'For input string: "oops"' in message
    assert message.startswith(
        ("cannot read the data of source 'stats' (", "Spark could not read the data: ")
    )
