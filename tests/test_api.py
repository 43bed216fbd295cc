"""The Python API that SPEC promises: Catalog.load, typed objects, CatalogError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import featurecat
from featurecat import Catalog, CatalogError, UnknownFeatureError
from featurecat.names import Kind
from tests.conftest import EXAMPLE_CATALOG
from tests.support import commit_all, init_repo, make_catalog


def test_public_surface_is_the_contract() -> None:
    assert set(featurecat.__all__) >= {
        "Catalog",
        "CatalogError",
        "load_features",
        "get_feature",
        "register_feature",
        "update_feature",
    }


def test_load_gives_typed_validated_objects() -> None:
    cat = Catalog.load(EXAMPLE_CATALOG)
    age = cat.features["user_age"]
    assert age.owner == "growth"
    assert age.dtype == "int64"
    assert age.version == 1
    assert age.column == "user_age"  # defaults to the name
    assert cat.features["user_country"].column == "country"
    assert cat.entity_of(age).join_keys == ["user_id"]
    assert [m.name for m in cat.models_using("user_age")] == ["churn_model"]
    origin = cat.origin(Kind.FEATURE, "user_age")
    assert origin.path.endswith("catalog/features/user/user_age.yaml")
    lines = Path(EXAMPLE_CATALOG / origin.relpath).read_text().splitlines()
    assert lines[origin.line("owner") - 1].startswith("owner:")
    assert [w.code for w in cat.warnings] == ["deprecated-feature"]
    with pytest.raises(UnknownFeatureError, match="Did you mean 'user_age'"):
        cat.feature("usr_age")


def test_load_raises_with_every_error(tmp_path: Path) -> None:
    root = make_catalog(
        tmp_path / "catalog",
        {
            "teams/risk.yaml": "name: risk\nslack: x\n",
            "models/churn_model.yaml": "name: churn_model\nowner: risk\nfeatures: [nope]\n",
        },
    )
    with pytest.raises(CatalogError) as caught:
        Catalog.load(root)
    errors = caught.value.errors
    assert [(Path(e.path).name, e.line, e.code) for e in errors] == [
        ("churn_model.yaml", 3, "unknown-reference"),
        ("risk.yaml", 2, "unknown-field"),
    ]
    assert "the catalog has 2 errors" in str(caught.value)


def test_load_at_a_git_ref(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "repo")
    root = make_catalog(repo / "catalog")
    commit_all(repo, "v1")
    age = root / "features/user/user_age.yaml"
    age.write_text(age.read_text().replace("dtype: int64", "dtype: int32\nversion: 2"))
    commit_all(repo, "v2")
    age.write_text("broken: [")
    assert Catalog.load(root, ref="HEAD~1").features["user_age"].dtype == "int64"
    head = Catalog.load(root, ref="HEAD")
    assert head.features["user_age"].version == 2
    assert head.commit is not None and len(head.commit) == 40
    with pytest.raises(CatalogError):
        Catalog.load(root)  # the working tree is broken; the refs were not


def test_catalog_load_failures_are_catalog_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="no such folder") as caught:
        Catalog.load(tmp_path / "missing")
    assert caught.value.errors[0].code == "no-catalog"
    with pytest.raises(CatalogError, match="unknown git ref 'nosuch'"):
        Catalog.load(EXAMPLE_CATALOG, ref="nosuch")


def test_validate_is_a_library_call_too(tmp_path: Path) -> None:
    from featurecat.validation import validate

    outcome = validate(EXAMPLE_CATALOG, check_data=True)
    assert outcome.errors == []
    assert outcome.summary == "23 features, 5 sources, 3 entities, 4 teams, 2 models"
    assert [d.code for d in outcome.warnings] == ["deprecated-feature"]
    strict = validate(EXAMPLE_CATALOG, strict=True)
    assert [d.code for d in strict.errors] == ["deprecated-feature"]
    broken = make_catalog(tmp_path / "catalog", {"teams/risk.yaml": "name: risk\nslack: x\n"})
    assert [d.code for d in validate(broken).errors] == ["unknown-field"]


def test_special_files_raise_catalog_error_not_os_error(tmp_path: Path) -> None:
    from tests.cli.test_special_files import no_hang

    root = make_catalog(tmp_path / "catalog")
    os.mkfifo(root / "features/user/pipe.yaml")
    (root / "teams/gone.yaml").symlink_to("nowhere.yaml")
    (root / "models/loop.yaml").symlink_to("loop.yaml")
    with no_hang(), pytest.raises(CatalogError) as caught:
        Catalog.load(root)
    assert [(Path(e.path).name, e.line, e.code) for e in caught.value.errors] == [
        ("pipe.yaml", 1, "unreadable"),
        ("loop.yaml", 1, "unreadable"),
        ("gone.yaml", 1, "unreadable"),
    ]


def test_a_nul_byte_in_a_path_is_a_catalog_error(tmp_path: Path) -> None:
    root = make_catalog(
        tmp_path / "catalog", {"featurecat.yaml": 'name: t\ndata_root: "da\\0ta"\n'}
    )
    with pytest.raises(CatalogError) as caught:
        Catalog.load(root)
    assert [(e.line, e.message) for e in caught.value.errors] == [
        (2, "data_root: contains the control character \\x00; remove it")
    ]
    assert "\x00" not in str(caught.value)


def test_register_feature_refuses_a_name_ending_in_a_newline(tmp_path: Path) -> None:
    import pandas as pd

    from tests.retrieval.cases import profile_repo

    root = profile_repo(tmp_path)
    before = sorted(p.name for p in root.rglob("*"))
    data = pd.DataFrame(
        {"user_id": [1], "event_timestamp": pd.to_datetime(["2025-01-01"]), "evil\n": [1]}
    )
    with pytest.raises(featurecat.FeaturecatError, match="is not a valid feature name"):
        featurecat.register_feature(
            "evil\n", data, catalog=root, owner="growth", entity="user", description="Evil."
        )
    assert sorted(p.name for p in root.rglob("*")) == before


def test_every_text_field_of_every_kind_refuses_control_characters() -> None:
    """The schema's table of kinds, enumerated: no field lets a NUL, an ESC or (outside
    descriptions, which may have lines) a newline through."""
    from pydantic import ValidationError

    from featurecat.names import Kind
    from featurecat.schema import MODELS
    from featurecat.yamlio import parse_document
    from tests.support import BASE_CATALOG

    examples = {
        Kind.PROJECT: "featurecat.yaml",
        Kind.TEAM: "teams/growth.yaml",
        Kind.ENTITY: "entities/user.yaml",
        Kind.SOURCE: "sources/user_profile.yaml",
        Kind.FEATURE: "features/user/user_age.yaml",
        Kind.MODEL: "models/churn_model.yaml",
    }
    assert set(examples) == set(MODELS)
    checked = 0
    for kind, model in MODELS.items():
        document, _ = parse_document(BASE_CATALOG[examples[kind]].encode(), "x.yaml")
        assert document is not None
        model.model_validate(document.value)  # the example itself is valid
        for name in model.model_fields:
            if name in ("version", "dtype", "status"):
                continue  # not text: a number and two closed lists of words
            bad = ["\x00", "\x1b[2J"] + ([] if name == "description" else ["\n"])
            for char in bad:
                value = f"ok{char}"
                wanted = [value] if name in ("tags", "join_keys", "features") else value
                with pytest.raises(ValidationError) as caught:
                    model.model_validate({**document.value, name: wanted})
                assert caught.value.errors()[0]["loc"][0] == name, (kind, name, char)
                checked += 1
    assert checked >= 60
