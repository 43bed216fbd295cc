"""Data profiles with DuckDB: correct numbers from one scan per source, notes on failure."""

from __future__ import annotations

import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from featurecat.catalog import Catalog
from featurecat.portal.profile import bin_edges, profile_catalog
from tests.support import build_tree, make_catalog

FEATURE = "name: {name}\ndescription: d\nowner: growth\nsource: {source}\ndtype: {dtype}\n"


def _table() -> pa.Table:
    when = [datetime.datetime(2025, 1, d, 12) for d in range(1, 11)]
    return pa.table(
        {
            "user_id": list(range(10)),
            "event_timestamp": pa.array(when, pa.timestamp("us", tz="UTC")),
            "user_age": [20, 30, None, 40, 50, 60, 30, 30, None, 80],
            "score": [0.5, float("nan"), 1.5, 2.5, None, 3.5, float("inf"), 0.0, 1.0, 2.0],
            "user_country": ["FR", "FR", "DE", None, "FR", "US", "DE", "FR", "US", "FR"],
            "active": [True, False, True, True, None, True, False, True, True, True],
        }
    )


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    root = make_catalog(
        tmp_path / "catalog",
        {
            "features/user/user_country.yaml": FEATURE.format(
                name="user_country", source="user_profile", dtype="string"
            ),
            "features/user/score.yaml": FEATURE.format(
                name="score", source="user_profile", dtype="float64"
            ),
            "features/user/active.yaml": FEATURE.format(
                name="active", source="user_profile", dtype="bool"
            ),
        },
    )
    (root / "data").mkdir()
    pq.write_table(_table(), root / "data" / "user_profile.parquet")
    return Catalog.load(root)


def test_profiles_every_column_of_a_source(catalog: Catalog) -> None:
    profiles = profile_catalog(catalog)
    source = profiles.sources["user_profile"]
    assert source.rows == 10 and source.files == 1
    assert source.newest == datetime.datetime(2025, 1, 10, 12, tzinfo=datetime.timezone.utc)
    age = source.columns["user_age"]
    assert (age.non_null, age.minimum, age.maximum) == (8, 20.0, 80.0)
    # A HyperLogLog estimate: DuckDB 1.5 (the last for Python 3.10) says 5 here, 2.0 says 6.
    assert age.distinct == pytest.approx(6, abs=1)
    assert age.mean == pytest.approx(42.5)
    assert source.null_share("user_age") == pytest.approx(0.2)
    # 20..80 in twelve bins of 5: every row counted once, in the bin that holds it
    assert age.bins[0] == (20.0, 25.0, 1) and age.bins[2] == (30.0, 35.0, 3)
    assert age.bins[-1] == (75.0, 80.0, 1), "the maximum is in the last bin"
    assert [rows for _, _, rows in age.bins] == [1, 0, 3, 0, 1, 0, 1, 0, 1, 0, 0, 1]
    score = source.columns["score"]
    assert (score.minimum, score.maximum) == (0.0, 3.5), "NaN and infinity are not values"
    country = source.columns["user_country"]
    assert country.top[0] == ("FR", None) and {v for v, _ in country.top} == {"FR", "DE", "US"}
    assert source.columns["active"].top == (("true", 7), ("false", 2))


def test_csv_and_globs_are_profiled(tmp_path: Path) -> None:
    root = make_catalog(
        tmp_path / "catalog",
        {
            "sources/user_profile.yaml": "name: user_profile\nowner: growth\nentity: user\n"
            "path: parts/*.csv\n"
        },
    )
    (root / "data" / "parts").mkdir(parents=True)
    table = _table().select(["user_id", "event_timestamp", "user_age"])
    pacsv.write_csv(table.slice(0, 5), root / "data" / "parts" / "a.csv")
    pacsv.write_csv(table.slice(5), root / "data" / "parts" / "b.csv")
    source = profile_catalog(Catalog.load(root)).sources["user_profile"]
    assert (source.rows, source.files) == (10, 2)
    assert source.columns["user_age"].maximum == 80.0


def test_csv_columns_are_profiled_as_the_loader_reads_them(tmp_path: Path) -> None:
    # DuckDB's sniffer would read these postcodes as numbers; the feature says text.
    root = make_catalog(
        tmp_path / "catalog",
        {
            "sources/user_profile.yaml": "name: user_profile\nowner: growth\nentity: user\n"
            "path: profile.csv\n",
            "features/user/postcode.yaml": FEATURE.format(
                name="postcode", source="user_profile", dtype="string"
            ),
        },
    )
    build_tree(
        root,
        {
            "data/profile.csv": "user_id,event_timestamp,postcode\n"
            "1,2025-01-01T00:00:00Z,75001\n2,2025-01-02T00:00:00Z,75001\n"
            "3,2025-01-03T00:00:00Z,10115\n"
        },
    )
    postcode = profile_catalog(Catalog.load(root)).sources["user_profile"].columns["postcode"]
    assert (postcode.kind, postcode.top[0]) == ("text", ("75001", None))


def test_missing_and_broken_data_become_notes(catalog: Catalog, tmp_path: Path) -> None:
    build_tree(catalog.root, {"data/user_profile.parquet": b"PAR1 garbage"})
    profiles = profile_catalog(catalog)
    assert profiles.sources == {}
    assert profiles.notes["user_profile"].startswith("could not read user_profile.parquet")
    assert "/dev/fd" not in profiles.notes["user_profile"]  # read pinned, told by its name
    (catalog.root / "data" / "user_profile.parquet").unlink()
    assert profile_catalog(catalog).notes == {"user_profile": "no data at user_profile.parquet"}


def test_cache_skips_unchanged_files(catalog: Catalog) -> None:
    cache: dict[tuple[object, ...], object] = {}
    first = profile_catalog(catalog, cache)  # type: ignore[arg-type]
    second = profile_catalog(catalog, cache)  # type: ignore[arg-type]
    assert second.sources["user_profile"] is first.sources["user_profile"]


def test_histograms_count_every_value_exactly(tmp_path: Path) -> None:
    """The counts the issue found approximate ("about 14 rows" for bins of 15, 21, 6, 3)."""
    values = [1.0] * 15 + [2.0] * 21 + [3.0] * 6 + [4.0] * 3 + [None] * 5
    root = make_catalog(
        tmp_path / "catalog",
        {
            "features/user/score.yaml": FEATURE.format(
                name="score", source="user_profile", dtype="float64"
            )
        },
    )
    when = [datetime.datetime(2025, 1, 1) + datetime.timedelta(hours=i) for i in range(50)]
    table = pa.table(
        {
            "user_id": list(range(50)),
            "event_timestamp": pa.array(when, pa.timestamp("us", tz="UTC")),
            "score": values,
        }
    )
    (root / "data").mkdir()
    pq.write_table(table, root / "data" / "user_profile.parquet")
    score = profile_catalog(Catalog.load(root)).sources["user_profile"].columns["score"]
    assert score.bins == ((0.5, 1.5, 15), (1.5, 2.5, 21), (2.5, 3.5, 6), (3.5, 4.5, 3))


def test_bin_edges() -> None:
    assert bin_edges(1.0, 3.0, whole=True) == [0.5, 1.5, 2.5, 3.5], "a bin per whole value"
    assert bin_edges(5.0, 5.0, whole=False) == [4.5, 5.5], "one value, one bin"
    edges = bin_edges(0.0, 1.2, whole=False)
    assert len(edges) == 13 and edges[0] == 0.0 and edges[-1] == 1.2


def test_data_outside_the_catalog_is_never_profiled(tmp_path: Path) -> None:
    # Outside git the catalog folder is the boundary; the outside file holds a secret value.
    outside = tmp_path / "outside.csv"
    pacsv.write_csv(_table().select(["user_id", "event_timestamp", "user_country"]), outside)
    root = make_catalog(
        tmp_path / "catalog",
        {
            "sources/user_profile.yaml": "name: user_profile\nowner: growth\nentity: user\n"
            "path: parts/*.csv\n",
            "features/user/user_country.yaml": FEATURE.format(
                name="user_country", source="user_profile", dtype="string"
            ),
        },
    )
    catalog = Catalog.load(root)
    # Linked after loading, as data can change under a running `docs serve`: the profiler
    # keeps the boundary on its own.
    (root / "data/parts").mkdir(parents=True)
    (root / "data/parts/a.csv").symlink_to(outside)
    profiles = profile_catalog(catalog)
    assert profiles.sources == {}
    assert profiles.notes == {
        "user_profile": "data file parts/a.csv leads outside the repository through a "
        "symbolic link, so it is not read"
    }
