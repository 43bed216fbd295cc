"""Storage that refuses: wrong credentials and a bucket the credentials may not list are
each one line at the source's file and line (CLI) and one DataError (API), whatever client
library met the refusal (s3fs, delta-rs, pyiceberg's pyarrow)."""

from __future__ import annotations

from pathlib import Path

import pytest

import featurecat
from tests.retrieval.cases import BASE, feature_yaml
from tests.storage.server import Locked
from tests.storage.stores import new_prefix, project_yaml, put_source
from tests.storage.test_tables import FIRST, LABELS
from tests.support import build_tree, cli, commit_all, init_repo

WRONG = {"AWS_ACCESS_KEY_ID": "AKIAWRONGWRONGWRONG1", "AWS_SECRET_ACCESS_KEY": "wrong"}


def locked_catalog(tmp_path: Path, store: str, locked: Locked, mp: pytest.MonkeyPatch) -> Path:
    """Catalog with source ``events`` (in two parts, so plain objects are found by listing)
    written by the admin user of the locked server."""
    with mp.context() as admin:
        for name, value in locked.users["admin"].items():
            admin.setenv(name, value)
        repo = init_repo(tmp_path / "repo")
        root = repo / "catalog"
        prefix = new_prefix()
        build_tree(
            root,
            {
                **BASE,
                "featurecat.yaml": project_yaml("cases", locked.server, prefix),
                "features/age.yaml": feature_yaml("age", "events", "int64"),
                "sources/events.yaml": "",
            },
        )
        where = put_source(root, store, "events", [FIRST, FIRST], s3=locked.server, prefix=prefix)
    (root / "sources/events.yaml").write_text("name: events\nowner: growth\nentity: user\n" + where)
    (repo / ".gitignore").write_text("*.db\n")
    commit_all(repo, "catalog")
    return root


def refused(root: Path, tmp_path: Path, key: str) -> str:
    """The one error line of ``validate --check-data``, checked to be at the source's
    ``key``; and the same words from load_features."""
    result = cli("validate", "--catalog", root, "--check-data", cwd=tmp_path)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = [ln for ln in result.output.splitlines() if ": error: " in ln]
    source = (root / "sources/events.yaml").read_text().splitlines()
    number = next(i for i, text in enumerate(source, 1) if text.startswith(f"{key}:"))
    assert line.startswith(f"repo/catalog/sources/events.yaml:{number}:"), line
    with pytest.raises(featurecat.DataError) as caught:
        featurecat.load_features(["age"], LABELS, root)
    assert "\n" not in str(caught.value).strip()
    return line


@pytest.mark.parametrize(
    ("store", "key"), [("s3", "path"), ("delta-s3", "path"), ("iceberg", "table")]
)
def test_wrong_credentials_are_told_where_credentials_go(
    tmp_path: Path, store: str, key: str, locked_s3: Locked, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = locked_catalog(tmp_path, store, locked_s3, monkeypatch)
    for name, value in WRONG.items():
        monkeypatch.setenv(name, value)
    line = refused(root, tmp_path, key)
    assert "source 'events'" in line or store == "s3"
    # pyarrow's S3 client (Iceberg) reports a refused key as access denied, as S3 itself may.
    told = "access denied" if store == "iceberg" else "storage credentials were refused"
    assert told in line, line
    assert "InvalidAccessKeyId" not in line and "<Code>" not in line


@pytest.mark.parametrize("store", ["s3", "delta-s3"])
def test_a_bucket_that_may_not_be_listed_is_told(
    tmp_path: Path, store: str, locked_s3: Locked, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = locked_catalog(tmp_path, store, locked_s3, monkeypatch)
    for name, value in locked_s3.users["nolist"].items():
        monkeypatch.setenv(name, value)
    line = refused(root, tmp_path, "path")
    assert "access denied reading s3://fc-test/" in line, line
    assert "may not list" in line
