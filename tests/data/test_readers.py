"""The reader registry: every format a source may declare has a reader, and every reader
passes the same conformance check (write, find, check, read, scan in DuckDB, snapshot).

A new format (a table format, data in object storage) is one reader module and one entry in
``featurecat.data.reader.READERS``; this file then runs it through the same steps.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import get_args

import pandas as pd
import pyarrow as pa
import pytest

from featurecat.catalog import Catalog
from featurecat.data import SourceFilesError, locate
from featurecat.data.duck import column_types, connect, scan, to_arrow
from featurecat.data.reader import READERS
from featurecat.datacheck import check_data
from featurecat.schema.source import SourceFormat
from tests.retrieval.cases import write_source
from tests.support import make_catalog

DTYPES = {"age": "int64", "score": "float64", "flag": "bool", "name": "string", "seen": "timestamp"}
UTC = pa.timestamp("us", tz="UTC")
TABLE = pa.table(
    {
        "user_id": pa.array([1, 2, 2], pa.int64()),
        "event_timestamp": pa.array(
            [pd.Timestamp("2025-01-01", tz="UTC"), pd.Timestamp("2025-01-02", tz="UTC"), None],
            UTC,
        ),
        "age": pa.array([30, None, 40], pa.int64()),
        "score": pa.array([1.5, None, 2.0], pa.float64()),
        "flag": pa.array([True, None, False]),
        "name": pa.array(["a", "b", "c"]),  # CSV has no null text, only empty text
        "seen": pa.array([pd.Timestamp("2024-12-31 23:59:59.000001", tz="UTC"), None, None], UTC),
    }
)


def test_every_format_a_source_may_declare_has_a_reader() -> None:
    assert sorted(READERS) == sorted(get_args(SourceFormat))
    assert all(reader.format == name for name, reader in READERS.items())


def write(catalog: Catalog, table: pa.Table) -> None:
    write_source(catalog, "events", table)


#: Readers of plain files; table formats (Delta, Iceberg) have their own lives (a log, time
#: travel) and run the same steps in tests/storage/ and the conformance suite.
FILE_READERS = ("csv", "parquet")


@pytest.fixture(params=FILE_READERS)
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Catalog:
    features = {
        f"features/user/{name}.yaml": f"name: {name}\ndescription: d\nowner: growth\n"
        f"source: events\ndtype: {dtype}\n"
        for name, dtype in DTYPES.items()
    }
    root = make_catalog(
        tmp_path / "catalog",
        {
            "sources/events.yaml": "name: events\nowner: growth\nentity: user\n"
            f"path: events.{request.param}\n",
            **features,
        },
    )
    catalog = Catalog.load(root)
    write(catalog, TABLE)
    return catalog


def test_a_reader_finds_its_data_and_the_checks_agree_with_it(catalog: Catalog) -> None:
    data = locate(catalog, "events")
    assert data.files == (catalog.data_path(catalog.sources["events"]),)
    assert set(TABLE.column_names) <= set(data.schema().names)
    assert [str(d) for d in check_data(catalog) if "events" in d.path] == []


def test_a_reader_reads_back_what_it_wrote(catalog: Catalog) -> None:
    assert locate(catalog, "events").read_table().cast(TABLE.schema).equals(TABLE)


def test_duckdb_scans_the_data_with_the_declared_types(catalog: Catalog) -> None:
    data = locate(catalog, "events")
    types = column_types("event_timestamp", DTYPES, {"user_id": "integer"})
    with connect() as con, scan(con, data, types) as source:
        columns = ", ".join(TABLE.column_names)
        found = to_arrow(con.sql(f"SELECT {columns} FROM {source.relation}", params=source.params))
    assert found.equals(TABLE)


def test_a_scan_reads_the_data_as_it_was_when_it_began(catalog: Catalog) -> None:
    data = locate(catalog, "events")
    with connect() as con, scan(con, data, column_types("event_timestamp", DTYPES)) as source:
        write(catalog, TABLE.slice(0, 1))  # a writer swaps the data in mid-read
        sql = f"SELECT count(*) AS n FROM {source.relation}"
        rows = to_arrow(con.sql(sql, params=source.params)).column("n")[0].as_py()
    assert rows == TABLE.num_rows
    assert locate(catalog, "events").read_table().num_rows == 1


def test_a_snapshot_changes_with_the_data_and_only_with_it(catalog: Catalog) -> None:
    top = catalog.root
    first = locate(catalog, "events").snapshot(top)
    file = locate(catalog, "events").files[0]
    os.utime(file, (1, 1))
    assert locate(catalog, "events").snapshot(top) == first
    write(catalog, TABLE.slice(0, 2))
    assert locate(catalog, "events").snapshot(top)["fingerprint"] != first["fingerprint"]


def test_a_reader_without_data_says_so(catalog: Catalog) -> None:
    locate(catalog, "events").files[0].unlink()
    with pytest.raises(SourceFilesError) as caught:
        locate(catalog, "events")
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.path.endswith("sources/events.yaml")) == ("data-missing", True)
