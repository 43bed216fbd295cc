"""Declared and actual use meet: undeclared features are told about, and MLflow runs record
what they were trained on."""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import pytest

import featurecat
from featurecat.retrieval.tracking import UndeclaredFeatureWarning
from tests.retrieval.cases import entities, profile_repo
from tests.support import cli, needs

LABELS = entities(user_id=[1, 2], event_timestamp=["2025-02-01", "2025-02-01"])
ONLY_AGE = "name: churn_model\ndescription: Predicts churn.\nowner: risk\nfeatures: [user_age]\n"
ADVICE = (
    "model 'churn_model' uses feature 'user_country' without declaring it; add it to "
    "features: at repo/catalog/models/churn_model.yaml:4, so that its owners see your model "
    "before a breaking change"
)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test catalog, with churn_model declaring user_age only; run from its parent."""
    catalog = profile_repo(tmp_path)
    (catalog / "models/churn_model.yaml").write_text(ONLY_AGE)
    monkeypatch.chdir(tmp_path)
    return catalog


def test_loading_an_undeclared_feature_says_which_line_to_add(root: Path) -> None:
    with pytest.warns(UndeclaredFeatureWarning) as caught:
        featurecat.load_features(["user_age", "user_country"], LABELS, root, model="churn_model")
    assert [str(w.message) for w in caught if w.category is UndeclaredFeatureWarning] == [ADVICE]
    assert caught[0].filename == __file__  # pointed at the caller's line
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndeclaredFeatureWarning)
        featurecat.load_features(["user_age"], LABELS, root, model="churn_model")


def test_models_status_reports_undeclared_use(root: Path) -> None:
    (root / "manifests").mkdir()
    with pytest.warns(UndeclaredFeatureWarning):
        featurecat.load_features(
            ["user_age", "user_country"],
            LABELS,
            root,
            model="churn_model",
            manifest=root / "manifests/churn_model.json",
        )
    result = cli("models", "status", "--catalog", root)
    assert result.exit_code == 0, result.output  # nothing to retrain: a warning, not a failure
    lines = result.output.splitlines()
    assert lines[0].startswith("churn_model: up to date (")
    assert lines[1:] == [f"warning: {ADVICE}"]
    result = cli("models", "status", "--catalog", root, "--format", "json")
    (report,) = json.loads(result.output)
    assert report["undeclared"] == [ADVICE]


@pytest.fixture
def mlflow_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """MLflow with a local file store in tmp: no server, no network."""
    needs(importlib.util.find_spec("mlflow") is not None, "mlflow (the [mlflow] extra)")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    import mlflow

    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())
    yield mlflow
    mlflow.set_tracking_uri(None)


@pytest.mark.slow
def test_an_active_mlflow_run_records_the_manifest_and_versions(
    root: Path,
    mlflow_store,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    mlflow = mlflow_store
    (root / "features/user/user_age.yaml").write_text(
        (root / "features/user/user_age.yaml").read_text() + "version: 3\n"
    )
    with mlflow.start_run() as run:
        df = featurecat.load_features(["user_age"], LABELS, root, model="churn_model")
    client = mlflow.MlflowClient()
    params = client.get_run(run.info.run_id).data.params
    assert params["featurecat.feature.user_age"] == "v3"
    assert params["featurecat.catalog"] == "test"
    (artifact,) = client.list_artifacts(run.info.run_id, "featurecat")
    assert artifact.path == "featurecat/manifest-churn_model-1.json"
    local = client.download_artifacts(run.info.run_id, artifact.path, str(root.parent.parent))
    assert json.loads(Path(local).read_text()) == df.attrs["featurecat"]

    with mlflow.start_run() as off:
        featurecat.load_features(["user_age"], LABELS, root, mlflow=False)
    monkeypatch.setenv("FEATURECAT_MLFLOW", "0")
    with mlflow.start_run() as env_off:
        featurecat.load_features(["user_age"], LABELS, root)
    for run_id in (off.info.run_id, env_off.info.run_id):
        assert client.get_run(run_id).data.params == {}
        assert client.list_artifacts(run_id) == []
    monkeypatch.delenv("FEATURECAT_MLFLOW")
    featurecat.load_features(["user_age"], LABELS, root)  # no active run: nothing to log
