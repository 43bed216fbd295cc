"""The story in SPEC.md, end to end, in a real git repository.

Team A registers user_age on a branch and merges it; Team B declares churn_model and trains on
it with a manifest; Team A appends new data; Team B's next load sees the new values while old
training rows still get the old ones; `featurecat models status` says churn_model is stale,
first because of the data, then because of a new version; retraining makes it current again.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import featurecat
from tests.retrieval.cases import entities
from tests.support import cli, commit_all, git, init_repo, make_catalog

MODEL = """\
name: churn_model
description: Predicts churn.
owner: risk
features: [user_age]
"""


def status(catalog: Path) -> tuple[int, list[str]]:
    result = cli("models", "status", "--catalog", catalog)
    return result.exit_code, result.output.splitlines()


def test_register_train_update_retrain(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    catalog = make_catalog(
        repo / "catalog",
        {
            "sources/user_profile.yaml": None,
            "features/user/user_age.yaml": None,
            "features/user/user_country.yaml": None,
            "models/churn_model.yaml": None,
        },
    )
    commit_all(repo, "An empty catalog")

    # 1-3. Team A declares user_age on a branch; CI validates it (data included); it merges.
    ages = entities(
        user_id=[1, 2, 3, 1],
        event_timestamp=["2025-01-01", "2025-01-01", "2025-01-01", "2025-02-01"],
        user_age=[30, 40, 50, 31],
    )
    featurecat.register_feature(
        "user_age",
        ages,
        catalog=catalog,
        owner="growth",
        entity="user",
        description="Age of the user in years.",
        branch="add-user-age",
    )
    checked = cli("validate", "--catalog", catalog, "--check-data")
    assert checked.exit_code == 0, checked.output
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge add-user-age", "add-user-age")

    # 4. Team B declares churn_model and trains it, keeping the manifest with the model.
    (catalog / "models").mkdir()
    (catalog / "models/churn_model.yaml").write_text(MODEL)
    commit_all(repo, "Declare churn_model")
    labels = entities(
        user_id=[1, 2, 3, 4],
        event_timestamp=["2025-01-15", "2025-02-15", "2025-03-15", "2025-03-15"],
        churned=[False, True, False, True],
    )
    manifest = catalog / "manifests/churn_model.json"
    manifest.parent.mkdir()
    trained = featurecat.load_features(
        ["user_age"], labels, catalog, model="churn_model", manifest=manifest
    )
    assert trained["user_age"].tolist()[:3] == [30, 40, 50]
    assert pd.isna(trained["user_age"].iloc[3])
    assert trained.attrs["featurecat"]["catalog"]["commit"] == git(repo, "rev-parse", "HEAD")
    commit_all(repo, "Train churn_model")
    code, lines = status(catalog)
    assert code == 0 and lines[0].startswith("churn_model: up to date")

    # 5. Team A appends March data through a pull request branch.
    march = entities(
        user_id=[2, 3], event_timestamp=["2025-03-01", "2025-03-01"], user_age=[41, 51]
    )
    featurecat.update_feature("user_age", march, catalog=catalog, branch="user-age-march")
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge user-age-march", "user-age-march")

    # 6. Team B loads again: new values where they apply, the old ones for old rows.
    again = featurecat.load_features(["user_age"], labels, catalog)
    assert again["user_age"].tolist()[:3] == [30, 40, 51]
    code, lines = status(catalog)
    assert code == 1
    assert lines[1:] == ["user_age data changed (source user_age): retrain churn_model"]

    # A breaking change with a version bump is reported as such.
    definition = catalog / "features/user/user_age.yaml"
    definition.write_text(definition.read_text().replace("version: 1", "version: 2"))
    commit_all(repo, "user_age v2")
    code, lines = status(catalog)
    assert (code, lines[1:]) == (1, ["user_age v1 -> v2: retrain churn_model"])

    # Retraining writes a new manifest, and the model is current again.
    featurecat.load_features(["user_age"], labels, catalog, model="churn_model", manifest=manifest)
    code, lines = status(catalog)
    assert code == 0 and lines[0].startswith("churn_model: up to date")
