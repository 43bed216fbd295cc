"""Storage locations, Iceberg catalogs and formats in the catalog: what validates, and every
mistake as one line naming the file and the key's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from featurecat.schema.source import SourceFormat
from featurecat.schema.storage import SCHEMES
from tests.support import cli, make_catalog

PROJECT = """\
name: test
locations:
  lake:
    url: s3://fc-lake/features
    endpoint: http://127.0.0.1:9000
    region: us-east-1
  shared:
    url: file:///mnt/shared/data
iceberg_catalogs:
  ice:
    type: sql
    uri: sqlite:///iceberg.db
    warehouse: s3://fc-lake/features/warehouse
"""


def source(path: str | None = None, **fields: str) -> str:
    text = "name: user_profile\nowner: growth\nentity: user\n"
    if path is not None:
        text += f"path: {path}\n"
    return text + "".join(f"{k}: {v}\n" for k, v in fields.items())


def validate(tmp_path: Path, files: dict[str, str]) -> list[str]:
    root = make_catalog(tmp_path / "catalog", {"featurecat.yaml": PROJECT, **files})
    result = cli("validate", "--catalog", root, cwd=tmp_path)
    return [line for line in result.output.splitlines() if ": error: " in line]


@pytest.mark.parametrize(
    "declaration",
    [
        source("s3://fc-lake/features/profile.parquet"),
        source("s3://fc-lake/features/parts/*.csv"),
        source("s3://fc-lake/features/tables/profile", format="delta"),
        source("tables/profile", format="delta"),
        source("file:///mnt/shared/data/profile.parquet"),
        source(format="iceberg", table="feat.profile", iceberg_catalog="ice"),
    ],
)
def test_sources_under_declared_locations_validate(tmp_path: Path, declaration: str) -> None:
    assert validate(tmp_path, {"sources/user_profile.yaml": declaration}) == []


@pytest.mark.parametrize(
    ("declaration", "line", "expected"),
    [
        (
            source("s3://other-bucket/profile.parquet"),
            4,
            "path 's3://other-bucket/profile.parquet' is under no storage location of "
            "featurecat.yaml, so it is not read; declare one under locations: in "
            "featurecat.yaml (url: s3://other-bucket, no credentials) [unknown-location]",
        ),
        (
            source("s3://fc-lake/featuresX/profile.parquet"),
            4,
            "is under no storage location",
        ),
        (
            source("s3://fc-lake/features/../x/profile.parquet"),
            4,
            "may not contain '..'",
        ),
        (
            source("http://example.com/profile.parquet"),
            4,
            "is not a storage URI; use one of s3://, gs://, az://, abfs://, abfss://, file://",
        ),
        (
            source("tables/profile"),
            4,
            "'tables/profile' is not a .parquet or .csv file (or set format:)",
        ),
        (
            source(format="iceberg", table="feat.profile", iceberg_catalog="icee"),
            6,
            "iceberg_catalog: unknown Iceberg catalog 'icee' (did you mean 'ice'?)",
        ),
        (source(format="iceberg", table="profile", iceberg_catalog="ice"), 5, "namespace.table"),
        (source(format="iceberg"), 1, "an iceberg source needs table: and iceberg_catalog:"),
        (source(), 1, "missing required field 'path' for this source"),
    ],
)
def test_a_source_in_the_wrong_place_is_one_line_at_its_key(
    tmp_path: Path, declaration: str, line: int, expected: str
) -> None:
    (problem,) = validate(tmp_path, {"sources/user_profile.yaml": declaration})
    assert problem.startswith(f"catalog/sources/user_profile.yaml:{line}: error: ")
    assert expected in problem


@pytest.mark.parametrize(
    ("extra", "line", "expected"),
    [
        (
            "    secret_access_key: abc\n",
            7,
            "'secret_access_key' of location 'lake' holds a credential; credentials never live "
            "in the catalog: remove it and provide it through AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY in the environment, ~/.aws/credentials or an instance role "
            "[credential-in-catalog]",
        ),
        ("    session-token: abc\n", 7, "holds a credential"),
        ("    endpont: http://x\n", 7, "unknown option 'endpont' of location 'lake' (did you mean"),
    ],
)
def test_a_location_never_holds_a_secret(
    tmp_path: Path, extra: str, line: int, expected: str
) -> None:
    project = PROJECT.replace("    region: us-east-1\n", "    region: us-east-1\n" + extra)
    (problem,) = validate(tmp_path, {"featurecat.yaml": project})
    assert problem.startswith(f"catalog/featurecat.yaml:{line}: error: ")
    assert expected in problem


def test_an_iceberg_catalog_never_holds_a_secret(tmp_path: Path) -> None:
    project = PROJECT.replace(
        "    uri: sqlite:///iceberg.db\n",
        "    uri: postgresql://fc:hunter2@db/iceberg\n    properties:\n      token: abc\n",
    )
    problems = validate(tmp_path, {"featurecat.yaml": project})
    assert [p.split(": error: ")[0] for p in problems] == [
        "catalog/featurecat.yaml:12",
        "catalog/featurecat.yaml:14",
    ]
    assert all("PYICEBERG_CATALOG__<NAME>__<PROPERTY>" in p for p in problems)


def test_a_warehouse_is_under_a_declared_location(tmp_path: Path) -> None:
    project = PROJECT.replace("s3://fc-lake/features/warehouse", "s3://elsewhere/wh")
    (problem,) = validate(tmp_path, {"featurecat.yaml": project})
    assert problem.startswith("catalog/featurecat.yaml:13: error: warehouse 's3://elsewhere/wh'")


def test_the_schema_and_the_data_layer_agree_on_schemes_and_formats() -> None:
    from typing import get_args

    from featurecat.data.reader import READERS
    from featurecat.data.storage import SCHEMES as READ

    assert sorted(READ) == sorted(SCHEMES)
    assert sorted(READERS) == sorted(get_args(SourceFormat))
