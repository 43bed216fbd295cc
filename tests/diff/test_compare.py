"""Detection: objects, not files; fields, not lines."""

from __future__ import annotations

from pathlib import Path

from featurecat import Catalog
from featurecat.changes import FieldChange
from featurecat.diff import CatalogDiff, compare
from featurecat.names import Kind
from tests.support import BASE_CATALOG, make_catalog

AGE = "features/user/user_age.yaml"


def diff(
    tmp_path: Path, after: dict[str, str | None], before: dict[str, str | None] | None = None
) -> CatalogDiff:
    old = Catalog.load(make_catalog(tmp_path / "old", before or {}))
    new = Catalog.load(make_catalog(tmp_path / "new", {**(before or {}), **after}))
    return compare(old, new)


def test_identical_catalogs_have_no_changes(tmp_path: Path) -> None:
    assert not diff(tmp_path, {}).changes


def test_changed_fields_with_old_and_new_values(tmp_path: Path) -> None:
    text = BASE_CATALOG[AGE].replace("int64", "float64").replace("[demographics]", "[demo]")
    result = diff(tmp_path, {AGE: text})
    (change,) = result.changes
    assert (change.kind, change.name, change.action) == (Kind.FEATURE, "user_age", "modified")
    assert change.fields == (
        FieldChange("dtype", "int64", "float64"),
        FieldChange("tags", ["demographics"], ["demo"]),
    )
    assert change.field("dtype") == FieldChange("dtype", "int64", "float64")
    assert change.field("owner") is None


def test_a_moved_file_is_unchanged(tmp_path: Path) -> None:
    moved = {AGE: None, "features/profile/deep/user_age.yaml": BASE_CATALOG[AGE]}
    assert diff(tmp_path, moved).changes == []


def test_reformatting_and_spelling_out_defaults_change_nothing(tmp_path: Path) -> None:
    spelled = (
        "name: user_age\n"
        "description: 'Age of the user in years.'\n"
        "owner: growth\nsource: user_profile\ncolumn: user_age\n"
        "dtype: int64\nversion: 1\nstatus: production\ntags:\n  - demographics\n"
    )
    assert diff(tmp_path, {AGE: spelled}).changes == []


def test_added_removed_and_every_kind(tmp_path: Path) -> None:
    result = diff(
        tmp_path,
        {
            "features/user/user_country.yaml": None,
            "models/churn_model.yaml": BASE_CATALOG["models/churn_model.yaml"].replace(
                ", user_country", ""
            ),
            "features/user/user_tenure.yaml": (
                "name: user_tenure\ndescription: Days.\nowner: growth\n"
                "source: user_profile\ndtype: int32\n"
            ),
            "teams/risk.yaml": "name: risk\ndescription: Risk.\ngithub: '@acme/trust'\n",
            "featurecat.yaml": "name: test\ndescription: Renamed.\ndata_root: lake\n",
        },
    )
    summary = [(c.kind.value, c.name, c.action) for c in result.changes]
    assert summary == [
        ("project", "test", "modified"),
        ("team", "risk", "modified"),
        ("feature", "user_country", "removed"),
        ("feature", "user_tenure", "added"),
        ("model", "churn_model", "modified"),
    ]
    assert result.get(Kind.PROJECT, "test").fields[-1] == FieldChange(  # type: ignore[union-attr]
        "data_root", "data", "lake"
    )
    removed = result.get(Kind.FEATURE, "user_country")
    assert removed is not None and removed.new is None and removed.old is not None


def test_a_renamed_feature_is_one_rename(tmp_path: Path) -> None:
    renamed = BASE_CATALOG["features/user/user_country.yaml"].replace(
        "name: user_country", "name: country_of_residence"
    )
    model = BASE_CATALOG["models/churn_model.yaml"].replace("user_country", "country_of_residence")
    result = diff(
        tmp_path,
        {
            "features/user/user_country.yaml": None,
            "features/user/country_of_residence.yaml": renamed.replace(
                "Country of residence", "Where the user lives"
            ),
            "models/churn_model.yaml": model,
        },
    )
    feature = result.get(Kind.FEATURE, "country_of_residence")
    assert feature is not None
    assert (feature.action, feature.old_name) == ("renamed", "user_country")
    assert [f.field for f in feature.fields] == ["name", "description"]
    assert result.get(Kind.FEATURE, "user_country") is None


def test_a_feature_whose_column_follows_its_name_is_not_a_rename(tmp_path: Path) -> None:
    # user_age has no column: renaming it reads another column, so it is other data.
    other = BASE_CATALOG[AGE].replace("name: user_age", "name: age_years")
    model = BASE_CATALOG["models/churn_model.yaml"].replace("user_age", "age_years")
    result = diff(
        tmp_path,
        {AGE: None, "features/user/age_years.yaml": other, "models/churn_model.yaml": model},
    )
    actions = {(c.name, c.action) for c in result.of(Kind.FEATURE)}
    assert actions == {("user_age", "removed"), ("age_years", "added")}


def test_objects_with_nothing_to_recognise_them_by_are_not_paired(tmp_path: Path) -> None:
    before = {"teams/ops.yaml": "name: ops\n"}
    result = diff(tmp_path, {"teams/ops.yaml": None, "teams/infra.yaml": "name: infra\n"}, before)
    assert {(c.name, c.action) for c in result.changes} == {
        ("ops", "removed"),
        ("infra", "added"),
    }
