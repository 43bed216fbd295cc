"""``featurecat validate`` through the front door: real files, the real command, exact text."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE_CATALOG
from tests.support import BASE_CATALOG, cli, init_repo, make_catalog, run

AGE = "catalog/features/user/user_age.yaml"


def feature(**fields: str) -> str:
    """A user_age definition with some fields replaced (value None drops the field)."""
    base = {
        "name": "user_age",
        "description": "Age.",
        "owner": "growth",
        "source": "user_profile",
        "dtype": "int64",
    }
    base.update(fields)
    return "".join(f"{k}: {v}\n" for k, v in base.items() if v is not None)


def validate(repo: Path, files: dict[str, str | bytes | None], *args: str) -> tuple[int, str]:
    make_catalog(repo / "catalog", files)
    result = cli("validate", *args, cwd=repo)
    return result.exit_code, result.output


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return init_repo(tmp_path / "repo")


# Each case: the files that break the catalog, and the exact lines a user reads.
BAD_INPUT = {
    "syntax error": (
        {"features/user/user_age.yaml": "name: user_age\ndescription: [unclosed\nowner: growth\n"},
        [
            f"{AGE}:3: error: invalid YAML: did not find expected ',' or ']' while parsing a flow "
            "sequence started on line 2; check the indentation and quoting [yaml-syntax]"
        ],
    ),
    "duplicate key": (
        {"features/user/user_age.yaml": feature() + "owner: risk\n"},
        [
            f"{AGE}:6: error: duplicate key 'owner' (first set on line 3); YAML would silently "
            "keep only the last one, so remove one of them [duplicate-key]"
        ],
    ),
    "unknown field": (
        {"features/user/user_age.yaml": feature(owner=None) + "ownr: growth\n"},
        [
            f"{AGE}:5: error: unknown field 'ownr' (did you mean 'owner'?); a feature has: name, "
            "description, owner, source, column, dtype, version, status, tags, ttl, replaced_by, "
            "expect "
            "[unknown-field]"
        ],
    ),
    "wrong type": (
        {"features/user/user_age.yaml": feature(version="two", tags="demographics")},
        [
            f"{AGE}:6: error: version: expected a whole number, got 'two' [invalid-value]",
            f"{AGE}:7: error: tags: expected a list (like [a, b]), got 'demographics' "
            "[invalid-value]",
        ],
    ),
    "bad name": (
        {
            "features/user/user_age.yaml": None,
            "features/user/User-Age.yaml": feature(name="User-Age"),
            "models/churn_model.yaml": None,
        },
        [
            "catalog/features/user/User-Age.yaml:1: error: name: 'User-Age' is not a valid name: "
            "use lowercase letters, digits and '_', starting with a letter (like user_age) "
            "[invalid-value]"
        ],
    ),
    "name and file name differ": (
        {"features/user/user_age.yaml": feature(name="user_years")},
        [
            f"{AGE}:1: error: name 'user_years' does not match the file name 'user_age.yaml'; "
            "rename the file to user_years.yaml or set name: user_age [name-mismatch]"
        ],
    ),
    "dangling reference": (
        {"features/user/user_age.yaml": feature(owner="grwth", source="user_profiles")},
        [
            f"{AGE}:3: error: owner: unknown team 'grwth' (did you mean 'growth'?); define it in "
            "teams/grwth.yaml or fix the name [unknown-reference]",
            f"{AGE}:4: error: source: unknown source 'user_profiles' (did you mean "
            "'user_profile'?); define it in sources/user_profiles.yaml or fix the name "
            "[unknown-reference]",
        ],
    ),
    "duplicate name across feature folders": (
        {"features/other/user_age.yaml": feature(description="Age, again.")},
        [
            f"{AGE}:1: error: feature 'user_age' is already defined in "
            "catalog/features/other/user_age.yaml:1; feature names must be unique, so rename or "
            "remove one [duplicate-name]"
        ],
    ),
    "alias bomb": (
        {"features/user/user_age.yaml": feature() + "tags: &t [pii, pii]\nttl: *t\n"},
        [
            f"{AGE}:6: error: YAML anchors and aliases (&name, *name) are not allowed; write the "
            "value out in full [yaml-alias]"
        ],
    ),
    "huge file": (
        {"features/user/user_age.yaml": feature(description="x" * (1 << 20))},
        [
            f"{AGE}:1: error: file is larger than 1,048,576 bytes, the limit for a definition; "
            "keep data out of YAML and put it under data_root [file-too-large]"
        ],
    ),
    "python tag": (
        {
            "features/user/user_age.yaml": feature(
                description="!!python/object/apply:os.system ['touch pwned']"
            )
        },
        [
            f"{AGE}:2: error: YAML tags such as '!!python/object/apply:os.system' are not allowed; "
            "remove the tag and write a plain value [yaml-tag]"
        ],
    ),
    "path escaping the repository": (
        {
            "sources/user_profile.yaml": BASE_CATALOG["sources/user_profile.yaml"].replace(
                "path: user_profile.parquet", "path: ../../../etc/passwd.csv"
            )
        },
        [
            "catalog/sources/user_profile.yaml:5: error: path '../../../etc/passwd.csv' points "
            "outside the repository; keep data inside the repository, relative to data_root "
            "'data' [path-escapes-repo]"
        ],
    ),
    "missing field": (
        {"features/user/user_age.yaml": "# Age of users.\n" + feature(description=None)},
        [f"{AGE}:2: error: missing required field 'description' for this feature [missing-field]"],
    ),
    "ttl that no engine can hold": (
        {"features/user/user_age.yaml": feature(ttl="5000000000d")},
        [
            f"{AGE}:6: error: ttl: '5000000000d' is longer than 36500d (100 years); leave ttl out "
            "for values that never expire [invalid-value]"
        ],
    ),
    "feature named like a column of the entity rows": (
        {
            "features/user/user_id.yaml": feature(name="user_id", column="age"),
            "features/user/event_timestamp.yaml": feature(
                name="event_timestamp", column="age_group"
            ),
        },
        [
            "catalog/features/user/event_timestamp.yaml:1: error: feature 'event_timestamp' has "
            "the name of the entity rows' timestamp column; loaded features are columns named "
            "after the feature, so choose another name [name-collision]",
            "catalog/features/user/user_id.yaml:1: error: feature 'user_id' has the name of a "
            "join key of entity 'user'; loaded features are columns named after the feature, so "
            "choose another name [name-collision]",
        ],
    ),
    "absolute data_root": (
        {"featurecat.yaml": "name: test\ndata_root: /srv/data\n"},
        [
            "catalog/featurecat.yaml:2: error: data_root: path '/srv/data' is absolute; write it "
            "relative to the catalog folder [invalid-value]"
        ],
    ),
    "replaced_by without deprecation": (
        {"features/user/user_age.yaml": feature(replaced_by="user_country")},
        [
            f"{AGE}:6: error: replaced_by: replaced_by is only allowed when status is deprecated "
            "(status is 'draft'); set status: deprecated or remove replaced_by [invalid-value]"
        ],
    ),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_gets_exact_file_line_errors(repo: Path, case: str) -> None:
    files, expected = BAD_INPUT[case]
    code, output = validate(repo, files)
    assert code == 1
    lines = output.splitlines()
    assert lines[:-1] == expected
    assert lines[-1].startswith(f"FAILED: {len(expected)} error")


def test_python_tag_is_never_executed(repo: Path) -> None:
    marker = repo / "pwned"
    payload = f"!!python/object/apply:os.system ['touch {marker}']"
    validate(repo, {"features/user/user_age.yaml": feature(description=payload)})
    assert not marker.exists()


def test_alias_bomb_is_refused_quickly(repo: Path) -> None:
    # A billion-laughs document: 9 levels of 9 aliases each would expand to 387 million items.
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    code, output = validate(repo, {"features/user/user_age.yaml": "\n".join(lines) + "\n"})
    assert code == 1
    assert f"{AGE}:1: error: YAML anchors and aliases" in output


def test_symlink_out_of_the_repository_is_refused(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.parquet"
    outside.write_bytes(b"PAR1")
    (repo / "catalog" / "data").mkdir(parents=True)
    os.symlink(outside, repo / "catalog" / "data" / "user_profile.parquet")
    code, output = validate(repo, {})
    assert code == 1
    assert (
        "catalog/sources/user_profile.yaml:5: error: path 'user_profile.parquet' leads "
        "outside the repository through a symbolic link"
    ) in output


def test_every_error_is_reported_in_one_run(repo: Path) -> None:
    code, output = validate(
        repo,
        {
            "features/user/user_age.yaml": feature(dtype="int"),
            "features/user/user_country.yaml": "name: user_country\n  bad: indent\n",
            "models/churn_model.yaml": "name: churn_model\nowner: nobody\nfeatures: [user_agee]\n",
            "teams/risk.yaml": "name: risk\nslack: '#risk'\n",
        },
    )
    assert code == 1
    reported = {line.split(": ")[0] for line in output.splitlines()[:-1]}
    assert reported == {
        f"{AGE}:5",
        "catalog/features/user/user_country.yaml:2",
        "catalog/models/churn_model.yaml:2",
        "catalog/models/churn_model.yaml:3",
        "catalog/teams/risk.yaml:2",
    }
    assert output.splitlines()[-1] == "FAILED: 5 errors in 8 files"


def test_yaml_1_1_surprises_do_not_happen(repo: Path) -> None:
    # NO, yes and on stay strings (tags); they are not booleans.
    code, output = validate(repo, {"features/user/user_age.yaml": feature(tags="[no, yes, on]")})
    assert code == 0, output
    from featurecat import Catalog

    assert Catalog.load(repo / "catalog").features["user_age"].tags == ["no", "yes", "on"]


def test_the_example_catalog_is_valid() -> None:
    result = cli("validate", "--catalog", EXAMPLE_CATALOG, "--check-data")
    assert result.exit_code == 0, result.output
    last = result.output.splitlines()[-1]
    assert last.startswith(
        "OK: catalog 'acme' is valid: 23 features, 5 sources, 3 entities, 4 teams, 2 models"
    )
    assert (
        "warning: model 'churn_model' uses deprecated feature 'user_order_count_30d'; "
        "switch to 'orders_30d' [deprecated-feature]" in result.output
    )


def test_deprecated_feature_warns_and_strict_fails(repo: Path) -> None:
    deprecated = feature(status="deprecated", replaced_by="user_country")
    code, output = validate(repo, {"features/user/user_age.yaml": deprecated})
    assert code == 0
    assert (
        "catalog/models/churn_model.yaml:4: warning: model 'churn_model' uses deprecated "
        "feature 'user_age'; switch to 'user_country' [deprecated-feature]"
    ) in output
    strict = cli("validate", "--strict", cwd=repo)
    assert strict.exit_code == 1
    assert "catalog/models/churn_model.yaml:4: error: model 'churn_model' uses" in strict.output


def test_json_format(repo: Path) -> None:
    code, output = validate(
        repo, {"features/user/user_age.yaml": feature(dtype="int")}, "--format", "json"
    )
    assert code == 1
    document = json.loads(output)
    assert document["valid"] is False
    assert document["errors"] == [
        {
            "path": AGE,
            "line": 5,
            "column": 1,
            "code": "invalid-value",
            "severity": "error",
            "message": "dtype: 'int' is not allowed; use one of 'int32', 'int64', 'float32', "
            "'float64', 'bool', 'string' or 'timestamp'",
        }
    ]
    code, output = validate(repo, {"features/user/user_age.yaml": feature()}, "--format", "json")
    assert code == 0
    assert json.loads(output) == {
        "valid": True,
        "catalog": "test",
        "files": 8,
        "errors": [],
        "warnings": [],
    }


def test_github_format_escapes_and_annotates(repo: Path) -> None:
    code, output = validate(
        repo, {"features/user/user_age.yaml": feature(owner="'a,b:c'")}, "--format", "github"
    )
    assert code == 1
    assert output.splitlines() == [
        f"::error file={AGE},line=3::owner: 'a,b:c' is not "
        "a valid team name: use lowercase letters, digits, '_' and '-', starting with a letter "
        "(like growth) [invalid-value]"
    ]


def test_github_paths_start_at_the_workspace_inside_a_workflow(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_catalog(repo / "catalog", {"features/user/user_age.yaml": feature(dtype="int")})
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo))
    result = cli("validate", "--format", "github", cwd=repo / "catalog" / "features")
    assert result.output.startswith(f"::error file={AGE},line=5::")
    text = cli("validate", cwd=repo / "catalog" / "features")
    assert text.output.startswith("user/user_age.yaml:5: error:")  # text stays cwd-relative


def test_paths_are_relative_to_the_current_folder(repo: Path) -> None:
    make_catalog(repo / "catalog", {"features/user/user_age.yaml": feature(dtype="int")})
    inside = cli("validate", cwd=repo / "catalog" / "features")
    assert inside.output.startswith("user/user_age.yaml:5: error:")
    elsewhere = cli("validate", "--catalog", repo / "catalog", cwd=repo.parent)
    assert elsewhere.output.startswith("repo/catalog/features/user/user_age.yaml:5: error:")


def test_catalog_discovery_and_usage_errors(repo: Path, tmp_path: Path) -> None:
    make_catalog(repo / "catalog")
    assert cli("validate", cwd=repo).exit_code == 0  # ./catalog/featurecat.yaml
    assert cli("validate", cwd=repo / "catalog" / "teams").exit_code == 0  # a parent folder
    assert cli("validate", "--catalog", repo / "catalog" / "featurecat.yaml").exit_code == 0
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli("validate", cwd=empty)
    assert result.exit_code == 2
    assert "no catalog found" in result.output
    result = cli("validate", "--catalog", tmp_path / "nope")
    assert result.exit_code == 2
    assert "no such folder" in result.output
    assert cli("validate", "--format", "xml", cwd=repo).exit_code == 2


def test_check_data_finds_missing_columns_and_wrong_dtypes(repo: Path) -> None:
    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog")
    age = repo / "catalog/features/user/user_age.yaml"
    # Without its contract, which a string feature could not have (a range).
    age.write_text(age.read_text().split("expect:")[0].replace("dtype: int64", "dtype: string"))
    country = repo / "catalog/features/user/user_country.yaml"
    country.write_text(country.read_text().replace("column: country", "column: contry"))
    (repo / "catalog/data/merchant_stats.csv").unlink()
    result = cli("validate", "--check-data", cwd=repo)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.startswith("catalog/features/user/user_age.yaml:")
        and "dtype string does not match the data: column 'user_age' of source "
        "'user_profile' holds int64"
        in line
        for line in lines
    ), lines
    assert any(
        line.startswith("catalog/features/user/user_country.yaml:")
        and "column 'contry' is not in source 'user_profile' (did you mean 'country'?)" in line
        for line in lines
    ), lines
    assert any(
        line.startswith("catalog/sources/merchant_stats.yaml:") and "no data file at" in line
        for line in lines
    ), lines
    assert cli("validate", cwd=repo).exit_code == 0  # without --check-data, data isn't opened


def test_check_data_finds_sources_of_one_entity_with_different_key_types(repo: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog")
    payments = repo / "catalog/data/user_payments.parquet"
    table = pq.read_table(payments)
    at = table.schema.get_field_index("user_id")
    pq.write_table(table.set_column(at, "user_id", table["user_id"].cast(pa.string())), payments)
    result = cli("validate", "--check-data", cwd=repo)
    assert result.exit_code == 1
    assert (
        "catalog/sources/user_payments.yaml:6: error: join key 'user_id' holds string values "
        "here but integer values in sources 'user_activity_daily', 'user_profile' of entity "
        "'user', so their features cannot be loaded together; store 'user_id' as integer "
        "[data-join-key]"
    ) in result.output.splitlines()
    assert "user_profile.yaml:6: error" not in result.output


def test_python_m_featurecat_prints_no_traceback(repo: Path) -> None:
    make_catalog(repo / "catalog", {"features/user/user_age.yaml": b"name: \xff\xfe\n"})
    done = run("validate", cwd=repo)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.startswith(f"{AGE}:1: error: file is not UTF-8 text")
    done = run("validate", "--catalog", "missing", cwd=repo)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: missing: no such folder")
    assert "Traceback" not in done.stderr


def test_check_data_refuses_a_ref_it_cannot_honour(repo: Path) -> None:
    make_catalog(repo / "catalog")
    result = cli("validate", "--ref", "HEAD", "--check-data", cwd=repo)
    assert result.exit_code == 2
    assert "--check-data reads the data files in the working tree, not as they were at HEAD" in (
        result.output
    )


def test_check_data_still_runs_when_a_definition_is_broken(repo: Path) -> None:
    shutil.copytree(EXAMPLE_CATALOG, repo / "catalog")
    (repo / "catalog/teams/risk.yaml").write_text("name: risk\nbogus: 1\n")
    country = repo / "catalog/features/user/user_country.yaml"
    country.write_text(country.read_text().replace("dtype: string", "dtype: int64"))
    result = cli("validate", "--check-data", cwd=repo)
    assert result.exit_code == 1
    paths = [line.split(":")[0] for line in result.output.splitlines() if ": error: " in line]
    assert paths == ["catalog/features/user/user_country.yaml", "catalog/teams/risk.yaml"]


def test_a_schema_error_does_not_hide_the_same_files_reference_errors(repo: Path) -> None:
    code, output = validate(
        repo,
        {
            "features/user/user_age.yaml": feature(owner="nobody", version="0"),
            "features/user/user_country.yaml": feature(name="wrong_name", source="nosrc"),
        },
    )
    assert code == 1
    assert output.splitlines()[:-1] == [
        f"{AGE}:3: error: owner: unknown team 'nobody'; define it in teams/nobody.yaml or fix "
        "the name [unknown-reference]",
        f"{AGE}:6: error: version: must be at least 1, got '0' [invalid-value]",
        "catalog/features/user/user_country.yaml:1: error: name 'wrong_name' does not match the "
        "file name 'user_country.yaml'; rename the file to wrong_name.yaml or set name: "
        "user_country [name-mismatch]",
        "catalog/features/user/user_country.yaml:4: error: source: unknown source 'nosrc'; "
        "define it in sources/nosrc.yaml or fix the name [unknown-reference]",
    ]


def test_misplaced_definitions_are_not_ignored_silently(repo: Path) -> None:
    code, output = validate(
        repo,
        {
            "featuers/user_tenure.yaml": feature(name="user_tenure"),
            "features/user/user_tenure.YAML": feature(name="user_tenure"),
            "teams/sub/ops.yaml": "name: ops\n",
            "data/notes.yaml": "not: a definition\n",  # data folders are not looked at
        },
    )
    assert code == 0
    assert output.splitlines()[:3] == [
        "catalog/featuers/user_tenure.yaml:1: warning: ignored: 'featuers/' is not a catalog "
        "folder; did you mean 'features/'? [misplaced-file]",
        "catalog/features/user/user_tenure.YAML:1: warning: ignored: definition files end in "
        ".yaml or .yml, in lower case; rename it [misplaced-file]",
        "catalog/teams/sub/ops.yaml:1: warning: ignored: only features/ has sub-folders; move "
        "this file into teams/ [misplaced-file]",
    ]
