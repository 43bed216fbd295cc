"""The README's recipe for a catalog on S3 and Delta works as written (on the test server)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import featurecat
from tests.conftest import REPO_ROOT
from tests.retrieval.cases import rows
from tests.storage.server import S3Server
from tests.support import BASE_CATALOG, build_tree


def recipe() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text()
    block = re.search(r"<!-- recipe: s3-delta -->(.*?)<!-- /recipe -->", readme, re.S)
    assert block, "the README keeps its S3 and Delta recipe"
    return re.findall(r"```yaml\n(.*?)```", block.group(1), re.S)


def test_the_readme_recipe_points_a_catalog_at_s3_and_delta(tmp_path: Path, s3: S3Server) -> None:
    from deltalake import write_deltalake

    project, source = recipe()
    s3.bucket("acme-lake")
    project = project.replace("http://127.0.0.1:9000", s3.endpoint).replace(
        "eu-west-1", "us-east-1"
    )
    root = build_tree(
        tmp_path / "catalog",
        {
            **BASE_CATALOG,
            "featurecat.yaml": project,
            "sources/user_events.yaml": source,
            "features/user/events_age.yaml": "name: events_age\ndescription: Age.\n"
            "owner: growth\nsource: user_events\ncolumn: age\ndtype: int64\n",
        },
    )
    table = rows(user_id=[1], event_timestamp=["2025-01-01"], age=[33])
    options = {"AWS_ENDPOINT_URL": s3.endpoint, "AWS_ALLOW_HTTP": "true"}
    write_deltalake("s3://acme-lake/features/tables/user_events", table, storage_options=options)
    labels = pd.DataFrame(
        {"user_id": [1], "event_timestamp": pd.to_datetime(["2025-02-01"], utc=True)}
    )
    with pytest.raises(featurecat.DataError):  # user_profile's local data is not there
        featurecat.load_features(["user_age"], labels, root)
    found = featurecat.load_features(["events_age"], labels, root)
    assert found["events_age"].tolist() == [33]
