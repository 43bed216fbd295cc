"""The conformance suite: every engine, every case, compared with the reference oracle.

Each test also states the expected values outright, so a wrong oracle cannot pass either.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import featurecat
from featurecat.data.reader import READERS
from featurecat.dtypes import DTYPES
from tests.retrieval import reference
from tests.retrieval.cases import Case, entities, feature_yaml, rows, utc
from tests.retrieval.conftest import Load
from tests.storage.stores import REMOTE, new_prefix, project_yaml, put_source

Conforms = Callable[[Case], pd.DataFrame]


def values(frame: pd.DataFrame, column: str) -> list[object]:
    """A column as plain Python values, with every kind of missing value as None."""
    return [None if pd.isna(v) else v for v in frame[column].tolist()]


def test_latest_value_at_or_before_the_row_time(conforms: Conforms) -> None:
    case = Case(
        ["score"],
        entities(
            user_id=[1, 1, 1, 1, 1],
            event_timestamp=[
                "2025-01-01 00:00:00",  # before the first row: nothing yet
                "2025-01-02 00:00:00",  # exactly at the first row: inclusive
                "2025-01-03 12:00:00",
                "2025-01-05 00:00:00",
                "2025-01-09 00:00:00",
            ],
        ),
    ).source(
        "scores",
        "user",
        rows(
            user_id=[1, 1],
            event_timestamp=["2025-01-02 00:00:00", "2025-01-05 00:00:00"],
            score=[10, 20],
        ),
        {"score": "int64"},
    )
    result = conforms(case)
    assert values(result, "score") == [None, 10, 10, 20, 20]


def test_ttl_is_a_maximum_age_and_never_falls_back_to_older_rows(conforms: Conforms) -> None:
    case = Case(
        ["fresh", "forever"],
        entities(
            user_id=[1, 1, 1, 1],
            event_timestamp=[
                "2025-01-01 00:00:00",
                "2025-01-03 00:00:00",  # exactly 2 days old: still valid
                "2025-01-03 00:00:01",  # one second too old
                "2025-01-07 00:00:00",  # latest row is 3 days old; the older one is not used
            ],
        ),
    ).source(
        "events",
        "user",
        rows(
            user_id=[1, 1],
            event_timestamp=["2025-01-01 00:00:00", "2025-01-04 00:00:00"],
            fresh=[1.5, 2.5],
            forever=[1.5, 2.5],
        ),
        {"fresh": ("float64", "2d"), "forever": "float64"},
    )
    result = conforms(case)
    assert values(result, "fresh") == [1.5, 1.5, None, None]
    assert values(result, "forever") == [1.5, 1.5, 1.5, 2.5]


def test_unknown_and_missing_entities_get_null(conforms: Conforms) -> None:
    frame = entities(
        user_id=pd.array([1, 99, None, 1], dtype="Int64"),
        event_timestamp=["2025-02-01", "2025-02-01", "2025-02-01", None],
    )
    case = Case(["score"], frame).source(
        "scores",
        "user",
        rows(
            user_id=[1, None],
            event_timestamp=["2025-01-01", "2025-01-01"],
            score=pa.array([7, 8], pa.int32()),
        ),
        {"score": "int32"},
    )
    result = conforms(case)
    assert values(result, "score") == [7, None, None, None]
    assert str(result["score"].dtype) == "Int32"


def test_ties_on_keys_and_time_go_to_the_last_row_in_file_order(conforms: Conforms) -> None:
    case = Case(
        ["score", "label"],
        entities(user_id=[1, 2, 3], event_timestamp=["2025-03-01"] * 3),
    ).source(
        "scores",
        "user",
        rows(
            user_id=[1, 2, 1, 2, 3, 3],
            event_timestamp=["2025-01-01"] * 6,
            score=[10, 20, 11, 21, 30, None],  # user 3's last row holds a null: null wins
            label=["a", "b", "c", "d", "e", "f"],
        ),
        {"score": "int64", "label": "string"},
    )
    result = conforms(case)
    assert values(result, "score") == [11, 21, None]
    assert values(result, "label") == ["c", "d", "f"]


def test_ties_across_the_files_of_a_glob_go_to_the_last_file(conforms: Conforms) -> None:
    case = Case(["score"], entities(user_id=[1, 2], event_timestamp=["2025-03-01"] * 2))
    case.source("parts", "user", "", {"score": "int64"}, path="parts/part-*.parquet")
    stamps = ["2025-01-01", "2025-01-01"]
    case.data["parts/part-0.parquet"] = rows(user_id=[1, 2], event_timestamp=stamps, score=[1, 2])
    case.data["parts/part-1.parquet"] = rows(user_id=[1], event_timestamp=stamps[:1], score=[3])
    result = conforms(case)
    assert values(result, "score") == [3, 2]


def test_entity_rows_with_the_same_keys_and_time_all_get_values(conforms: Conforms) -> None:
    frame = entities(user_id=[1, 1, 1, 2], event_timestamp=["2025-02-01"] * 4, fold=[0, 1, 2, 0])
    case = Case(["score"], frame).source(
        "scores",
        "user",
        rows(user_id=[1, 2], event_timestamp=["2025-01-01", "2025-01-01"], score=[5, 6]),
        {"score": "int64"},
    )
    result = conforms(case)
    assert values(result, "score") == [5, 5, 5, 6]
    assert result["fold"].tolist() == [0, 1, 2, 0]


def test_entity_df_keeps_its_order_index_and_columns(conforms: Conforms) -> None:
    frame = entities(
        user_id=[3, 1, 2, 1, 3],
        event_timestamp=["2025-03-01", "2025-01-15", "2025-02-10", "2025-03-20", "2025-01-01"],
        label=[True, False, True, True, False],
        weight=[0.5, 1.0, np.nan, 2.0, 1.5],
        note=["x", None, "z", "w", "v"],
    )
    frame["kind"] = pd.Categorical(["a", "b", "a", "b", "a"])
    frame.index = pd.Index(["r9", "r2", "r2", "r7", "r0"], name="row")
    original = frame.copy()
    case = Case(["score"], frame).source(
        "scores",
        "user",
        rows(
            user_id=[1, 2, 3, 1, 3],
            event_timestamp=["2025-01-10", "2025-02-01", "2025-02-01", "2025-03-01", "2025-03-15"],
            score=[10, 20, 30, 11, 31],
        ),
        {"score": "int64"},
    )
    result = conforms(case)
    pd.testing.assert_frame_equal(frame, original)  # the caller's frame is untouched
    pd.testing.assert_frame_equal(result[list(frame.columns)], original)
    assert list(result.columns) == [*frame.columns, "score"]
    assert values(result, "score") == [30, 10, 20, 11, None]


@pytest.mark.parametrize(
    "stamps",
    [
        pytest.param(lambda s: s.dt.tz_localize(None), id="naive-entity-is-utc"),
        pytest.param(lambda s: s.dt.tz_convert("America/New_York"), id="new-york-entity"),
        pytest.param(
            lambda s: s.dt.tz_convert("Asia/Kolkata").astype("datetime64[ns, Asia/Kolkata]"),
            id="kolkata-ns",
        ),
    ],
)
def test_time_zones_never_shift_values(
    conforms: Conforms, stamps: Callable[..., pd.Series]
) -> None:
    frame = entities(
        user_id=[1, 1, 1],
        event_timestamp=["2025-01-01 09:59:59", "2025-01-01 10:00:00", "2025-01-01 13:00:00"],
    )
    frame["event_timestamp"] = stamps(frame["event_timestamp"])
    case = Case(["score"], frame).source(
        "scores",
        "user",
        rows(
            user_id=[1, 1],
            event_timestamp=["2025-01-01 10:00:00", "2025-01-01 12:00:00"],
            score=[1, 2],
        ),
        {"score": "int64"},
    )
    result = conforms(case)
    assert values(result, "score") == [None, 1, 2]


def test_naive_source_timestamps_are_utc(conforms: Conforms) -> None:
    naive = pa.array([utc("2025-01-01 10:00").tz_localize(None)], pa.timestamp("us"))
    table = pa.table({"user_id": [1], "event_timestamp": naive, "score": [1]})
    frame = entities(user_id=[1, 1], event_timestamp=["2025-01-01 09:00", "2025-01-01 10:00"])
    case = Case(["score"], frame).source("scores", "user", table, {"score": "int64"})
    assert values(conforms(case), "score") == [None, 1]


def test_csv_sources_with_offsets(conforms: Conforms) -> None:
    csv = (
        "merchant_id,event_timestamp,rating,active\n"
        "5,2025-01-01T10:00:00Z,4.5,true\n"
        "5,2025-01-01T14:00:00+02:00,3.5,\n"  # 12:00 UTC
        "6,2025-01-01T10:00:00Z,,false\n"
    )
    frame = entities(
        merchant_id=[5, 5, 5, 6],
        event_timestamp=["2025-01-01 09:00", "2025-01-01 11:00", "2025-01-01 12:00", "2025-01-02"],
    )
    case = Case(["rating", "active"], frame).source(
        "stats", "merchant", csv, {"rating": "float64", "active": "bool"}, suffix="csv"
    )
    result = conforms(case)
    assert values(result, "rating") == [None, 4.5, 3.5, None]
    assert values(result, "active") == [None, True, None, False]


def test_every_dtype_keeps_its_type_and_its_nulls(conforms: Conforms) -> None:
    stamps = ["2025-01-01", "2025-01-01", "2025-01-01"]
    table = pa.table(
        {
            "user_id": [1, 2, 3],
            "event_timestamp": pa.array([utc(s) for s in stamps], pa.timestamp("us", tz="UTC")),
            "i32": pa.array([2_000_000_000, None, -1], pa.int32()),
            "i64": pa.array([9_007_199_254_740_993, None, 0], pa.int64()),
            "f32": pa.array([1.5, None, 0.0], pa.float32()),
            "f64": pa.array([1e300, None, -0.5], pa.float64()),
            "flag": pa.array([True, None, False]),
            "name": pa.array(["a", None, ""]),
            "seen": pa.array(
                [utc("2024-12-31 23:59:59.000001"), None, utc("1999-01-01")],
                pa.timestamp("us", tz="UTC"),
            ),
        }
    )
    dtypes = {
        "i32": "int32",
        "i64": "int64",
        "f32": "float32",
        "f64": "float64",
        "flag": "bool",
        "name": "string",
        "seen": "timestamp",
    }
    assert sorted(dtypes.values()) == sorted(DTYPES), "every dtype, on every engine"
    frame = entities(user_id=[1, 2, 3, 4], event_timestamp=["2025-02-01"] * 4)
    case = Case(list(dtypes), frame).source("typed", "user", table, dtypes)
    result = conforms(case)
    assert {c: str(result[c].dtype) for c in dtypes} == {
        "i32": "Int32",
        "i64": "Int64",
        "f32": "float32",
        "f64": "float64",
        "flag": "boolean",
        "name": "string",
        "seen": "datetime64[us, UTC]",
    }
    assert values(result, "i64") == [9_007_199_254_740_993, None, 0, None]  # exact, not floats
    assert values(result, "i32") == [2_000_000_000, None, -1, None]
    assert values(result, "flag") == [True, None, False, None]
    assert values(result, "name") == ["a", None, "", None]
    assert values(result, "seen")[0] == utc("2024-12-31 23:59:59.000001")


#: Every format in every storage that holds it.
PLACES = [
    ("parquet", "local"),
    ("csv", "local"),
    ("parquet", "s3"),
    ("csv", "s3"),
    ("delta", "delta-local"),
    ("delta", "delta-s3"),
    ("iceberg", "iceberg"),
]
SPARK_LACKS = {
    "s3": "this Spark session cannot read s3:// (source 'events'): add the Hadoop connector",
    "delta-local": "this Spark session has no Delta Lake connector (source 'events')",
    "delta-s3": "this Spark session has no Delta Lake connector (source 'events')",
    "iceberg": "this Spark session has no Iceberg catalog 'ice' (source 'events')",
}


def test_every_format_is_tried_in_every_storage() -> None:
    assert {fmt for fmt, _ in PLACES} == set(READERS)


@pytest.mark.parametrize(("fmt", "store"), PLACES, ids=[f"{f}-{s}" for f, s in PLACES])
def test_every_source_format_joins_alike(
    load: Load, engine: object, tmp_path: Path, fmt: str, store: str, request: pytest.FixtureRequest
) -> None:
    # Each format is written in each storage; every engine joins it as the oracle does, or
    # (Spark without the session's connectors) says in one line what the session lacks.
    s3 = request.getfixturevalue("s3") if store in REMOTE else None
    prefix = new_prefix()
    case = Case(["age", "name"], entities(user_id=[1, 1, 2, 3], event_timestamp=["2025-01-02"] * 4))
    case.files["featurecat.yaml"] = project_yaml("cases", s3, prefix)
    case.files["features/age.yaml"] = feature_yaml("age", "events", "int64", "2d")
    case.files["features/name.yaml"] = feature_yaml("name", "events", "string")
    root = case.build(tmp_path / "catalog")
    table = rows(
        user_id=[1, 1, 2, 3],
        event_timestamp=["2025-01-01", "2025-01-01", "2024-12-01", "2025-01-03"],
        age=[30, 31, None, 50],
        name=["a", "b", "c", "d"],
    )
    where = put_source(root, store, "events", [table], fmt=fmt, s3=s3, prefix=prefix)
    source = "name: events\nowner: growth\nentity: user\n"
    (root / "sources").mkdir(exist_ok=True)
    (root / "sources/events.yaml").write_text(source + where)
    catalog = featurecat.Catalog.load(root)
    if engine != "duckdb" and store in SPARK_LACKS:
        with pytest.raises(featurecat.DataError) as caught:
            load(case.features, case.entity_df, root)
        assert str(caught.value).startswith(SPARK_LACKS[store])
        assert "\n" not in str(caught.value)
        return
    actual = load(case.features, case.entity_df, root)
    pd.testing.assert_frame_equal(
        actual, reference.load_features(catalog, case.features, case.entity_df)
    )
    assert actual["age"].tolist() == [31, 31, pd.NA, pd.NA]  # the later tie; older than ttl


def test_several_sources_and_entities_in_one_call(conforms: Conforms) -> None:
    frame = entities(
        user_id=[1, 2, 1],
        merchant_id=[7, 7, 8],
        event_timestamp=["2025-02-01", "2025-02-01", "2025-02-01"],
        label=[1, 0, 1],
    )
    case = (
        Case(["age", "rating", "orders", "country"], frame)
        .source(
            "profile",
            "user",
            rows(
                user_id=[1, 2],
                event_timestamp=["2025-01-01"] * 2,
                age=[30, 40],
                country=["se", "no"],
            ),
            {"age": "int64", "country": "string"},
        )
        .source(
            "merchants",
            "merchant",
            rows(merchant_id=[7, 8], event_timestamp=["2025-01-01"] * 2, rating=[4.0, 3.0]),
            {"rating": "float64"},
        )
        .source(
            "pairs",
            "user_merchant",
            rows(
                user_id=[1, 1, 2],
                merchant_id=[7, 8, 8],
                event_timestamp=["2025-01-01"] * 3,
                orders=[3, 4, 5],
            ),
            {"orders": "int64"},
        )
    )
    result = conforms(case)
    assert values(result, "age") == [30, 40, 30]
    assert values(result, "rating") == [4.0, 4.0, 3.0]
    assert values(result, "orders") == [3, None, 4]
    assert values(result, "country") == ["se", "no", "se"]
    assert list(result.columns) == [
        "user_id",
        "merchant_id",
        "event_timestamp",
        "label",
        "age",
        "rating",
        "orders",
        "country",
    ]


def test_composite_keys_match_on_every_key(conforms: Conforms) -> None:
    frame = entities(
        user_id=[1, 1, 2, 2],
        merchant_id=["a", "b", "a", "c"],
        event_timestamp=["2025-03-01"] * 4,
    )
    case = Case(["spend"], frame).source(
        "pairs",
        "user_merchant",
        rows(
            user_id=[1, 1, 2, 1],
            merchant_id=["a", "b", "b", "a"],
            event_timestamp=["2025-01-01", "2025-01-01", "2025-01-01", "2025-02-01"],
            spend=[1.0, 2.0, 3.0, 4.0],
        ),
        {"spend": "float64"},
    )
    result = conforms(case)
    assert values(result, "spend") == [4.0, 2.0, None, None]


def test_an_empty_entity_df_gives_an_empty_typed_result(conforms: Conforms) -> None:
    frame = entities(user_id=[1], event_timestamp=["2025-01-01"]).iloc[:0]
    case = Case(["score", "name"], frame).source(
        "scores",
        "user",
        rows(user_id=[1], event_timestamp=["2025-01-01"], score=[1], name=["x"]),
        {"score": "int64", "name": "string"},
    )
    result = conforms(case)
    assert len(result) == 0
    assert list(result.columns) == ["user_id", "event_timestamp", "score", "name"]
    assert [str(t) for t in result.dtypes.iloc[2:]] == ["Int64", "string"]


def test_the_machine_time_zone_changes_nothing(tmp_path: Path) -> None:
    # DuckDB casts naive timestamps with the session's zone, which defaults to the machine's.
    naive = pa.array([utc("2025-01-01 10:00").tz_localize(None)], pa.timestamp("us"))
    table = pa.table({"user_id": [1], "event_timestamp": naive, "score": [1]})
    frame = entities(user_id=[1, 1], event_timestamp=["2025-01-01 09:00", "2025-01-01 10:00"])
    root = Case(["score"], frame).source("scores", "user", table, {"score": "int64"})
    root.build(tmp_path / "catalog")
    frame.to_parquet(tmp_path / "labels.parquet")
    script = (
        "import pandas as pd, featurecat\n"
        f"labels = pd.read_parquet({str(tmp_path / 'labels.parquet')!r})\n"
        "labels['event_timestamp'] = labels['event_timestamp'].dt.tz_localize(None)\n"
        f"df = featurecat.load_features(['score'], labels, {str(tmp_path / 'catalog')!r})\n"
        "print(df['score'].tolist())\n"
    )
    for zone in ("Pacific/Auckland", "America/Los_Angeles"):
        done = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            env={**os.environ, "TZ": zone},
            check=True,
        )
        assert done.stdout.strip() == "[<NA>, 1]", zone
