"""``featurecat test`` on every store: the one pass per source reads objects on S3, Delta
and Iceberg tables as it reads local files, several sources of one location at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.retrieval.cases import BASE, feature_yaml, rows
from tests.storage.server import S3Server
from tests.storage.stores import REMOTE, STORES, new_prefix, project_yaml, put_source
from tests.support import build_tree, cli, commit_all, init_repo

GOOD = rows(
    user_id=[1, 2, 3],
    event_timestamp=["2025-06-01", "2025-06-02", "2025-06-10"],
    age=[30, 40, 50],
    tier=["gold", "silver", "gold"],
)
BAD = rows(
    user_id=[4, 5, 6],
    event_timestamp=["2025-05-01", "2025-05-02", "2025-05-03"],
    age=[30, 500, None],
    tier=["gold", "platinum", "gold"],
)
EXPECT = (
    "expect:\n  not_null: true\n  range: {min: 0, max: 120}\n  unique: true\n",
    "expect:\n  accepted_values: [gold, silver]\n",
)


def catalog(tmp_path: Path, store: str, s3: S3Server | None) -> Path:
    """Sources ``good`` and ``bad`` in ``store``, each with features age and tier that
    declare expectations, and freshness on the sources."""
    repo = init_repo(tmp_path / "repo")
    root = repo / "catalog"
    prefix = new_prefix()
    files = {**BASE, "featurecat.yaml": project_yaml("contracts", s3, prefix)}
    for source in ("good", "bad"):
        for (feature, dtype), expect in zip(
            (("age", "int64"), ("tier", "string")), EXPECT, strict=True
        ):
            name = f"{source}_{feature}"
            text = feature_yaml(name, source, dtype, column=feature) + expect
            files[f"features/{name}.yaml"] = text
    build_tree(root, files)
    (root / "sources").mkdir()
    for source, table in (("good", GOOD), ("bad", BAD)):
        where = put_source(root, store, source, [table], s3=s3, prefix=prefix)
        freshness = "expect:\n  freshness: {warn_after: 3d, error_after: 20d}\n  min_rows: 3\n"
        text = f"name: {source}\nowner: growth\nentity: user\n{where}{freshness}"
        (root / f"sources/{source}.yaml").write_text(text)
    (repo / ".gitignore").write_text("*.db\ndata/\n")
    commit_all(repo, "catalog")
    return root


@pytest.mark.parametrize("store", STORES)
def test_every_store_is_measured_in_its_pass(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    s3 = request.getfixturevalue("s3") if store in REMOTE else None
    root = catalog(tmp_path, store, s3)
    result = cli("test", "--now", "2025-06-12T00:00:00Z", "--format", "json", cwd=root.parent)
    assert result.exit_code == 1, result.stdout
    found = {(r["name"], r["kind"]): r for r in json.loads(result.stdout)["results"]}
    assert {k: r["status"] for k, r in found.items()} == {
        ("good", "freshness"): "pass",
        ("good", "min_rows"): "pass",
        ("good_age", "not_null"): "pass",
        ("good_age", "range"): "pass",
        ("good_age", "unique"): "pass",
        ("good_tier", "accepted_values"): "pass",
        ("bad", "freshness"): "fail",
        ("bad", "min_rows"): "pass",
        ("bad_age", "not_null"): "fail",
        ("bad_age", "range"): "fail",
        ("bad_age", "unique"): "pass",
        ("bad_tier", "accepted_values"): "fail",
    }
    # Measured values and failing rows come from the data, wherever it is.
    assert (
        found[("bad_age", "range")]["message"] == "1 values outside 0..120 (lowest 30, highest 500)"
    )
    assert found[("bad_age", "range")]["examples"] == ["user_id=5 at 2025-05-02 00:00:00 UTC: 500"]
    assert found[("bad_tier", "accepted_values")]["examples"] == [
        "user_id=5 at 2025-05-02 00:00:00 UTC: 'platinum'"
    ]
    assert "2025-05-03" in found[("bad", "freshness")]["message"]
