"""A catalog with real data for contract runs: the base catalog and a user_profile parquet."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.support import BASE_CATALOG, init_repo, make_catalog

AGE = "features/user/user_age.yaml"
COUNTRY = "features/user/user_country.yaml"
PROFILE = "sources/user_profile.yaml"
START = datetime(2025, 6, 1, tzinfo=timezone.utc)
NOW = "2025-06-12T00:00:00Z"


def profile_rows(
    n: int = 20,
    ages: list[int | None] | None = None,
    countries: list[str | None] | None = None,
) -> dict[str, list[Any]]:
    """``n`` rows, one per user and day, ending on 2025-06-10 (so fresh at NOW)."""
    return {
        "user_id": [1000 + i for i in range(n)],
        "event_timestamp": [START + timedelta(days=i % 10) for i in range(n)],
        "user_age": ages if ages is not None else [30 + i % 40 for i in range(n)],
        "country": countries if countries is not None else ["US", "GB"] * (n // 2),
    }


def write_profile(catalog: Path, rows: dict[str, list[Any]]) -> None:
    schema = pa.schema(
        [
            ("user_id", pa.int64()),
            ("event_timestamp", pa.timestamp("us", tz="UTC")),
            ("user_age", pa.int64()),
            ("country", pa.string()),
        ]
    )
    path = catalog / "data" / "user_profile.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pydict(rows, schema=schema), path)


def expect(relpath: str, block: str) -> dict[str, str]:
    """The base catalog's file with an ``expect:`` block (one expectation per line)."""
    return {relpath: BASE_CATALOG[relpath] + "expect:\n" + textwrap.indent(block, "  ")}


Make = Callable[..., Path]


@pytest.fixture
def contract_catalog(tmp_path: Path) -> Make:
    """``make(files, rows)``: the base catalog in a git repo with ``files`` and data."""

    def make(files: dict[str, str] | None = None, rows: dict[str, list[Any]] | None = None) -> Path:
        repo = init_repo(tmp_path / "repo")
        catalog = make_catalog(repo / "catalog", files or {})
        write_profile(catalog, rows if rows is not None else profile_rows())
        return repo

    return make
