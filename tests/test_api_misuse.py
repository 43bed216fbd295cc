"""Misusing the Python API gets a FeaturecatError that says what to pass instead, never a
TypeError or AttributeError from deep inside; an unknown name in ``cat.features[...]`` is a
KeyError that suggests close matches. (The hypothesis version is tests/test_api_fuzz.py.)"""

from __future__ import annotations

import inspect
import pickle
from pathlib import Path

import pandas as pd
import pytest

import featurecat
from featurecat import (
    Catalog,
    CatalogNotFound,
    FeaturecatError,
    UnknownFeatureError,
    UnknownNameError,
    UsageError,
)
from featurecat import errors as error_module
from featurecat.names import Kind
from tests.conftest import EXAMPLE_CATALOG

LABELS = pd.DataFrame({"user_id": [1], "event_timestamp": pd.to_datetime(["2025-02-01"], utc=True)})


@pytest.mark.parametrize(
    ("features", "shown"), [(None, "NoneType"), (42, "int"), (b"user_age", "bytes")]
)
def test_load_features_of_something_that_is_not_names(features: object, shown: str) -> None:
    with pytest.raises(UsageError) as caught:
        featurecat.load_features(features, LABELS, EXAMPLE_CATALOG)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"features must be a feature name or a list of them, such as ['user_age'], not {shown}"
    )


def test_load_at_a_ref_that_is_not_a_string() -> None:
    with pytest.raises(UsageError, match=r"ref must be a git ref such as 'main'.* not int"):
        Catalog.load(EXAMPLE_CATALOG, ref=3)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match=r"path must be the catalog's folder .* not bytes"):
        Catalog.load(b"catalog")  # type: ignore[arg-type]


def test_a_ref_holding_a_nul_is_no_git_ref() -> None:
    # git's arguments cannot hold a NUL: GitPython raised ValueError before reaching git.
    with pytest.raises(FeaturecatError, match=r"'main\\x00' is not a git ref"):
        Catalog.load(EXAMPLE_CATALOG, ref="main\x00")


def test_an_unknown_key_of_the_mappings_suggests_close_names() -> None:
    cat = Catalog.load(EXAMPLE_CATALOG)
    with pytest.raises(UnknownFeatureError) as caught:
        cat.features["user_ag"]
    error = caught.value
    assert isinstance(error, KeyError) and isinstance(error, FeaturecatError)
    with pytest.raises(UnknownFeatureError) as by_method:
        cat.feature("user_ag")
    assert str(error) == str(by_method.value)
    assert "Did you mean 'user_age'" in str(error) and error.suggestions[0] == "user_age"
    with pytest.raises(UnknownNameError, match=r"unknown team 'grwth'\. Did you mean 'growth'"):
        cat.teams["grwth"]
    with pytest.raises(UnknownNameError, match="unknown model 'churn'"):
        cat.models["churn"]
    with pytest.raises(UsageError, match="feature names are strings, not list"):
        cat.features[["user_age"]]  # type: ignore[index]


def test_the_mappings_are_dicts_otherwise() -> None:
    cat = Catalog.load(EXAMPLE_CATALOG)
    assert isinstance(cat.features, dict)
    assert cat.features.get("nope") is None and "nope" not in cat.features
    assert "user_age" in cat.features and len(cat.features) == 23
    copy = pickle.loads(pickle.dumps(cat.features))
    assert copy == cat.features == dict(cat.features)
    with pytest.raises(UnknownFeatureError):  # the copy still suggests names
        copy["user_ag"]
    assert pickle.loads(pickle.dumps(cat)).features == cat.features


def test_every_error_survives_pickling() -> None:
    """A process pool sends errors back pickled: each must come back whole."""
    made = [
        UnknownFeatureError("user_ag", ["user_age"], also=["x"]),
        UnknownNameError("grwth", ["growth"], kind="team"),
        UnknownNameError.together(
            [UnknownNameError("usr", ["user"], "entity"), UnknownNameError("g", [], "team")]
        ),
        CatalogNotFound("no catalog here"),
        featurecat.DataError("bad data"),
        UsageError("wrong"),
    ]
    for error in made:
        back = pickle.loads(pickle.dumps(error))
        assert (type(back), str(back), back.__dict__) == (type(error), str(error), error.__dict__)


def test_every_error_a_call_can_raise_is_exported() -> None:
    raised = {
        name
        for name, value in vars(error_module).items()
        if inspect.isclass(value) and issubclass(value, FeaturecatError)
    }
    internal = {"UnreadableFile"}  # the loader turns it into a diagnostic of a CatalogError
    assert raised - internal <= set(featurecat.__all__)
    for name in raised - internal:
        assert getattr(featurecat, name) is getattr(error_module, name)


def test_an_unknown_name_is_a_usage_error() -> None:
    """Asking for a name that is not there is a wrong call: exit code 2 on the command line."""
    assert issubclass(UnknownNameError, UsageError) and UnknownNameError.exit_code == 2


def test_catalog_methods_refuse_wrong_types() -> None:
    cat = Catalog.load(EXAMPLE_CATALOG)
    with pytest.raises(UsageError, match="kind must be one of project, team"):
        cat.objects("features")  # type: ignore[arg-type]
    assert cat.objects("feature") is cat.features
    with pytest.raises(UnknownNameError, match="unknown feature 'nope'"):
        cat.origin(Kind.FEATURE, "nope")
    with pytest.raises(UsageError, match="feature must be a featurecat Feature, not str"):
        cat.source_of("user_age")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="source names are strings, not list"):
        cat.features_of(["user_profile"])  # type: ignore[arg-type]


def test_a_path_is_a_string_or_a_path(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="catalog must be the path of a catalog folder"):
        featurecat.get_feature("user_age", catalog=42)  # type: ignore[arg-type]
