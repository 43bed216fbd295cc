"""Policy: the rules table, reach through sources and entities, and what fails a PR."""

from __future__ import annotations

import pytest

from featurecat.compat import Consumer, Finding
from featurecat.names import OBJECT_KINDS, Kind
from featurecat.rules import LIFECYCLE, RULES
from featurecat.schema import MODELS
from tests.diff.conftest import Assess
from tests.support import BASE_CATALOG

AGE = "features/user/user_age.yaml"
COUNTRY = "features/user/user_country.yaml"
PROFILE = "sources/user_profile.yaml"
CHURN = "models/churn_model.yaml"
DATA_SCIENCE_USES_AGE = {
    "teams/data_science.yaml": "name: data_science\ngithub: '@acme/data-science'\n",
    CHURN: BASE_CATALOG[CHURN].replace("owner: risk", "owner: data_science"),
}


def age(old: str, new: str) -> str:
    assert old in BASE_CATALOG[AGE]
    return BASE_CATALOG[AGE].replace(old, new)


def test_every_field_of_every_kind_has_a_rule() -> None:
    for kind, model in MODELS.items():
        assert set(RULES[kind]) == set(model.model_fields), kind
    assert set(LIFECYCLE) == set(OBJECT_KINDS)


@pytest.mark.parametrize(
    ("old", "new", "level"),
    [
        ("dtype: int64", "dtype: float64", "breaking"),
        ("source: user_profile", "source: user_events", "breaking"),
        ("dtype: int64", "dtype: int64\ncolumn: age", "breaking"),
        ("dtype: int64", "dtype: int64\nttl: 30d", "breaking"),  # newly expiring: tightened
        ("description: Age of the user in years.", "description: Age in years.", "compatible"),
        ("tags: [demographics]", "tags: [demographics, pii]", "compatible"),
        ("owner: growth", "owner: risk", "compatible"),
        ("status: production", "status: deprecated", "warning"),
        ("status: production", "status: draft", "warning"),
    ],
)
def test_feature_field_rules(change: Assess, old: str, new: str, level: str) -> None:
    extra = {
        "sources/user_events.yaml": BASE_CATALOG[PROFILE].replace("user_profile", "user_events")
    }
    report = change({AGE: age(old, new), **extra}, before=extra)
    (assessment,) = [a for a in report.assessments if a.name == "user_age"]
    assert assessment.level == level


@pytest.mark.parametrize(
    ("old_ttl", "new_ttl", "level"),
    [("30d", "7d", "breaking"), ("7d", "30d", "compatible"), ("30d", None, "compatible")],
)
def test_ttl_tightened_breaks_and_relaxed_does_not(
    change: Assess, old_ttl: str, new_ttl: str | None, level: str
) -> None:
    before = {AGE: age("dtype: int64", f"dtype: int64\nttl: {old_ttl}")}
    after = age("dtype: int64", f"dtype: int64\nttl: {new_ttl}" if new_ttl else "dtype: int64")
    (assessment,) = change({AGE: after}, before).assessments
    assert assessment.level == level
    assert assessment.findings[0].field == "ttl"


def test_a_ttl_written_in_another_unit_is_unchanged(change: Assess) -> None:
    before = {AGE: age("dtype: int64", "dtype: int64\nttl: 7d")}
    (assessment,) = change(
        {AGE: age("dtype: int64", "dtype: int64\nttl: 168h")}, before
    ).assessments
    assert assessment.findings == [
        Finding("ttl", "7d", "168h", "compatible", "unchanged (7d = 168h)")
    ]


def test_promotion_is_compatible(change: Assess) -> None:
    before = {AGE: age("status: production", "status: draft")}
    (assessment,) = change({AGE: BASE_CATALOG[AGE]}, before).assessments
    assert assessment.findings == [
        Finding("status", "draft", "production", "compatible", "promoted to production")
    ]


def test_a_breaking_change_without_a_version_bump_fails_and_names_the_users(
    change: Assess,
) -> None:
    report = change({AGE: age("dtype: int64", "dtype: float64")}, DATA_SCIENCE_USES_AGE)
    (assessment,) = report.assessments
    assert assessment.consumers == [
        Consumer("churn_model", "data_science", "@acme/data-science", uses_now=True)
    ]
    (problem,) = report.problems
    assert problem.code == "version-not-bumped"
    assert problem.path.endswith("new/features/user/user_age.yaml")
    assert problem.line == 1  # version is not written: the object's first line
    assert problem.message == (
        "breaking change to feature 'user_age' (dtype int64 -> float64) without a version "
        "bump; set version: 2. Used by churn_model (data_science, @acme/data-science)"
    )
    assert report.failed
    assert report.teams_to_tell() == {"@acme/data-science": ["churn_model"]}


def test_a_version_bump_makes_a_breaking_change_pass(change: Assess) -> None:
    bumped = age("dtype: int64", "dtype: float64\nversion: 2")
    report = change({AGE: bumped})
    (assessment,) = report.assessments
    assert assessment.level == "breaking"
    assert [f.field for f in assessment.findings] == ["dtype", "version"]
    assert not report.problems and not report.failed


def test_a_version_that_goes_down_fails(change: Assess) -> None:
    before = {AGE: age("dtype: int64", "dtype: int64\nversion: 3")}
    report = change({AGE: age("dtype: int64", "dtype: int64\nversion: 2")}, before)
    (problem,) = report.problems
    assert "its version went down from 3 to 2; set version: 4" in problem.message
    assert problem.line == 6


def test_a_source_change_reaches_its_features(change: Assess) -> None:
    extra = {"entities/account.yaml": "name: account\njoin_keys: [account_id]\n"}
    new_profile = BASE_CATALOG[PROFILE].replace("entity: user", "entity: account")
    report = change({PROFILE: new_profile, **extra}, before=extra)

    by_name = {a.name: a for a in report.assessments}
    assert by_name["user_profile"].level == "breaking"
    for name in ("user_age", "user_country"):
        reached = by_name[name]
        assert reached.action == "affected"
        assert reached.findings == [
            Finding(
                "entity",
                "user",
                "account",
                "breaking",
                "rows describe another entity, joined on other keys",
                via="source user_profile",
            )
        ]
        assert [c.model for c in reached.consumers] == ["churn_model"]
        assert [p.code for p in reached.problems] == ["version-not-bumped"]
    assert "entity user -> account via source user_profile" in report.problems[0].message


def test_a_moved_data_path_warns_every_feature_of_the_source(change: Assess) -> None:
    moved = BASE_CATALOG[PROFILE].replace("path: user_profile.parquet", "path: v2/*.parquet")
    report = change({PROFILE: moved})
    assert {a.name: a.level for a in report.assessments} == {
        "user_profile": "warning",
        "user_age": "warning",
        "user_country": "warning",
    }
    assert not report.failed


def test_join_keys_changed_reach_features_through_sources(change: Assess) -> None:
    keys = "name: user\ndescription: A user.\njoin_keys: [user_id, tenant_id]\n"
    report = change({"entities/user.yaml": keys})
    affected = {a.name for a in report.assessments if a.action == "affected"}
    assert affected == {"user_age", "user_country"}
    assert report.assessments[-1].findings[0].via == "entity user"
    assert len(report.problems) == 2


def test_reordered_join_keys_are_compatible(change: Assess) -> None:
    two = "name: user\njoin_keys: [{}, {}]\n"
    report = change(
        {"entities/user.yaml": two.format("tenant_id", "user_id")},
        before={"entities/user.yaml": two.format("user_id", "tenant_id")},
    )
    assert [(a.name, a.level) for a in report.assessments] == [("user", "compatible")]


def test_removing_a_feature_a_model_still_uses_fails(change: Assess) -> None:
    report = change({COUNTRY: None})
    removed = next(a for a in report.assessments if a.name == "user_country")
    assert (removed.action, removed.level) == ("removed", "breaking")
    (problem,) = report.problems
    assert problem.code == "removed-feature-used"
    assert problem.path.endswith("new/models/churn_model.yaml")
    assert problem.line == 4
    assert "model 'churn_model' (team risk, @acme/risk) uses feature 'user_country'" in (
        problem.message
    )
    assert any(e.code == "unknown-reference" for e in report.errors)


def test_removing_a_feature_no_model_uses_passes(change: Assess) -> None:
    report = change({COUNTRY: None, CHURN: BASE_CATALOG[CHURN].replace(", user_country", "")})
    removed = next(a for a in report.assessments if a.name == "user_country")
    assert removed.level == "breaking"
    assert removed.consumers == [Consumer("churn_model", "risk", "@acme/risk", uses_now=False)]
    assert not report.failed


def test_a_rename_still_used_by_its_old_name_fails(change: Assess) -> None:
    renamed = BASE_CATALOG[COUNTRY].replace("name: user_country", "name: country")
    report = change({COUNTRY: None, "features/user/country.yaml": renamed})
    (problem,) = report.problems
    assert "was renamed to 'country'; use the new name" in problem.message


def test_a_followed_rename_needs_no_version_bump(change: Assess) -> None:
    renamed = BASE_CATALOG[COUNTRY].replace("name: user_country", "name: country")
    model = BASE_CATALOG[CHURN].replace("user_country", "country")
    report = change({COUNTRY: None, "features/user/country.yaml": renamed, CHURN: model})
    feature = next(a for a in report.assessments if a.kind is Kind.FEATURE)
    assert (feature.action, feature.level) == ("renamed", "breaking")
    assert not report.failed


def test_deprecation_warns_and_lists_who_still_uses_it(change: Assess) -> None:
    report = change({AGE: age("status: production", "status: deprecated")})
    (assessment,) = report.assessments
    assert assessment.level == "warning"
    assert [c.model for c in assessment.consumers] == ["churn_model"]
    assert report.teams_to_tell() == {"@acme/risk": ["churn_model"]}
    assert not report.failed


def test_compatible_changes_tell_no_one(change: Assess) -> None:
    report = change({AGE: age("tags: [demographics]", "tags: [pii]")})
    assert report.teams_to_tell() == {}
