"""``featurecat models status``: which models were trained on features that changed since."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import featurecat
from tests.retrieval.cases import entities, profile_repo
from tests.support import cli, make_catalog, run

LABELS = entities(user_id=[1, 2], event_timestamp=["2025-02-01", "2025-02-01"])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A committed catalog, and churn_model's manifest in the conventional place."""
    catalog = profile_repo(tmp_path)
    (catalog / "manifests").mkdir()
    featurecat.load_features(
        ["user_age", "user_country"],
        LABELS,
        catalog,
        model="churn_model",
        manifest=catalog / "manifests/churn_model.json",
    )
    return catalog


def bump_user_age(root: Path) -> None:
    age = root / "features/user/user_age.yaml"
    age.write_text(age.read_text() + "version: 2\n")


def test_up_to_date_models_exit_0(root: Path) -> None:
    result = cli("models", "status", "--catalog", root)
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert line.startswith("churn_model: up to date (")
    assert "manifests/churn_model.json, trained 20" in line
    assert " at commit " in line and "uncommitted" not in line


def test_a_new_version_names_the_model_to_retrain(root: Path) -> None:
    bump_user_age(root)
    result = cli("models", "status", "--catalog", root)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("churn_model: 1 feature changed since training (")
    assert lines[1:] == ["user_age v1 -> v2: retrain churn_model"]


def test_explicit_manifests_and_json(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "fraud.json"
    featurecat.load_features(["user_country"], LABELS, root, manifest=other)
    bump_user_age(root)
    result = cli(
        "models",
        "status",
        "--catalog",
        root,
        "--manifest",
        root / "manifests/churn_model.json",
        "--manifest",
        other,
        "--format",
        "json",
    )
    assert result.exit_code == 1
    reports = json.loads(result.output)
    assert [(r["model"], r["stale"]) for r in reports] == [("churn_model", True), ("fraud", False)]
    assert reports[0]["changes"] == [
        {
            "feature": "user_age",
            "kind": "version",
            "detail": "v1 -> v2",
            "message": "user_age v1 -> v2: retrain churn_model",
        }
    ]


def test_no_manifests_yet_is_not_a_failure(tmp_path: Path) -> None:
    catalog = make_catalog(tmp_path / "catalog")
    result = cli("models", "status", "--catalog", catalog)
    assert result.exit_code == 0
    assert "no manifests in " in result.output
    assert "so no model to check; pass --manifest FILE" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "nope.json: no such manifest"),
        ("{bad", "nope.json: not a featurecat manifest (Expecting property name"),
        ("[]", "nope.json: not a featurecat manifest (no 'featurecat_manifest: "),
    ],
)
def test_a_manifest_that_cannot_be_read_exits_2_not_1(
    tmp_path: Path, content: str | None, message: str
) -> None:
    catalog = make_catalog(tmp_path / "catalog")
    manifest = tmp_path / "nope.json"
    if content is not None:
        manifest.write_text(content)
    result = cli("models", "status", "--catalog", catalog, "--manifest", manifest)
    assert result.exit_code == 2  # 1 means "retrain", which this is not
    assert message in result.output


def test_in_a_real_process(root: Path) -> None:
    bump_user_age(root)
    done = run("models", "status", cwd=root.parent)
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == "user_age v1 -> v2: retrain churn_model"
    assert "catalog/manifests/churn_model.json" in done.stdout
    assert done.stderr == ""


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"features": {"user_age": 5}},
            "features.user_age must be an object, not 5",
        ),
        (
            {"sources": {"user_profile": "sha256:abc"}},
            'sources.user_profile must be an object, not "sha256:abc"',
        ),
        (
            {"features": {"user_age": {"version": 1, "source": "user_profile", "fields": "x"}}},
            'features.user_age.fields must be an object, not "x"',
        ),
        (
            {"features": {"user_age": {"version": "1", "source": "user_profile", "fields": {}}}},
            'features.user_age.version must be a whole number, not "1"',
        ),
        (
            {"features": {"user_age": {"source": "user_profile", "fields": {}}}},
            "features.user_age.version is missing",
        ),
        ({"catalog": "main"}, 'catalog must be an object, not "main"'),
        ({"model": ["churn_model"]}, 'model must be text, not ["churn_model"]'),
        (
            {"features": {"user\nage\x1b[2J": {}}},
            r'key "user\nage\u001b[2J" in features: ',
        ),
    ],
)
def test_a_manifest_of_the_wrong_shape_is_one_line_exit_2(
    root: Path, change: dict[str, object], problem: str
) -> None:
    path = root / "manifests/churn_model.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))
    result = cli("models", "status", "--catalog", root, "--manifest", path)
    assert result.exit_code == 2, result.output
    (line,) = result.output.splitlines()
    assert line.startswith(f"Error: {path}: the manifest is damaged: {problem}")
    assert line.isprintable()


def test_special_files_are_refused_not_waited_on(root: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    # A real process with a deadline: reading a FIFO nobody writes to would wait forever.
    done = subprocess.run(
        [sys.executable, "-m", "featurecat", "models", "status", "--manifest", str(fifo)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == f"Error: {fifo}: not a featurecat manifest (not a regular file)\n"
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000)
    result = cli("models", "status", "--catalog", root, "--manifest", deep)
    assert result.exit_code == 2
    assert result.output == f"Error: {deep}: not a featurecat manifest (nested too deeply)\n"
