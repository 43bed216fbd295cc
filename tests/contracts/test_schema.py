"""Declared expectations: validated like every other field, with the expectation's own line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from featurecat import Catalog
from featurecat.contracts.kinds import KINDS, kinds_for
from tests.support import BASE_CATALOG, cli, init_repo, make_catalog

AGE = "features/user/user_age.yaml"
COUNTRY = "features/user/user_country.yaml"
PROFILE = "sources/user_profile.yaml"


def with_expect(relpath: str, block: str) -> dict[str, str]:
    return {relpath: BASE_CATALOG[relpath] + "expect:\n" + textwrap.indent(block, "  ")}


def validate(tmp_path: Path, files: dict[str, str]) -> tuple[int, list[str]]:
    repo = init_repo(tmp_path / "repo")
    make_catalog(repo / "catalog", files)
    result = cli("validate", cwd=repo)
    return result.exit_code, result.output.splitlines()[:-1]


def test_a_realistic_contract_validates_and_loads(tmp_path: Path) -> None:
    files = {
        **with_expect(
            AGE,
            "not_null: {max_share: 15%, severity: warn}\n"
            "range: {min: 0, max: 120}\n"
            "unique: true\n"
            "min_rows: 100\n"
            "drift: {max_psi: 0.2, max_mean_change: 50%}\n",
        ),
        **with_expect(COUNTRY, "accepted_values: [US, GB, 'NO', '1.10']\n"),
        **with_expect(PROFILE, "freshness: {warn_after: 2d, error_after: 7d}\nmin_rows: 1000\n"),
    }
    status, lines = validate(tmp_path, files)
    assert (status, lines) == (0, [])
    catalog = Catalog.load(tmp_path / "repo/catalog")
    age = catalog.features["user_age"].expect
    assert age is not None
    assert [kind for kind, _ in age.declared()] == [
        "not_null",
        "range",
        "unique",
        "min_rows",
        "drift",
    ]
    assert age.not_null.max_share == 0.15 and age.not_null.severity == "warn"
    assert age.range.min == 0 and age.range.max == 120 and age.range.severity == "error"
    # Scalars stay as written: 'NO' is not False, 1.10 is not 1.1.
    country = catalog.features["user_country"].expect
    assert country is not None and country.accepted_values.values == ["US", "GB", "NO", "1.10"]
    profile = catalog.sources["user_profile"].expect
    assert profile is not None
    assert profile.freshness.warn_after == "2d" and profile.min_rows.min == 1000


BAD = {
    "unknown kind": (
        with_expect(AGE, "range: {min: 0}\nnot_nul: true\n"),
        "catalog/features/user/user_age.yaml:10: error: expect.not_nul: unknown expectation "
        "'not_nul' (did you mean 'not_null'?); a feature can expect: not_null, range, "
        "accepted_values, unique, min_rows, drift [invalid-value]",
    ),
    "unknown setting in block style": (
        with_expect(AGE, "not_null:\n  severity: warn\n  max_shar: 5%\n"),
        "catalog/features/user/user_age.yaml:11: error: expect.not_null.max_shar: unknown "
        "setting 'max_shar' (did you mean 'max_share'?); not_null takes: severity, max_share "
        "[invalid-value]",
    ),
    "source kind on a feature": (
        with_expect(AGE, "freshness: {warn_after: 1d}\n"),
        "catalog/features/user/user_age.yaml:9: error: expect.freshness: unknown expectation "
        "'freshness'; a feature can expect: not_null, range, accepted_values, unique, "
        "min_rows, drift [invalid-value]",
    ),
    "feature kind on a source": (
        with_expect(PROFILE, "min_rows: 10\nnot_null: true\n"),
        "catalog/sources/user_profile.yaml:9: error: expect.not_null: unknown expectation "
        "'not_null'; a source can expect: min_rows, freshness [invalid-value]",
    ),
    "range on a string": (
        with_expect(COUNTRY, "not_null: true\nrange: {min: 0}\n"),
        "catalog/features/user/user_country.yaml:9: error: expect.range: range does not apply "
        "to a string feature; it applies to int32, int64, float32, float64 features "
        "[invalid-value]",
    ),
    "accepted values on a float": (
        {
            AGE: BASE_CATALOG[AGE].replace("int64", "float64")
            + "expect:\n  accepted_values: [1, 2]\n"
        },
        "catalog/features/user/user_age.yaml:9: error: expect.accepted_values: accepted_values "
        "does not apply to a float64 feature; it applies to int32, int64, bool, string features "
        "[invalid-value]",
    ),
    "accepted value not an integer": (
        with_expect(AGE, "accepted_values: [1, two]\n"),
        "catalog/features/user/user_age.yaml:9: error: expect.accepted_values: 'two' is not a "
        "whole number [invalid-value]",
    ),
    "unknown parameter": (
        with_expect(AGE, "range: {min: 0, mx: 3}\n"),
        "catalog/features/user/user_age.yaml:9: error: expect.range.mx: unknown setting 'mx' "
        "(did you mean 'max'?); range takes: severity, min, max [invalid-value]",
    ),
    "not a share": (
        with_expect(AGE, "not_null: {max_share: 15}\n"),
        "catalog/features/user/user_age.yaml:9: error: expect.not_null.max_share: '15' is not a "
        "share; write it like 5% or 0.05 [invalid-value]",
    ),
    "bad severity": (
        with_expect(AGE, "unique: {severity: warning}\n"),
        "catalog/features/user/user_age.yaml:9: error: expect.unique.severity: 'warning' is not "
        "allowed; use one of 'error' or 'warn' [invalid-value]",
    ),
    "flag set to false": (
        with_expect(AGE, "unique: false\n"),
        "catalog/features/user/user_age.yaml:9: error: expect.unique: write 'unique: true' (or a "
        "mapping of its settings), or remove it [invalid-value]",
    ),
    "empty range": (
        with_expect(AGE, "range: {severity: warn}\n"),
        "catalog/features/user/user_age.yaml:9: error: expect.range: a range needs min, max or "
        "both [invalid-value]",
    ),
    "range upside down": (
        with_expect(AGE, "range: {min: 10, max: 1}\n"),
        "catalog/features/user/user_age.yaml:9: error: expect.range: min 10.0 is larger than "
        "max 1.0 [invalid-value]",
    ),
    "freshness upside down": (
        with_expect(PROFILE, "freshness: {warn_after: 7d, error_after: 2d}\n"),
        "catalog/sources/user_profile.yaml:8: error: expect.freshness: warn_after must be "
        "shorter than error_after [invalid-value]",
    ),
    "freshness duration": (
        with_expect(PROFILE, "freshness: {error_after: 2 days}\n"),
        "catalog/sources/user_profile.yaml:8: error: expect.freshness.error_after: '2 days' is "
        "not a valid duration: write a whole number and a unit, one of s, m, h, d, w (like 30d "
        "or 12h) [invalid-value]",
    ),
    "expect is not a mapping": (
        {AGE: BASE_CATALOG[AGE] + "expect: [not_null]\n"},
        "catalog/features/user/user_age.yaml:8: error: expect: Input should be a valid "
        "dictionary or instance of FeatureExpectations [invalid-value]",
    ),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_expectations_are_errors_on_their_own_line(tmp_path: Path, case: str) -> None:
    files, expected = BAD[case]
    status, lines = validate(tmp_path, files)
    assert status == 1
    assert lines == [expected]


def test_the_json_schema_covers_expectations() -> None:
    result = cli("schema")
    schemas = json.loads(result.output)
    feature, source = schemas["feature"], schemas["source"]
    good = yaml.safe_load(
        BASE_CATALOG[AGE]
        + "expect:\n  not_null: {max_share: 15%, severity: warn}\n  range: {min: 0, max: 120}\n"
        "  unique: true\n  min_rows: 10\n  accepted_values: [1, 2]\n  drift: true\n"
    )
    jsonschema.validate(good, feature)
    jsonschema.validate(
        yaml.safe_load(
            BASE_CATALOG[PROFILE] + "expect:\n  freshness: {warn_after: 1d}\n  min_rows: 5\n"
        ),
        source,
    )
    for bad in (
        {"not_nul": True},
        {"unique": False},
        {"not_null": {"max_share": "lots"}},
        {"range": {"min": 0, "severity": "fatal"}},
        {"min_rows": 0},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**good, "expect": bad}, feature)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**good, "expect": {"freshness": {"warn_after": "1d"}}}, feature)


def test_every_kind_is_declared_where_its_targets_say() -> None:
    from featurecat.schema.expect import FeatureExpectations, SourceExpectations

    assert list(FeatureExpectations.model_fields) == [s.name for s in kinds_for("feature")]
    assert list(SourceExpectations.model_fields) == [s.name for s in kinds_for("source")]
    assert {s.name for s in kinds_for("feature")} | {s.name for s in kinds_for("source")} == set(
        KINDS
    )
